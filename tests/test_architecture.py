"""Rules about the code itself: no import cycle in the package, no command-line flag in a library error,
shared test helpers in devoplan.testing (test files do not import each other)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx

import devoplan

FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
PACKAGE = Path(devoplan.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = ["devoplan", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, modules: dict[str, Path]) -> set[str]:
    """Modules of the package a module imports, at load time or inside functions (not for typing only)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                found.add(sub if sub in modules else node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in found if m in modules}


def test_no_import_cycle_in_the_package() -> None:
    modules = _modules()
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        for target in _imports(ast.parse(path.read_text(encoding="utf-8")), modules):
            # a package's __init__ re-exporting its own modules is not a cycle between two ideas
            if target != name and not name.startswith(f"{target}.") and not target.startswith(f"{name}."):
                graph.add_edge(name, target)
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert not cycles, f"import cycles: {cycles}"


def test_the_cycle_checker_sees_a_cycle() -> None:
    graph = nx.DiGraph([("a", "b"), ("b", "a")])
    assert [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1] == [["a", "b"]]
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import devoplan.plan\n"
                     "def f():\n    from devoplan.zoning import Zoning\n")
    assert _imports(tree, _modules()) == {"devoplan.zoning"}


def _flags_in_raises(source: str) -> list[tuple[int, str]]:
    hits = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise) and node.exc is not None:
            for sub in ast.walk(node.exc):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and FLAG.search(sub.value):
                    hits.append((sub.lineno, sub.value))
    return hits


def test_library_errors_name_fields_not_command_line_flags() -> None:
    """Outside cli.py and commands/, errors name parameters (``max_pop``); the CLI maps them to flags."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel == "cli.py" or rel.startswith("commands/"):
            continue
        offenders += [f"{rel}:{line}: {text!r}" for line, text in _flags_in_raises(path.read_text(encoding="utf-8"))]
    assert not offenders, "library errors naming command-line flags:\n" + "\n".join(offenders)


def test_the_flag_checker_sees_a_flag() -> None:
    assert _flags_in_raises("raise ValueError(f'--max-pop {x} is too small')")
    assert not _flags_in_raises("raise ValueError(f'max_pop {x} is too small; x--y')")


TESTS = Path(__file__).resolve().parent


def _test_tree_imports(source: str) -> list[str]:
    """Modules under ``tests`` that a test file imports (``tests.x``, ``from tests... import``,
    relative imports): shared helpers belong in ``devoplan.testing``, not in another test file."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name == "tests" or a.name.startswith("tests.")]
        elif isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").split(".")[0] == "tests"):
            found.append("." * node.level + (node.module or ""))
    return found


def test_test_files_take_shared_helpers_from_devoplan_testing() -> None:
    offenders = {str(p.relative_to(TESTS)): found for p in sorted(TESTS.rglob("*.py"))
                 if (found := _test_tree_imports(p.read_text(encoding="utf-8")))}
    assert offenders == {}, f"test files importing other test files (move the helper to devoplan.testing): {offenders}"


def test_the_test_import_checker_sees_one() -> None:
    assert _test_tree_imports("from tests.test_report import tiny_geography\n") == ["tests.test_report"]
    assert _test_tree_imports("from .conftest import Api\nimport tests.cli\n") == [".conftest", "tests.cli"]
    assert _test_tree_imports("from devoplan.testing import grid_geography\n") == []

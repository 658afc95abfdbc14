"""Every Python snippet in README.md and docs/*.md runs as written; every documented command line is real.

Python: the snippets of one file run in order in one namespace (a later snippet may use names an
earlier one made, as a reader following the page would), in an empty working folder. A snippet
whose fence is preceded by ``<!-- snippet: expensive ... -->`` (it runs the optimiser for
minutes) is compiled here and run only when ``DEVOPLAN_EXPENSIVE_SNIPPETS=1``.

Shell: each ``devoplan ...`` line in a code block names a real command with options it has; the
cheap ones listed in :data:`RUN` (no input files, seconds each) are run and must succeed.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main

from devoplan.cli import app
from devoplan.testing.cli import run_cli

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"(<!-- snippet: expensive[^>]*-->\s*\n)?```(\w*)\n(.*?)```", re.S)
RUN = (
    'devoplan whatif ICB26 --move "West Lancashire=QYG"',
    'devoplan whatif ICB26 --move "west lancashire=NHS Cheshire and Merseyside ICB" --move E07000117=QYG --json',
    "devoplan outcomes --layer RGN --json -i cvd_u75",
    "devoplan markets --layer ICB",
)

# Commands a page documents before their module has landed (skipped while absent, checked once present).
PENDING = {
    "serve": "the web workspace's API server (issue 14, docs/workspace-ui.md)",
    "users": "the web workspace's user accounts (issue 14, docs/workspace-ui.md)",
}


def _blocks(page: Path) -> list[tuple[int, str, str, bool]]:
    text = page.read_text(encoding="utf-8")
    return [(text[: m.start()].count("\n") + 1, m.group(2), m.group(3), m.group(1) is not None)
            for m in FENCE.finditer(text)]


def _python_pages() -> list[Path]:
    return [p for p in PAGES if any(lang == "python" for _, lang, _, _ in _blocks(p))]


@pytest.mark.parametrize("page", _python_pages(), ids=lambda p: p.name)
def test_python_snippets_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__snippet__"}
    for line, lang, code, expensive in _blocks(page):
        if lang != "python":
            continue
        compiled = compile(code, f"{page.name}:{line}", "exec")
        if expensive and os.environ.get("DEVOPLAN_EXPENSIVE_SNIPPETS") != "1":
            continue
        exec(compiled, namespace)


def _command_lines() -> list[tuple[str, str]]:
    out = []
    for page in PAGES:
        for line, lang, code, _ in _blocks(page):
            if lang == "python":
                continue
            text = re.sub(r"\\\n\s*", " ", code)  # continued lines
            for i, row in enumerate(text.splitlines()):
                row = row.split(" # ")[0].split("  #")[0].strip()
                if row.startswith("devoplan "):
                    out.append((f"{page.name}:{line + i + 1}", row))
    return out


def _command(args: list[str]) -> tuple[Any, list[str]]:
    """The command a documented line runs (through command groups such as ``data``) and its arguments; options
    before any subcommand belong to the group itself (``devoplan roadmap --plan P``)."""
    command: Any = typer.main.get_command(app)
    if args and args[0] in PENDING and args[0] not in command.commands:
        pytest.skip(f"'devoplan {args[0]}' is documented ahead of its command module: {PENDING[args[0]]}")
    while getattr(command, "commands", None) and args and not args[0].startswith("-"):  # a group's own options
        assert args[0] in command.commands, f"no command '{args[0]}'"
        command, args = command.commands[args[0]], args[1:]
    return command, args


@pytest.mark.parametrize(("where", "line"), _command_lines(), ids=lambda x: x if ":" in x else "")
def test_documented_commands_exist_with_their_options(where: str, line: str) -> None:
    args = shlex.split(line.split("&&")[0].split(">")[0])[1:]
    command, rest = _command(args)
    known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    for token in rest:
        if token.startswith("-") and not token.startswith("[") and token != "-":
            assert token.split("=")[0] in known, f"{where}: {line!r}: '{token}' is not an option of the command"


@pytest.mark.parametrize("line", RUN)
def test_cheap_documented_commands_run(line: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert any(line == documented for _, documented in _command_lines()), f"{line!r} is no longer documented"
    code, _, err = run_cli(shlex.split(line)[1:], capsys)
    assert code == 0, err


def test_the_checks_see_a_wrong_option_and_an_expensive_marker(tmp_path: Path) -> None:
    command, rest = _command(["data", "build", "--source", "x"])
    known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    assert rest == ["--source", "x"] and "--source" in known and "--sauce" not in known
    page = tmp_path / "page.md"
    page.write_text("<!-- snippet: expensive (minutes) -->\n```python\nx = 1\n```\n\n```python\ny = 2\n```\n")
    assert [(lang, expensive) for _, lang, _, expensive in _blocks(page)] == [("python", True), ("python", False)]

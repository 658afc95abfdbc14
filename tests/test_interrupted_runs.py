"""Interrupted and concurrent runs: the output folder holds the previous complete set or the new one.

Runs are started as child processes from a fork server that has imported devoplan once (so a trial
costs the run, not the imports) and killed with SIGKILL at random moments. After every kill the
folder must equal, byte for byte, one of the two complete output sets, and a user's own file in it
must survive. Kill times are drawn from a seeded generator, so a failure reproduces.
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import os
import pickle
import random
import re
import signal
import threading
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from devoplan.fileio import MANIFEST, output_set

TRIALS = 20
DEMO_TRIALS = 6
STAMP = re.compile(rb"on \d{4}-\d\d-\d\d \d\d:\d\d UTC")
NOTE = "notes.txt"  # a user's own file in the output folder: never touched


@pytest.fixture(scope="module")
def ctx() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["devoplan.cli", "devoplan.pipeline", "devoplan.report.figures",
                                   "devoplan.report.sections", "tests.test_interrupted_runs"])
    warm = context.Process(target=os.getpid)  # starts the fork server (imports devoplan) before any timing
    warm.start()
    warm.join(120)
    return context


def _quiet(func: Callable[..., Any], *args: Any) -> None:
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        func(*args)


def run_cli(argv: list[str]) -> None:
    """Child: ``devoplan ARGV``; exits with its status."""
    from devoplan.cli import main

    _quiet(main, argv)


def write_demo(inputs: str, variant: int, out: str) -> None:
    """Child: the demo's output step (report, maps, tables) for precomputed results."""
    from devoplan.pipeline import write_outputs

    geo, result, fundings, docs = pickle.loads(Path(inputs).read_bytes())
    _quiet(write_outputs, geo, result, fundings[variant], docs[variant], Path(out))


def write_many(out: str, variant: int, n: int) -> None:
    """Child: an output set of ``n`` files, each saying which variant wrote it."""
    with output_set(Path(out)) as tmp:
        for i in range(n):
            (tmp / f"part{i // 100}").mkdir(exist_ok=True)
            (tmp / f"part{i // 100}" / f"f{i}.txt").write_text(f"{variant}:{i}\n")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (the user's note excluded) by relative path; the report's footer
    time ("on 2026-12-05 10:15 UTC") is blanked, as it is the one thing two identical runs differ in."""
    return {p.relative_to(folder).as_posix(): STAMP.sub(b"on <time>", p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != NOTE}


def _start(ctx: Any, target: Callable[..., None], *args: Any) -> Any:
    proc = ctx.Process(target=target, args=args)
    proc.start()
    return proc


def _complete(ctx: Any, target: Callable[..., None], *args: Any) -> float:
    t0 = time.perf_counter()
    proc = _start(ctx, target, *args)
    proc.join(120)
    assert proc.exitcode in (0, None) or proc.exitcode == 0, proc.exitcode
    return time.perf_counter() - t0


def kill_trials(ctx: Any, out: Path, sets: list[dict[str, bytes]], run: Callable[[int], tuple[Any, ...]],
                duration: float, seed: int, trials: int = TRIALS) -> list[str]:
    """SIGKILL ``trials`` runs at random moments; after each the folder must be one complete set.

    Each run writes the set the folder does not hold now; half the kills fall anywhere in a run, half
    in its last fifth, where files are written and moved. Returns what each trial left ('old'/'new').
    """
    rng = random.Random(seed)
    seen = []
    for trial in range(trials):
        now = snapshot(out)
        assert now in sets, f"trial {trial}: the folder is not a complete output set"
        variant = 1 - sets.index(now)
        moment = duration * (rng.uniform(0.0, 1.05) if trial % 2 else rng.uniform(0.8, 1.05))
        proc = _start(ctx, *run(variant))
        time.sleep(moment)
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        proc.join(60)
        after = snapshot(out)
        assert after in sets, f"trial {trial}: killed at {moment:.2f}s, the folder mixes two output sets"
        assert (out / NOTE).read_text() == "mine", "the user's own file was touched"
        seen.append("old" if after == now else "new")
    return seen


def _assert_cleaned(out: Path) -> None:
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    assert leftovers == [], leftovers


# -- design -----------------------------------------------------------------------------------------
def grid_geography(directory: Path, side: int = 4) -> Path:
    """A side x side grid of units with one partition layer H of 2x2 blocks."""
    directory.mkdir(parents=True)
    codes = [f"U{i:02d}" for i in range(side * side)]
    units = ["code,name,population"] + [f"{c},Unit {c},{1000 + 37 * i}" for i, c in enumerate(codes)]
    blocks = [(i // side) // 2 * (side // 2) + (i % side) // 2 for i in range(side * side)]
    files = {
        "manifest.json": json.dumps({"name": "Grid", "format": 1}),
        "units.csv": "\n".join(units) + "\n",
        "layers.csv": "layer,name,kind,vintage,source\nH,Health,partition,2024,test\n",
        "areas.csv": "layer,area_code,area_name\n" + "".join(f"H,H{b},Block {b}\n" for b in sorted(set(blocks))),
        "memberships.csv": "layer,unit_code,area_code,weight\n" + "".join(
            f"H,{c},H{b},1\n" for c, b in zip(codes, blocks, strict=True)),
        "adjacency.csv": "unit_a,unit_b,length_m,kind,note\n" + "".join(
            f"{codes[i]},{codes[j]},10,border,\n" for i in range(side * side) for j in (i + 1, i + side)
            if j < side * side and (j == i + side or j % side)),
    }
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def design_argv(geo: Path, out: Path, variant: int) -> list[str]:
    # A small evaluation budget and the wall-clock guard off, so the search always ends on its budget and
    # load cannot change the plan (the trials compare folders byte for byte with reference runs).
    return ["design", "-g", str(geo), "--areas", str(2 + variant), "--health", "H", "--economic", "H",
            "--keep-whole", "none", "--time-limit", "0.05", "--quiet", "--no-bound", "--wall-guard", "inf",
            "--out", str(out)]


def _two_sets(ctx: Any, tmp: Path, make: Callable[[int, Path], tuple[Any, ...]],
              repeat: int = 2) -> tuple[list[dict[str, bytes]], float]:
    """The two complete output sets, each from a run to completion, and the longest run time."""
    sets, times = [], []
    for variant in (0, 1):
        ref = tmp / f"ref{variant}"
        for _ in range(repeat):  # the second into an existing folder, as the trials run
            times.append(_complete(ctx, *make(variant, ref)))
        sets.append(snapshot(ref))
    assert sets[0] != sets[1]
    return sets, max(times)


def test_design_killed_at_random_moments(ctx: Any, tmp_path: Path) -> None:
    geo = grid_geography(tmp_path / "geo")
    sets, duration = _two_sets(ctx, tmp_path, lambda v, out: (run_cli, design_argv(geo, out, v)))
    out = tmp_path / "out"
    _complete(ctx, run_cli, design_argv(geo, out, 0))
    (out / NOTE).write_text("mine")
    seen = kill_trials(ctx, out, sets, lambda v: (run_cli, design_argv(geo, out, v)), duration, seed=18)
    assert "old" in seen
    _complete(ctx, run_cli, design_argv(geo, out, 0))  # the next run cleans what killed runs left
    assert snapshot(out) == sets[0]
    _assert_cleaned(out)


def test_two_designs_into_one_folder_never_crash_or_mix(ctx: Any, tmp_path: Path) -> None:
    geo = grid_geography(tmp_path / "geo")
    sets, _ = _two_sets(ctx, tmp_path, lambda v, out: (run_cli, design_argv(geo, out, v)))
    out = tmp_path / "out"
    for _ in range(4):
        procs = [_start(ctx, run_cli, design_argv(geo, out, v)) for v in (0, 1)]
        for proc in procs:
            proc.join(120)
            assert proc.exitcode == 0
        assert snapshot(out) in sets
        _assert_cleaned(out)


# -- many files: kills inside the move itself ---------------------------------------------------------
def test_kill_while_a_large_set_is_published(ctx: Any, tmp_path: Path) -> None:
    """Thousands of files make publishing take long enough for random kills to land inside it."""
    n = 800
    sets, duration = _two_sets(ctx, tmp_path, lambda v, out: (write_many, str(out), v, n))
    out = tmp_path / "out"
    _complete(ctx, write_many, str(out), 0, n)
    (out / NOTE).write_text("mine")
    seen = kill_trials(ctx, out, sets, lambda v: (write_many, str(out), v, n), duration, seed=7, trials=10)
    assert "old" in seen


# -- demo ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One design of England and its funding for two settlements, as the demo computes them."""
    from devoplan.design.api import design
    from devoplan.design.options import DesignOptions
    from devoplan.funding import fund
    from devoplan.geography.loader import load_geography
    from devoplan.metrics.audit import audit
    from devoplan.pipeline import DemoOptions, metrics_doc
    from devoplan.report.comparison import comparison_table

    geo = load_geography()
    result = design(geo, DesignOptions(time_limit=0.3, compute_bound=False), seed=0)
    fundings = [fund(geo, result.plan, draws=0), fund(geo, result.plan, draws=0, years="2026/27-2027/28")]
    layers, comparison = audit(geo), comparison_table(geo, result.plan, lower=result.min_pop, upper=result.max_pop)
    opts = DemoOptions(time_limit=0.3, draws=0)
    docs = [metrics_doc(geo, result, f, layers, comparison, opts, {}) for f in fundings]
    path = tmp_path_factory.mktemp("demo") / "inputs.pickle"
    path.write_bytes(_dumps((geo, result, fundings, docs)))
    return path


def _proxy(items: dict[str, Any]) -> types.MappingProxyType[str, Any]:
    return types.MappingProxyType(items)


_LOCKS = (type(threading.Lock()), type(threading.RLock()))


class _Pickler(pickle.Pickler):
    """Pickles a geography for the child: its read-only maps as maps, its asset lock as a new lock."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, types.MappingProxyType):
            return (_proxy, (dict(obj),))
        if isinstance(obj, _LOCKS):
            return (threading.RLock if isinstance(obj, _LOCKS[1]) else threading.Lock, ())
        return NotImplemented


def _dumps(obj: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer).dump(obj)
    return buffer.getvalue()


@pytest.mark.slow
def test_demo_killed_at_random_moments(ctx: Any, demo_inputs: Path, tmp_path: Path) -> None:
    inputs = str(demo_inputs)
    sets, duration = _two_sets(ctx, tmp_path, lambda v, out: (write_demo, inputs, v, str(out)), repeat=1)
    out = tmp_path / "out"
    _complete(ctx, write_demo, inputs, 0, str(out))
    (out / NOTE).write_text("mine")
    # Each trial is a whole output step (~10 s: report, maps, tables), so fewer trials than the cheap
    # cases above; half of them still fall in the step's last fifth, where files are written and moved.
    kill_trials(ctx, out, sets, lambda v: (write_demo, inputs, v, str(out)), duration, seed=26, trials=DEMO_TRIALS)
    _complete(ctx, write_demo, inputs, 1, str(out))
    assert snapshot(out) == sets[1] and MANIFEST in sets[1]
    _assert_cleaned(out)


# -- what a run may touch -----------------------------------------------------------------------------
def test_a_run_keeps_user_files_and_drops_only_its_own_old_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_set(out) as tmp:
        (tmp / "plan.csv").write_text("old")
        (tmp / "areas.geojson").write_text("old")
        (tmp / "maps").mkdir()
        (tmp / "maps" / "a.png").write_text("old")
    (out / NOTE).write_text("mine")
    (out / "maps" / "mine.png").write_text("mine")
    (out / "empty").mkdir()
    with output_set(out) as tmp:
        (tmp / "plan.csv").write_text("new")
    assert snapshot(out) == {"plan.csv": b"new", "maps/mine.png": b"mine", MANIFEST: (out / MANIFEST).read_bytes()}
    assert (out / NOTE).read_text() == "mine" and (out / "empty").is_dir()
    assert json.loads((out / MANIFEST).read_text()) == {"files": ["plan.csv"]}


def test_a_file_the_user_made_with_an_output_name_is_kept_when_not_rewritten(tmp_path: Path) -> None:
    """design on a geography without boundaries writes no areas.geojson: the user's own one stays."""
    out = tmp_path / "userdir"
    out.mkdir()
    (out / "areas.geojson").write_text("the user's")
    with output_set(out) as tmp:
        (tmp / "plan.csv").write_text("new")
    assert (out / "areas.geojson").read_text() == "the user's"


def test_a_failed_run_changes_nothing_and_leaves_no_staging(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_set(out) as tmp:
        (tmp / "plan.csv").write_text("old")
    before = snapshot(out)
    with pytest.raises(RuntimeError), output_set(out) as tmp:
        (tmp / "plan.csv").write_text("half")
        raise RuntimeError("boom")
    assert snapshot(out) == before
    _assert_cleaned(out)


def test_staging_left_by_a_dead_run_is_removed_and_a_live_one_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    dead = tmp_path / ".out.staging-999999999-abc"
    live = tmp_path / f".out.staging-{os.getpid()}-abc"
    for folder in (dead, live):
        folder.mkdir()
        (folder / "plan.csv").write_text("partial")
    with output_set(out) as tmp:
        (tmp / "plan.csv").write_text("new")
    assert not dead.exists() and live.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders, so there is nothing to refuse")
def test_read_only_out_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from devoplan.testing.cli import run_cli as run

    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        code, _, err = run(["design", "--areas", "2", "--out", str(parent / "out")], capsys)
    finally:
        parent.chmod(0o755)
    assert code == 2 and err.count("\n") == 1 and "cannot write in" in err

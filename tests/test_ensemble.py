"""`devoplan ensemble`: every plan valid, reproducible with any number of workers or on Dask, the chain's
stationary behaviour where it is known, the outputs and the command's errors."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from devoplan.design.options import DesignOptions
from devoplan.design.verify import verify
from devoplan.ensemble import ChainModel, ChainStats, EnsembleOptions, ensemble, percentile_of, recom_step
from devoplan.ensemble.output import OUTPUT_FILES, write_ensemble
from devoplan.ensemble.scoring import PlanScorer
from devoplan.geography.model import Geography
from devoplan.planio import write_plan_csv
from devoplan.testing import grid_geography, line_geography
from devoplan.testing.cli import run_cli

GRID = grid_geography(8, 8, seed=3)
# 16 kept-whole UTLA blocks (2x2 districts) into 4 areas, one place locked, one pair kept apart
KEPT = DesignOptions(areas=4, health=("BLOCK",), economic=("SPLIT",), keep_whole=("UTLA",), do_not_cross=(),
                     locks={"U00000": "North West"}, apart=(("U00009", "U00063"),))
# no kept-whole layer, no area across the CAUTH boundary
FENCED = DesignOptions(areas=6, health=("BLOCK",), economic=("SPLIT",), keep_whole=(), do_not_cross=("CAUTH",))


def _all_valid(geo: Geography, opts: DesignOptions, plans: int, seed: int = 0) -> None:
    result = ensemble(geo, opts, EnsembleOptions(plans=plans, chains=3, burn_in=5), seed=seed)
    assert result.n_plans == plans
    assert result.distinct_plans > plans // 10  # the chain moves
    for p in range(result.n_plans):
        checks = verify(geo, result.plan(p, geo), opts, result.min_pop, result.max_pop)
        assert checks["ok"], (p, checks)


def test_every_plan_keeps_bounds_contiguity_kept_whole_locks_and_apart() -> None:
    _all_valid(GRID, KEPT, 120)


def test_every_plan_keeps_the_do_not_cross_boundary() -> None:
    _all_valid(GRID, FENCED, 120, seed=4)


def test_tight_bounds_still_valid() -> None:
    total = int(GRID.units.total_population)
    _all_valid(GRID, KEPT.with_(min_pop=int(total / 4 * 0.85), max_pop=int(total / 4 * 1.15)), 60)


def test_same_seed_same_ensemble_with_one_or_two_workers() -> None:
    opts = EnsembleOptions(plans=40, chains=4, burn_in=3)
    one = ensemble(GRID, KEPT, opts, seed=11)
    two = ensemble(GRID, KEPT, opts, seed=11, workers=2)
    assert np.array_equal(one.assignments, two.assignments)
    assert np.array_equal(one.values, two.values)
    other = ensemble(GRID, KEPT, opts, seed=12)
    assert not np.array_equal(one.assignments, other.assignments)


def test_dask_local_cluster_gives_the_same_ensemble() -> None:
    distributed = pytest.importorskip("distributed")
    opts = EnsembleOptions(plans=24, chains=3, burn_in=2)
    serial = ensemble(GRID, KEPT, opts, seed=5)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        on_dask = ensemble(GRID, KEPT, opts, seed=5, cluster=cluster.scheduler_address)
    assert np.array_equal(serial.assignments, on_dask.assignments)
    assert np.array_equal(serial.values, on_dask.values)
    assert on_dask.engine.startswith("dask")


def test_on_a_line_every_split_is_equally_likely() -> None:
    # two areas on a path: the merged region is the whole path, its only spanning tree the path itself,
    # so each step cuts one of the 5 edges uniformly: the chain's stationary law is uniform over the splits
    geo = line_geography([100] * 6)
    from devoplan.design.blocks import build_blocks

    opts = DesignOptions(areas=2, health=(), economic=(), keep_whole=(), do_not_cross=(), min_pop=0, max_pop=600)
    model = ChainModel.build(build_blocks(geo, opts), 2, 0, 600)
    assign = np.array([0, 0, 0, 1, 1, 1])
    rng = np.random.default_rng(0)
    counts = np.zeros(6, dtype=np.int64)
    stats = ChainStats()
    n = 5000
    for _ in range(n):
        recom_step(model, assign, rng, stats)
        counts[int(np.count_nonzero(assign == assign[0]))] += 1
    freq = counts[1:] / n
    assert freq == pytest.approx([0.2] * 5, abs=0.03)
    # with bounds 200..400 only the cuts after 2, 3 or 4 units are allowed, each a third of the time
    model = ChainModel.build(build_blocks(geo, opts), 2, 200, 400)
    counts[:] = 0
    for _ in range(3000):
        recom_step(model, assign, rng, stats)
        counts[int(np.count_nonzero(assign == assign[0]))] += 1
    assert counts[[1, 5]].sum() == 0
    assert counts[2:5] / 3000 == pytest.approx([1 / 3] * 3, abs=0.04)


def test_compared_plan_gets_a_percentile_from_the_same_scorer() -> None:
    result = ensemble(GRID, KEPT, EnsembleOptions(plans=30, chains=2, burn_in=2), seed=1)
    start = result.plan(7, GRID)
    again = ensemble(GRID, KEPT.with_(start=start), EnsembleOptions(plans=30, chains=2, burn_in=2), seed=1)
    assert again.compare_label == "start"
    scored = PlanScorer(GRID, KEPT, again.min_pop, again.max_pop).score(start.assignment)
    assert again.compare_metrics == scored
    objective = next(s for s in again.summary if s.metric == "objective")
    column = again.values[:, again.metric_names.index("objective")]
    assert objective.percentile == pytest.approx(percentile_of(column, scored["objective"]))
    assert "coterminosity@BLOCK" in again.metric_names and "balance.max_deviation" in again.metric_names


def test_percentile_is_mid_rank() -> None:
    values = np.array([1.0, 2.0, 2.0, 3.0, np.nan])
    assert percentile_of(values, 2.0) == 50.0
    assert percentile_of(values, 0.0) == 0.0
    assert percentile_of(values, 9.0) == 100.0
    assert percentile_of(np.array([np.nan]), 1.0) is None


def test_files_are_written_and_byte_identical_for_a_seed(tmp_path: Path) -> None:
    result = ensemble(GRID, KEPT, EnsembleOptions(plans=20, chains=2, burn_in=1), seed=2)
    write_ensemble(GRID, result, tmp_path / "a")
    write_ensemble(GRID, ensemble(GRID, KEPT, EnsembleOptions(plans=20, chains=2, burn_in=1), seed=2),
                   tmp_path / "b")
    for name in OUTPUT_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    plans = np.load(tmp_path / "a" / "plans.npy")
    assert plans.shape == (20, GRID.n_units) and plans.dtype == np.int16
    doc = json.loads((tmp_path / "a" / "ensemble.json").read_text())
    assert doc["plans"] == 20 and len(doc["unit_codes"]) == GRID.n_units


def test_geography_pickles_by_value() -> None:
    again = pickle.loads(pickle.dumps(GRID))
    assert again.units.codes == GRID.units.codes and tuple(again.layers) == tuple(GRID.layers)


# The command on England (the bundled default): small ensembles, a second or two each.
FAST = ["--plans", "20", "--chains", "2", "--burn-in", "2"]


def test_cli_draws_an_ensemble_and_places_a_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["ensemble", *FAST, "--compare", "ICB26", "--json", "--out", str(tmp_path / "e")],
                             capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["plans"] == 20 and doc["compared_plan"] == "ICB26" and doc["blocks"] < 296
    objective = next(m for m in doc["metrics"] if m["metric"] == "objective")
    assert objective["percentile"] is not None
    assert (tmp_path / "e" / "summary.csv").is_file()
    assert (tmp_path / "e" / "ensemble.png").read_bytes()[:4] == b"\x89PNG"
    code, out, err = run_cli(["ensemble", *FAST, "--compare", "ICB26"], capsys)
    assert code == 0, err
    assert "Metrics over the ensemble" in out and "%ile" in out and "outside the middle 95%" in out


def test_cli_runs_on_a_dask_cluster(capsys: pytest.CaptureFixture[str]) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        code, out, err = run_cli(["ensemble", *FAST, "--json", "--cluster", cluster.scheduler_address], capsys)
    assert code == 0, err
    code, serial, err = run_cli(["ensemble", *FAST, "--json"], capsys)
    assert code == 0, err
    assert json.loads(out) == json.loads(serial)


@pytest.mark.parametrize(("args", "words"), [
    (["--plans", "0"], "--plans must be an integer of at least 1"),
    (["--thin", "0"], "--thin must be"),
    (["--workers", "2", "--cluster", "tcp://127.0.0.1:1"], "not both"),
    (["--compare", "NOPE"], "not a plan file"),
    (["--areas", "200"], "areas requested"),
    (["--keep-whole", "NOPE"], "unknown layer 'NOPE'"),
    (["--cluster", "no-port-here"], "--cluster 'no-port-here': cannot connect to a Dask scheduler"),
])
def test_cli_errors_are_one_line_exit_2(capsys: pytest.CaptureFixture[str], args: list[str], words: str) -> None:
    code, _, err = run_cli(["ensemble", "--plans", "5", *args], capsys)
    assert code == 2
    assert words in err and "Traceback" not in err


def test_cli_refuses_an_invalid_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from devoplan import load_geography
    from devoplan.plan import Plan

    write_plan_csv(Plan.from_layer(load_geography(), "ICB"), tmp_path / "icb.csv")  # splits kept-whole areas
    code, _, err = run_cli(["ensemble", "--start", str(tmp_path / "icb.csv"), "--plans", "5"], capsys)
    assert code == 2
    assert "--start plan breaks the constraints" in err and "split kept whole" in err


def test_frozen_areas_stay_as_they_are_in_every_plan() -> None:
    start = ensemble(GRID, FENCED, EnsembleOptions(plans=8, chains=1, burn_in=4), seed=6).plan(7, GRID)
    frozen = FENCED.with_(start=start, frozen_areas=("A02",))
    _all_valid(GRID, frozen, 60, seed=6)  # verify() checks frozen_changed against the start
    result = ensemble(GRID, frozen, EnsembleOptions(plans=30, chains=2, burn_in=3), seed=6)
    members = start.members("A02")
    for row in result.assignments:
        assert np.array_equal(np.flatnonzero(row == row[members[0]]), np.sort(members))


def test_cli_frozen_areas_need_start_and_are_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from devoplan import load_geography

    england = load_geography()
    start = ensemble(england, DesignOptions(), EnsembleOptions(plans=1, chains=1, burn_in=5), seed=1).plan(0, england)
    write_plan_csv(start, tmp_path / "start.csv")
    code, _, err = run_cli(["ensemble", *FAST, "--start", str(tmp_path / "start.csv"), "--frozen-areas", "A05,A09",
                            "--json", "--out", str(tmp_path / "e")], capsys)
    assert code == 0, err
    plans = np.load(tmp_path / "e" / "plans.npy")
    for code_ in ("A05", "A09"):
        members = np.sort(start.members(code_))
        for row in plans:
            assert np.array_equal(np.flatnonzero(row == row[members[0]]), members)
    code, _, err = run_cli(["ensemble", "--plans", "5", "--frozen-areas", "A05"], capsys)
    assert code == 2 and "--frozen-areas needs --start" in err and "Traceback" not in err
    code, _, err = run_cli(["ensemble", "--plans", "5", "--start", str(tmp_path / "start.csv"),
                            "--frozen-areas", "NOPE"], capsys)
    assert code == 2 and "--frozen-areas: 'NOPE' is not an area of the starting plan" in err


def test_cli_unreachable_cluster_is_one_error_after_a_bounded_wait(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed")
    import socket

    from devoplan.ensemble import run

    with socket.socket() as probe:  # a port nothing listens on: bound, then closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(run, "CONNECT_TIMEOUT", "1s")
    code, out, err = run_cli(["ensemble", *FAST, "--cluster", f"tcp://127.0.0.1:{port}"], capsys)
    assert code == 2 and out == ""
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err
    assert f"--cluster 'tcp://127.0.0.1:{port}': cannot connect to a Dask scheduler there" in lines[0]
    assert "after 1 s" in lines[0]  # the connection attempt gave up at the bound, not after a hang

"""Parsing and validation of design options: bad values rejected with the allowed ones listed."""

from __future__ import annotations

import pytest

from devoplan.design.options import (
    DEFAULT_WEIGHTS,
    DesignOptions,
    parse_groups,
    parse_layers,
    parse_locks,
    parse_weights,
    resolved_bounds,
)
from devoplan.errors import DevoplanError


def test_parse_weights_overrides_defaults_and_keeps_the_rest() -> None:
    w = parse_weights("health=2, needs=0")
    assert w["health"] == 2.0 and w["needs"] == 0.0
    assert w["economic"] == DEFAULT_WEIGHTS["economic"]


@pytest.mark.parametrize(
    ("text", "needle"),
    [("wealth=1", "allowed: health, economic"), ("health", "KEY=NUMBER"), ("health=abc", "not a number")],
)
def test_parse_weights_rejects(text: str, needle: str) -> None:
    with pytest.raises(DevoplanError, match=needle):
        parse_weights(text)


def test_negative_weight_rejected() -> None:
    with pytest.raises(DevoplanError, match="finite number >= 0"):
        DesignOptions(weights={"health": -1.0})


def test_parse_locks_and_conflicting_lock() -> None:
    assert parse_locks(["E06000001=North East", "E06000002 = North East"]) == {
        "E06000001": "North East", "E06000002": "North East"}
    with pytest.raises(DevoplanError, match="twice"):
        parse_locks(["A=x", "A=y"])
    with pytest.raises(DevoplanError, match="CODE=area-name"):
        parse_locks(["A"])


def test_parse_groups_pairs() -> None:
    assert parse_groups(["A,B", "C, D ,E"], "together") == (("A", "B"), ("C", "D", "E"))
    with pytest.raises(DevoplanError, match="exactly two"):
        parse_groups(["A,B,C"], "apart", pairs=True)
    with pytest.raises(DevoplanError, match="at least two"):
        parse_groups(["A"], "together")


def test_parse_layers_none() -> None:
    assert parse_layers("UTLA, CAUTH") == ("UTLA", "CAUTH")
    assert parse_layers("none") == ()
    assert parse_layers(["ICB", "PFA,ICB"]) == ("ICB", "PFA")


def test_option_validation_messages() -> None:
    with pytest.raises(DevoplanError, match="at least 1"):
        DesignOptions(areas=0)
    with pytest.raises(DevoplanError, match="larger than `max_pop`"):
        DesignOptions(min_pop=10, max_pop=5)
    with pytest.raises(DevoplanError, match="both hard and soft"):
        DesignOptions(keep_whole=("UTLA",), keep_whole_soft=("UTLA",))
    with pytest.raises(DevoplanError, match="needs `start`"):
        DesignOptions(frozen_areas=("A01",))
    with pytest.raises(DevoplanError, match="positive number of seconds"):
        DesignOptions(time_limit=0)
    for guard in (0.0, -1.0, float("nan")):
        with pytest.raises(DevoplanError, match="`wall_guard` must be a number > 0"):
            DesignOptions(wall_guard=guard)
    assert DesignOptions(wall_guard=float("inf")).wall_guard == float("inf")
    for budget in (0.0, -5.0, float("nan"), float("inf"), True, 1e9):
        with pytest.raises(DevoplanError, match="`bound_seconds` must be a positive number of seconds"):
            DesignOptions(bound_seconds=budget)  # type: ignore[arg-type]
    assert DesignOptions(bound_seconds=60).bound_seconds == 60


def test_default_bounds_from_mean_and_largest_block() -> None:
    opts = DesignOptions(areas=38)
    # England-like: 56.49m over 38 areas -> mean 1.486m; 0.5x and 2x
    lo, hi = resolved_bounds(opts, 56_490_000, 2_919_650)
    assert lo == 743_289 and hi == 2_973_158
    # a kept-whole block above 2x the mean lifts the default upper bound to it
    assert resolved_bounds(DesignOptions(areas=40), 56_490_000, 3_000_000)[1] == 3_000_000
    # explicit values are kept
    assert resolved_bounds(DesignOptions(min_pop=1, max_pop=2), 10, 100) == (1, 2)


def test_progress_bar_moves_through_the_exact_model() -> None:
    """The search fills most of the bar; each exact-model phase then advances it, never to 100% before done."""
    from devoplan.design.search import Progress, exact_stage

    phases = ["listing every feasible area", "pricing 1,000 feasible areas", "column generation round 1",
              "column generation round 5", "heuristic MIP over the 2,000 most promising areas",
              "closing MIP over 10 areas"]
    bars = [Progress("search", 1.0, 0.5, 10).bar_fraction]
    bars += [Progress(f"exact model: {p}", 1.0, 0.5, 10, exact_stage(p)).bar_fraction for p in phases]
    assert bars == sorted(bars) and len(set(bars[1:])) == len(phases) and bars[-1] < 1.0
    assert Progress("done", 1.0, 0.5, 10).bar_fraction == 1.0
    # before any plan exists (the repair phase) there is no best objective to show, not 0.00000
    assert Progress("repair", 0.0, None, 0).best_text() == "-"
    assert Progress("search", 0.1, 0.625, 5).best_text() == "0.62500"

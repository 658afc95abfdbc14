"""Nearest neighbours for any plan's areas, and the published neighbour sets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from devoplan.errors import DevoplanError
from devoplan.geography.loader import load_geography
from devoplan.outcomes import areas_for, load_outcomes
from devoplan.outcomes.comparators import nearest_neighbours, published_neighbours
from devoplan.outcomes.synthetic import tiny_geography, write_outcomes_dir
from devoplan.plan import Plan


def test_tiny_neighbours_by_hand(tmp_path: Path) -> None:
    geo, data = tiny_geography(), load_outcomes(write_outcomes_dir(tmp_path / "o"))
    plan = Plan.from_labels(geo.units.codes, ["A", "B", "C", "D"])
    nb = nearest_neighbours(data, geo, plan, k=3)
    # variables: log population, share 0-15, share 65+ (zero everywhere: standardised to 0)
    assert nb.variables == ("log_population", "share_under_16", "share_65_plus")
    assert nb.features[:, 2].tolist() == [0.0] * 4
    raw = np.column_stack([np.log([110, 320, 230, 240]), np.array([10, 20, 30, 40]) / [110, 320, 230, 240]])
    z = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    expected = np.sqrt(((z[2] - z[3]) ** 2).sum())
    assert dict((c, d) for c, _, d in nb.of("C"))["D"] == pytest.approx(expected)
    assert nb.of("C")[0][0] == "D"  # C and D are the closest pair


def test_plan_neighbours_on_england_and_published_sets() -> None:
    geo, data = load_geography(), load_outcomes()
    nb = nearest_neighbours(data, geo, areas_for(geo, layer="RGN"), k=2)
    assert len(nb.variables) == 8 and nb.of("E12000001")[0][0] in {"E12000002", "E12000003"}
    dfe = published_neighbours(data, "E06000001", "dfe")
    assert len(dfe) == 10 and dfe[0] == (1, "E06000003", "Very close")
    assert len(published_neighbours(data, "E06000001", "ons")) == 10
    with pytest.raises(DevoplanError, match="unknown neighbour set 'cipfa'"):
        published_neighbours(data, "E06000001", "cipfa")


def test_published_sets_reach_the_json_for_areas_that_are_todays_authorities() -> None:
    from devoplan.outcomes import outcomes, result_json

    geo, data = load_geography(), load_outcomes()
    doc = result_json(outcomes(data, geo, areas_for(geo, layer="UTLA"), ["cla"]))
    published = doc["comparators"]["published"]
    assert set(published["sets"]) == {"ons", "dfe"}
    hartlepool = published["neighbours"]["E06000001"]
    assert hartlepool["dfe"][0] == "E06000003" and len(hartlepool["ons"]) == 10
    assert "E10000003" in published["neighbours"] and "ons" not in published["neighbours"]["E10000003"]  # a county
    regions = result_json(outcomes(data, geo, areas_for(geo, layer="RGN"), ["cla"]))
    assert "published" not in regions["comparators"]

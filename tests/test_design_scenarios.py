"""Design scenarios: the presets' options, the choice of the number of areas, and `--scenario strategic` on England."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from devoplan import load_geography
from devoplan.cli import main
from devoplan.design.options import DesignOptions
from devoplan.design.scenarios import SCENARIOS, STRATEGIC_MIN, choose_areas, scenario_options
from devoplan.errors import DevoplanError, InfeasibleError
from devoplan.testing.tiny import line_geography

GEO = load_geography()


def test_presets_are_what_the_docs_say() -> None:
    assert tuple(SCENARIOS) == ("default", "reform2017", "strategic", "icb26")
    assert scenario_options(GEO, "default").options == DesignOptions()
    reform = scenario_options(GEO, "reform2017").options
    assert (reform.areas, reform.health, reform.economic, reform.keep_whole) == (38, ("ICB",), ("LEP",),
                                                                                ("UTLA", "CAUTH24"))
    assert reform.split_weight == 0.5 and reform.do_not_cross == () and reform.weights["needs"] == 1.0
    icb26 = scenario_options(GEO, "icb26", areas=30).options
    assert icb26.areas == 30 and icb26.economic == ()
    # every district with its 2026 ICB (the one holding most of its patients): each group one ICB26
    main = GEO.layer("ICB26").main_area
    grouped = [g for g in icb26.together]
    assert sum(len(g) for g in grouped) + sum(int((main == a).sum()) == 1 for a in range(36)) == GEO.n_units
    for group in grouped:
        assert len({int(main[GEO.units.index[c]]) for c in group}) == 1
    note = scenario_options(GEO, "strategic", areas=29)
    assert note.options.min_pop == STRATEGIC_MIN == 1_500_000 and note.options.areas == 29
    assert note.note.startswith("scenario strategic: strategic authorities of at least 1.5 million")


def test_an_unknown_scenario_lists_the_known_ones() -> None:
    with pytest.raises(DevoplanError, match="unknown scenario 'strategy'; allowed: default, reform2017, strategic, "
                                            "icb26"):
        scenario_options(GEO, "strategy")


def test_the_number_of_areas_is_the_most_for_which_a_plan_is_found() -> None:
    """Ten districts of 100 residents, areas of at least 250: four areas would need exactly 250 each, which
    whole districts cannot make; three can (for instance 300, 300, 400), and the capacity count (at most
    three disjoint runs of three districts) says no more fit, so no larger count is tried."""
    geo = line_geography([100] * 10)
    opts = DesignOptions(health=(), economic=(), keep_whole=(), min_pop=250)
    assert choose_areas(geo, opts) == (3, "3, the most the blocks and bounds allow")
    assert choose_areas(geo, opts.with_(min_pop=200)) == (5, "5, the most the blocks and bounds allow")
    with pytest.raises(InfeasibleError, match="no number of areas gives a plan"):
        choose_areas(geo, opts.with_(min_pop=600, max_pop=900))


@pytest.mark.slow
def test_strategic_scenario_gives_areas_of_at_least_one_and_a_half_million(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "strategic"
    with pytest.raises(SystemExit) as done:
        main(["design", "--scenario", "strategic", "--time-limit", "1", "--no-bound", "--out", str(out)])
    assert done.value.code in (0, None)
    # 30 is the capacity count at 1.5m (9 blocks reach it alone, the smaller ones make 16 outside London
    # and 5 in it), and a plan of 30 exists, so 30 is the most strategic authorities the map can hold
    assert "chose 30 areas" in capsys.readouterr().err
    doc = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    pops = np.array([a["population"] for a in doc["area_list"]])
    assert len(pops) == 30 and pops.min() >= 1_500_000 and doc["checks"]["ok"]
    assert doc["plausibility"]["areas_below"]["ok"] is True
    checks = doc["plausibility"]
    assert checks["combined_authorities_split"]["ok"] and checks["areas_crossing_london"]["ok"]

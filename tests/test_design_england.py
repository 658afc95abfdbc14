"""Design on the England 2024 bundle: every hard constraint holds, with and without negotiation."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from devoplan import load_geography
from devoplan.design.api import design
from devoplan.design.options import DesignOptions
from devoplan.geography.loader import BUNDLE_DIR
from devoplan.metrics.contiguity import pieces_per_area

pytestmark = pytest.mark.slow
GEO = load_geography()


def _assert_valid(res: object, k: int, whole: tuple[str, ...] = ("UTLA", "CAUTH25")) -> None:
    """Checked here from the unit assignment, independently of the optimiser's own verify()."""
    plan = res.plan  # type: ignore[attr-defined]
    assert plan.n_areas == k
    assert (pieces_per_area(GEO.adjacency, plan.assignment, k) == 1).all()
    pops = plan.area_totals(GEO.units.population.astype(float))
    assert pops.min() >= res.min_pop and pops.max() <= res.max_pop  # type: ignore[attr-defined]
    for key in whole:
        layer = GEO.layer(key)
        for b in range(layer.n_areas):
            units = np.flatnonzero(layer.membership[:, [b]].toarray().ravel() > 0)
            assert len(set(plan.assignment[units].tolist())) == 1, (key, layer.area_names[b])
    assert res.checks["ok"]  # type: ignore[attr-defined]


def _london_mixed(plan: object) -> list[str]:
    """Areas holding both Greater London boroughs and other districts, read off the GLA layer."""
    inside = np.asarray(GEO.layer("GLA").membership.sum(axis=1)).ravel() > 0
    assignment = plan.assignment  # type: ignore[attr-defined]
    return [name for a, name in enumerate(plan.area_names)  # type: ignore[attr-defined]
            if 0 < inside[assignment == a].sum() < (assignment == a).sum()]


def test_default_design_is_valid_and_improves_on_its_start() -> None:
    res = design(GEO, DesignOptions(time_limit=2), seed=0)
    _assert_valid(res, 38)
    assert res.objective <= res.start_objective
    assert res.bound is not None and 0 <= res.bound.value <= res.objective + 1e-12
    # the exact model lists every feasible area, closes the gap left by a 2 s search and proves the plan optimal
    assert res.bound.proven_optimal and res.gap is not None and res.gap < 1e-9
    assert 0 < res.bound.details["feasible_areas"] <= res.bound.details["connected_sets_listed"]  # type: ignore[operator]
    assert res.objective <= float(res.bound.details["search_objective"]) + 1e-12  # type: ignore[arg-type]
    # defaults: 0.5x and 2x the mean area population; West Midlands (2.92m) fits
    assert res.min_pop == GEO.units.total_population // 76
    assert res.max_pop >= 2_919_650
    assert res.bridges == ()  # with the Mersey tunnels linked, every kept-whole body is contiguous on its own
    # today's map: the 2026 ICBs and the LSIPs, all 15 combined authorities of 2025 whole, London not crossed
    assert res.weights["needs"] == 0
    assert GEO.layer("CAUTH25").n_areas == 15 and res.metrics["identity.split@CAUTH25"] == 0
    assert _london_mixed(res.plan) == []
    london = np.asarray(GEO.layer("GLA").membership.sum(axis=1)).ravel() > 0
    assert len(set(res.plan.assignment[london].tolist())) > 1  # not keep-whole: London still forms several areas
    checks = res.plausibility.to_dict()
    assert checks["combined_authorities_split"]["ok"] and checks["areas_crossing_london"]["ok"]
    assert all(c["ran"] for c in checks.values())  # type: ignore[index]


def test_a_kept_whole_body_split_by_water_takes_the_shortest_bridge(tmp_path: Path) -> None:
    """Without the Mersey tunnel link, Wirral reaches Liverpool City Region only via Cheshire West and Chester."""
    bundle = tmp_path / "england"
    shutil.copytree(BUNDLE_DIR, bundle)
    adjacency = (bundle / "adjacency.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in adjacency if not line.startswith("E08000012,E08000015,")]
    assert len(kept) == len(adjacency) - 1
    (bundle / "adjacency.csv").write_text("".join(kept), encoding="utf-8")
    geo = load_geography(bundle)
    res = design(geo, DesignOptions(time_limit=1, compute_bound=False), seed=0)
    assert any("Cheshire West and Chester" in b for b in res.bridges), res.bridges
    plan = res.plan
    liverpool, wirral, cheshire_west = (geo.units.index[c] for c in ("E08000012", "E08000015", "E06000050"))
    assert plan.assignment[liverpool] == plan.assignment[wirral] == plan.assignment[cheshire_west]


def test_negotiated_design_honours_locks_together_apart() -> None:
    opts = DesignOptions(
        time_limit=2,
        compute_bound=False,
        locks={"E06000052": "Cornwall and Devon", "E10000008": "Cornwall and Devon"},  # Cornwall, Devon (UTLA)
        together=(("E06000046", "E06000044"),),  # Isle of Wight with Portsmouth (ferry link)
        apart=(("E10000016", "E10000011"),),  # Kent apart from East Sussex
    )
    res = design(GEO, opts, seed=1)
    _assert_valid(res, 38)
    plan = res.plan
    cornwall = plan.area_of("E06000052")
    assert plan.area_names[cornwall] == "Cornwall and Devon"
    assert plan.area_of("E07000045") == cornwall  # Teignbridge, a Devon district
    assert plan.area_of("E06000046") == plan.area_of("E06000044")
    assert plan.area_of("E07000061") != plan.area_of("E07000105")  # Eastbourne (E. Sussex) vs Ashford (Kent)


def test_other_k_and_soft_keep_whole() -> None:
    opts = DesignOptions(areas=20, keep_whole=("CAUTH24",), keep_whole_soft=("UTLA",), time_limit=1.5,
                         compute_bound=False)
    res = design(GEO, opts, seed=2)
    _assert_valid(res, 20, whole=("CAUTH24",))
    assert res.terms["identity"] == pytest.approx(1 - res.metrics["containment_layer_in@UTLA"], abs=1e-9)


def test_medway_apart_from_kent_is_refused_with_the_reason() -> None:
    from devoplan.errors import InfeasibleError

    # Medway's only neighbour is Kent, and alone it is below the default minimum population
    with pytest.raises(InfeasibleError, match=r"279,772 \(Medway"):
        design(GEO, DesignOptions(time_limit=1, compute_bound=False, apart=(("E10000016", "E06000035"),)), seed=0)


def test_30_45_59_areas_give_valid_plans_and_60_is_refused_by_counting() -> None:
    """Issue 12: with default bounds 30 and 45 areas give plans; 60 (min 470,750 people) cannot: 34 blocks
    reach the minimum alone and the smaller ones can make at most 25 more areas (London's 33 boroughs 16),
    so 59 at most; 59 itself gives a plan (from the packing that proves the count), so the count is exact."""
    from devoplan.errors import InfeasibleError

    for k in (30, 45, 59):
        res = design(GEO, DesignOptions(areas=k, time_limit=0.5, compute_bound=False), seed=0)
        _assert_valid(res, k)
        assert not _london_mixed(res.plan)
    with pytest.raises(InfeasibleError) as err:
        design(GEO, DesignOptions(areas=60, time_limit=0.5, compute_bound=False), seed=0)
    text = str(err.value)
    assert "60 areas of at least `min_pop` 470,750 people cannot be drawn: at most 59 can" in text
    assert "34 blocks that stay whole reach 470,750" in text and "at most 25 areas" in text
    assert "16 from the 33 blocks in Greater London Authority (8,799,697 people)" in text

"""The bundle's money tables: totals reconcile to the published England rows (computed here from the
source files when they are present), and the ICB crosswalk round-trips through the ICB layer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from devoplan.build.money_nhs import crosswalk
from devoplan.funding import money
from devoplan.geography.loader import load_geography
from devoplan.testing.sources import SOURCE_MISSING, source_dir

SOURCE = source_dir()
needs_source = pytest.mark.skipif(not SOURCE.is_dir(), reason=SOURCE_MISSING)


def test_crosswalk_round_trips_a_split_district() -> None:
    # district 0 wholly in ICB A, district 2 wholly in B, district 1 split 0.25 / 0.75
    m = np.array([[1.0, 0.0], [0.25, 0.75], [0.0, 1.0]])
    w = np.array([100.0, 200.0, 50.0])
    amounts = np.array([1000.0, 3000.0])
    shared = crosswalk(amounts, m, w)
    assert np.allclose(m.T @ shared, amounts)
    assert shared.sum() == pytest.approx(4000.0)
    assert (shared > 0).all()


def test_nhs_baselines_round_trip_through_the_icb_layer() -> None:
    geo = load_geography()
    layer = geo.layer("ICB")
    alloc = money.nhs_allocations(geo)
    rows = alloc[(alloc["holder_type"] == "ICB") & (alloc["allocation_year"] == "2025/26")]
    for stream, group in rows.groupby("stream"):
        per_unit = money.baseline_per_unit(geo, f"nhs:{stream}:2025/26")
        back = np.asarray(layer.membership.T @ per_unit)
        published = group.set_index("holder")["allocation_gbpk"].reindex(list(layer.area_codes)).to_numpy() * 1000
        assert np.allclose(back, published, rtol=1e-6), stream


def test_unknown_baseline_source_names_the_allowed_ones() -> None:
    from devoplan.errors import InputError

    with pytest.raises(InputError, match=r"unknown baseline source 'nhs:dentistry:2025/26'; allowed: .*council:"):
        money.baseline_per_unit(load_geography(), "nhs:dentistry:2025/26")


@needs_source
def test_council_spending_reconciles_to_the_england_rows() -> None:
    rsx = pd.read_csv(SOURCE / "spending/mhclg_revenue_outturn_rsx_2024_25_by_authority.csv")
    england = rsx[rsx["ONS_code"] == "E92000001"].iloc[0]
    geo = load_geography()
    services = (("adult_social_care", "Adult Social Care"), ("childrens_social_care", "Children Social Care"),
                ("public_health", "Public Health"), ("police", "Police services"))
    for service, column in services:
        total = money.baseline_per_unit(geo, f"council:{service}").sum() / 1000
        assert total == pytest.approx(england[f"{column} - Net Current Expenditure (C7 = C3 - C6)"], rel=1e-9)
    spending = pd.read_csv(geo.assets.directory / "council_spending.csv")  # type: ignore[operator]
    missing = set(rsx.loc[rsx["Certification"] == "[x]", "ONS_code"])
    assert len(missing) == 9
    assert set(spending.loc[spending["imputed_gbpk"] != 0, "unit_code"]) == missing


@needs_source
def test_nhs_population_sums_to_the_practice_files() -> None:
    geo = load_geography()
    practices = pd.read_csv(SOURCE / "spending/nhse_aif_gp_practice_weighted_population_2025_26.csv")
    assert money.nhs_weighted(geo, "registered", "2025/26").sum() == pytest.approx(
        practices["registered_population"].sum(), rel=1e-9)
    assert money.nhs_weighted(geo, "core", "2025/26").sum() == pytest.approx(practices["Final WP"].sum(), rel=1e-9)
    later = pd.read_csv(SOURCE / "spending/nhse_place_tool_gp_practice_weighted_population_2026_2027.csv",
                        encoding="utf-8-sig")
    assert money.nhs_weighted(geo, "core", "2026/27").sum() == pytest.approx(later["Core WP"].sum(), rel=1e-9)

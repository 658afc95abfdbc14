"""The bundle's money tables (see docs/funding.md, "Where the money comes from"):

``nhs_population.csv`` (registered patients and NHS weighted populations by district and year),
``nhs_allocations.csv`` (published ICB allocations, fair-shares targets, distances from target),
``nhs_baselines.csv`` (each ICB's allocation shared to its districts) and ``council_spending.csv``
(2024-25 revenue outturn by service, apportioned to districts).
"""

from __future__ import annotations

from devoplan.build.layers import LayerTable
from devoplan.build.money_nhs import COMPONENTS, MONEY_DECIMALS, POPULATION_DECIMALS, build_nhs
from devoplan.build.money_outturn import build_outturn
from devoplan.build.output import frame_text
from devoplan.build.sources import SourceDir
from devoplan.build.units import UnitTables

MONEY_FILES: tuple[str, ...] = ("nhs_population.csv", "nhs_allocations.csv", "nhs_baselines.csv",
                                "council_spending.csv")


def money_texts(src: SourceDir, units: UnitTables, layers: tuple[LayerTable, ...]) -> dict[str, str]:
    """The four money tables as CSV text (fixed decimals, stable order)."""
    icb = next((t for t in layers if t.key == "ICB"), None)
    if icb is None:
        raise src.fail(src.root.name, "the money tables need the ICB layer")
    nhs = build_nhs(src, units.codes, icb)
    spending = build_outturn(src, units)
    return {
        "nhs_population.csv": frame_text(nhs.population, dict.fromkeys(COMPONENTS, POPULATION_DECIMALS)),
        "nhs_allocations.csv": frame_text(nhs.allocations, {
            "allocation_gbpk": MONEY_DECIMALS, "target_gbpk": MONEY_DECIMALS, "distance": 6,
            "post_distance": 6, "registered_population": 0}),
        "nhs_baselines.csv": frame_text(nhs.baselines, {"amount_gbpk": MONEY_DECIMALS}),
        "council_spending.csv": frame_text(spending, {"amount_gbpk": MONEY_DECIMALS, "imputed_gbpk": MONEY_DECIMALS}),
    }

"""NHS money for the bundle: weighted populations by district and ICB allocations by stream.

* ``nhs_population.csv`` -- per district and allocation year (2025/26 to 2028/29): GP-registered
  patients and NHS England's weighted populations by component, from the ICB allocation tools'
  practice files. Practices are summed by the district where the practice *stands*, which is an
  approximation of where its patients live (lists cross district borders). 2021 district codes
  (Cumbria, North Yorkshire, Somerset before April 2023) are mapped to 2024 districts with the ONS
  LAD22 -> LAD23 lookup.
* ``nhs_allocations.csv`` -- per ICB (or NHS England region, for the regionally held lines), stream
  and allocation year: allocation, fair-shares target, distance from target and post-convergence
  distance, in the publisher's units (GBP thousand; distances as fractions).
* ``nhs_baselines.csv`` -- each ICB's published allocation by stream shared to its districts (the
  crosswalk in :func:`crosswalk`), so any plan can be given "what its districts receive today".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from devoplan.build import sources
from devoplan.build.layers import LayerTable
from devoplan.build.sources import SourceDir

PRACTICE_FILES: dict[str, str] = {
    "2025/26": "spending/nhse_aif_gp_practice_weighted_population_2025_26.csv",
    "2026/27": "spending/nhse_place_tool_gp_practice_weighted_population_2026_2027.csv",
    "2027/28": "spending/nhse_place_tool_gp_practice_weighted_population_2027_2028.csv",
    "2028/29": "spending/nhse_place_tool_gp_practice_weighted_population_2028_2029.csv",
}
ALLOCATIONS = "spending/nhse_icb_allocations_2023_24_to_2025_26_long.csv"
ICB_SUMMARY = "spending/nhse_icb_allocations_summary_2023_24_to_2025_26.csv"

# bundle column -> (2025/26 AIF column, 2026/27+ place-tool column)
COMPONENTS: dict[str, tuple[str, str]] = {
    "registered": ("registered_population", "Registered Patients"),
    "general_acute": ("G&A WP", "G&A WP"),
    "community": ("CS WP", "CS WP"),
    "mental_health": ("MH WP", "MH WP"),
    "maternity": ("Mat WP", "Mat WP"),
    "health_inequalities": ("Health Ineq WP", "Health Ineq WP"),
    "prescribing": ("Prescr WP", "Prescr WP"),
    "core": ("Final WP", "Core WP"),
    "primary_medical_care": ("Primary Medical Care WP", "Primary Medical Care WP"),
    "primary_medical_care_final": ("Final PMC WP", "Final PMC WP"),
}
POPULATION_DECIMALS = 2
MONEY_DECIMALS = 3  # GBP thousand to the pound

# (sheet, financial_year in the source, measure) -> (allocation year, stream, quantity)
_CORE = "core_services"
_PMC = "primary_medical_care"
MEASURES: dict[tuple[str, str, str], tuple[str, str, str]] = {
    ("ICB Core Allocations 2023-24", "2023/24",
     "Combined allocation (inc. COVID, additional elective, discharge, and capacity) (£k)"):
        ("2023/24", _CORE, "allocation"),
    ("ICB Core Allocations 2023-24", "2022/23", "Fair Shares Target (£k)"): ("2023/24", _CORE, "target"),
    ("ICB Core Allocations 2023-24", "2022/23", "Distance from target (%)"): ("2023/24", _CORE, "distance"),
    ("ICB Core Allocations 2023-24", "2023/24", "Post-convergence distance from target (%)"):
        ("2023/24", _CORE, "post_distance"),
    ("ICB Core Allocations 2024-25", "2024/25",
     "Combined allocation (inc. COVID, additional elective and discharge) (£k)"): ("2024/25", _CORE, "allocation"),
    ("ICB Core Allocations 2024-25", "2023/24", "Fair shares target (inc. COVID)"): ("2024/25", _CORE, "target"),
    ("ICB Core Allocations 2024-25", "2023/24", "Distance from target inc COVID (%)"): ("2024/25", _CORE, "distance"),
    ("ICB Core Allocations 2024-25", "2024/25", "Post-convergence distance from target (%)"):
        ("2024/25", _CORE, "post_distance"),
    ("ICB Core Allocations 2025-26", "2025/26", "Total allocation (£k)"): ("2025/26", _CORE, "allocation"),
    **{(f"ICB Core Allocations {y}".replace("/", "-"), y, "Recurrent allocation (£k)"): (y, _CORE, "recurrent")
       for y in ("2023/24", "2024/25", "2025/26")},
    **{(f"ICB Core Allocations {y}".replace("/", "-"), y, "Recurrent allocation £/head"): (y, _CORE, "per_head")
       for y in ("2023/24", "2024/25", "2025/26")},
    ("ICB Core Allocations 2025-26", "2024/25", "Fair shares target (£k)"): ("2025/26", _CORE, "target"),
    ("ICB Core Allocations 2025-26", "2024/25", "Distance from target (%)"): ("2025/26", _CORE, "distance"),
    ("ICB Core Allocations 2025-26", "2025/26", "Post-convergence distance from target (%)"):
        ("2025/26", _CORE, "post_distance"),
    ("PMC Allocations 2023-24", "2023/24", "Recurrent allocation (£k)"): ("2023/24", _PMC, "allocation"),
    ("PMC Allocations 2023-24", "2022/23", "Fair Shares Target (£k)"): ("2023/24", _PMC, "target"),
    ("PMC Allocations 2023-24", "2022/23", "Distance from target (%)"): ("2023/24", _PMC, "distance"),
    ("PMC Allocations 2023-24", "2023/24", "Post-convergence distance from target (%)"):
        ("2023/24", _PMC, "post_distance"),
    ("PMC Allocations 2024-25", "2024/25", "Recurrent allocation (£k)"): ("2024/25", _PMC, "allocation"),
    ("PMC Allocations 2024-25", "2023/24", "Fair Shares Target (£k)"): ("2024/25", _PMC, "target"),
    ("PMC Allocations 2024-25", "2023/24", "Distance from target (%)"): ("2024/25", _PMC, "distance"),
    ("PMC Allocations 2024-25", "2024/25", "Post-convergence distance from target (%)"):
        ("2024/25", _PMC, "post_distance"),
    ("PMC Allocation 2025-26", "2025/26", "Revised recurrent allocation £/head"): ("2025/26", _PMC, "per_head"),
    ("PMC Allocation 2025-26", "2024/25", "Fair shares target"): ("2025/26", _PMC, "target"),
    ("PMC Allocation 2025-26", "2024/25", "Distance from target (%)"): ("2025/26", _PMC, "distance"),
    ("PMC Allocation 2025-26", "2025/26", "Post-convergence distance from target (%)"):
        ("2025/26", _PMC, "post_distance"),
    ("Other Primary Care", "2023/24", "Recurrent allocation £k"): ("2023/24", "other_primary_care", "allocation"),
    ("Other Primary Care", "2024/25", "Recurrent allocation £k"): ("2024/25", "other_primary_care", "allocation"),
    ("POD Allocation 2025-26", "2025/26", "Total allocation (£k)"):
        ("2025/26", "pharmacy_optometry_dental", "allocation"),
    ("Specialised Allocations 2025-26", "2025/26", "Physical health services + MH resource allocation (£k)"):
        ("2025/26", "specialised_services", "allocation"),
    ("Specialised Allocations 2025-26", "2025/26", "HCDD total (£k)"):
        ("2025/26", "specialised_high_cost_drugs_devices", "allocation"),
    ("Specialised Allocations 2025-26", "2024/25", "Fair shares target"): ("2025/26", "specialised_services", "target"),
    ("Specialised Allocations 2025-26", "2024/25", "Distance from target (%)"):
        ("2025/26", "specialised_services", "distance"),
    ("Specialised Allocations 2025-26", "2025/26", "Post-convergence distance from target (%)"):
        ("2025/26", "specialised_services", "post_distance"),
    **{("ICB running cost allowance", y, "Running cost allowance (£k)"): (y, "running_cost_allowance", "allocation")
       for y in ("2023/24", "2024/25", "2025/26")},
}
# The 2023-25 workbook also planned 2025/26 running costs; the 2025/26 workbook's figure supersedes it.
SUPERSEDED: tuple[tuple[str, str, str], ...] = (
    ("nhs_allocations_2023_2025.xlsx", "ICB running cost allowance", "2025/26"),
)
QUANTITIES: tuple[str, ...] = ("allocation", "target", "distance", "post_distance", "recurrent", "per_head")
OUTPUT_COLUMNS: tuple[str, ...] = ("holder_type", "holder", "stream", "allocation_year", "allocation_gbpk",
                                   "target_gbpk", "distance", "post_distance", "registered_population")
# Weighted population a stream's money follows inside an ICB when it is shared to districts.
CROSSWALK_WEIGHT: dict[str, str] = {_PMC: "primary_medical_care_final"}
CROSSWALK_DEFAULT = "core"


@dataclass(frozen=True)
class NhsTables:
    """``population``: unit x year x component; ``allocations``: holder x stream x year;
    ``baselines``: unit x stream x year in GBP thousand."""

    population: pd.DataFrame
    allocations: pd.DataFrame
    baselines: pd.DataFrame


def _lad_map(src: SourceDir) -> dict[str, str]:
    rel = sources.LAD22_LAD23_LOOKUP
    lookup = src.table(rel, ["LAD22CD", "LAD23CD"])
    return dict(zip(lookup["LAD22CD"], lookup["LAD23CD"], strict=True))


def read_practices(src: SourceDir, year: str, units: tuple[str, ...], lad_map: dict[str, str]) -> pd.DataFrame:
    """One year's practice file: district (2024 code), ICB code and every component, summed by district."""
    rel = PRACTICE_FILES[year]
    first = year == "2025/26"
    lad_col, icb_col = ("LAD21CD_practice", "ICB24CDH") if first else ("LAD", "ICB")
    cols = {key: pair[0 if first else 1] for key, pair in COMPONENTS.items()}
    raw = src.table(rel, [lad_col, icb_col, *cols.values()])
    lad = raw[lad_col].map(lambda c: c if c in units else lad_map.get(c, c))
    stray = ~lad.isin(units)
    if stray.any():
        raise src.fail(rel, f"practice district {raw[lad_col][stray].iloc[0]} maps to no England 2024 district",
                       field=lad_col)
    out = pd.DataFrame({"unit_code": lad, "icb": raw[icb_col]})
    for key, col in cols.items():
        values = src.numeric(raw, col, rel)
        if np.isnan(values).any() or (values < 0).any():
            raise src.fail(rel, "every practice needs a non-negative value", field=col)
        out[key] = values
    return out


def build_population(src: SourceDir, units: tuple[str, ...]) -> pd.DataFrame:
    """Weighted populations by district and year; a district with no practice gets zeros."""
    lad_map = _lad_map(src)
    frames = []
    for year in PRACTICE_FILES:
        practices = read_practices(src, year, units, lad_map)
        summed = practices.drop(columns="icb").groupby("unit_code").sum().reindex(list(units), fill_value=0.0)
        frames.append(summed.reset_index().assign(year=year))
    table = pd.concat(frames, ignore_index=True)
    return table[["unit_code", "year", *COMPONENTS]]


def build_allocations(src: SourceDir, icb_codes: dict[str, str]) -> pd.DataFrame:
    """Published ICB (and regional) allocations, targets and distances, one row per holder, stream, year."""
    rel = ALLOCATIONS
    raw = src.table(rel, ["org_type", "ICB23CDH", "NHSER23CDH", "source_workbook", "sheet", "financial_year",
                          "measure", "value"])
    stale = pd.Series(list(zip(raw["source_workbook"], raw["sheet"], raw["financial_year"], strict=True)),
                      index=raw.index).isin(SUPERSEDED)
    raw = raw.loc[~stale]
    keys = list(zip(raw["sheet"], raw["financial_year"], raw["measure"], strict=True))
    picked = raw.loc[[k in MEASURES for k in keys]].copy()
    found = {k for k in keys if k in MEASURES}
    missing = [k for k in MEASURES if k not in found]
    if missing:
        raise src.fail(rel, f"no rows for sheet '{missing[0][0]}', year {missing[0][1]}, measure '{missing[0][2]}'",
                       field="measure")
    mapped = [MEASURES[k] for k in zip(picked["sheet"], picked["financial_year"], picked["measure"], strict=True)]
    picked[["allocation_year", "stream", "quantity"]] = pd.DataFrame(mapped, index=picked.index)
    picked["value_num"] = src.numeric(picked, "value", rel)
    is_icb = picked["org_type"] == "ICB"
    unknown = is_icb & ~picked["ICB23CDH"].isin(list(icb_codes))
    if unknown.any():
        bad = picked.loc[unknown, "ICB23CDH"].iloc[0]
        raise src.fail(rel, f"ICB {bad} is not in the ICB summary", field="ICB23CDH")
    picked["holder"] = np.where(is_icb, picked["ICB23CDH"].map(icb_codes), picked["NHSER23CDH"])
    picked["holder_type"] = np.where(is_icb, "ICB", "region")
    if picked.duplicated(["holder", "allocation_year", "stream", "quantity"]).any():
        raise src.fail(rel, "a holder, stream, year and measure appears twice", field="measure")
    wide = picked.pivot(index=["holder_type", "holder", "stream", "allocation_year"], columns="quantity",
                        values="value_num").reindex(columns=list(QUANTITIES))
    wide = wide.reset_index().sort_values(["allocation_year", "stream", "holder_type", "holder"])
    _derive_population(wide)
    wide = wide.rename(columns={"allocation": "allocation_gbpk", "target": "target_gbpk"}).reset_index(drop=True)
    return wide[list(OUTPUT_COLUMNS)]


def _derive_population(wide: pd.DataFrame) -> None:
    """Registered population NHS England used (core recurrent GBP k x 1000 / GBP per head), and the
    2025/26 primary medical care allocation as published after revision: revised GBP per head x it."""
    core = wide["stream"] == _CORE
    wide["registered_population"] = np.where(core, wide["recurrent"] * 1000.0 / wide["per_head"], np.nan)
    pop = wide.loc[core].set_index(["holder", "allocation_year"])["registered_population"]
    pmc = (wide["stream"] == _PMC) & wide["per_head"].notna()
    keys = pd.MultiIndex.from_frame(wide.loc[pmc, ["holder", "allocation_year"]])
    wide.loc[pmc, "allocation"] = wide.loc[pmc, "per_head"].to_numpy() * pop.reindex(keys).to_numpy() / 1000.0


def icb_code_map(src: SourceDir) -> dict[str, str]:
    """NHS ODS ICB code (``QE1``) -> ONS code (``E54000048``), from the ICB summary file."""
    rel = ICB_SUMMARY
    table = src.table(rel, ["ICB24CD", "ICB24CDH"])
    return dict(zip(table["ICB24CDH"], table["ICB24CD"], strict=True))


def crosswalk(amounts: np.ndarray, membership: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Share each ICB's amount to districts so that summing back through the layer returns it exactly.

    A district's money is its weighted population ``w_u`` times a rate per weighted head; the rate of a
    district wholly in ICB ``i`` is ``c_i``, and a split district's rate is the membership-weighted mix
    ``sum_i m_ui c_i``. The rates solve ``B c = A`` with ``B_ij = sum_u m_ui m_uj w_u``, so that
    ``sum_u m_ua (w_u sum_j m_uj c_j) = A_a`` for every ICB ``a``: the ICB layer reproduces the
    published allocations, and any plan of whole districts gets the money of the practices in it.
    ``membership`` is ``(units, icbs)``; ``amounts`` is ``(icbs,)`` or ``(streams, icbs)``.
    """
    b = membership.T @ (membership * weight[:, None])
    rates = np.linalg.solve(b, np.atleast_2d(amounts).T).T
    out: np.ndarray = (rates @ membership.T) * weight
    return out.reshape((*np.shape(amounts)[:-1], membership.shape[0]))


def build_baselines(population: pd.DataFrame, allocations: pd.DataFrame, icb: LayerTable,
                    units: tuple[str, ...]) -> pd.DataFrame:
    """Every ICB-held allocation (stream x year) shared to districts with :func:`crosswalk`.

    Weights are the 2025/26 weighted populations (the only practice-level year before 2026), core
    for every stream except primary medical care, which follows its own need weights.
    """
    codes = list(icb.areas["area_code"])
    m = np.zeros((len(units), len(codes)))
    uidx = {u: i for i, u in enumerate(units)}
    aidx = {a: j for j, a in enumerate(codes)}
    for u, a, w in icb.memberships[["unit_code", "area_code", "weight"]].itertuples(index=False):
        m[uidx[u], aidx[a]] = float(w)
    pop = population[population["year"] == "2025/26"].set_index("unit_code").reindex(list(units))
    rows = allocations[(allocations["holder_type"] == "ICB") & allocations["allocation_gbpk"].notna()]
    frames = []
    for (stream, year), group in rows.groupby(["stream", "allocation_year"], sort=True):
        amounts = group.set_index("holder")["allocation_gbpk"].reindex(codes).to_numpy(dtype=np.float64)
        weight = pop[CROSSWALK_WEIGHT.get(str(stream), CROSSWALK_DEFAULT)].to_numpy(dtype=np.float64)
        shared = crosswalk(amounts, m, weight)
        frames.append(pd.DataFrame({"unit_code": units, "stream": stream, "year": year, "amount_gbpk": shared}))
    return pd.concat(frames, ignore_index=True)


def build_nhs(src: SourceDir, units: tuple[str, ...], icb: LayerTable) -> NhsTables:
    """All NHS money tables (validated while read)."""
    population = build_population(src, units)
    allocations = build_allocations(src, icb_code_map(src))
    unknown = set(allocations.loc[allocations["holder_type"] == "ICB", "holder"]) - set(icb.areas["area_code"])
    if unknown:
        raise src.fail(ALLOCATIONS, f"ICB {sorted(unknown)[0]} is not an area of the ICB layer", field="ICB23CDH")
    return NhsTables(population, allocations, build_baselines(population, allocations, icb, units))

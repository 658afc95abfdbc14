"""Indicators by LAD24: IMD 2025, ONS Health Index (2021) raw indicators, APS employment rate.

The Health Index and the APS are published on 2021 districts (309 in England). In April 2023 whole
districts merged into Cumberland, Westmorland and Furness, North Yorkshire and Somerset, so
2021-district values are mapped to 2024 districts through the official LAD22 -> LAD23 lookup:

* Health Index values (rates, percentages, years): average weighted by each 2021 district's
  Census 2021 usual-resident population;
* APS employment rate: recomputed from the summed APS counts (in employment / population 16-64),
  which is the weighted average of the rates with the survey's own 16-64 population as weight.

A 2024 district gets a value only when every 2021 district merged into it has one; otherwise it is
left missing (no imputation). Isles of Scilly and City of London have no Health Index rows, and the
APS has no Isles of Scilly, so those cells stay empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from devoplan.build import sources
from devoplan.build.sources import SourceDir

HEALTH_INDEX_YEAR = 2021
APS_PERIOD = "Oct 2021-Sep 2022"
HI_SOURCE = "ONS Health Index for England 2015-2021, underlying indicator data (Table 2), year 2021"


@dataclass(frozen=True)
class IndicatorDef:
    """One indicator: its ``indicator_meta.csv`` row and, for Health Index ones, the source name."""

    key: str
    name: str
    year: str
    unit: str
    direction: str
    source: str
    health_index_name: str = ""


HEALTH_INDEX: tuple[IndicatorDef, ...] = (
    IndicatorDef(
        "avoidable_mortality",
        "Avoidable mortality",
        "2021",
        "deaths per 100,000 (age-standardised)",
        "higher_is_worse",
        HI_SOURCE,
        "Avoidable mortality",
    ),
    IndicatorDef(
        "life_expectancy", "Life expectancy at birth", "2021", "years", "higher_is_better", HI_SOURCE, "Life expectancy"
    ),
    IndicatorDef(
        "smoking", "Smoking prevalence in adults", "2021", "% of adults", "higher_is_worse", HI_SOURCE, "Smoking"
    ),
    IndicatorDef(
        "unemployment",
        "Unemployment",
        "2021",
        "% (ONS Health Index unemployment rate)",
        "higher_is_worse",
        HI_SOURCE,
        "Unemployment",
    ),
    IndicatorDef(
        "mortality_all_causes",
        "Mortality from all causes",
        "2021",
        "deaths per 100,000 (age-standardised)",
        "higher_is_worse",
        HI_SOURCE,
        "Mortality from all causes",
    ),
    IndicatorDef(
        "child_poverty",
        "Child poverty",
        "2021",
        "% of children in relative low-income families",
        "higher_is_worse",
        HI_SOURCE,
        "Child poverty",
    ),
    IndicatorDef(
        "adult_obesity",
        "Overweight and obesity in adults",
        "2021",
        "% of adults",
        "higher_is_worse",
        HI_SOURCE,
        "Overweight and obesity in adults",
    ),
    IndicatorDef(
        "physical_activity",
        "Physical activity",
        "2021",
        "% of adults physically active",
        "higher_is_better",
        HI_SOURCE,
        "Physical activity",
    ),
    IndicatorDef(
        "personal_crime",
        "Personal crime",
        "2021",
        "offences per 1,000 people",
        "higher_is_worse",
        HI_SOURCE,
        "Personal crime",
    ),
    IndicatorDef(
        "suicides",
        "Suicides",
        "2021",
        "deaths per 100,000 (age-standardised)",
        "higher_is_worse",
        HI_SOURCE,
        "Suicides",
    ),
)

IMD = IndicatorDef(
    "imd_score",
    "Index of Multiple Deprivation 2025, average score",
    "2025",
    "score (population-weighted average of LSOA IMD scores)",
    "higher_is_worse",
    "MHCLG English Indices of Deprivation 2025, File 10: Local Authority District summaries (LAD 2024)",
)
EMPLOYMENT = IndicatorDef(
    "employment_rate",
    "Employment rate, aged 16-64",
    APS_PERIOD,
    "% of people aged 16-64",
    "higher_is_better",
    "ONS Annual Population Survey via Nomis, table T01 (economic activity 16-64), LAD 2021",
)

INDICATORS: tuple[IndicatorDef, ...] = (IMD, *HEALTH_INDEX[:5], EMPLOYMENT, *HEALTH_INDEX[5:])


@dataclass(frozen=True)
class IndicatorTables:
    """``values``: code + one column per indicator key (NaN = missing); ``meta``: indicator_meta rows."""

    values: pd.DataFrame
    meta: pd.DataFrame


def _district_map(src: SourceDir, units: tuple[str, ...]) -> pd.DataFrame:
    """2021/2022 English district -> 2024 district, with the 2021 district's Census 2021 population."""
    rel = sources.LAD22_LAD23_LOOKUP
    lookup = src.table(rel, ["LAD22CD", "LAD23CD"])
    lookup = lookup.loc[lookup["LAD23CD"].isin(units)].drop_duplicates()
    if lookup["LAD22CD"].duplicated().any():
        raise src.fail(rel, "a 2022 district maps to more than one 2023 district", field="LAD22CD")
    if set(lookup["LAD23CD"]) != set(units):
        raise src.fail(rel, "the lookup does not reach every 2024 district", field="LAD23CD")
    prel = sources.POPULATION_LAD22
    pop = src.table(prel, ["LAD22CD", "population"])
    pop = pop.assign(population=src.numeric(pop, "population", prel)).groupby("LAD22CD")["population"].sum()
    lookup = lookup.assign(weight=pop.reindex(lookup["LAD22CD"]).to_numpy())
    if lookup["weight"].isna().any():
        absent = lookup.loc[lookup["weight"].isna(), "LAD22CD"].iloc[0]
        raise src.fail(prel, f"no Census 2021 population for district {absent}", field="LAD22CD")
    return lookup.rename(columns={"LAD22CD": "old", "LAD23CD": "code"}).reset_index(drop=True)


def _to_2024(old_values: pd.Series, weights: pd.Series, mapping: pd.DataFrame, units: tuple[str, ...]) -> np.ndarray:
    """Weighted average of 2021-district values per 2024 district; missing if any part is missing."""
    frame = mapping.assign(
        value=old_values.reindex(mapping["old"]).to_numpy(), w=weights.reindex(mapping["old"]).to_numpy()
    )
    frame = frame.assign(wv=frame["w"] * frame["value"])
    grouped = frame.groupby("code")
    complete = grouped["value"].count() == grouped["value"].size()
    result = grouped["wv"].sum() / grouped["w"].sum()
    return result.where(complete).reindex(list(units)).to_numpy(dtype=np.float64)


def _imd(src: SourceDir, units: tuple[str, ...]) -> np.ndarray:
    rel = sources.IMD2025
    raw = src.table(rel, ["LAD24CD", "imd_average_score"])
    scores = pd.Series(src.numeric(raw, "imd_average_score", rel), index=raw["LAD24CD"])
    if scores.index.duplicated().any():
        raise src.fail(rel, "a district appears twice", field="LAD24CD")
    return scores.reindex(list(units)).to_numpy(dtype=np.float64)


def _health_index(src: SourceDir, units: tuple[str, ...], mapping: pd.DataFrame) -> dict[str, np.ndarray]:
    rel = sources.HEALTH_INDEX
    raw = src.table(rel, ["AREA_CD", "year", "indicator", "value"])
    raw = raw.assign(year=src.numeric(raw, "year", rel), value=src.numeric(raw, "value", rel))
    latest = raw.loc[raw["year"] == HEALTH_INDEX_YEAR]
    weights = mapping.set_index("old")["weight"]
    out = {}
    for ind in HEALTH_INDEX:
        rows = latest.loc[latest["indicator"] == ind.health_index_name]
        if rows.empty:
            raise src.fail(rel, f"no '{ind.health_index_name}' rows for {HEALTH_INDEX_YEAR}", field="indicator")
        if rows["AREA_CD"].duplicated().any():
            raise src.fail(rel, f"'{ind.health_index_name}' has two rows for one area", field="AREA_CD")
        out[ind.key] = _to_2024(rows.set_index("AREA_CD")["value"], weights, mapping, units)
    return out


def _employment(src: SourceDir, units: tuple[str, ...], mapping: pd.DataFrame) -> np.ndarray:
    rel = sources.APS
    raw = src.table(rel, ["AREA_CD", "period", "pop_16_64", "in_employment"])
    raw = raw.loc[raw["period"] == APS_PERIOD]
    if raw.empty:
        raise src.fail(rel, f"no rows for period {APS_PERIOD}", field="period")
    pop = pd.Series(src.numeric(raw, "pop_16_64", rel), index=raw["AREA_CD"])
    employed = pd.Series(src.numeric(raw, "in_employment", rel), index=raw["AREA_CD"])
    rate = 100.0 * employed / pop
    return _to_2024(rate, pop, mapping, units)


def build_indicators(src: SourceDir, units: tuple[str, ...]) -> IndicatorTables:
    """All indicators in :data:`INDICATORS` order, one row per unit."""
    mapping = _district_map(src, units)
    columns = {
        "imd_score": _imd(src, units),
        **_health_index(src, units, mapping),
        "employment_rate": _employment(src, units, mapping),
    }
    values = pd.DataFrame({"code": list(units), **{d.key: columns[d.key] for d in INDICATORS}})
    meta = pd.DataFrame(
        [
            {"key": d.key, "name": d.name, "year": d.year, "unit": d.unit, "direction": d.direction, "source": d.source}
            for d in INDICATORS
        ]
    )
    return IndicatorTables(values=values, meta=meta)

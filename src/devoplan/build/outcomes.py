"""Build the compact outcomes table (``src/devoplan/data/outcomes/``) from the official files.

Selected indicators from ONS Explore Local Statistics and DfE's children looked after release,
for the periods a trend needs, mapped onto the 296 districts of 2024:

1. the district's own published value when there is one;
2. else the value of the 2025 code that replaced it (Barnsley and Sheffield were re-coded in 2025
   after a minor boundary change, and some releases carry only the new code);
3. else, for a district formed in 2023 (Cumberland, Westmorland and Furness, North Yorkshire,
   Somerset), its 2021 predecessors combined by Census 2021 population (every predecessor must
   have a value), with the interval from the delta method;
4. else the published combined value (Hackney with City of London, Cornwall with the Isles of
   Scilly), then the upper-tier (county) value, then, for homicides, the police force area value.

Rows filled by 2 and 4 carry the code of the geography that was published in ``source``; rows
filled by 3 carry ``lad21``. Published values for regions, combined authorities, counties,
police force areas and England are kept in ``published.csv`` so an area that *is* such a
geography can use its published figure directly. See docs/outcomes.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from devoplan.build.bundle import check_replaceable, write_atomically
from devoplan.build.output import frame_text
from devoplan.build.sources import (
    LAD22_LAD23_LOOKUP,
    PFA_LOOKUP,
    POPULATION_LAD22,
    UTLA_LOOKUP,
    SourceDir,
)
from devoplan.build.units import UnitTables, build_units

OUTCOMES_OUT = Path(__file__).resolve().parents[1] / "data" / "outcomes"

ELS_FILES = (
    "outcomes/ons_els_health_indicators_england_long.csv",
    "outcomes/ons_els_economy_indicators_england_long.csv",
    "outcomes/ons_els_education_skills_indicators_england_long.csv",
    "outcomes/ons_els_justice_indicators_england_long.csv",
)
ELS_META = "outcomes/ons_els_indicator_metadata.csv"
CLA = "outcomes/dfe_children_looked_after_number_and_rate_2021_2025.csv"
ELS_COLUMNS = ("dataset", "areacd", "indicator", "period", "observation", "lci_95", "uci_95")
RECODED_2025 = {"E08000016": "E08000038", "E08000019": "E08000039"}
COMBINED = {"E09000001": "E67000001", "E09000012": "E67000001", "E06000052": "E67000002", "E06000053": "E67000002"}
PUBLISHED_PREFIXES = ("E92", "E12", "E47", "E10", "E23", "E06", "E08", "E09")
Z95 = 1.959963984540054
DECIMALS = 2


@dataclass(frozen=True)
class Selection:
    """One selected indicator: its key, where it comes from, and what the bundle says about it."""

    key: str
    indicator: str  # the publisher's indicator name (ELS) or population type (DfE)
    name: str
    unit: str
    polarity: str  # higher_is_better / higher_is_worse / no_judgement
    ages: str  # ages of the population that weights districts, e.g. "16-64" (docs/outcomes.md)
    sex: str  # F, M or "" for persons
    periods: int  # most recent periods kept
    kind: str = "mean"  # "mean" (published value and interval) or "count" (count and denominator)
    multiplier: float = 1.0


SELECTIONS: tuple[Selection, ...] = (
    Selection("cvd_u75", "Preventable cardiovascular mortality (England)",
              "Under-75 mortality from cardiovascular disease considered preventable",
              "per 100,000 (age-standardised)", "higher_is_worse", "50-74", "", 5),
    Selection("hle_male", "Male healthy life expectancy", "Healthy life expectancy at birth, males",
              "years", "higher_is_better", "0-90", "M", 4),
    Selection("hle_female", "Female healthy life expectancy", "Healthy life expectancy at birth, females",
              "years", "higher_is_better", "0-90", "F", 4),
    Selection("smoking", "Cigarette smokers", "Adults who smoke cigarettes", "% of adults 18+",
              "higher_is_worse", "18-90", "", 2),
    Selection("obesity", "Adult obesity prevalence", "Adults living with obesity", "% of adults 18+",
              "higher_is_worse", "18-90", "", 3),
    Selection("cancer_early", "Cancer diagnosis at stage 1 and 2", "Cancers diagnosed at stage 1 or 2",
              "% of staged cancers", "higher_is_better", "50-90", "", 3),
    Selection("employment", "Employment rate", "Employment rate, ages 16-64", "%", "higher_is_better",
              "16-64", "", 3),
    Selection("claimant", "Claimant Count", "Claimant count, ages 16-64", "%", "higher_is_worse", "16-64", "", 3),
    Selection("child_poverty", "Children in relative poverty before housing costs",
              "Children under 16 in relative low-income families (before housing costs)", "%",
              "higher_is_worse", "0-15", "", 3),
    Selection("gdhi", "Gross disposable household income", "Gross disposable household income per head", "£",
              "higher_is_better", "0-90", "", 3),
    Selection("pay", "Gross median weekly pay", "Gross median weekly pay of residents", "£",
              "higher_is_better", "16-64", "", 3),
    Selection("gcse", "GCSEs in English and Maths", "GCSEs in English and maths by age 19", "%",
              "higher_is_better", "16-18", "", 3),
    Selection("ks2", "Pupils meeting the expected standard in reading, writing and maths",
              "Pupils meeting the expected standard in reading, writing and maths at 11", "%",
              "higher_is_better", "10-10", "", 3),
    Selection("absence", "Persistent absences for all pupils", "Pupils persistently absent", "%",
              "higher_is_worse", "5-15", "", 3),
    Selection("level3", "Level 3 or above qualifications (Great Britain)", "Adults 16-64 qualified to level 3 or above",
              "%", "higher_is_better", "16-64", "", 2),
    Selection("homicide", "Homicide Offences", "Homicide offences", "per million people", "higher_is_worse",
              "0-90", "", 3),
    Selection("cla", "Children looked after on 31 March each year", "Children looked after at 31 March",
              "per 10,000 children", "no_judgement", "0-17", "", 3, kind="count", multiplier=10_000.0),
)
SOURCE_NOTE = {
    "cla": ("Department for Education", "Children looked after in England including adoptions",
            "https://explore-education-statistics.service.gov.uk/find-statistics/children-looked-after-in-england-including-adoptions"),
}


def period_label(period: str) -> str:
    """An ELS ISO period (``2022-01-01/P3Y``, ``2023-08-01/P1Y``, ``2025-04-30``) as ``2022-24``,
    ``2023/24`` or ``2025``: calendar years with a dash, other twelve-month years with a slash."""
    start, _, duration = period.partition("/")
    year, month = int(start[:4]), int(start[5:7])
    span = int(duration[1:-1]) if duration else 1
    if span > 1:  # 2022-01-01/P3Y is 2022-24; 2022-04-01/P3Y (financial years) is 2022-25
        return f"{year}-{(year + span - (1 if month == 1 else 0)) % 100:02d}"
    if month == 1 or not duration:
        return str(year)
    return f"{year}/{(year + 1) % 100:02d}"


@dataclass(frozen=True)
class OutcomeTables:
    """The bundle's three tables as frames (written by :func:`outcome_files`)."""

    indicators: pd.DataFrame
    districts: pd.DataFrame
    published: pd.DataFrame


def build_outcomes(src: SourceDir, unit_tables: UnitTables) -> OutcomeTables:
    """Select, label and map every indicator onto the bundle's districts (LAD24, in bundle order)."""
    els = _read_els(src)
    meta = src.table(ELS_META, ("dataset", "indicator", "source_org", "source_url",
                                "official_statistics_in_development"))
    maps = _Maps.read(src, unit_tables)
    units = unit_tables.codes
    rows: list[pd.DataFrame] = []
    published: list[pd.DataFrame] = []
    info = []
    for sel in SELECTIONS:
        table = _read_cla(src) if sel.kind == "count" else els[els["indicator"] == sel.indicator]
        if table.empty:
            raise src.fail(ELS_FILES[0], f"indicator {sel.indicator!r} not found")
        periods = sorted(set(table["period"]), key=_period_key)[-sel.periods:]
        for period in periods:
            at = table[table["period"] == period].drop_duplicates("code").set_index("code")
            rows.append(_districts(sel, at, maps, units).assign(period=period))
            pub = at[at.index.str[:3].isin(PUBLISHED_PREFIXES) & ~at.index.isin(units)]
            published.append(pub.reset_index().assign(indicator=sel.key, period=period))
        info.append(_meta_row(sel, meta[meta["dataset"] == table["dataset"].iloc[0]], periods))
    districts = pd.concat(rows, ignore_index=True)
    pub = pd.concat(published, ignore_index=True)
    columns = ["indicator", "code", "period", "value", "lci", "uci", "count", "denominator"]
    return OutcomeTables(
        pd.DataFrame(info),
        districts[[*columns, "source"]].sort_values(["indicator", "code", "period"], kind="stable"),
        pub[columns].sort_values(["indicator", "code", "period"], kind="stable"),
    )


def outcome_files(tables: OutcomeTables) -> dict[str, str]:
    """The tables as deterministic CSV text."""
    numbers = {c: DECIMALS for c in ("value", "lci", "uci", "count", "denominator")}
    return {
        "indicators.csv": frame_text(tables.indicators),
        "districts.csv": frame_text(tables.districts, numbers),
        "published.csv": frame_text(tables.published, numbers),
    }


def _period_key(label: str) -> tuple[int, str]:
    return int(label[:4]), label


def _read_els(src: SourceDir) -> pd.DataFrame:
    frames = []
    for relative in ELS_FILES:
        table = src.table(relative, ELS_COLUMNS)
        table = table[table["areacd"].str.startswith("E")]
        values = {c: src.numeric(table, c, relative) for c in ("observation", "lci_95", "uci_95")}
        frames.append(pd.DataFrame({
            "dataset": table["dataset"].to_numpy(),
            "indicator": table["indicator"].to_numpy(), "code": table["areacd"].to_numpy(),
            "period": [period_label(p) for p in table["period"]],
            "value": values["observation"], "lci": values["lci_95"], "uci": values["uci_95"],
            "count": np.nan, "denominator": np.nan,
        }))
    return pd.concat(frames, ignore_index=True).dropna(subset=["value"])


def _read_cla(src: SourceDir) -> pd.DataFrame:
    """Children looked after at 31 March: counts and the published child population, by UTLA,
    region and England (suppressed cells are dropped)."""
    cols = ("time_period", "geographic_level", "country_code", "region_code", "new_la_code",
            "population_type", "population_estimate", "children_count")
    table = src.table(CLA, cols)
    table = table[table["population_type"] == "Children looked after on 31 March each year"]
    code = table["new_la_code"].fillna(table["region_code"]).where(
        table["geographic_level"] != "National", table["country_code"])
    count = pd.to_numeric(table["children_count"], errors="coerce")  # DfE marks suppressed cells 'x' or 'z'
    denom = pd.to_numeric(table["population_estimate"], errors="coerce").to_numpy()
    frame = pd.DataFrame({
        "dataset": "cla", "indicator": "cla", "code": code.to_numpy(), "period": table["time_period"].to_numpy(),
        "value": count.to_numpy() / denom * 10_000.0, "lci": np.nan, "uci": np.nan,
        "count": count.to_numpy(), "denominator": denom,
    })
    frame = frame[frame["code"].str[:3] != "E13"]  # inner and outer London are not service geographies
    return frame.dropna(subset=["count", "denominator"])


@dataclass(frozen=True)
class _Maps:
    """Lookups that place published geographies over 2024 districts."""

    utla: dict[str, str]
    pfa: dict[str, str]
    predecessors: dict[str, list[tuple[str, float]]]
    children: dict[str, float]

    @classmethod
    def read(cls, src: SourceDir, units: UnitTables) -> _Maps:
        utla = src.table(UTLA_LOOKUP, ("LTLA23CD", "UTLA23CD"))
        pfa = src.table(PFA_LOOKUP, ("LAD24CD", "PFA24CD"))
        merges = src.table(LAD22_LAD23_LOOKUP, ("LAD22CD", "LAD23CD"))
        merges = merges[merges["LAD22CD"] != merges["LAD23CD"]]
        pop = src.table(POPULATION_LAD22, ("LAD22CD", "population"))
        sums = pd.Series(src.numeric(pop, "population", POPULATION_LAD22), index=pop["LAD22CD"]).groupby(level=0).sum()
        preds: dict[str, list[tuple[str, float]]] = {}
        for old, new in zip(merges["LAD22CD"], merges["LAD23CD"], strict=True):
            if new in units.codes:
                preds.setdefault(new, []).append((old, float(sums.get(old, 0.0))))
        ages = units.age_sex.set_index("code")[[str(a) for a in range(18)]].astype(float)
        children = ages.groupby(level=0).sum().sum(axis=1)
        return cls(dict(zip(utla["LTLA23CD"], utla["UTLA23CD"], strict=True)),
                   dict(zip(pfa["LAD24CD"], pfa["PFA24CD"], strict=True)), preds,
                   {str(k): float(v) for k, v in children.items()})


def _districts(sel: Selection, at: pd.DataFrame, maps: _Maps, units: tuple[str, ...]) -> pd.DataFrame:
    """One row per district for one indicator and period (missing when no source covers it)."""
    shares = _child_shares(sel, maps, units)
    fallbacks: list[Callable[[str], tuple[str, str] | None]] = [
        lambda u: (RECODED_2025[u], RECODED_2025[u]) if RECODED_2025.get(u) in at.index else None,
        lambda u: (COMBINED[u], COMBINED[u]) if COMBINED.get(u) in at.index else None,
        lambda u: (maps.utla[u], maps.utla[u]) if maps.utla.get(u) in at.index and maps.utla[u] != u else None,
        lambda u: (maps.pfa[u], maps.pfa[u]) if maps.pfa.get(u) in at.index else None,
    ]
    records = []
    for unit in units:
        record: dict[str, Any] | None = _own_or_merged(unit, at, maps)
        if record is None:
            for fallback in fallbacks:
                hit = fallback(unit)
                if hit is not None:
                    code, source = hit
                    record = {**at.loc[code, ["value", "lci", "uci", "count", "denominator"]].to_dict(),
                              "source": source}
                    if sel.kind == "count" and record is not None:  # apportion by child population
                        record["count"] = float(record["count"]) * shares[unit]
                        record["denominator"] = float(record["denominator"]) * shares[unit]
                    break
        records.append({"indicator": sel.key, "code": unit, **(record or _MISSING)})
    return pd.DataFrame(records)


_MISSING = {"value": np.nan, "lci": np.nan, "uci": np.nan, "count": np.nan, "denominator": np.nan, "source": ""}


def _own_or_merged(unit: str, at: pd.DataFrame, maps: _Maps) -> dict[str, Any] | None:
    if unit in at.index:
        return {**at.loc[unit, ["value", "lci", "uci", "count", "denominator"]].to_dict(), "source": ""}
    parts = maps.predecessors.get(unit, [])
    if not parts or not all(code in at.index for code, _ in parts):
        return None
    weights = np.array([w for _, w in parts]) / sum(w for _, w in parts)
    rows = at.loc[[code for code, _ in parts]]
    value = float(weights @ rows["value"].to_numpy())
    se = (rows["uci"] - rows["lci"]).to_numpy() / (2 * Z95)
    half = Z95 * math.sqrt(float((weights**2) @ (se**2)))
    return {"value": value, "lci": value - half, "uci": value + half, "count": np.nan, "denominator": np.nan,
            "source": "lad21"}


def _child_shares(sel: Selection, maps: _Maps, units: tuple[str, ...]) -> dict[str, float]:
    """Each district's share of its county's children aged 0-17 (Census 2021), used to apportion an
    upper-tier count and its denominator; a unitary authority's share is 1."""
    if sel.kind != "count":
        return {}
    county = {u: maps.utla.get(u, u) for u in units}
    totals: dict[str, float] = {}
    for unit in units:
        totals[county[unit]] = totals.get(county[unit], 0.0) + maps.children[unit]
    return {u: maps.children[u] / totals[county[u]] for u in units}


def _meta_row(sel: Selection, meta: pd.DataFrame, periods: list[str]) -> dict[str, object]:
    if sel.key in SOURCE_NOTE:
        org, dataset, url = SOURCE_NOTE[sel.key]
        development = "no"
    else:
        row = meta[meta["indicator"] == sel.indicator]
        row = row.iloc[0] if len(row) else meta.iloc[0]
        org, dataset, url = str(row["source_org"]).split("|")[0], "ONS Explore Local Statistics", \
            str(row["source_url"]).split("|")[0]
        development = "yes" if row["official_statistics_in_development"] == "T" else "no"
    return {
        "key": sel.key, "name": sel.name, "unit": sel.unit, "polarity": sel.polarity, "kind": sel.kind,
        "multiplier": f"{sel.multiplier:g}", "ages": sel.ages, "sex": sel.sex, "periods": " ".join(periods),
        "publisher": org, "dataset": dataset, "url": url, "in_development": development,
    }


ONS_NEIGHBOURS = "comparators/ons_els_lad_nearest_neighbours_2026_long.csv"
DFE_NEIGHBOURS = "comparators/dfe_childrens_services_statistical_neighbours_2025_long.csv"
ONS_NEIGHBOURS_KEPT = 10


def build_comparators(src: SourceDir, units: tuple[str, ...]) -> pd.DataFrame:
    """The published neighbour sets: ONS "similar areas" (global type, the 10 nearest English
    districts) and DfE children's services statistical neighbours (10 per upper-tier authority)."""
    ons = src.table(ONS_NEIGHBOURS, ("LAD24CD", "rank", "neighbour_LAD24CD", "neighbour_type"))
    ons = ons[(ons["neighbour_type"] == "global") & ons["LAD24CD"].isin(units)
              & ons["neighbour_LAD24CD"].isin(units)].copy()
    ons["rank"] = src.numeric(ons, "rank", ONS_NEIGHBOURS).astype(int)
    ons = ons.sort_values(["LAD24CD", "rank"], kind="stable").groupby("LAD24CD").head(ONS_NEIGHBOURS_KEPT)
    ons["rank"] = ons.groupby("LAD24CD").cumcount() + 1
    dfe = src.table(DFE_NEIGHBOURS, ("UTLA_code", "rank", "neighbour_UTLA_code", "closeness"))
    dfe["rank"] = src.numeric(dfe, "rank", DFE_NEIGHBOURS).astype(int)
    frames = [
        pd.DataFrame({"set": "ons", "code": ons["LAD24CD"], "rank": ons["rank"],
                      "neighbour": ons["neighbour_LAD24CD"], "closeness": ""}),
        pd.DataFrame({"set": "dfe", "code": dfe["UTLA_code"], "rank": dfe["rank"],
                      "neighbour": dfe["neighbour_UTLA_code"], "closeness": dfe["closeness"].fillna("")}),
    ]
    return pd.concat(frames, ignore_index=True).sort_values(["set", "code", "rank"], kind="stable")


ATTRIBUTION = """\
# Outcomes bundle: sources and licences

Built by `devoplan data outcomes` (code in `src/devoplan/build/outcomes.py`) from official open data;
see `docs/outcomes.md` for how each figure is mapped to 2024 districts. Unless stated otherwise the
data are licensed under the
[Open Government Licence v3.0](https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/).

* **`districts.csv`, `published.csv`, `indicators.csv`** — ONS *Explore Local Statistics* indicator
  data (© Crown copyright; ONS and other government departments: OHID, DWP, DfE, Home Office data
  as published there; OGL v3), and DfE *Children looked after in England including adoptions*
  (children looked after at 31 March, counts and rates; OGL v3). The publisher and source address
  of each indicator are in `indicators.csv`. Source: Office for National Statistics licensed under
  the Open Government Licence v3.0. Contains public sector information licensed under the Open
  Government Licence v3.0.
* **`comparators.csv`** — ONS *Explore Local Statistics* "similar areas" nearest neighbours (2026
  update; published by ONS in a repository licensed MIT, © Crown copyright) and DfE *Children's
  services statistical neighbour benchmarking tool* (2025 model; OGL v3).
"""


def compute_outcome_bundle(source: str | Path) -> dict[str, str]:
    """Every file of the outcomes bundle as ``{name: text}``, computed in memory."""
    src = SourceDir.open(source)
    units = build_units(src)
    files = outcome_files(build_outcomes(src, units))
    files["comparators.csv"] = frame_text(build_comparators(src, units.codes))
    files["ATTRIBUTION.md"] = ATTRIBUTION
    files["manifest.json"] = json.dumps({"name": "England 2024 outcomes", "format_version": 1,
                                         "files": sorted([*files, "manifest.json"])}, indent=2) + "\n"
    return files


def build_outcome_bundle(source: str | Path, out: str | Path = OUTCOMES_OUT) -> dict[str, int]:
    """Derive the outcomes bundle from ``source`` into ``out`` (replaced atomically); file sizes."""
    out_path = Path(out)
    check_replaceable(out_path.resolve())
    files = compute_outcome_bundle(source)
    write_atomically(files, out_path)
    return {name: (out_path / name).stat().st_size for name in sorted(files)}

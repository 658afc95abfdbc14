"""Build the compact outcomes table (``src/devoplan/data/outcomes/``) from the official files.

Selected indicators from ONS Explore Local Statistics, DfE (children looked after, children in
need, children's social work workforce), Oflog (adult social care) and Ofsted (children's services
judgements), for the periods a trend needs, mapped onto the 296 districts of 2024:

1. the district's own published value when there is one;
2. else the value of the 2025 code that replaced it (Barnsley and Sheffield were re-coded in 2025
   after a minor boundary change, and some releases carry only the new code);
3. else, for a district formed in 2023 (Cumberland, Westmorland and Furness, North Yorkshire,
   Somerset), its 2021 predecessors combined by Census 2021 population (every predecessor must
   have a value), with the interval from the delta method;
4. else the published combined value (Hackney with City of London, Cornwall with the Isles of
   Scilly; DfE's joint returns such as ``E09000021 / E09000027``), then the upper-tier (county)
   value, then the county abolished in 2023 that the district was part of (Cumbria, North
   Yorkshire, Somerset: for periods up to 31 March 2023), then, for homicides, the police force
   area value.

A count indicator's count and denominator published for a wider geography are shared among its
districts in proportion to their children aged 0-17 (Census 2021), so rates are unchanged and sums
are exact. Rows filled by 2 and 4 carry the code of the geography that was published in ``source``; rows
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
from devoplan.build.outcome_sources import (
    ABOLISHED_2023,
    SOURCE_FILES,
    readers,
)
from devoplan.build.output import frame_text
from devoplan.build.sources import (
    LAD22_LAD23_LOOKUP,
    PFA_LOOKUP,
    POPULATION_LAD22,
    UTLA_LOOKUP,
    SourceDir,
)
from devoplan.build.units import UnitTables, build_units
from devoplan.textcsv import read_text_csv

OUTCOMES_OUT = Path(__file__).resolve().parents[1] / "data" / "outcomes"

ELS_META = "outcomes/ons_els_indicator_metadata.csv"
RECODED_2025 = {"E08000016": "E08000038", "E08000019": "E08000039"}
# the 2023 unitary authorities and the county each was part of until 31 March 2023
PRE_2023_COUNTY = {"E06000063": ABOLISHED_2023[0], "E06000064": ABOLISHED_2023[0], "E06000065": ABOLISHED_2023[1],
                   "E06000066": ABOLISHED_2023[2]}
COMBINED = {"E09000001": "E67000001", "E09000012": "E67000001", "E06000052": "E67000002", "E06000053": "E67000002"}
PUBLISHED_PREFIXES = ("E92", "E12", "E47", "E10", "E23", "E06", "E08", "E09")
Z95 = 1.959963984540054
DECIMALS = 2
VALUES = ("value", "lci", "uci", "count", "denominator")


@dataclass(frozen=True)
class Selection:
    """One selected indicator: its key, where it comes from, and what the bundle says about it."""

    key: str
    source: str  # els, cla, cin, csww, oflog or ofsted (see build/outcome_sources.py)
    indicator: str  # the publisher's indicator name (ELS), measure code (Oflog), rate (workforce) or the key
    name: str
    unit: str
    polarity: str  # higher_is_better / higher_is_worse / no_judgement
    ages: str  # ages of the population that weights districts, e.g. "16-64" (docs/outcomes.md)
    sex: str  # F, M or "" for persons
    periods: int  # most recent periods kept
    kind: str = "mean"  # "mean" (published value and interval) or "count" (count and denominator)
    multiplier: float = 1.0


SELECTIONS_FILE = Path(__file__).with_name("outcome_selections.csv")
SELECTION_COLUMNS = ("key", "source", "indicator", "name", "unit", "polarity", "ages", "sex", "periods", "kind",
                     "multiplier")


def read_selections(file: Path = SELECTIONS_FILE) -> tuple[Selection, ...]:
    """The selected indicators, one row each (a blank ``indicator`` is the key)."""
    frame = read_text_csv(file, SELECTION_COLUMNS).fillna("")
    return tuple(Selection(r.key, r.source, r.indicator or r.key, r.name, r.unit, r.polarity, r.ages, r.sex,
                           int(r.periods), r.kind, float(r.multiplier)) for r in frame.itertuples(index=False))


SELECTIONS: tuple[Selection, ...] = read_selections()
DFE_EES = "https://explore-education-statistics.service.gov.uk/find-statistics/"
SOURCE_NOTE = {  # publisher, dataset and address of every source other than ONS Explore Local Statistics
    "cla": ("Department for Education", "Children looked after in England including adoptions",
            DFE_EES + "children-looked-after-in-england-including-adoptions"),
    "cin": ("Department for Education", "Characteristics of children in need (table B1)",
            DFE_EES + "characteristics-of-children-in-need"),
    "csww": ("Department for Education", "Children's social work workforce",
             DFE_EES + "children-s-social-work-workforce"),
    "oflog": ("Office for Local Government", "Local Authority Data Explorer, adult social care",
              "https://oflog.data.gov.uk/"),
    "ofsted": ("Ofsted", "Local authority inspection outcomes (ILACS inspection history)",
               "https://www.gov.uk/government/statistical-data-sets/childrens-social-care-data-in-england"),
}


@dataclass(frozen=True)
class OutcomeTables:
    """The bundle's three tables as frames (written by :func:`outcome_files`)."""

    indicators: pd.DataFrame
    districts: pd.DataFrame
    published: pd.DataFrame


def build_outcomes(src: SourceDir, unit_tables: UnitTables) -> OutcomeTables:
    """Select, label and map every indicator onto the bundle's districts (LAD24, in bundle order)."""
    meta = src.table(ELS_META, ("dataset", "indicator", "source_org", "source_url",
                                "official_statistics_in_development"))
    maps = _Maps.read(src, unit_tables)
    units = unit_tables.codes
    read = readers(src)
    loaded: dict[str, pd.DataFrame] = {}
    rows: list[pd.DataFrame] = []
    published: list[pd.DataFrame] = []
    info = []
    for sel in SELECTIONS:
        if sel.source not in loaded:
            loaded[sel.source] = read[sel.source]()
        table = loaded[sel.source][loaded[sel.source]["indicator"] == sel.indicator]
        if table.empty:
            raise src.fail(SOURCE_FILES[sel.source], f"indicator {sel.indicator!r} not found")
        periods = sorted(set(table["period"]), key=_period_key)[-sel.periods:]
        for period in periods:
            at = table[table["period"] == period].drop_duplicates("code").set_index("code")
            rows.append(_districts(sel, at, maps, units).assign(period=period))
            pub = at[at.index.str[:3].isin(PUBLISHED_PREFIXES) & ~at.index.isin(units) & ~at.index.str.contains("/")]
            published.append(pub.reset_index().assign(indicator=sel.key, period=period))
        info.append(_meta_row(sel, meta[meta["dataset"] == table["dataset"].iloc[0]], periods))
    districts = pd.concat(rows, ignore_index=True)
    pub = pd.concat(published, ignore_index=True)
    columns = ["indicator", "code", "period", *VALUES]
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
    joint = {part.strip(): code for code in at.index if "/" in code for part in code.split("/")}
    fallbacks: tuple[Callable[[str], str | None], ...] = (
        RECODED_2025.get,
        COMBINED.get,
        lambda u: joint.get(maps.utla.get(u, u)),
        lambda u: maps.utla[u] if maps.utla.get(u, u) != u else None,
        PRE_2023_COUNTY.get,
        maps.pfa.get,
    )
    records = []
    for unit in units:
        record: dict[str, Any] | None = _own_or_merged(unit, at, maps)
        if record is None:
            code = next((c for c in (f(unit) for f in fallbacks) if c is not None and c in at.index), None)
            if code is not None:
                record = {**at.loc[code, list(VALUES)].to_dict(), "source": code}
        records.append({"indicator": sel.key, "code": unit, **(record or _MISSING)})
    frame = pd.DataFrame(records)
    return _apportioned(frame, maps.children) if sel.kind == "count" else frame


def _apportioned(frame: pd.DataFrame, children: dict[str, float]) -> pd.DataFrame:
    """Counts and denominators published for a wider geography, shared among the districts that use
    them in proportion to their children aged 0-17 (Census 2021): rates kept, sums exact."""
    shared = ~frame["source"].isin(["", "lad21"])
    kids = frame["code"].map(children).astype(float)
    total = kids.where(shared).groupby(frame["source"]).transform("sum")
    share = (kids / total).where(shared, 1.0).to_numpy()
    out = frame.copy()
    for column in ("count", "denominator"):
        out[column] = out[column].astype(float) * share
    return out


_MISSING = {"value": np.nan, "lci": np.nan, "uci": np.nan, "count": np.nan, "denominator": np.nan, "source": ""}


def _own_or_merged(unit: str, at: pd.DataFrame, maps: _Maps) -> dict[str, Any] | None:
    if unit in at.index:
        return {**at.loc[unit, list(VALUES)].to_dict(), "source": ""}
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


def _meta_row(sel: Selection, meta: pd.DataFrame, periods: list[str]) -> dict[str, object]:
    if sel.source in SOURCE_NOTE:
        org, dataset, url = SOURCE_NOTE[sel.source]
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
  as published there; OGL v3); DfE *Children looked after in England including adoptions*,
  *Characteristics of children in need* and *Children's social work workforce* (OGL v3); Office
  for Local Government (MHCLG) adult social care measures from the Local Authority Data Explorer
  (ASCOF and Skills for Care based; OGL v3); Ofsted *Local authority inspection outcomes* (ILACS
  judgements; OGL v3). The publisher and source address of each indicator are in
  `indicators.csv`. Source: Office for National Statistics licensed under the Open Government
  Licence v3.0. Contains public sector information licensed under the Open Government Licence v3.0.
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

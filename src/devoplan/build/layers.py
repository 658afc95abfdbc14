"""Service layers of the England bundle: which district belongs to which area, with what weight.

Each layer is read from one official lookup. Lookups that also list Welsh districts are cut to the
bundle's units; an English code that is not a bundle unit is an error (a vintage mismatch), never
silently dropped. Weights follow docs/data-format.md: partition shares, cover ``1/k``, partial 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from devoplan.build import sources
from devoplan.build.sources import SourceDir

WEIGHT_DECIMALS = 6  # ICB shares are stored in millionths that sum exactly to 1 per district

# April 2025 boundary change between Barnsley and Sheffield (a few streets) gave both new codes; the
# bundle's units are the December 2024 districts, so the 2025 lookup's codes are read as the 2024 ones.
LAD25_TO_LAD24: Mapping[str, str] = {"E08000038": "E08000016", "E08000039": "E08000019"}

# The Greater London Authority covers the 32 London boroughs and the City of London: exactly the
# London region (RGN24 E12000007). E61000001 is its ONS code.
LONDON_REGION, GLA_CODE, GLA_NAME = "E12000007", "E61000001", "Greater London Authority"


@dataclass(frozen=True)
class LayerTable:
    """One layer: its ``layers.csv`` row plus ``areas`` (area_code, area_name) and ``memberships``
    (unit_code, area_code, weight), both sorted by code."""

    key: str
    name: str
    kind: str
    vintage: str
    source: str
    areas: pd.DataFrame
    memberships: pd.DataFrame


@dataclass(frozen=True)
class _Spec:
    key: str
    name: str
    kind: str
    vintage: str
    source: str
    lookup: str
    read: Callable[[SourceDir, tuple[str, ...]], tuple[pd.DataFrame, pd.DataFrame]]


def _england_rows(src: SourceDir, rel: str, frame: pd.DataFrame, unit_col: str, units: tuple[str, ...]) -> pd.DataFrame:
    """Rows for bundle units; an English district code that is not a unit is an error."""
    known = frame[unit_col].isin(units)
    stray = frame.loc[~known & frame[unit_col].str.startswith("E"), unit_col]
    if len(stray):
        raise src.fail(rel, f"district {stray.iloc[0]} is not an England 2024 district", field=unit_col)
    return frame.loc[known]  # index kept: it is the row in the source file, for error messages


def _areas(src: SourceDir, rel: str, pairs: pd.DataFrame, code_col: str) -> pd.DataFrame:
    """Distinct (area_code, area_name), checking that each code has one name."""
    areas = pairs.drop_duplicates().sort_values(["area_code", "area_name"]).reset_index(drop=True)
    if areas["area_code"].duplicated().any():
        dup = areas.loc[areas["area_code"].duplicated(), "area_code"].iloc[0]
        raise src.fail(rel, f"area {dup} has more than one name", field=code_col)
    if areas.isna().any().any():
        raise src.fail(rel, "an area code or name is empty", field=code_col)
    return areas


def _single_area(
    unit_col: str, code_col: str, name_col: str, rel: str, recode: Mapping[str, str] | None = None
) -> Callable[[SourceDir, tuple[str, ...]], tuple[pd.DataFrame, pd.DataFrame]]:
    """Reader for a lookup giving each district at most one area (duplicate rows are merged).

    ``recode`` maps district codes of a later vintage to the bundle's 2024 codes before anything
    else is checked (see :data:`LAD25_TO_LAD24`).
    """

    def read(src: SourceDir, units: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
        table = src.table(rel, [unit_col, code_col, name_col])
        if recode:
            table[unit_col] = table[unit_col].replace(dict(recode))
        raw = _england_rows(src, rel, table, unit_col, units)
        raw = raw.dropna(subset=[code_col]).drop_duplicates([unit_col, code_col])
        if raw[unit_col].duplicated().any():
            dup = raw.loc[raw[unit_col].duplicated(), unit_col].iloc[0]
            raise src.fail(rel, f"district {dup} is in more than one area", field=code_col)
        areas = _areas(
            src,
            rel,
            raw.rename(columns={code_col: "area_code", name_col: "area_name"})[["area_code", "area_name"]],
            code_col,
        )
        members = pd.DataFrame({"unit_code": raw[unit_col], "area_code": raw[code_col], "weight": 1.0})
        return areas, members

    return read


def apportion(counts: np.ndarray, decimals: int = WEIGHT_DECIMALS) -> np.ndarray:
    """Shares ``counts / counts.sum()`` rounded to ``decimals`` so that they sum to exactly 1.

    Largest-remainder rounding in integer steps of ``10**-decimals``: ties go to the earlier entry.
    """
    scale = 10**decimals
    exact = counts.astype(np.float64) * scale / counts.sum()
    base = np.floor(exact).astype(np.int64)
    short = scale - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:short]] += 1
    return base / scale


def _read_icb(src: SourceDir, units: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ICB 2024 as a partition: a district's weight in an ICB is its share of the district's LSOA21s."""
    rel = sources.ICB_LOOKUP
    raw = _england_rows(src, rel, src.table(rel, ["LAD24CD", "ICB24CD", "ICB24NM", "n_lsoa21"]), "LAD24CD", units)
    raw = raw.assign(n=src.numeric(raw, "n_lsoa21", rel)).sort_values(["LAD24CD", "ICB24CD"])
    if raw["n"].isna().any() or (raw["n"] <= 0).any():
        raise src.fail(rel, "LSOA counts must be positive", field="n_lsoa21")
    if raw.duplicated(["LAD24CD", "ICB24CD"]).any():
        raise src.fail(rel, "a district x ICB pair appears twice", field="ICB24CD")
    weights = np.concatenate([apportion(g["n"].to_numpy()) for _, g in raw.groupby("LAD24CD", sort=True)])
    members = pd.DataFrame({"unit_code": raw["LAD24CD"], "area_code": raw["ICB24CD"], "weight": weights})
    areas = _areas(
        src,
        rel,
        raw.rename(columns={"ICB24CD": "area_code", "ICB24NM": "area_name"})[["area_code", "area_name"]],
        "ICB24CD",
    )
    return areas, members


def _read_icb26(src: SourceDir, units: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ICB 2026 as a partition: a district's weight in an ICB is its share of the registered patients
    of the GP practices located in the district (NHS England place-based tool, 2026/27).

    The practice file gives each practice's 2026 ICB and the pre-2023 code of the district it stands in;
    those codes are carried to 2024 with the LAD22 -> LAD23 lookup (whole-district mergers only).
    """
    rel = sources.ICB26_PRACTICES
    raw = src.table(rel, ["ICB", "ICBname", "LAD", "Registered Patients"])
    raw = raw.assign(n=src.numeric(raw, "Registered Patients", rel))
    if raw[["ICB", "ICBname", "LAD"]].isna().any().any():
        raise src.fail(rel, "a practice has no ICB or district", field="LAD")
    if raw["n"].isna().any() or (raw["n"] < 0).any():
        raise src.fail(rel, "registered patients must be 0 or more", field="Registered Patients")
    later = src.table(sources.LAD22_LAD23_LOOKUP, ["LAD22CD", "LAD23CD"]).drop_duplicates()
    raw["LAD"] = raw["LAD"].replace(dict(zip(later["LAD22CD"], later["LAD23CD"], strict=True)))
    raw = _england_rows(src, rel, raw, "LAD", units)
    counts = raw.groupby(["LAD", "ICB"], sort=True)["n"].sum()
    counts = counts[counts > 0]
    weights = np.concatenate([apportion(g.to_numpy()) for _, g in counts.groupby(level="LAD", sort=True)])
    members = pd.DataFrame(
        {"unit_code": counts.index.get_level_values("LAD"), "area_code": counts.index.get_level_values("ICB"),
         "weight": weights}
    )
    members = members[members["weight"] > 0]  # a share under half a millionth rounds away
    names = raw.rename(columns={"ICB": "area_code", "ICBname": "area_name"})[["area_code", "area_name"]]
    names["area_name"] = names["area_name"].map(_small_words)
    return _areas(src, rel, names, "ICB"), members


def _small_words(name: str) -> str:
    """'NHS Cornwall and The Isles Of Scilly ICB' -> '... the Isles of Scilly ICB': the practice file
    capitalises the small words of one ICB name, unlike the ONS names of every other layer."""
    words = name.split(" ")
    return " ".join([words[0], *(w.lower() if w in ("The", "Of", "And") else w for w in words[1:])])


def _read_gla(src: SourceDir, units: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Greater London as a one-area partial layer: the districts of the London region."""
    rel = sources.REGION_LOOKUP
    raw = _england_rows(src, rel, src.table(rel, ["LAD24CD", "RGN24CD"]), "LAD24CD", units)
    london = sorted(raw.loc[raw["RGN24CD"] == LONDON_REGION, "LAD24CD"])
    if not london:
        raise src.fail(rel, f"no district is in the London region {LONDON_REGION}", field="RGN24CD")
    areas = pd.DataFrame({"area_code": [GLA_CODE], "area_name": [GLA_NAME]})
    return areas, pd.DataFrame({"unit_code": london, "area_code": GLA_CODE, "weight": 1.0})


def _read_lep(src: SourceDir, units: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """LEP 2021 as a cover: a district in ``k`` LEPs gets weight ``1/k`` in each."""
    rel = sources.LEP_LOOKUP
    cols = ["LAD24CD", "LEP21CD1", "LEP21NM1", "LEP21CD2", "LEP21NM2"]
    raw = _england_rows(src, rel, src.table(rel, cols), "LAD24CD", units)
    long = (
        pd.concat(
            [
                raw[["LAD24CD", f"LEP21CD{i}", f"LEP21NM{i}"]].set_axis(["unit_code", "area_code", "area_name"], axis=1)
                for i in (1, 2)
            ]
        )
        .dropna(subset=["area_code"])
        .drop_duplicates(["unit_code", "area_code"])
    )
    k = long.groupby("unit_code")["area_code"].transform("count").to_numpy()
    members = long[["unit_code", "area_code"]].assign(weight=1.0 / k)
    return _areas(src, rel, long[["area_code", "area_name"]], "LEP21CD1"), members


_SPECS: tuple[_Spec, ...] = (
    _Spec(
        "ICB26",
        "Integrated Care Boards (2026)",
        "partition",
        "April 2026",
        "NHS England ICB place-based allocation tool 2026/27 (GP practices with their 2026 ICB and district); "
        "weight = share of the registered patients of the district's practices in the ICB",
        sources.ICB26_PRACTICES,
        _read_icb26,
    ),
    _Spec(
        "CAUTH25",
        "Combined authorities (2025)",
        "partial",
        "May 2025",
        "ONS LAD to Combined Authority (May 2025) Lookup in EN (Barnsley and Sheffield read as their 2024 codes)",
        sources.CAUTH25_LOOKUP,
        _single_area("LAD25CD", "CAUTH25CD", "CAUTH25NM", sources.CAUTH25_LOOKUP, LAD25_TO_LAD24),
    ),
    _Spec(
        "GLA",
        "Greater London Authority",
        "partial",
        "December 2024",
        "ONS LAD to Region (December 2024) Lookup in EN: the London region's 33 districts "
        "(32 boroughs and the City), which the GLA covers",
        sources.REGION_LOOKUP,
        _read_gla,
    ),
    _Spec(
        "PFA",
        "Police force areas",
        "partition",
        "December 2024",
        "ONS LAD to Community Safety Partnership to Police Force Area (December 2024) Lookup in EW",
        sources.PFA_LOOKUP,
        _single_area("LAD24CD", "PFA24CD", "PFA24NM", sources.PFA_LOOKUP),
    ),
    _Spec(
        "FRA",
        "Fire and rescue authorities",
        "partition",
        "December 2024",
        "ONS LAD to Fire and Rescue Authority (December 2024) Lookup in EW",
        sources.FRA_LOOKUP,
        _single_area("LAD24CD", "FRA24CD", "FRA24NM", sources.FRA_LOOKUP),
    ),
    _Spec(
        "REGION",
        "Regions",
        "partition",
        "December 2024",
        "ONS LAD to Region (December 2024) Lookup in EN",
        sources.REGION_LOOKUP,
        _single_area("LAD24CD", "RGN24CD", "RGN24NM", sources.REGION_LOOKUP),
    ),
    _Spec(
        "UTLA",
        "Upper-tier local authorities (counties and unitary authorities)",
        "partition",
        "April 2023",
        "ONS Lower Tier Local Authority to Upper Tier Local Authority (April 2023) Lookup in EW "
        "(no English changes in 2024)",
        sources.UTLA_LOOKUP,
        _single_area("LTLA23CD", "UTLA23CD", "UTLA23NM", sources.UTLA_LOOKUP),
    ),
    _Spec(
        "LSIP",
        "Local skills improvement plan areas",
        "partition",
        "August 2023",
        "ONS LAD to Local Skills Improvement Plan area (August 2023) Lookup in EN (LAD23 = LAD24 in England)",
        sources.LSIP_LOOKUP,
        _single_area("LAD23CD", "LSIP23CD", "LSIP23NM", sources.LSIP_LOOKUP),
    ),
    _Spec(
        "ICB",
        "Integrated Care Boards (2024)",
        "partition",
        "April 2024 (historical)",
        "ONS LSOA (2021) to Sub-ICB Location to ICB (April 2024) lookup, aggregated to LAD24; "
        "weight = share of the district's LSOA21s in the ICB",
        sources.ICB_LOOKUP,
        _read_icb,
    ),
    _Spec(
        "CAUTH24",
        "Combined authorities (2024)",
        "partial",
        "May 2024 (historical)",
        "ONS LAD to Combined Authority (May 2024) Lookup in EN",
        sources.CAUTH24_LOOKUP,
        _single_area("LAD24CD", "CAUTH24CD", "CAUTH24NM", sources.CAUTH24_LOOKUP),
    ),
    _Spec(
        "LEP",
        "Local Enterprise Partnerships",
        "cover",
        "May 2021 (historical)",
        "ONS LEP (May 2021) and LAD (December 2024) BGC boundaries, spatial overlay (>= 50% of area); "
        "weight 1/k for a district in k LEPs",
        sources.LEP_LOOKUP,
        _read_lep,
    ),
)

LAYER_KEYS: tuple[str, ...] = tuple(spec.key for spec in _SPECS)


def _check_kind(src: SourceDir, spec: _Spec, members: pd.DataFrame, units: tuple[str, ...]) -> None:
    """Partition and cover layers must hold every unit with weights summing to 1."""
    if spec.kind == "partial":
        return
    totals = members.groupby("unit_code")["weight"].sum().reindex(list(units))
    missing = totals.index[totals.isna()]
    if len(missing):
        raise src.fail(spec.lookup, f"district {missing[0]} is in no {spec.key} area")
    if not np.allclose(totals.to_numpy(), 1.0, atol=1e-9):
        raise src.fail(spec.lookup, f"{spec.key} weights of a district do not sum to 1")


def build_layers(src: SourceDir, units: tuple[str, ...]) -> tuple[LayerTable, ...]:
    """All England layers (today's first, then the historical ones), in :data:`LAYER_KEYS` order."""
    tables = []
    for spec in _SPECS:
        areas, members = spec.read(src, units)
        members = members.sort_values(["unit_code", "area_code"]).reset_index(drop=True)
        _check_kind(src, spec, members, units)
        tables.append(LayerTable(spec.key, spec.name, spec.kind, spec.vintage, spec.source, areas, members))
    return tuple(tables)

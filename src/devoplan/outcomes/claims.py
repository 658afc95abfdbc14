"""The policy's postcode-lottery claims, re-measured with the latest bundled data and its years.

Three claims carry the case for devolution on outcomes: preventable deaths in the North East against
the South East, smoking in Corby against Rushcliffe, and the spread of healthy life expectancy. Each
is measured here from the outcomes bundle (published regional values; district values), so the
report prints what the data says today rather than repeating the quoted figures. A claim whose
places are not in the data (another geography) is left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from devoplan.geography.model import Geography
from devoplan.outcomes.indicators import OutcomeData

NORTH_EAST, SOUTH_EAST = "E12000001", "E12000008"
# Corby (E07000150) was merged into North Northamptonshire in April 2021; Rushcliffe is unchanged.
NORTH_NORTHAMPTONSHIRE, RUSHCLIFFE = "E06000061", "E07000176"


@dataclass(frozen=True)
class Claim:
    """One claim: what the policy says, what was measured, the figure, its period and source."""

    indicator: str  # the indicator's key
    claim: str
    measure: str
    figure: str
    ratio: float
    period: str
    source: str


def policy_claims(data: OutcomeData, geography: Geography) -> tuple[Claim, ...]:
    """Every claim that the data and the geography can re-measure, in the policy's order."""
    found = (_cvd_regions(data), _smoking(data, geography), _range(data, geography, "smoking"),
             _range(data, geography, "hle_male"), _range(data, geography, "hle_female"))
    return tuple(c for c in found if c is not None)


def _source(data: OutcomeData, key: str) -> str:
    ind = data.indicators[key]
    return f"{ind.publisher}, {ind.dataset}"


def _published(data: OutcomeData, key: str, code: str) -> float:
    row = data.published_index.get((key, data.indicators[key].latest, code))
    return float(row.value) if row is not None else math.nan


def _district(data: OutcomeData, key: str) -> dict[str, float]:
    """The latest district values that are the district's own (not a county or force-area figure)."""
    rows = data.district_groups.get((key, data.indicators[key].latest))
    if rows is None:
        return {}
    own = rows[rows["source"].isin(["", "lad21"]) & rows["value"].notna()]
    return {str(c): float(v) for c, v in zip(own.index, own["value"], strict=True)}


def _cvd_regions(data: OutcomeData) -> Claim | None:
    key = "cvd_u75"
    if key not in data.indicators:
        return None
    ne, se = _published(data, key, NORTH_EAST), _published(data, key, SOUTH_EAST)
    if not (math.isfinite(ne) and math.isfinite(se)):
        return None
    return Claim(key, "People are 50 per cent more likely to die in the North East than the South East from "
                 "preventable causes", "Under-75 preventable cardiovascular mortality, North East / South East "
                 "(published regional rates, age-standardised)",
                 f"{ne / se:.2f} ({ne:.1f} vs {se:.1f} per 100,000)", ne / se, data.indicators[key].latest,
                 _source(data, key))


def _smoking(data: OutcomeData, geography: Geography) -> Claim | None:
    key = "smoking"
    values = _district(data, key) if key in data.indicators else {}
    if NORTH_NORTHAMPTONSHIRE not in values or RUSHCLIFFE not in values:
        return None
    a, b = values[NORTH_NORTHAMPTONSHIRE], values[RUSHCLIFFE]
    return Claim(key, "Smoking rates more than four times higher in Corby than Rushcliffe",
                 "Adults who smoke: North Northamptonshire (which absorbed Corby in 2021) / Rushcliffe",
                 f"{a / b:.2f} ({a:.1f}% vs {b:.1f}%)", a / b, data.indicators[key].latest, _source(data, key))


def _range(data: OutcomeData, geography: Geography, key: str) -> Claim | None:
    if key not in data.indicators:
        return None
    values = {c: v for c, v in _district(data, key).items() if c in geography.units.index}
    if len(values) < 2:
        return None
    codes = list(values)
    v = np.array([values[c] for c in codes])
    lo, hi = codes[int(np.argmin(v))], codes[int(np.argmax(v))]
    ind = data.indicators[key]
    name = geography.units.names

    unit = "%" if ind.unit.startswith("%") else f" {ind.unit}"

    def place(code: str) -> str:
        return f"{name[geography.units.index[code]]} {values[code]:.1f}{unit if unit == '%' else ''}"

    gap = f"gap {values[hi] - values[lo]:.1f}{unit}" if ind.unit == "years" else \
        f"{values[hi] / values[lo]:.1f} times"
    claims = {"smoking": "Smoking varies several-fold between districts",
              "hle_male": "Men's healthy life expectancy differs by nearly two decades between districts",
              "hle_female": "Women's healthy life expectancy differs widely between districts"}
    return Claim(key, claims.get(key, ind.name), f"{ind.name}: lowest and highest district",
                 f"{place(lo)} to {place(hi)} ({gap})", values[hi] / values[lo], ind.latest, _source(data, key))

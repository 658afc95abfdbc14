"""Council spending for the bundle: 2024-25 net current expenditure by service, per district.

Source: MHCLG revenue outturn 2024-25 (RSX by service; RO3 for youth justice), GBP thousand. Every
authority's spending is shared to the 2024 districts it serves by a *driver*, the Census 2021
residents most exposed to the service:

* adult social care -> residents aged 18 and over (care for working-age and older adults);
* children's social care and youth justice -> residents aged 0-17;
* education -> residents aged 0-18;
* every other service -> all residents.

Who serves which district: a district, unitary, metropolitan district or London borough serves
itself; a shire county its districts (ONS LTLA23 -> UTLA23); a police force area, fire authority or
combined authority its districts (ONS LAD24 -> PFA24 / FRA24 / CAUTH24); the GLA the 33 London
districts. National park, waste and the Lee Valley authorities have no district lookup in the data,
so their spending (about 0.3% of the total) is shared over England by the same drivers.

Nine returns were not received (MHCLG marks them ``[x]``): Birmingham, Cumberland, Slough, Amber
Valley, Ashfield, Guildford, North Warwickshire, North West Leicestershire and Warwick. The England
row includes MHCLG's imputation for them, so for each service the difference between the England
row and the sum over the authorities that did report is shared among the nine, in proportion to
driver residents times the per-head spend of their class (unitary / metropolitan / shire district)
on that service. Totals then equal the England row, and ``imputed_gbpk`` says how much of a
district's figure rests on that imputation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from devoplan.build import sources
from devoplan.build.sources import SourceDir
from devoplan.build.units import UnitTables

RSX = "spending/mhclg_revenue_outturn_rsx_2024_25_by_authority.csv"
RO3 = "spending/mhclg_revenue_outturn_ro3_social_care_2024_25_by_authority.csv"
NET = " - Net Current Expenditure (C7 = C3 - C6)"
ENGLAND = "E92000001"
LONDON = "E12000007"
MISSING_MARK = "[x]"
SERVICES: dict[str, tuple[str, str]] = {  # key -> (file, column prefix)
    "education": (RSX, "Education services"),
    "highways_transport": (RSX, "Highways and transport services"),
    "childrens_social_care": (RSX, "Children Social Care"),
    "adult_social_care": (RSX, "Adult Social Care"),
    "public_health": (RSX, "Public Health"),
    "housing": (RSX, "Housing services (GFRA only)"),
    "cultural": (RSX, "Cultural and related services"),
    "environmental_regulatory": (RSX, "Environmental and regulatory services"),
    "planning_development": (RSX, "Planning and development services"),
    "police": (RSX, "Police services"),
    "fire_rescue": (RSX, "Fire and rescue services"),
    "central": (RSX, "Central services"),
    "other": (RSX, "Other services"),
    "youth_justice": (RO3, "Children's social care - Youth Justice"),
}
DRIVERS: dict[str, tuple[int, int]] = {  # inclusive age range of the residents a service follows
    "adult_social_care": (18, 90), "childrens_social_care": (0, 17), "youth_justice": (0, 17),
    "education": (0, 18),
}
ALL_AGES = (0, 90)
SELF_CLASSES = ("UA", "MD", "LB", "SD")


def drivers(units: UnitTables) -> dict[str, np.ndarray]:
    """Driver residents per unit (unit order) for every service."""
    ages = units.age_sex.drop(columns=["code", "sex"]).to_numpy(dtype=np.float64)
    by_unit = ages.reshape(len(units.codes), 2, -1).sum(axis=1)
    return {s: by_unit[:, lo:hi + 1].sum(axis=1) for s in SERVICES for lo, hi in [DRIVERS.get(s, ALL_AGES)]}


def served_units(src: SourceDir, units: tuple[str, ...]) -> dict[str, list[str]]:
    """Authority code -> the districts it serves (counties, police, fire, combined authorities, GLA)."""
    out: dict[str, list[str]] = {u: [u] for u in units}
    lookups = ((sources.UTLA_LOOKUP, "LTLA23CD", "UTLA23CD"), (sources.PFA_LOOKUP, "LAD24CD", "PFA24CD"),
               (sources.FRA_LOOKUP, "LAD24CD", "FRA24CD"), (sources.CAUTH24_LOOKUP, "LAD24CD", "CAUTH24CD"),
               (sources.REGION_LOOKUP, "LAD24CD", "RGN24CD"))
    for rel, unit_col, area_col in lookups:
        table = src.table(rel, [unit_col, area_col])
        table = table[table[unit_col].isin(units)]
        for area, group in table.groupby(area_col):
            if area not in out:
                out[str(area)] = sorted(set(group[unit_col]))
    return out


def _read(src: SourceDir, rel: str, services: list[str]) -> pd.DataFrame:
    cols = [SERVICES[s][1] + NET for s in services]
    raw = src.table(rel, ["ONS_code", "Class", "Certification", "row_type", *cols])
    out = raw[["ONS_code", "Class", "Certification", "row_type"]].copy()
    for s, c in zip(services, cols, strict=True):
        out[s] = src.numeric(raw, c, rel)
    return out


def build_outturn(src: SourceDir, units: UnitTables) -> pd.DataFrame:
    """``unit_code, service, amount_gbpk, imputed_gbpk`` for every district and service."""
    codes = units.codes
    index = {c: i for i, c in enumerate(codes)}
    drive = drivers(units)
    serves = served_units(src, codes)
    frames = []
    for rel in (RSX, RO3):
        services = [s for s, (f, _) in SERVICES.items() if f == rel]
        table = _read(src, rel, services)
        england = table[table["ONS_code"] == ENGLAND]
        if len(england) != 1:
            raise src.fail(rel, "needs exactly one ENGLAND row", field="ONS_code")
        auth = table[table["row_type"] == "authority"]
        missing = auth[auth["Certification"] == MISSING_MARK]
        for s in services:
            amount, imputed = np.zeros(len(codes)), np.zeros(len(codes))
            for code, value in zip(auth["ONS_code"], auth[s].fillna(0.0), strict=True):
                members = [index[u] for u in serves.get(code, codes)]  # no lookup: shared over England
                w = drive[s][members]
                amount[members] += value * w / w.sum()
            residual = float(england[s].iloc[0]) - float(auth[s].fillna(0.0).sum())
            share = _impute_weights(auth, missing, s, drive[s], index)
            imputed[[index[c] for c in missing["ONS_code"]]] += residual * share
            frames.append(pd.DataFrame({"unit_code": codes, "service": s, "amount_gbpk": amount + imputed,
                                        "imputed_gbpk": imputed}))
    return pd.concat(frames, ignore_index=True)


def _impute_weights(auth: pd.DataFrame, missing: pd.DataFrame, service: str, drive: np.ndarray,
                    index: dict[str, int]) -> np.ndarray:
    """Shares of a service's imputed residual among the missing returns (driver x class per-head rate)."""
    reported = auth[(auth["Certification"] != MISSING_MARK) & auth["Class"].isin(SELF_CLASSES)]
    weights = []
    for code, cls in zip(missing["ONS_code"], missing["Class"], strict=True):
        peers = reported[reported["Class"] == cls]
        pop = sum(drive[index[c]] for c in peers["ONS_code"])
        rate = float(peers[service].fillna(0.0).sum()) / pop if pop > 0 else 0.0
        weights.append(max(rate, 0.0) * drive[index[code]])
    total = sum(weights)
    if total <= 0:
        return np.full(len(weights), 1.0 / len(weights))
    return np.array(weights) / total

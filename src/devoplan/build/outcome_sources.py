"""The official outcome tables, read into one long form for the outcomes bundle builder.

Every reader returns the columns of :data:`LONG`: the publisher's ``dataset`` and ``indicator``,
the geography ``code`` it was published for, a ``period`` label (``2022-24``, ``2023/24``,
``2025``), ``value`` with its 95% interval, and for count indicators the ``count`` and
``denominator``. Suppressed cells (DfE's ``x``, ``c``, ``u``, ``low``) are left out, never read as 0.

* ONS *Explore Local Statistics* (health, economy, education, justice): values with intervals.
* DfE tidy tables (*Children looked after*, *Characteristics of children in need*, *Children's
  social work workforce*): counts and denominators, by local authority, region and England.
* Oflog's adult social care measures (ASCOF and Skills for Care based), by upper-tier authority.
* Ofsted's ILACS judgements: the overall effectiveness in force at 31 March of each year (by
  inspection date, as Ofsted counts it), as 100 (good or outstanding) or 0 per authority.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from devoplan.build.sources import SourceDir

LONG = ("dataset", "indicator", "code", "period", "value", "lci", "uci", "count", "denominator")
ELS_FILES = (
    "outcomes/ons_els_health_indicators_england_long.csv",
    "outcomes/ons_els_economy_indicators_england_long.csv",
    "outcomes/ons_els_education_skills_indicators_england_long.csv",
    "outcomes/ons_els_justice_indicators_england_long.csv",
)
ELS_COLUMNS = ("dataset", "areacd", "indicator", "period", "observation", "lci_95", "uci_95")
CLA = "outcomes/dfe_children_looked_after_number_and_rate_2021_2025.csv"
CIN = "outcomes/dfe_children_in_need_2013_2025.csv"
CSWW = "outcomes/dfe_childrens_social_work_workforce_2017_2025.csv"
OFLOG_ASC = "outcomes/oflog_adult_social_care_measures_utla_2015_16_to_2022_23.csv"
OFSTED_HISTORY = "outcomes/ofsted_ilacs_inspection_history_2018_2025.csv"
EES_PLACE = ("time_period", "geographic_level", "country_code", "region_code", "new_la_code")
CLA_TYPE = "Children looked after on 31 March each year"
GOOD = ("Good", "Outstanding")
OFSTED_YEARS = (2023, 2024, 2025)
# Upper-tier authorities abolished in April 2023 (Ofsted and DfE publish them up to 31 March 2023).
ABOLISHED_2023 = ("E10000006", "E10000023", "E10000027")
# North Yorkshire and Somerset became unitary authorities on the county's boundaries: one territory, two codes
SAME_TERRITORY_2023 = {"E10000023": "E06000065", "E10000027": "E06000066"}

# DfE workforce rates as DfE computes them: (count column, denominator columns summed)
CSWW_RATES: dict[str, tuple[str, tuple[str, ...]]] = {
    "turnover": ("leavers_fte", ("inpost_fte",)),
    "vacancy": ("vacancy_fte", ("vacancy_fte", "inpost_fte")),
    "agency": ("agency_fte", ("agency_fte", "inpost_fte")),
    "caseload": ("cases", ("case_holders_fte",)),
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


def _long(dataset: str, indicator: object, code: object, period: object, value: object, *,
          lci: object = np.nan, uci: object = np.nan, count: object = np.nan, denominator: object = np.nan
          ) -> pd.DataFrame:
    return pd.DataFrame({"dataset": dataset, "indicator": indicator, "code": code, "period": period, "value": value,
                         "lci": lci, "uci": uci, "count": count, "denominator": denominator}).loc[:, list(LONG)]


def read_els(src: SourceDir) -> pd.DataFrame:
    frames = []
    for relative in ELS_FILES:
        table = src.table(relative, ELS_COLUMNS)
        table = table[table["areacd"].str.startswith("E")]
        values = {c: src.numeric(table, c, relative) for c in ("observation", "lci_95", "uci_95")}
        frames.append(_long(relative, table["indicator"].to_numpy(), table["areacd"].to_numpy(),
                            [period_label(p) for p in table["period"]], values["observation"],
                            lci=values["lci_95"], uci=values["uci_95"]).assign(dataset=table["dataset"].to_numpy()))
    return pd.concat(frames, ignore_index=True).dropna(subset=["value"])


def _ees(src: SourceDir, relative: str, columns: tuple[str, ...]) -> tuple[pd.DataFrame, pd.Series]:
    """A DfE tidy table and each row's geography code (England, region or local authority; inner and
    outer London are not service geographies and are dropped)."""
    table = src.table(relative, EES_PLACE + columns)
    code = table["new_la_code"].fillna(table["region_code"]).where(
        table["geographic_level"] != "National", table["country_code"])
    keep = code.notna() & (code.str[:3] != "E13")
    return table[keep], code[keep]


def _counts(table: pd.DataFrame, column: str) -> np.ndarray:
    """A DfE count column; suppressed cells (``x``, ``c``, ``u``, ``low``) become missing."""
    return pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=np.float64)


def _rates(dataset: str, key: str, table: pd.DataFrame, code: pd.Series, count: np.ndarray, denom: np.ndarray,
           multiplier: float) -> pd.DataFrame:
    with np.errstate(invalid="ignore", divide="ignore"):
        value = count / denom * multiplier
    frame = _long(dataset, key, code.to_numpy(), table["time_period"].to_numpy(), value, count=count,
                  denominator=denom)
    return frame[np.isfinite(count) & (denom > 0)]


def read_cla(src: SourceDir) -> pd.DataFrame:
    """Children looked after at 31 March per 10,000 children (DfE's child population estimates)."""
    table, code = _ees(src, CLA, ("population_type", "population_estimate", "children_count"))
    keep = (table["population_type"] == CLA_TYPE).to_numpy()
    table, code = table[keep], code[keep]
    return _rates("cla", "cla", table, code, _counts(table, "children_count"),
                  _counts(table, "population_estimate"), 10_000.0)


def read_cin(src: SourceDir) -> pd.DataFrame:
    """Children in need at 31 March per 10,000 children: DfE's count over the child population that
    DfE's children looked after release gives for the same authority and year (that release codes
    North Yorkshire and Somerset at 31 March 2023 as the unitary authorities they became)."""
    table, code = _ees(src, CIN, ("At31_episodes",))
    cla, cla_code = _ees(src, CLA, ("population_type", "population_estimate"))
    pop = pd.Series(_counts(cla, "population_estimate"),
                    index=pd.MultiIndex.from_arrays([cla["time_period"], cla_code])).groupby(level=[0, 1]).first()
    keys = pd.MultiIndex.from_arrays([table["time_period"], code.replace(SAME_TERRITORY_2023)])
    denom = pop.reindex(keys).to_numpy(dtype=np.float64)
    return _rates("cin", "cin", table, code, _counts(table, "At31_episodes"), denom, 10_000.0)


def read_csww(src: SourceDir) -> pd.DataFrame:
    """Children's social work workforce rates (per cent; caseload per social worker) from their FTE
    counts, one indicator per rate of :data:`CSWW_RATES`."""
    columns = tuple(sorted({c for count, denoms in CSWW_RATES.values() for c in (count, *denoms)}))
    table, code = _ees(src, CSWW, columns)
    frames = []
    for key, (count, denoms) in CSWW_RATES.items():
        denom = sum((_counts(table, c) for c in denoms), start=np.zeros(len(table)))
        frames.append(_rates("csww", key, table, code, _counts(table, count), denom,
                             1.0 if key == "caseload" else 100.0))
    return pd.concat(frames, ignore_index=True)


def read_oflog(src: SourceDir) -> pd.DataFrame:
    """Oflog's adult social care measures by upper-tier authority (financial years as ``2022/23``)."""
    table = src.table(OFLOG_ASC, ("Financial year", "Local authority code", "Code", "Value"))
    value = src.numeric(table, "Value", OFLOG_ASC)
    period = [f"{p[:4]}/{p[5:7]}" for p in table["Financial year"]]
    frame = _long("oflog", table["Code"].to_numpy(), table["Local authority code"].to_numpy(), period, value)
    return frame.dropna(subset=["value"])


def read_ofsted(src: SourceDir) -> pd.DataFrame:
    """Per authority and year, 100 when its latest ILACS overall effectiveness inspected by 31 March
    is good or outstanding, else 0 (authorities not yet inspected under ILACS are missing)."""
    table = src.table(OFSTED_HISTORY, ("UTLA_code_ofsted", "Local authority status", "Inspection date",
                                       "Overall effectiveness"))
    table = table.sort_values("Inspection date", kind="stable")
    frames = []
    for year in OFSTED_YEARS:
        upto = table[table["Inspection date"] <= f"{year}-03-31"].drop_duplicates("UTLA_code_ofsted", keep="last")
        exists = (upto["Local authority status"] == "Current") | \
            (upto["UTLA_code_ofsted"].isin(ABOLISHED_2023) & (year <= 2023))
        upto = upto[exists.to_numpy()]
        good = np.where(upto["Overall effectiveness"].isin(GOOD), 100.0, 0.0)
        frames.append(_long("ofsted", "ofsted", upto["UTLA_code_ofsted"].to_numpy(), str(year), good))
    return pd.concat(frames, ignore_index=True)


def readers(src: SourceDir) -> dict[str, Callable[[], pd.DataFrame]]:
    """Each source's reader, by the source name a selection gives (each read once, when first selected)."""
    return {"els": lambda: read_els(src), "cla": lambda: read_cla(src), "cin": lambda: read_cin(src),
            "csww": lambda: read_csww(src), "oflog": lambda: read_oflog(src), "ofsted": lambda: read_ofsted(src)}


SOURCE_FILES = {"els": ELS_FILES[0], "cla": CLA, "cin": CIN, "csww": CSWW, "oflog": OFLOG_ASC, "ofsted": OFSTED_HISTORY}

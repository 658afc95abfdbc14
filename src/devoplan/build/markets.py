"""The bundle's market table ``gp_practices.csv``: every GP practice's contract, patients and payments.

From NHS Payments to General Practice, England 2022-23 (practice level; NHS England, OGL v3.0): one
row per practice with its contract type (GMS and PMS contracts run without end; APMS contracts are
time-limited and competed), registered and weighted patients, total NHS payments (excluding COVID
and PCN payments), its 2024 ICB (as joined in the source file) and its district. The payments file
has no district, so the district is the one the NHS England allocation tool (2025/26) gives for the
same practice code (2021 district codes, mapped to 2024); a practice missing from that file (most
had closed by then) takes the district of most of its Primary Care Network's other practices, and
is marked so in ``district_from``. Practices that neither route places keep an empty district and
still count towards their ICB.
"""

from __future__ import annotations

import pandas as pd

from devoplan.build.money_nhs import PRACTICE_FILES, _lad_map
from devoplan.build.output import frame_text
from devoplan.build.sources import SourceDir

PAYMENTS_FILE = "markets/nhs_payments_to_general_practice_2022_23_practice.csv"
GP_FILE = "gp_practices.csv"
CONTRACT_TYPES: tuple[str, ...] = ("GMS", "PMS", "APMS", "Unknown")
_COLUMNS = {
    "Practice Code": "practice_code",
    "PCN_code": "pcn_code",
    "ICB24CD": "icb_code",
    "Contract Type": "contract_type",
    "Number of Registered Patients (Last Known Figure)": "registered_patients",
    "Number of Weighted Patients (Last Known Figure)": "weighted_patients",
    "Total NHS Payments to General Practice": "payments_gbp",
}


def build_gp_practices(src: SourceDir, units: tuple[str, ...]) -> pd.DataFrame:
    """One row per practice: code, district, ICB, contract type, patients, payments (sorted by code)."""
    raw = src.table(PAYMENTS_FILE, list(_COLUMNS)).rename(columns=_COLUMNS)
    bad = ~raw["contract_type"].isin(CONTRACT_TYPES)
    if bad.any():
        raise src.fail(PAYMENTS_FILE, f"unknown contract type {raw['contract_type'][bad].iloc[0]!r}",
                       field="Contract Type")
    out = raw[["practice_code", "icb_code", "contract_type"]].copy()
    for col in ("registered_patients", "weighted_patients", "payments_gbp"):
        values = src.numeric(raw, col, PAYMENTS_FILE)
        out[col] = pd.Series(values, index=raw.index).fillna(0.0)
    located = _practice_districts(src, units)
    out["unit_code"] = raw["practice_code"].map(located).fillna("")
    out["district_from"] = out["unit_code"].map(lambda c: "practice" if c else "")
    by_pcn = _pcn_districts(raw["pcn_code"], out["unit_code"])
    fill = (out["unit_code"] == "") & raw["pcn_code"].map(lambda p: p in by_pcn)
    out.loc[fill, "unit_code"] = raw.loc[fill, "pcn_code"].map(by_pcn)
    out.loc[fill, "district_from"] = "pcn"
    columns = ["practice_code", "unit_code", "district_from", "icb_code", "contract_type", "registered_patients",
               "weighted_patients", "payments_gbp"]
    return out[columns].sort_values("practice_code", kind="stable").reset_index(drop=True)


def _practice_districts(src: SourceDir, units: tuple[str, ...]) -> dict[str, str]:
    rel = PRACTICE_FILES["2025/26"]
    table = src.table(rel, ["Practice_Code", "LAD21CD_practice"])
    lad_map = _lad_map(src)
    lad = table["LAD21CD_practice"].map(lambda c: c if c in units else lad_map.get(c, c))
    return {code: unit for code, unit in zip(table["Practice_Code"], lad, strict=True) if unit in units}


def _pcn_districts(pcn: pd.Series, unit: pd.Series) -> dict[str, str]:
    """Each PCN's most common district among its located practices (ties: the lowest code)."""
    frame = pd.DataFrame({"pcn": pcn, "unit": unit})
    frame = frame[(frame["unit"] != "") & frame["pcn"].notna()]
    counts = frame.groupby(["pcn", "unit"]).size().reset_index(name="n")
    counts = counts.sort_values(["pcn", "n", "unit"], ascending=[True, False, True], kind="stable")
    return dict(counts.drop_duplicates("pcn")[["pcn", "unit"]].itertuples(index=False, name=None))


def gp_practices_text(src: SourceDir, units: tuple[str, ...]) -> dict[str, str]:
    """``gp_practices.csv`` as CSV text (patients to 2 decimals, payments to pence)."""
    frame = build_gp_practices(src, units)
    return {GP_FILE: frame_text(frame, {"registered_patients": 2, "weighted_patients": 2, "payments_gbp": 2})}

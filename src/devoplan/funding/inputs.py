"""Files the funding engine reads besides the spec: baseline allocations and area cost factors.

Both are plain CSVs checked cell by cell; a problem raises :class:`~devoplan.errors.InputError`
naming file, row and field.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from devoplan.errors import InputError
from devoplan.geography.model import Geography
from devoplan.geography.tables import check_known, check_unique, parse_numbers, read_table, row_number
from devoplan.zoning import Zoning


def read_area_cost(path: Path, geography: Geography) -> np.ndarray:
    """Per-unit area cost factors from ``code,factor``; every unit needs a positive factor."""
    df = read_table(path, ("code", "factor"))
    check_known(df, "code", geography.units.index, path, "unit code")
    check_unique(df, ["code"], path, "unit code")
    factor = parse_numbers(df, "factor", path)
    if (factor <= 0).any():
        i = int(np.flatnonzero(factor <= 0)[0])
        raise InputError("area cost factor must be positive", file=path, row=row_number(i), field="factor")
    out = np.full(geography.n_units, np.nan)
    out[[geography.units.index[c] for c in df["code"]]] = factor
    if np.isnan(out).any():
        missing = geography.units.codes[int(np.flatnonzero(np.isnan(out))[0])]
        raise InputError(f"no factor for unit {missing} (every unit needs one)", file=path, field="code")
    return out


def read_baseline(path: Path, geography: Geography, areas: Zoning,
                  lines: Sequence[str]) -> dict[str, np.ndarray]:
    """Baseline cash (pounds) per line and area from ``code,line,amount``.

    Codes are either all area codes (taken as given) or all unit codes (summed into areas through
    the membership weights, so a split district's baseline is split like its population). Lines
    missing from the file are not returned; the caller falls back to the spec's baseline rule.
    """
    df = read_table(path, ("code", "line", "amount"))
    if df.empty:
        raise InputError("has no rows", file=path)
    check_known(df, "line", lines, path, "line", tuple(lines))
    check_unique(df, ["line", "code"], path, "line and code")
    amount = parse_numbers(df, "amount", path, minimum=0.0)
    by_area = df["code"].isin(list(areas.area_codes)).all()
    known = areas.area_codes if by_area else geography.units.codes
    check_known(df, "code", known, path, "area or unit code (use all area codes or all unit codes)")
    index = {c: i for i, c in enumerate(known)}
    out: dict[str, np.ndarray] = {}
    for line in lines:
        rows = np.flatnonzero((df["line"] == line).to_numpy())
        if not len(rows):
            continue
        values = np.full(len(known), np.nan)
        values[[index[c] for c in df["code"].iloc[rows]]] = amount[rows]
        if np.isnan(values).any():
            missing = known[int(np.flatnonzero(np.isnan(values))[0])]
            raise InputError(f"line '{line}' has no baseline for {missing}", file=path, field="code")
        result = values if by_area else areas.aggregate(values)
        if (result <= 0).any():
            bad = areas.area_codes[int(np.flatnonzero(result <= 0)[0])]
            raise InputError(f"line '{line}': area {bad} has a zero baseline; pace of change needs a "
                             "positive starting allocation", file=path, field="amount")
        out[line] = result
    return out

"""Deterministic text output: fixed number formats, stable row order, ``\\n`` line ends, UTF-8.

Rebuilding from the same sources must give byte-identical files, so every number goes through
:func:`fmt_number` and every table through :func:`csv_text`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence

import pandas as pd


def fmt_number(value: float, decimals: int) -> str:
    """``value`` rounded to ``decimals`` places with trailing zeros dropped; NaN -> empty string."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{float(value):.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV with minimal quoting and ``\\n`` line endings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def frame_text(frame: pd.DataFrame, decimals: dict[str, int] | None = None) -> str:
    """A DataFrame as CSV text; columns named in ``decimals`` are formatted with :func:`fmt_number`."""
    decimals = decimals or {}
    columns = list(frame.columns)
    cells = []
    for column in columns:
        if column in decimals:
            cells.append([fmt_number(v, decimals[column]) for v in frame[column].tolist()])
        else:
            cells.append(["" if pd.isna(v) else str(v) for v in frame[column].tolist()])
    return csv_text(columns, zip(*cells, strict=True))

"""Reading the CSV files of a geography directory with row-level error messages.

Everything is read as text first and parsed here, so a bad cell is reported as
``file, row N, field 'x': what is wrong`` (row 1 is the header) instead of a pandas traceback.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from devoplan.errors import InputError
from devoplan.validate import Bounds, Cell, numbers, parse_document, read_text

HEADER_ROWS = 1


def row_number(position: int) -> int:
    """Spreadsheet row of the data row at 0-based ``position`` (the header is row 1)."""
    return position + HEADER_ROWS + 1


def read_table(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """Read a CSV as strings and check it has the required columns.

    Parsed with the standard ``csv`` module rather than pandas so that a row with more cells than
    the header is reported by its row number (pandas would silently turn the first column into an
    index and shift every value one field to the left). Short rows are padded with empty cells;
    a UTF-8 byte-order mark (as spreadsheets write) is accepted; blank lines at the end are ignored.
    """
    if not path.exists():
        raise InputError("required file is missing", file=path)
    text = read_text(path, what="CSV file")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(f"cannot be read as CSV ({str(exc).splitlines()[0]})", file=path) from None
    while rows and not rows[-1]:
        rows.pop()
    if not rows:
        raise InputError("cannot be read as CSV (the file is empty; expected a header row)", file=path)
    header = [c.strip() for c in rows[0]]
    body = rows[1:]
    for i, row in enumerate(body):
        if not row:
            raise InputError("row is empty", file=path, row=row_number(i))
        if len(row) > len(header):
            raise InputError(f"has {len(row)} cells but the header has {len(header)} columns",
                             file=path, row=row_number(i))
    for col in columns:
        if col not in header:
            raise InputError(f"missing column (found: {', '.join(header)})", file=path, field=col)
    width = len(header)
    cells = [[c.strip() for c in row] + [""] * (width - len(row)) for row in body]
    return pd.DataFrame(cells, columns=header, dtype=object).astype(str) if cells else pd.DataFrame(
        {c: pd.Series([], dtype=str) for c in header})


def parse_numbers(
    df: pd.DataFrame,
    column: str,
    path: Path,
    *,
    integer: bool = False,
    allow_missing: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
) -> np.ndarray:
    """Parse a text column as numbers, naming the first bad row (checks: :mod:`devoplan.validate`).

    Missing cells are NaN when ``allow_missing``; every other cell must be a finite number within
    ``[minimum, maximum]`` (and below :data:`~devoplan.validate.MAX_MAGNITUDE`), whole and within
    int64 when ``integer``.
    """
    text = df[column]
    values = pd.to_numeric(text.where(text != ""), errors="coerce").to_numpy(dtype=np.float64)
    empty = (text == "").to_numpy()
    if empty.any() and not allow_missing:
        i = int(np.flatnonzero(empty)[0])
        raise InputError("value is missing", file=path, row=row_number(i), field=column)
    present = np.flatnonzero(~empty)
    numbers(values[present], path, column, Bounds(minimum, maximum, integer=integer),
            rows=[row_number(int(i)) for i in present], text=text.iloc[present].tolist())
    return values


def check_known(
    df: pd.DataFrame, column: str, known: Collection[str], path: Path, what: str, allowed: Sequence[str] = ()
) -> None:
    """Every value of ``column`` must be a known code; ``allowed`` (a short fixed list) is named in the message."""
    unknown = ~df[column].isin(list(known))
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        value = df[column].iloc[i]
        message = f"{what} is empty" if value == "" else f"unknown {what} '{value}'"
        if allowed:
            message += f"; allowed: {', '.join(allowed)}"
        raise InputError(message, file=path, row=row_number(i), field=column)


def check_unique(df: pd.DataFrame, columns: list[str], path: Path, what: str) -> None:
    """No two rows may share the values of ``columns``; names the second occurrence."""
    dup = df.duplicated(subset=columns, keep="first").to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        value = ", ".join(df[c].iloc[i] for c in columns)
        raise InputError(f"duplicate {what} '{value}'", file=path, row=row_number(i), field=columns[-1])


def check_not_empty(df: pd.DataFrame, column: str, path: Path) -> None:
    empty = (df[column] == "").to_numpy()
    if empty.any():
        raise InputError("value is missing", file=path, row=row_number(int(np.flatnonzero(empty)[0])), field=column)


def read_manifest(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise InputError("required file is missing", file=path)
    try:  # UTF-8, a byte-order mark allowed (docs/data-format.md), as for every CSV of the geography
        data = parse_document(read_text(path, what="manifest"), json.loads, Cell(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON at line {exc.lineno}: {exc.msg}", file=path) from None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise InputError("must be a JSON object with a string 'name'", file=path, field="name")
    if data.get("format", 1) != 1:
        raise InputError(f"unsupported format {data.get('format')!r} (this devoplan reads format 1)",
                         file=path, field="format")
    return data

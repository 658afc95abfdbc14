"""Reading a CSV file as text, the one way every reader of official and user tables does it.

Every cell is kept as a string (codes such as ``E06000001`` stay intact; numbers are parsed and
checked by the caller, naming the row) and only empty cells are missing (``NA`` is text). A file
that is not CSV, not UTF-8 or lacks a required column raises an
:class:`~devoplan.errors.InputError` naming the file (and the column).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from devoplan.errors import InputError


def read_text_csv(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    """The whole table as text, after checking that every one of ``columns`` is present."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot be read as CSV ({str(exc).strip().splitlines()[0]})", file=str(path)) from None
    for column in columns:
        if column not in frame.columns:
            raise InputError("expected column is missing", file=str(path), field=column)
    return frame

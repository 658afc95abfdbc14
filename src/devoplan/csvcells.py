"""CSV cells that a spreadsheet would run as a formula are written as text (CSV injection).

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (``=HYPERLINK(...)``, ``=cmd|...``); an area name taken
from a user's plan could carry one into ``plan.csv`` or ``allocations.csv``. Following OWASP's
advice, such a cell is written with a leading single quote (``'=HYPERLINK(...)``), which spreadsheets
show as text. Numbers (``-12.50``, and numbers as the report shows them: ``-1,234``, ``−5%``,
``£-3``) are left alone: they are values, not formulas. devoplan's readers
remove the quote again (:func:`restore`), so a plan written and read back keeps its names.
"""

from __future__ import annotations

import re

import pandas as pd

TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
# A number as devoplan's tables show it: thousands separators, a minus sign (−), a pound sign, a percent.
DISPLAY_NUMBER = re.compile(r"^(?P<pound>£)?(?P<num>[+\-−]?\d[\d,]*(\.\d+)?)(?P<pct>%)?$")


def _is_number(text: str) -> bool:
    if DISPLAY_NUMBER.match(text.strip()):
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def neutralise(text: str) -> str:
    """``text`` made safe for a spreadsheet: a leading quote when it would start a formula."""
    if text.startswith(TRIGGERS) and not _is_number(text):
        return "'" + text
    if text.startswith("'") and text[1:].startswith(TRIGGERS) and not _is_number(text[1:]):
        return "'" + text  # a quote already there is kept, so that restore() gives it back
    return text


def restore(text: str) -> str:
    """The inverse of :func:`neutralise` for cells read back from devoplan's own files."""
    if text.startswith("'") and text[1:].lstrip("'").startswith(TRIGGERS):
        return text[1:]
    return text


def neutralise_frame(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` with every text cell neutralised (numeric columns untouched)."""
    out = table.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(lambda v: neutralise(v) if isinstance(v, str) else v)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out

"""Funding results as files: the allocations CSV at exact pence and the summary JSON."""

from __future__ import annotations

from pathlib import Path

from devoplan.csvcells import neutralise_frame
from devoplan.funding.result import FundingResult
from devoplan.jsonio import write_json

MONEY_COLUMNS: tuple[str, ...] = ("target", "baseline", "allocation", "change_on_baseline")


def write_allocations_csv(result: FundingResult, path: Path) -> None:
    """One row per year, line and area; money with exactly two decimals, so no float artefact adds a penny."""
    table = result.allocations.copy()
    for col in MONEY_COLUMNS:
        table[col] = table[col].map("{:.2f}".format)
    neutralise_frame(table).to_csv(path, index=False)  # area names starting with = + - @ written as text


def write_summary_json(result: FundingResult, path: Path) -> None:
    write_json(path, result.summary)

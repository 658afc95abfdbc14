"""The report's plausibility section: what someone who knows English local government checks first.

Each check of :mod:`devoplan.design.plausibility` (combined authorities split, areas crossing the
Greater London boundary or police force areas, areas under 1.5m or over 3m residents, areas named
after a minority of their residents) is one row: the check, whether the plan passes it, and what it
found. The checks are run on the report's own plan and geography, so a plan read from a file, edited
in the workspace or re-rendered gets the same rows as a freshly designed one; a check the geography
has no layer for says "not checked" and why, never "ok".
"""

from __future__ import annotations

from devoplan.design.plausibility import Check, plausibility
from devoplan.report.data import ReportData
from devoplan.report.html import Section
from devoplan.report.tables import Cell, table

SECTION_ID = "checks"
SHOWN = 12  # findings listed per check before "and N more"


def checks_section(data: ReportData) -> Section:
    """One row per plausibility check of the report's plan: the check, its result, what it found."""
    checks = plausibility(data.geography, data.plan).checks
    rows: list[list[Cell]] = [[c.label, _verdict(c), _found(c)] for c in checks]
    flagged = [c.label for c in checks if c.ran and not c.ok]
    skipped = sum(not c.ran for c in checks)
    lead = (f"{len(checks) - len(flagged) - skipped} of {len(checks)} checks pass"
            + (f"; to look at: {', '.join(flagged)}" if flagged else "")
            + (f"; {skipped} not checked (a layer this geography lacks)" if skipped else "") + ".")
    return Section(SECTION_ID, "Plausibility checks", table(["check", "result", "found"], rows), lead=lead)


def _found(check: Check) -> str:
    """The findings (the first ``SHOWN``, then how many more), 'none', or why the check did not run."""
    if not check.ran:
        return check.note
    more = f"; and {len(check.items) - SHOWN} more" if len(check.items) > SHOWN else ""
    return "; ".join(check.items[:SHOWN]) + more if check.items else "none"


def _verdict(check: Check) -> str:
    if not check.ran:
        return "not checked"
    return "ok" if check.ok else f"{len(check.items)} found"

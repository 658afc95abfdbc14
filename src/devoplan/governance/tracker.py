"""The roadmap tracker: one milestone per area and phase, with a status and a date, and what is late.

``tracker.csv`` (written by ``devoplan roadmap --out``) has one row per planned phase in each area:
``area_code, area_name, phase, phase_name, start_year, due, status, date, note``. ``due`` is the
last day of the phase's final financial year (31 March). People keep it up to date by setting
``status`` (``planned``, ``in_progress``, ``done`` or ``dropped``) and ``date`` (the day it was done,
ISO ``YYYY-MM-DD``). :func:`late` lists what is overdue on a given day: a milestone not done (nor dropped)
whose due date has passed, or one done after its due date.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from devoplan.errors import InputError
from devoplan.governance.roadmap import Roadmap

STATUSES: tuple[str, ...] = ("planned", "in_progress", "done", "dropped")
COLUMNS: tuple[str, ...] = ("area_code", "area_name", "phase", "phase_name", "start_year", "due", "status", "date",
                            "note")
REQUIRED: tuple[str, ...] = ("area_code", "phase", "due", "status")


@dataclass(frozen=True)
class Milestone:
    """One phase in one area: when it is due, its status and (once done) the day it was done."""

    area_code: str
    area_name: str
    phase: str
    phase_name: str
    start_year: int | None
    due: dt.date
    status: str
    date: dt.date | None
    note: str = ""


@dataclass(frozen=True)
class Late:
    """A milestone that is late on the day asked about, and by how many days."""

    milestone: Milestone
    days: int
    kind: str  # "overdue" (not done) or "done_late"


def due_date(end_year: int) -> dt.date:
    """The last day of financial year ``end_year`` (``2030`` = 2030/31 ends 31 March 2031)."""
    return dt.date(end_year + 1, 3, 31)


def milestones(roadmap: Roadmap) -> list[Milestone]:
    """Every planned (not skipped) phase of every area as a milestone, status ``planned``."""
    return [Milestone(a.code, a.name, p.phase, p.name, p.start, due_date(p.end), "planned", None,
                      "; ".join(p.reasons))
            for a in roadmap.areas for p in a.phases if p.end is not None]


def write_tracker(items: Sequence[Milestone], path: Path) -> None:
    """Write milestones as ``tracker.csv`` (see the module docstring for the columns)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for m in items:
            writer.writerow([m.area_code, m.area_name, m.phase, m.phase_name, m.start_year or "", m.due.isoformat(),
                             m.status, m.date.isoformat() if m.date else "", m.note])


def read_tracker(path: Path) -> list[Milestone]:
    """Read a tracker CSV, checking every row; errors name the file, row and field."""
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
            header = rows[0].keys() if rows else []
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read the tracker ({exc})", file=path) from None
    missing = [c for c in REQUIRED if c not in header]
    if not rows or missing:
        raise InputError(f"needs the columns {', '.join(REQUIRED)}" + (f"; missing: {', '.join(missing)}"
                         if rows else "; the file has no rows"), file=path)
    return [_row(path, i + 2, r) for i, r in enumerate(rows)]


def _row(path: Path, line: int, r: dict[str, str | None]) -> Milestone:
    def text(field: str) -> str:
        return (r.get(field) or "").strip()

    status = text("status")
    if status not in STATUSES:
        raise InputError(f"status must be one of {', '.join(STATUSES)}, got {status!r}", file=path, row=line,
                         field="status")
    due = _date(path, line, "due", text("due"))
    done = _date(path, line, "date", text("date")) if text("date") else None
    if status == "done" and done is None:
        raise InputError("a done milestone needs the date it was done (YYYY-MM-DD)", file=path, row=line, field="date")
    start = text("start_year")
    if start and not start.isdigit():
        raise InputError(f"must be a year, got {start!r}", file=path, row=line, field="start_year")
    if not text("area_code") or not text("phase"):
        raise InputError("is empty", file=path, row=line, field="area_code" if not text("area_code") else "phase")
    return Milestone(text("area_code"), text("area_name"), text("phase"), text("phase_name"),
                     int(start) if start else None, due, status, done, text("note"))


def _date(path: Path, line: int, field: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"must be a date YYYY-MM-DD, got {value!r}", file=path, row=line, field=field) from None


def late(items: Sequence[Milestone], as_of: dt.date) -> list[Late]:
    """Milestones late on ``as_of``: overdue (not done or dropped, due date passed) or done after the due date."""
    out = []
    for m in items:
        if m.status == "done" and m.date is not None and m.date > m.due:
            out.append(Late(m, (m.date - m.due).days, "done_late"))
        elif m.status in ("planned", "in_progress") and as_of > m.due:
            out.append(Late(m, (as_of - m.due).days, "overdue"))
    return sorted(out, key=lambda x: (-x.days, x.milestone.area_code, x.milestone.phase))

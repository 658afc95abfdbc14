"""What works: a library of joining-up models as validated TOML files (docs/outcomes.md).

One file per entry in a directory (the packaged library is ``devoplan/data/whatworks``; users add
their own with ``--whatworks DIR``). Fields follow the INDIGO joining-up schema: the model, places,
dates, services joined, governance model and allocation process, plus outcomes reported (each
citing one of the entry's sources) and the kind of evaluation evidence. Every entry needs at least
one source a reader can follow (a title, a publisher, a year and an http(s) address).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from devoplan.errors import InputError
from devoplan.plan import Plan

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "data" / "whatworks"
ENGLAND = "E92000001"
REQUIRED_TEXT = ("id", "model", "summary", "country", "place_names", "governance_model", "allocation_process",
                 "evidence")


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    publisher: str
    year: int
    url: str


@dataclass(frozen=True)
class Outcome:
    measure: str
    result: str
    source: Source


@dataclass(frozen=True)
class Entry:
    """One joining-up model. ``places`` are district codes (``E92000001`` for all of England)."""

    id: str
    model: str
    summary: str
    country: str
    places: tuple[str, ...]
    place_names: str
    start: int | None
    services_joined: tuple[str, ...]
    governance_model: str
    allocation_process: str
    evidence: str
    outcomes: tuple[Outcome, ...]
    sources: tuple[Source, ...]
    file: Path


def load_library(directory: str | Path | None = None, unit_codes: tuple[str, ...] | None = None) -> tuple[Entry, ...]:
    """Every ``*.toml`` entry in ``directory``, validated, sorted by id (codes checked when given)."""
    path = Path(directory) if directory is not None else DEFAULT_DIR
    if not path.is_dir():
        raise InputError("what-works directory not found", file=str(path))
    entries = [read_entry(file, unit_codes) for file in sorted(path.glob("*.toml"))]
    seen: dict[str, Path] = {}
    for entry in entries:
        if entry.id in seen:
            raise InputError(f"id {entry.id!r} is also used by {seen[entry.id].name}", file=str(entry.file), field="id")
        seen[entry.id] = entry.file
    return tuple(sorted(entries, key=lambda e: e.id))


def read_entry(file: Path, unit_codes: tuple[str, ...] | None = None) -> Entry:
    """Read and check one entry file; an InputError names the file and the field (key path)."""
    try:
        doc = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid TOML ({exc})", file=str(file)) from None

    def fail(field: str, message: str) -> InputError:
        return InputError(message, file=str(file), field=field)

    for key in REQUIRED_TEXT:
        if not isinstance(doc.get(key), str) or not doc[key].strip():
            raise fail(key, "required text is missing or empty")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", doc["id"]):
        raise fail("id", "use lower-case letters, digits and hyphens")
    sources = _sources(doc.get("sources"), fail)
    places = _strings(doc, "places", fail, allow_empty=True)
    known = set(unit_codes or ()) | {ENGLAND}
    for i, code in enumerate(places):
        if unit_codes is not None and code not in known:
            raise fail(f"places[{i}]", f"{code!r} is not a district of the geography (or {ENGLAND})")
    start = doc.get("start")
    if start is not None and (not isinstance(start, int) or not 1800 <= start <= 2100):
        raise fail("start", "must be a year")
    outcomes = []
    for i, item in enumerate(doc.get("outcomes", [])):
        where = f"outcomes[{i}]"
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) and item[k] for k in
                                                 ("measure", "result", "source")):
            raise fail(where, "an outcome needs measure, result and source (a source key)")
        if item["source"] not in sources:
            raise fail(f"{where}.source", f"{item['source']!r} is not the key of one of the entry's sources")
        outcomes.append(Outcome(item["measure"], item["result"], sources[item["source"]]))
    return Entry(doc["id"], doc["model"], doc["summary"], doc["country"], tuple(places), doc["place_names"], start,
                 tuple(_strings(doc, "services_joined", fail)), doc["governance_model"],
                 doc["allocation_process"], doc["evidence"], tuple(outcomes), tuple(sources.values()), file)


def _strings(doc: dict[str, Any], key: str, fail: Any, allow_empty: bool = False) -> list[str]:
    value = doc.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value) or \
            (not value and not allow_empty):
        raise fail(key, "must be a list of text" + ("" if allow_empty else " with at least one item"))
    return value


def _sources(value: object, fail: Any) -> dict[str, Source]:
    if not isinstance(value, list) or not value:
        raise fail("sources", "every entry needs at least one source a reader can follow")
    out: dict[str, Source] = {}
    for i, item in enumerate(value):
        where = f"sources[{i}]"
        if not isinstance(item, dict):
            raise fail(where, "must be a table")
        for key in ("key", "title", "publisher", "url"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise fail(f"{where}.{key}", "required text is missing or empty")
        if not re.match(r"https?://\S+$", item["url"]):
            raise fail(f"{where}.url", "must be an http(s) address")
        if not isinstance(item.get("year"), int):
            raise fail(f"{where}.year", "must be a year")
        out[item["key"]] = Source(item["key"], item["title"], item["publisher"], item["year"], item["url"])
    return out


def link_to_plan(entries: tuple[Entry, ...], areas: Plan) -> dict[str, tuple[str, ...]]:
    """For each entry, the codes of the plan's areas it falls in (all areas for England-wide ones)."""
    out: dict[str, tuple[str, ...]] = {}
    for entry in entries:
        if ENGLAND in entry.places:
            out[entry.id] = areas.area_codes
            continue
        hits = sorted({int(areas.assignment[areas.unit_index[c]]) for c in entry.places if c in areas.unit_index})
        out[entry.id] = tuple(areas.area_codes[a] for a in np.array(hits, dtype=int))
    return out


def library_json(entries: tuple[Entry, ...], areas: Plan) -> list[dict[str, Any]]:
    """The entries as JSON with the plan's areas each falls in."""
    links = link_to_plan(entries, areas)
    return [{
        "id": e.id, "model": e.model, "summary": e.summary, "country": e.country, "places": list(e.places),
        "place_names": e.place_names, "start": e.start, "services_joined": list(e.services_joined),
        "governance_model": e.governance_model, "allocation_process": e.allocation_process, "evidence": e.evidence,
        "outcomes": [{"measure": o.measure, "result": o.result, "source": o.source.key} for o in e.outcomes],
        "sources": [{"key": s.key, "title": s.title, "publisher": s.publisher, "year": s.year, "url": s.url}
                    for s in e.sources],
        "areas": list(links[e.id]),
    } for e in entries]

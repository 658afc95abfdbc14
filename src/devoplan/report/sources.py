"""Assumptions and data sources: what the figures rest on, and under which licences the data is used.

Two origins: the funding summary (every figure of the formula spec is either sourced or listed as
an assumption) and the geography bundle (``ATTRIBUTION.md`` and the indicators' ``source`` field).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from devoplan.geography.model import Geography

ATTRIBUTION_FILE = "ATTRIBUTION.md"
_LICENCE = re.compile(r"(Open Government Licen[cs]e[^.;,)\n]*|OGL[ v0-9.]*|CC[- ]BY[^.;,)\n]*|ODbL[^.;,)\n]*)",
                      re.IGNORECASE)


def assumption_rows(funding: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    """``(figure, value, why)`` for each assumption in the funding summary."""
    if not funding:
        return []
    rows = []
    for item in funding.get("assumptions", []):
        note = item.get("note") or "assumption (no source given)"
        rows.append((str(item.get("key", "")), _value(item.get("value")), str(note)))
    return rows


def sourced_rows(funding: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    """``(figure, value, source)`` for each sourced figure of the funding spec."""
    if not funding:
        return []
    return [(str(i.get("key", "")), _value(i.get("value")), str(i.get("source", "")))
            for i in funding.get("sources", [])]


def data_sources(geography: Geography) -> list[tuple[str, str, str]]:
    """``(dataset, source, licence)``: tables from ATTRIBUTION.md, then each indicator's source."""
    rows = attribution_rows(geography)
    seen = {r[1] for r in rows}
    for m in geography.indicators.meta:
        if m.source and m.source not in seen:
            rows.append((f"{m.name} ({m.year})", m.source, licence_in(m.source) or "see ATTRIBUTION.md"))
            seen.add(m.source)
    return rows


def attribution_rows(geography: Geography) -> list[tuple[str, str, str]]:
    """Rows of the markdown tables in the bundle's ATTRIBUTION.md, as (dataset, source, licence).

    The first column is taken as the dataset, a column whose header mentions "licen" as the
    licence (else a licence named in the row's text, else the file's general licence), and the
    remaining columns joined as the source.
    """
    if geography.directory is None:
        return []
    path = geography.directory / ATTRIBUTION_FILE
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    general = licence_in(text) or ""
    rows: list[tuple[str, str, str]] = []
    for header, body in _tables(text):
        lic_col = next((i for i, h in enumerate(header) if "licen" in h.lower()), None)
        for cells in body:
            others = [c for i, c in enumerate(cells[1:], start=1) if i != lic_col and c]
            source = "; ".join(others)
            licence = cells[lic_col] if lic_col is not None and lic_col < len(cells) else ""
            rows.append((cells[0], source, licence or licence_in(source) or general))
    return rows


def licence_in(text: str) -> str | None:
    """The first licence named in a text (OGL, Creative Commons, ODbL), if any."""
    m = _LICENCE.search(text)
    return m.group(1).strip() if m else None


def _tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Markdown pipe tables in a text: header cells and body rows (separator rows dropped)."""
    tables: list[tuple[list[str], list[list[str]]]] = []
    lines = [ln.strip() for ln in text.splitlines()]
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.fullmatch(r"\|[\s:|-]+\|?", lines[i + 1]):
            header = _cells(lines[i])
            body: list[list[str]] = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                body.append(_cells(lines[i]))
                i += 1
            tables.append((header, body))
        else:
            i += 1
    return tables


def _cells(line: str) -> list[str]:
    inner = line.strip().strip("|")
    return [re.sub(r"[`*]", "", c).strip() for c in inner.split("|")]


def _value(value: Any) -> str:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)

"""Assumptions and data sources: what the figures rest on, and under which licences the data is used.

Two origins: the funding summary (every figure of the formula spec is either sourced or listed as
an assumption) and the geography bundle (``ATTRIBUTION.md`` and the indicators' ``source`` field).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from devoplan.geography.model import Geography
from devoplan.report.document import FundingSummary

ATTRIBUTION_FILE = "ATTRIBUTION.md"
_VERSION = r"(?:\s*v?\d+(?:\.\d+)*)?"
_LICENCE = re.compile(rf"(Open Government Licen[cs]e{_VERSION}|OGL{_VERSION}|CC[- ]BY(?:[- ](?:SA|NC|ND))*{_VERSION}"
                      rf"|ODbL{_VERSION}|MIT licen[cs]e)", re.IGNORECASE)


_INDICATOR = re.compile(r"^lines\.(\w+)\.need\.indicators\[(\d+)\]\.(\w+)$")
_MONEY_KEYS = (".total", ".amount")
_RATE_KEYS = (".growth", "pace.floor", "pace.cap", "pace.convergence")


def assumption_rows(funding: FundingSummary | None,
                    indicator_names: Mapping[str, str] | None = None) -> list[tuple[str, str, str]]:
    """``(figure, value, why)`` for each assumption in the funding summary (figures named in words where
    the spec allows: ``lines.health.need.indicators[0].weight`` names its indicator)."""
    if funding is None:
        return []
    keys = spec_indicator_keys(funding.spec_file)
    return [(figure_name(f.key, keys, indicator_names or {}), format_value(f.key, f.value),
             f.note or "assumption (no source given)") for f in funding.assumptions]


def sourced_rows(funding: FundingSummary | None) -> list[tuple[str, str, str]]:
    """``(figure, value, source)`` for each sourced figure of the funding spec."""
    if funding is None:
        return []
    return [(f.key, format_value(f.key, f.value), f.source or "") for f in funding.sources]


def spec_indicator_keys(file: str | None) -> dict[tuple[str, int], str]:
    """``{(line, i): indicator key}`` from the spec file the funding summary names (empty if unreadable)."""
    if not file or not Path(file).is_file():
        return {}
    try:
        data = tomllib.loads(Path(str(file)).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    out: dict[tuple[str, int], str] = {}
    for line, table in (data.get("lines") or {}).items():
        indicators = (table.get("need") or {}).get("indicators") if isinstance(table, dict) else None
        for i, ind in enumerate(indicators or []):
            if isinstance(ind, dict) and "key" in ind:
                out[(line, i)] = str(ind["key"])
    return out


def figure_name(key: str, indicator_keys: Mapping[tuple[str, int], str], names: Mapping[str, str]) -> str:
    """The spec key, with the indicator it refers to named when known."""
    m = _INDICATOR.match(key)
    if not m or (m.group(1), int(m.group(2))) not in indicator_keys:
        return key
    ind = indicator_keys[(m.group(1), int(m.group(2)))]
    return f"{key} ({names.get(ind, ind)})"


def format_value(key: str, value: Any) -> str:
    """A spec figure for reading: money keys in £, growth rates and pace limits in % a year."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if key.endswith(_MONEY_KEYS):
            return f"£{value / 1e9:,.2f}bn" if abs(value) >= 1e9 else f"£{value / 1e6:,.1f}m"
        if key.endswith(_RATE_KEYS):
            return f"{value:.0%} a year" if key != "pace.convergence" else f"{value:.0%} of the gap a year"
    return _value(value)


def data_sources(geography: Geography) -> list[tuple[str, str, str]]:
    """``(dataset, source, licence)``: tables from ATTRIBUTION.md, then each indicator's source."""
    rows = attribution_rows(geography)
    general = licence_in(attribution_text(geography)) or ""
    seen = {r[1] for r in rows}
    for m in geography.indicators.meta:
        if m.source and m.source not in seen:
            licence = licence_in(m.source) or (f"{general} (the bundle's default)" if general else "not stated")
            rows.append((f"{m.name} ({m.year})", m.source, licence))
            seen.add(m.source)
    return rows


def attribution_text(geography: Geography) -> str:
    """The bundle's ATTRIBUTION.md, or empty when there is none."""
    path = geography.assets.path(ATTRIBUTION_FILE)
    if path is None:
        return ""
    return path.read_text(encoding="utf-8")


def attribution_statements(geography: Geography) -> list[str]:
    """Statements ATTRIBUTION.md asks to reproduce: its bullet points ("Contains OS data © Crown
    copyright ...") and any other paragraph carrying a copyright notice (e.g. an MIT licence notice)."""
    text = attribution_text(geography)
    out = [_plain(ln.strip()[2:]) for ln in text.splitlines() if ln.strip().startswith(("* ", "- "))]
    for para in re.split(r"\n\s*\n", text):
        p = para.strip()
        if "©" in p and not p.startswith(("#", "**", "* ", "- ")):
            out.append(_plain(" ".join(p.split())))
    return out


def attribution_rows(geography: Geography) -> list[tuple[str, str, str]]:
    """(dataset, source, licence) rows from the bundle's ATTRIBUTION.md.

    Two layouts are read: markdown tables (first column the dataset; a column whose header
    mentions "licen" the licence; the other columns the source) and paragraphs that open with the
    files in bold, ``**`units.csv`** — source text``. A row without its own licence gets the first
    licence its text names, else the file's general licence.
    """
    text = attribution_text(geography)
    general = licence_in(text) or ""
    rows = _paragraph_rows(text, general)
    for header, body in _tables(text):
        lic_col = next((i for i, h in enumerate(header) if "licen" in h.lower()), None)
        for cells in body:
            others = [c for i, c in enumerate(cells[1:], start=1) if i != lic_col and c]
            source = "; ".join(others)
            licence = cells[lic_col] if lic_col is not None and lic_col < len(cells) else ""
            rows.append((cells[0], source, licence or licence_in(source) or general))
    return rows


def _paragraph_rows(text: str, general: str) -> list[tuple[str, str, str]]:
    rows = []
    for para in re.split(r"\n\s*\n", text):
        m = re.match(r"\s*\*\*(.+?)\*\*\s*[—–-]+\s*(.*)", para, re.S)
        if m:
            source = _plain(" ".join(m.group(2).split()))
            rows.append((_plain(m.group(1)), source, licence_in(source) or general))
    return rows


def _plain(text: str) -> str:
    """Markdown emphasis, code marks and links reduced to their text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[`*]", "", text).strip()


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
        return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:,.6g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)

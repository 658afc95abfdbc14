"""HTML tables and per-area cards for the report (values formatted for reading, not for machines)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from devoplan.report.html import esc


class Html(str):
    """A table cell that is already trusted HTML (built by this package): written as is, not escaped."""


Cell = str | int | float | None


def fmt(value: Cell, *, digits: int = 3) -> str:
    """A number for reading: integers with thousands separators, floats to ``digits`` significant places."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return "–" if math.isnan(value) else ("∞" if value > 0 else "-∞")
    if float(value).is_integer() and abs(value) >= 1:
        return f"{int(value):,}"
    return f"{value:,.{digits}g}" if abs(value) < 1000 else f"{value:,.0f}"


def fmt_row(values: Sequence[float | None]) -> list[str]:
    """Numbers that are compared along a row, formatted alike: whole numbers with separators when all
    are whole, else the same number of decimals for all, chosen by the row's typical (median) size:
    3 below 1, 2 below 100, 1 below 1,000, else none (one outlier does not round the others away)."""
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not finite:
        return ["–" for _ in values]
    if all(v.is_integer() for v in finite):
        return [f"{int(v):,}" if v is not None and math.isfinite(float(v)) else "–" for v in values]
    typical = sorted(abs(v) for v in finite)[len(finite) // 2]
    digits = 3 if typical < 1 else 2 if typical < 100 else 1 if typical < 1000 else 0
    return [f"{float(v):,.{digits}f}" if v is not None and math.isfinite(float(v)) else "–" for v in values]


def money(pounds: float, *, unit: str = "m") -> str:
    """£ in millions (``m``) or billions (``bn``), or whole pounds (``""``)."""
    if not math.isfinite(pounds):
        return "–"
    if unit == "bn":
        return f"£{pounds / 1e9:,.2f}bn"
    if unit == "m":
        return f"£{pounds / 1e6:,.1f}m"
    return f"£{pounds:,.0f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Cell]], *, numeric: Sequence[int] = (),
          best: Mapping[int, int] | None = None, scroll: bool = False, caption: str = "", head: bool = True,
          css: str = "") -> str:
    """A plain HTML table; ``numeric`` columns right-aligned; ``best[row] = col`` is highlighted;
    :class:`Html` cells are written as they are; ``head=False`` leaves out the header row."""
    num = set(numeric)
    header = "".join(f'<th class="num">{esc(h)}</th>' if i in num else f"<th>{esc(h)}</th>"
                   for i, h in enumerate(headers))
    body = []
    for r, row in enumerate(rows):
        cells = []
        for c, value in enumerate(row):
            classes = (["num"] if c in num else []) + (["best"] if best and best.get(r) == c else [])
            cls = f' class="{" ".join(classes)}"' if classes else ""
            text = value if isinstance(value, Html) else esc(fmt(value))
            cells.append(f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    thead = f"<thead><tr>{header}</tr></thead>" if head else ""
    klass = f' class="{esc(css)}"' if css else ""
    out = f"<table{klass}>{cap}{thead}<tbody>{''.join(body)}</tbody></table>"
    return f'<div class="scroll">{out}</div>' if scroll else out


@dataclass(frozen=True)
class AreaCard:
    """What the report says about one proposed area."""

    number: int
    code: str
    name: str
    colour: str
    population: int
    districts: tuple[str, ...]
    dominant: tuple[tuple[str, str, float], ...]  # (layer key, area name, share of the area's population)
    governance: str
    funding: tuple[tuple[str, str], ...]  # (label, formatted value)
    market: tuple[tuple[str, str], ...] = ()  # (label, formatted value): the area's market line


def card(c: AreaCard) -> str:
    """One area as a card: key facts in a definition list, then its districts."""
    facts: list[tuple[str, str]] = [("Code", c.code), ("Population", f"{c.population:,}"),
                                    ("Districts", str(len(c.districts)))]
    facts += [(f"Dominant {key}", f"{name} ({share:.0%} of residents)") for key, name, share in c.dominant]
    facts.append(("Who could run it", c.governance))
    facts += [*c.funding, *c.market]
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
    return (f'<article class="card" id="area-{c.number}" style="--c:{esc(c.colour)}">'
            f"<h3>{c.number}. {esc(c.name)}</h3><dl>{dl}</dl>"
            f'<div class="districts">{esc(", ".join(c.districts))}</div></article>')


def cards(items: Sequence[AreaCard]) -> str:
    return '<div class="cards">' + "".join(card(c) for c in items) + "</div>"

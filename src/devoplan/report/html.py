"""The self-contained HTML page: inline CSS, inline SVG figures, no scripts, no external URLs.

The page opens with no network, reads on a laptop (a single centred column, a contents list),
and prints cleanly (``@media print``: no contents list, sections start on new pages, figures are
not split across pages).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

CSS = """
:root { --ink:#1d2330; --muted:#5b6472; --rule:#d9dde3; --accent:#2b5c8a; --bad:#b3261e; --good:#1e6b3a; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color:var(--ink);
       background:#f6f7f9; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 60px; background:#fff; }
header h1 { font-size: 1.8em; margin: 0 0 4px; }
header p { margin: 2px 0; color: var(--muted); }
nav { border:1px solid var(--rule); border-radius:6px; padding:8px 14px; margin:16px 0 8px; background:#fafbfc; }
nav ol { margin:4px 0; padding-left: 20px; columns: 2; }
nav a { color: var(--accent); text-decoration:none; }
section { border-top: 2px solid var(--rule); margin-top: 28px; padding-top: 8px; }
h2 { font-size: 1.35em; margin: 8px 0; }
h3 { font-size: 1.08em; margin: 18px 0 6px; }
p.lead { color: var(--muted); margin-top: 0; }
.grid { display:grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 14px; }
figure { margin: 8px 0; break-inside: avoid; }
figure svg { width: 100%; height: auto; max-width: 640px; display: block; }
figure.wide svg { max-width: 900px; }
figure.map svg { max-width: 1120px; }
figcaption { color: var(--muted); font-size: 0.88em; }
table { border-collapse: collapse; width: 100%; font-size: 0.86em; margin: 6px 0 12px; }
th, td { border-bottom: 1px solid var(--rule); padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eef1f5; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.best { font-weight: bold; color: var(--good); }
.scroll { max-height: 560px; overflow: auto; border: 1px solid var(--rule); }
.kpis { display:grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin: 10px 0; }
.kpi { border:1px solid var(--rule); border-radius:6px; padding:8px 12px; }
.kpi b { display:block; font-size: 1.35em; }
.kpi span { color: var(--muted); font-size: 0.85em; }
.cards { display:grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 10px; }
.card { border:1px solid var(--rule); border-left: 6px solid var(--c, var(--accent)); border-radius:6px;
        padding: 8px 12px; break-inside: avoid; }
.card h3 { margin: 0 0 4px; }
.card dl { display:grid; grid-template-columns: 9.5em 1fr; gap: 1px 8px; margin: 0; font-size: 0.88em; }
.card dt { color: var(--muted); }
.card dd { margin: 0; }
.card .districts { font-size: 0.8em; color: var(--muted); margin-top: 4px; }
.small { font-size: 0.82em; color: var(--muted); }
code.small { font-size: 0.78em; }
table.compare td:first-child { min-width: 22em; }
h3 { break-after: avoid; }
.note { background:#fff8e1; border-left: 4px solid #e0a800; padding: 6px 10px; font-size: 0.9em; }
.missing { background:#fdecea; border-left: 4px solid var(--bad); padding: 6px 10px; }
.brief { display:grid; grid-template-columns: 1fr 1fr; gap: 4px 22px; }
.brief h3 { margin: 10px 0 2px; color: var(--accent); }
.brief ul { margin: 0; padding-left: 18px; }
.brief li { margin: 2px 0; }
p.dl { margin: -6px 0 12px; font-size: 0.8em; text-align: right; }
p.dl a, a.button { color: var(--accent); }
a.button { display:inline-block; border:1px solid var(--accent); border-radius:5px; padding:5px 12px;
           text-decoration:none; font-weight:bold; }
footer { margin-top: 30px; color: var(--muted); font-size: 0.85em; }
@media (max-width: 900px) { .grid { grid-template-columns: 1fr; } nav ol { columns: 1; } }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { background: #fff; font-size: 10.5pt; }
  .grid.split { display: block; }
  .grid.split figure svg { max-width: 70%; }
  table.compare td:first-child { min-width: 0; width: 45%; }
  table.compare { font-size: 8pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  section { break-before: page; border-top: none; }
  section:first-of-type { break-before: auto; }
  .scroll { max-height: none; overflow: visible; border: none; }
  th { position: static; }
  .grid { grid-template-columns: 1fr 1fr; }
  a { color: inherit; text-decoration: none; }
  p.dl { display: none; }
  #summary { font-size: 9pt; }
  #summary .kpis { grid-template-columns: repeat(6, 1fr); }  /* one row of six: room for the text */
  #summary .kpi { padding: 4px 8px; }
  #summary .brief { grid-template-columns: 1fr 1fr; }
}
"""


@dataclass(frozen=True)
class Section:
    """One numbered section of the report; ``body`` is trusted HTML built by this package."""

    id: str
    title: str
    body: str
    lead: str = ""


@dataclass(frozen=True)
class Page:
    title: str
    subtitle: Sequence[str]
    sections: Sequence[Section]
    footer: str = ""
    meta: dict[str, str] = field(default_factory=dict)


def esc(text: object) -> str:
    """HTML-escape any value for text or attribute content."""
    return html.escape(str(text), quote=True)


def figure(svg: str, caption: str, *, wide: bool = False, css: str = "") -> str:
    """A figure with its caption; ``wide`` lets charts with long labels use more of the page; ``css``
    names a class (``map``: a map with its legend of names beside it, the page's full width)."""
    classes = " ".join(c for c in ("wide" if wide else "", css) if c)
    cls = f' class="{esc(classes)}"' if classes else ""
    return f"<figure{cls}>{svg}<figcaption>{esc(caption)}</figcaption></figure>"


def grid(*items: str, css: str = "") -> str:
    """Items side by side on a wide screen, stacked on a narrow one; ``css`` adds a class."""
    return f'<div class="grid {esc(css)}">'.replace(' ">', '">') + "".join(items) + "</div>"


def note(text: str, *, kind: str = "note") -> str:
    return f'<p class="{kind}">{esc(text)}</p>'


def kpis(items: Sequence[tuple[str, str]]) -> str:
    """Headline figures: ``(value, what it is)`` pairs."""
    return '<div class="kpis">' + "".join(
        f'<div class="kpi"><b>{esc(v)}</b><span>{esc(label)}</span></div>' for v, label in items) + "</div>"


def render_page(page: Page) -> str:
    """The whole document as one string."""
    toc = "".join(f'<li><a href="#{esc(s.id)}">{esc(s.title)}</a></li>' for s in page.sections)
    body = "".join(_section(s) for s in page.sections)
    subtitle = "".join(f"<p>{esc(line)}</p>" for line in page.subtitle)
    metas = "".join(f'<meta name="{esc(k)}" content="{esc(v)}">' for k, v in page.meta.items())
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"{metas}<title>{esc(page.title)}</title><style>{CSS}</style></head>\n"
        f"<body><main><header><h1>{esc(page.title)}</h1>{subtitle}</header>"
        f'<nav aria-label="Contents"><b>Contents</b><ol>{toc}</ol></nav>\n{body}'
        f"<footer>{page.footer}</footer></main></body></html>\n"
    )


def _section(s: Section) -> str:
    lead = f'<p class="lead">{esc(s.lead)}</p>' if s.lead else ""
    return f'<section id="{esc(s.id)}"><h2>{esc(s.title)}</h2>{lead}{s.body}</section>\n'

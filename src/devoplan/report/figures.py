"""Matplotlib figures out as inline SVG (for the HTML) or PNG files (for out/), with the Agg backend.

Several SVGs live in one HTML page, so every ``id`` matplotlib writes (``figure_1``, clip paths,
...) is prefixed per figure: duplicate ids in one document would make one figure's ``url(#...)``
references pick up another figure's clip paths. Text is kept as text (``svg.fonttype = none``):
it keeps the page small and lets a reader search or copy area names.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless, deterministic; must precede pyplot

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

MIN_PNG_WIDTH = 1600  # pixels: a full-width image on a 16:9 slide
FONT_FAMILY = ["DejaVu Sans", "Helvetica", "Arial", "sans-serif"]
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^)"]+)')
_PATH = re.compile(r'\bd="([^"]*)"')
_NUMBER = re.compile(r"-?\d+\.\d+")


def new_figure(width: float, height: float) -> Figure:
    """A figure not tied to pyplot's global state (so nothing leaks between reports)."""
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return fig


def to_svg(fig: Figure, prefix: str, *, title: str = "") -> str:
    """The figure as an ``<svg>`` element with ids prefixed by ``prefix`` and an accessible title."""
    buf = io.StringIO()
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": prefix, "font.family": FONT_FAMILY}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    start = text.index("<svg")
    svg = text[start:]
    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = _PATH.sub(lambda m: 'd="' + _compact_path(m.group(1)) + '"', svg)
    if title:
        svg = svg.replace(">", f' role="img" aria-label="{_attr(title)}">', 1)
    return svg


def _compact_path(d: str) -> str:
    """Path data rounded to 0.1 px on one line (a tenth of a pixel is invisible; sizes drop ~3x)."""
    d = _NUMBER.sub(lambda m: f"{float(m.group(0)):.1f}".rstrip("0").rstrip("."), d)
    tokens = d.split()
    out: list[str] = []
    last: tuple[str, str] | None = None
    i = 0
    while i < len(tokens):
        cmd = tokens[i]
        if cmd in ("M", "L") and i + 2 < len(tokens):
            point = (tokens[i + 1], tokens[i + 2])
            if not (cmd == "L" and point == last):  # a repeated point after rounding draws nothing
                out.extend((cmd, *point))
            last = point
            i += 3
            continue
        last = None if cmd.isalpha() and cmd not in ("z", "Z") else last
        out.append(cmd)
        i += 1
    return " ".join(out)


def save_png(fig: Figure, path: Path, *, min_width: int = MIN_PNG_WIDTH) -> Path:
    """Write the figure as a PNG at least ``min_width`` pixels wide (sharp on a slide, no larger than that)."""
    dpi = math.ceil(min_width / fig.get_figwidth())
    with plt.rc_context({"font.family": FONT_FAMILY}):
        fig.savefig(path, format="png", dpi=dpi, metadata={"Software": None})
    return path


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


class FigureSink:
    """Turns figures into inline SVG for the page and, for maps, also into PNG files in ``png_dir``."""

    def __init__(self, png_dir: Path | None = None) -> None:
        self.png_dir = png_dir
        self.pngs: list[Path] = []
        self._count = 0

    def svg(self, fig: Figure, title: str, *, png_name: str | None = None) -> str:
        """The figure as inline SVG (drawn first: a PNG drawn before it at another DPI would shift
        the layout, and a re-rendered report would differ from the demo's); then the PNG if asked."""
        self._count += 1
        svg = to_svg(fig, f"f{self._count}", title=title)
        if png_name and self.png_dir is not None:
            self.pngs.append(save_png(fig, self.png_dir / f"{png_name}.png"))
        return svg

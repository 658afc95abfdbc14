"""The report's maps: proposed areas, today's misalignments, per-area values, and a hex-map view.

Each function returns a matplotlib :class:`~matplotlib.figure.Figure`; :mod:`.figures` turns it
into inline SVG for the page or a PNG file for ``out/``. Areas are numbered 1..k on the maps; the
per-area cards and tables use the same numbers, which keeps 38 labels legible on a laptop screen.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import networkx as nx
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PolyCollection
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter
from scipy.spatial import cKDTree

from devoplan.geography.model import Geography
from devoplan.plan import Plan
from devoplan.report.figures import new_figure
from devoplan.report.geometry import distinct_colours, map_geometry
from devoplan.report.hexmap import HexLayout
from devoplan.report.layerwords import ECONOMIC, HEALTH, areas_word

# Qualitative palette (colour-blind-aware, after Paul Tol's "muted" and "light" schemes).
PALETTE: list[str] = ["#88CCEE", "#CC6677", "#DDCC77", "#117733", "#AA4499", "#44AA99", "#999933",
                      "#EE8866", "#6699CC", "#BBCC33"]
NO_DATA = "#DDDDDD"
EDGE = "#333333"
CROWDED = 0.035  # labels closer than this share of the map's extent collide at screen size


def _rings(geom: shapely.Geometry) -> list[np.ndarray]:
    """Exterior rings of a (multi)polygon as coordinate arrays (holes are drawn over by neighbours)."""
    parts = shapely.get_parts(geom)
    return [np.asarray(shapely.get_coordinates(shapely.get_exterior_ring(p))) for p in parts
            if not shapely.is_empty(p) and shapely.get_type_id(p) == 3]


def draw_shapes(ax: Axes, geoms: Sequence[shapely.Geometry], colours: Sequence[str], *,
                edge: str = "white", width: float = 0.3) -> None:
    """Fill each geometry with its colour (one PolyCollection: small SVG, fast)."""
    verts: list[np.ndarray] = []
    faces: list[str] = []
    for g, c in zip(geoms, colours, strict=True):
        rings = _rings(g)
        verts.extend(rings)
        faces.extend([c] * len(rings))
    ax.add_collection(PolyCollection(verts, facecolors=faces, edgecolors=edge, linewidths=width))
    ax.autoscale_view()


def draw_outlines(ax: Axes, geoms: Sequence[shapely.Geometry], *, colour: str = EDGE, width: float = 0.8) -> None:
    verts = [r for g in geoms for r in _rings(g)]
    ax.add_collection(PolyCollection(verts, facecolors="none", edgecolors=colour, linewidths=width))


def _frame(ax: Axes, title: str) -> None:
    """Equal scales, no axes; the title at the figure's top left, so maps side by side line up."""
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.figure.suptitle(title, fontsize=11, x=0.02, ha="left")


def _number_labels(ax: Axes, points: np.ndarray, *, size: float = 7, skip: frozenset[int] = frozenset()) -> None:
    for i, (x, y) in enumerate(points):
        if np.isfinite(x) and i not in skip:
            ax.text(x, y, str(i + 1), ha="center", va="center", fontsize=size, fontweight="bold",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})


def crowded_cluster(points: np.ndarray, extent: float, *, share: float = CROWDED) -> list[int]:
    """The largest group (3 or more) of labels that sit too close together to read, as indices.

    Labels closer than ``share`` of the map's extent are linked; the largest connected group is the
    crowded one (London on the England map). Empty when no three labels crowd together.
    """
    ok = np.flatnonzero(np.isfinite(points[:, 0]))
    if len(ok) < 3 or extent <= 0:
        return []
    pairs = cKDTree(points[ok]).query_pairs(r=share * extent, output_type="ndarray")
    g = nx.Graph()
    g.add_edges_from(ok[pairs].tolist())
    groups = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c[0]))
    return groups[0] if groups and len(groups[0]) >= 3 else []


MAP_SIZE = (11.0, 8.2)  # inches: the map on the left, the enlarged inset and the legend of names beside it
SIDE_RATIO = 0.78  # width of the side column against the map's
LEGEND_WRAP = 30  # characters per legend line


def area_figure(areas: np.ndarray, colours: Sequence[str], points: np.ndarray, names: Sequence[str], title: str, *,
                width: float, size: float) -> tuple[Figure, Axes]:
    """A map of numbered areas with a numbered legend of their names beside it.

    Labels that crowd together (London) are left off the map and shown in an enlarged inset above
    the legend, outside the map, so the inset hides no area; the enlarged part is framed on the map.
    """
    xmin, ymin, xmax, ymax = shapely.total_bounds(areas)
    crowd = crowded_cluster(points, max(xmax - xmin, ymax - ymin))
    fig = new_figure(*MAP_SIZE)
    grid = fig.add_gridspec(2 if crowd else 1, 2, width_ratios=[1.0, SIDE_RATIO],
                            height_ratios=[0.34, 0.66] if crowd else None)
    ax = fig.add_subplot(grid[:, 0])
    draw_shapes(ax, list(areas), colours, edge=EDGE, width=width)
    _number_labels(ax, points, size=size, skip=frozenset(crowd))
    if crowd:
        _enlarged(fig.add_subplot(grid[0, 1]), ax, areas, colours, points, crowd, width=width, size=size + 1)
    name_legend(fig.add_subplot(grid[-1, 1]), names, colours)
    _frame(ax, title)
    return fig, ax


def _enlarged(inset: Axes, ax: Axes, areas: np.ndarray, colours: Sequence[str], points: np.ndarray,
              crowd: Sequence[int], *, width: float, size: float) -> None:
    """The crowded areas enlarged in their own axes; their frame drawn on the main map."""
    x0, y0, x1, y1 = shapely.total_bounds(areas[list(crowd)])
    pad = 0.04 * max(x1 - x0, y1 - y0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="black", lw=1.0))
    near = [a for a in range(len(areas)) if shapely.intersects(areas[a], shapely.box(x0, y0, x1, y1))]
    clipped = [shapely.clip_by_rect(areas[a], x0, y0, x1, y1) for a in near]  # only what shows: small SVG
    draw_shapes(inset, clipped, [colours[a] for a in near], edge=EDGE, width=width)
    inset.set_xlim(x0, x1)
    inset.set_ylim(y0, y1)
    inset.set_aspect("equal")
    inset.set_xticks([])
    inset.set_yticks([])
    others = frozenset(set(range(len(points))) - set(crowd))
    _number_labels(inset, points, size=size, skip=others)
    inset.set_title(f"Enlarged (framed on the map): areas {_number_list(crowd)}", fontsize=8, loc="left", pad=2)


def name_legend(ax: Axes, names: Sequence[str], colours: Sequence[str] | None = None) -> None:
    """Each area's number and name (wrapped), in one or two columns filling the axes, with its colour."""
    ax.set_axis_off()
    entries = [textwrap.wrap(name, LEGEND_WRAP) or [""] for name in names]
    columns = 1 if sum(len(e) for e in entries) <= 26 else 2
    per_column = _rows_per_column([len(e) for e in entries], columns)
    step = 1.0 / max(per_column, 14)
    height_in = ax.get_position().height * MAP_SIZE[1]  # before layout: the gridspec's share of the figure
    size = float(np.clip(step * height_in * 72 / 1.3, 4.5, 8.0))
    col, row = 0, 0
    for i, wrapped in enumerate(entries):
        if row + len(wrapped) > per_column and col + 1 < columns:
            col, row = col + 1, 0
        x = col / columns
        y = 1.0 - row * step
        if colours is not None:
            ax.add_patch(Rectangle((x, y - 0.85 * step), 0.025, 0.8 * step, transform=ax.transAxes,
                                   fc=colours[i], ec=EDGE, lw=0.4, clip_on=False))
        ax.text(x + 0.032, y, f"{i + 1}", transform=ax.transAxes, fontsize=size, fontweight="bold", va="top")
        for j, line in enumerate(wrapped):
            ax.text(x + 0.032 + 0.09 / columns, y - j * step, line, transform=ax.transAxes, fontsize=size, va="top")
        row += len(wrapped)


def _rows_per_column(heights: Sequence[int], columns: int) -> int:
    """The fewest rows per column that fit every entry whole, filling columns in order."""
    rows = max(-(-sum(heights) // columns), max(heights, default=1))
    while True:
        col, used = 0, 0
        for h in heights:
            if used + h > rows:
                col, used = col + 1, 0
            used += h
        if col < columns:
            return rows
        rows += 1


def _number_list(indices: Sequence[int]) -> str:
    """Area numbers (1-based) as a short list with runs: ``19, 29, 34–38``."""
    nums = sorted(i + 1 for i in indices)
    runs: list[list[int]] = []
    for n in nums:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)


def plan_map(geography: Geography, plan: Plan, colours: Sequence[str], *,
             title: str = "Proposed commissioning areas") -> Figure:
    """The plan's areas in the given colours (see :func:`area_colours`), numbered 1..k."""
    mg = map_geometry(geography)
    areas = mg.dissolve(plan.assignment, plan.n_areas)
    fig, _ = area_figure(areas, colours, mg.label_points(areas), plan.area_names, title, width=0.6, size=7)
    return fig


def misalignment_map(geography: Geography, *, health: str = HEALTH, economic: str = ECONOMIC) -> Figure:
    """Districts split between health areas, in two economic areas, or both; health borders drawn over."""
    mg = map_geometry(geography)
    hl, el = geography.layer(health), geography.layer(economic)
    split = hl.areas_per_unit > 1
    shared = el.areas_per_unit > 1
    colours = np.full(geography.n_units, "#EEEEEE", dtype=object)
    colours[split] = "#CC3311"
    colours[shared] = "#0077BB"
    colours[split & shared] = "#AA4499"
    fig = new_figure(6.2, 7.0)
    ax = fig.add_subplot()
    draw_shapes(ax, list(mg.units), list(colours), edge="#BBBBBB", width=0.2)
    main = np.where(hl.main_area >= 0, hl.main_area, hl.n_areas)
    draw_outlines(ax, list(mg.dissolve(main, hl.n_areas + 1)), width=0.7)
    handles = [
        Patch(fc="#CC3311", label=f"split between {areas_word(hl.key)} ({int(split.sum())})"),
        Patch(fc="#0077BB", label=f"in two {areas_word(el.key)} ({int(shared.sum())})"),
        Patch(fc="#AA4499", label=f"both ({int((split & shared).sum())})"),
        Patch(fc="none", ec=EDGE, label=f"{areas_word(hl.key, 1)} borders (main {areas_word(hl.key, 1)} of each "
              "district)"),
    ]
    ax.legend(handles=handles, loc="upper right", fontsize=8, frameon=False)
    _frame(ax, f"Today's misalignments: districts that cross {areas_word(hl.key, 1)} or {areas_word(el.key, 1)} "
               "lines")
    return fig


def value_map(geography: Geography, plan: Plan, values: np.ndarray, *, title: str, label: str,
              cmap: str = "viridis", diverging: bool = False, tick_format: str = "{:,.0f}") -> Figure:
    """A choropleth of one value per area (NaN drawn grey), with a colour bar."""
    mg = map_geometry(geography)
    areas = mg.dissolve(plan.assignment, plan.n_areas)
    finite = values[np.isfinite(values)]
    if diverging:
        span = float(np.abs(finite).max()) if finite.size and np.abs(finite).max() > 0 else 1.0
        norm: Normalize = TwoSlopeNorm(vcenter=0.0, vmin=-span, vmax=span)
    else:
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        norm = Normalize(vmin=lo, vmax=hi if hi > lo else lo + 1.0)
    mapper = _mapper(norm, cmap)
    colours = [_hex(mapper.to_rgba(v)) if np.isfinite(v) else NO_DATA for v in values]
    fig, ax = area_figure(areas, colours, mg.label_points(areas), plan.area_names, title, width=0.5, size=6)
    bar = fig.colorbar(mapper, ax=ax, shrink=0.5, label=label, location="bottom", pad=0.02)
    bar.ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: tick_format.format(v).replace("+0%", "0%")))
    return fig


def area_colours(geography: Geography, plan: Plan, layout: HexLayout | None) -> list[str]:
    """One colour per area, different for areas that neighbour on the map or on the hex map."""
    pairs = layout.neighbour_pairs() if layout is not None else None
    return distinct_colours(geography, plan, PALETTE, pairs)


def hex_plan_map(layout: HexLayout, plan: Plan, colours: Sequence[str], *,
                 title: str = "The same areas, one hexagon per district") -> Figure:
    """The plan on the hex layout: each district one hexagon, coloured by its area, area numbers on top."""
    present = layout.present
    fig = new_figure(*MAP_SIZE)
    grid = fig.add_gridspec(1, 2, width_ratios=[1.0, SIDE_RATIO])
    ax = fig.add_subplot(grid[0, 0])
    name_legend(fig.add_subplot(grid[0, 1]), plan.area_names, colours)
    faces = [colours[plan.assignment[u]] for u in present]
    ax.add_collection(PolyCollection(layout.polygons(), facecolors=faces, edgecolors="white", linewidths=0.4))
    ax.autoscale_view()
    centres = layout.centres
    for a in range(plan.n_areas):
        members = [u for u in plan.members(a) if not np.isnan(centres[u, 0])]
        if members:
            # label the member hex closest to the members' centroid, so the label sits on the area
            c = centres[members]
            best = members[int(np.argmin(((c - c.mean(axis=0)) ** 2).sum(axis=1)))]
            x, y = centres[best]
            ax.text(x, y, str(a + 1), ha="center", va="center", fontsize=6.5, fontweight="bold",
                    bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.85})
    if layout.missing:
        ax.text(0.0, 0.0, f"{len(layout.missing)} district(s) missing from the hex layout",
                transform=ax.transAxes, fontsize=7)
    _frame(ax, title)
    return fig


def _mapper(norm: Normalize, cmap: str) -> ScalarMappable:
    return ScalarMappable(norm=norm, cmap=cmap)


def _hex(rgba: object) -> str:
    if isinstance(rgba, str):
        return rgba
    r, g, b = (round(255 * float(c)) for c in list(rgba)[:3])  # type: ignore[call-overload]
    return f"#{r:02X}{g:02X}{b:02X}"

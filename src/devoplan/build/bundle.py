"""Build a geography bundle directory (docs/data-format.md) from the official source files.

validate -> compute -> assemble: every source file and column is checked as it is read (an
InputError names the file/column), all tables are computed in memory, and only then are the files
written into a temporary sibling directory that atomically replaces the output directory. Nothing
half-written is ever left at ``out``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from devoplan.build import attribution, geometry
from devoplan.build.adjacency import add_links, border_edges
from devoplan.build.boundaries import read_coverage
from devoplan.build.indicators import build_indicators
from devoplan.build.layers import WEIGHT_DECIMALS, LayerTable, build_layers
from devoplan.build.markets import gp_practices_text
from devoplan.build.money import money_texts
from devoplan.build.output import csv_text, frame_text
from devoplan.build.sources import SourceDir
from devoplan.build.units import build_units
from devoplan.errors import InputError

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data" / "england2024"
INDICATOR_DECIMALS = 4
STEPS: tuple[str, ...] = ("units", "layers", "boundaries", "adjacency", "indicators", "money", "geometry", "write")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildReport:
    """What was built: output directory, file sizes in bytes, and headline facts."""

    out: Path
    sizes: dict[str, int]
    facts: dict[str, str] = field(default_factory=dict)

    @property
    def total_bytes(self) -> int:
        return sum(self.sizes.values())


def _layer_texts(layers: tuple[LayerTable, ...]) -> dict[str, str]:
    layer_rows = [(t.key, t.name, t.kind, t.vintage, t.source) for t in layers]
    areas = [(t.key, a, n) for t in layers for a, n in zip(t.areas["area_code"], t.areas["area_name"], strict=True)]
    members = pd.concat([t.memberships.assign(layer=t.key) for t in layers])
    return {
        "layers.csv": csv_text(["layer", "name", "kind", "vintage", "source"], layer_rows),
        "areas.csv": csv_text(["layer", "area_code", "area_name"], areas),
        "memberships.csv": frame_text(
            members[["layer", "unit_code", "area_code", "weight"]], {"weight": WEIGHT_DECIMALS}
        ),
    }


def _facts(
    layers: tuple[LayerTable, ...], units: pd.DataFrame, edges: pd.DataFrame, ind: pd.DataFrame
) -> dict[str, str]:
    facts = {"units": str(len(units)), "population": f"{int(units['population'].sum()):,}"}
    for t in layers:
        per_unit = t.memberships.groupby("unit_code").size()
        facts[f"{t.key} areas"] = str(len(t.areas))
        facts[f"{t.key} units in >1 area"] = str(int((per_unit > 1).sum()))
        facts[f"{t.key} units covered"] = str(len(per_unit))
    facts["border edges"] = str(int((edges["kind"] == "border").sum()))
    facts["link edges"] = str(int((edges["kind"] == "link").sum()))
    for key in ind.columns[1:]:
        facts[f"coverage {key}"] = str(int(ind[key].notna().sum()))
    return facts


def compute_bundle(source: str | Path, progress: Progress | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """All bundle files as ``{file name: text}`` plus the facts, computed in memory."""
    step = progress or (lambda _name: None)
    src = SourceDir.open(source)
    step("units")
    units = build_units(src)
    step("layers")
    layers = build_layers(src, units.codes)
    step("boundaries")
    coverage = read_coverage(src, units.codes)
    step("adjacency")
    edges = add_links(src, border_edges(coverage), units.codes)
    step("indicators")
    indicators = build_indicators(src, units.codes)
    step("money")
    money = money_texts(src, units, layers)
    step("geometry")
    display = geometry.display_geometry(coverage)
    if not geometry.bounds_ok(display):
        raise src.fail("boundaries/lad24_england_bgc.geojson", "display geometry falls outside England")
    files = {
        "manifest.json": attribution.manifest_text(),
        "ATTRIBUTION.md": attribution.ATTRIBUTION,
        "units.csv": frame_text(units.units),
        "population_age_sex.csv": frame_text(units.age_sex),
        **_layer_texts(layers),
        "adjacency.csv": frame_text(edges, {"length_m": 1}),
        "indicators.csv": frame_text(indicators.values, {k: INDICATOR_DECIMALS for k in indicators.values.columns[1:]}),
        "indicator_meta.csv": frame_text(indicators.meta),
        "geometry.geojson": geometry.geojson_text(display),
        "hexmap.hexjson": geometry.hexjson_text(geometry.hexmap(src, units.codes)),
        **money,
        **gp_practices_text(src, units.codes),
    }
    return files, _facts(layers, units.units, edges, indicators.values)


def check_replaceable(out: Path) -> None:
    """Refuse an output path whose replacement could destroy something that is not a bundle.

    ``out`` is replaced wholesale, so it must be absent, an empty directory, or an earlier bundle
    (a directory holding ``manifest.json``) -- never a file or some other directory.
    """
    if not out.exists():
        return
    if not out.is_dir():
        raise InputError("output exists and is not a directory; refusing to replace it", file=str(out))
    if any(out.iterdir()) and not (out / "manifest.json").is_file():
        raise InputError("output directory is not empty and holds no manifest.json (not a bundle); "
                         "refusing to replace it", file=str(out))


def write_atomically(files: dict[str, str], out: Path) -> None:
    """Write ``files`` into a temporary sibling of ``out``, then swap it into place."""
    out = out.resolve()
    check_replaceable(out)
    try:
        _swap_in(files, out)
    except OSError as exc:
        raise InputError(f"cannot write the bundle ({exc.strerror or exc})", file=str(out)) from None


def _swap_in(files: dict[str, str], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; a bundle is ordinary package data
    try:
        for name, text in sorted(files.items()):
            (tmp / name).write_bytes(text.encode("utf-8"))
        old = None
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def build_bundle(source: str | Path, out: str | Path = DEFAULT_OUT, progress: Progress | None = None) -> BuildReport:
    """Derive the England 2024 bundle from ``source`` into ``out`` (replaced atomically)."""
    check_replaceable(Path(out).resolve())
    files, facts = compute_bundle(source, progress)
    if progress:
        progress("write")
    out_path = Path(out)
    write_atomically(files, out_path)
    sizes = {name: (out_path / name).stat().st_size for name in sorted(files)}
    return BuildReport(out=out_path, sizes=sizes, facts=facts)

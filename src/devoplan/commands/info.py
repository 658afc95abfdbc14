"""`devoplan info`: what a geography holds, at a glance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from devoplan.geography.loader import load_geography
from devoplan.geography.summary import summarise

GeographyOption = Annotated[
    Path | None,
    typer.Option("--geography", "-g", help="A geography directory (default: the bundled England 2024)."),
]


def info(
    geography: GeographyOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Summarise a geography: units, population, layers, adjacency and indicators."""
    geo = load_geography(geography)
    if geo.assets.has_geometry:
        geo.display_geometry()  # validates the boundaries too (types, validity, WGS84)
    summary = summarise(geo)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    render(summary, Console())


def render(summary: dict[str, Any], console: Console) -> None:
    """Print the summary as Rich tables (layers, adjacency, indicators)."""
    console.print(f"[bold]{summary['name']}[/]: {summary['units']} units, "
                  f"{summary['population']:,} residents")
    console.print(_layer_table(summary))
    adj = summary["adjacency"]
    console.print(f"Adjacency: {adj['border_edges']} shared-border pairs, {len(adj['links'])} explicit links")
    for link in adj["links"]:
        console.print(f"  link {link['a']} - {link['b']}: {link['note']}")
    if adj["isolated_without_links"]:
        console.print(f"  without links these units would be cut off: {', '.join(adj['isolated_without_links'])}")
    if summary["indicators"]:
        console.print(_indicator_table(summary))


def overlap_text(layer: dict[str, Any]) -> str:
    """How a layer departs from a clean partition, in words: split, double-covered or left out."""
    n = layer["units_in_several_areas"]
    parts = []
    if n:
        if layer["kind"] == "cover":
            parts.append(f"{n} double-covered" if layer["max_areas_per_unit"] == 2 else f"{n} in 2+ areas")
        else:
            parts.append(f"{n} split")
    if layer["units_outside"]:
        parts.append(f"{layer['units_outside']} outside")
    return ", ".join(parts) or "none"


def _layer_table(summary: dict[str, Any]) -> Table:
    table = Table(title="Service layers", title_justify="left",
                  caption="overlap: units split between areas, in two areas, or in none", caption_justify="left")
    table.add_column("layer", no_wrap=True)
    table.add_column("name", min_width=10, overflow="fold")
    table.add_column("kind", no_wrap=True)
    table.add_column("vintage", min_width=8, overflow="fold")
    table.add_column("areas", justify="right", no_wrap=True)
    table.add_column("units in", justify="right", no_wrap=True)
    table.add_column("overlap", min_width=9, overflow="fold")
    for lay in summary["layers"]:
        table.add_row(lay["key"], lay["name"], lay["kind"], lay["vintage"], str(lay["areas"]),
                      f"{lay['units_covered']}/{summary['units']}", overlap_text(lay))
    return table


def _indicator_table(summary: dict[str, Any]) -> Table:
    table = Table(title="Indicators", title_justify="left")
    table.add_column("key", no_wrap=True)
    table.add_column("name")
    table.add_column("year")
    table.add_column("higher is", no_wrap=True)
    table.add_column("coverage", justify="right", no_wrap=True)
    for i in summary["indicators"]:
        table.add_row(i["key"], i["name"], i["year"], i["direction"].removeprefix("higher_is_"),
                      f"{i['coverage']}/{summary['units']}")
    return table


def register(app: typer.Typer) -> None:
    app.command("info")(info)

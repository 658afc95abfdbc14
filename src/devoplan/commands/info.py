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
    summary = summarise(load_geography(geography))
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    render(summary, Console())


def render(summary: dict[str, Any], console: Console) -> None:
    console.print(f"[bold]{summary['name']}[/]: {summary['units']} units, "
                  f"{summary['population']:,} residents")
    layers = Table(title="Service layers", title_justify="left")
    for col in ("layer", "name", "kind", "areas", "units covered", "units in 2+ areas"):
        layers.add_column(col, justify="right" if col in ("areas", "units covered", "units in 2+ areas") else "left")
    for lay in summary["layers"]:
        layers.add_row(lay["key"], lay["name"], lay["kind"], str(lay["areas"]), str(lay["units_covered"]),
                       str(lay["units_in_several_areas"]))
    console.print(layers)
    adj = summary["adjacency"]
    console.print(f"Adjacency: {adj['border_edges']} shared-border pairs, {len(adj['links'])} explicit links")
    for link in adj["links"]:
        console.print(f"  link {link['a']} - {link['b']}: {link['note']}")
    if adj["isolated_without_links"]:
        console.print(f"  without links these units would be cut off: {', '.join(adj['isolated_without_links'])}")
    if summary["indicators"]:
        ind = Table(title="Indicators", title_justify="left")
        for col in ("key", "name", "year", "unit", "direction", "coverage"):
            ind.add_column(col)
        for i in summary["indicators"]:
            ind.add_row(i["key"], i["name"], i["year"], i["unit"], i["direction"],
                        f"{i['coverage']}/{summary['units']}")
        console.print(ind)


def register(app: typer.Typer) -> None:
    app.command("info")(info)

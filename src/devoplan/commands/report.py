"""`devoplan report`: re-render report.html from saved outputs (plan, allocations, metrics)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from devoplan.geography.loader import load_geography
from devoplan.report.build import check_out, render_from_files


def report(
    plan: Annotated[Path, typer.Option("--plan", help="Plan CSV (LAD24CD,area_code,area_name) or plan GeoJSON.")],
    allocations: Annotated[Path | None, typer.Option("--allocations",
                                                     help="allocations.csv from devoplan fund or demo.")] = None,
    metrics: Annotated[list[Path] | None, typer.Option(
        "--metrics", help="metrics.json from devoplan demo or design, or summary.json from devoplan fund "
                          "(repeat to combine).")] = None,
    ensemble: Annotated[Path | None, typer.Option(
        "--ensemble", help="A devoplan ensemble --out folder: adds where the plan falls among valid plans.")] = None,
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write (.html).")] = Path("report.html"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite --out even if it is not a report devoplan "
                                                        "wrote.")] = False,
    geography: Annotated[Path | None, typer.Option("--geography", "-g",
                                                   help="A geography directory (default: England 2024).")] = None,
) -> None:
    """Render a self-contained HTML report from a plan and, optionally, its allocations and metrics."""
    check_out(out, force=force)  # before loading anything
    geo = load_geography(geography)
    path = render_from_files(plan, allocations, metrics, out, geography=geo, force=force, ensemble=ensemble)
    Console().print(f"[bold]Report:[/] {path} ({path.stat().st_size / 1e6:.1f} MB)")


def register(app: typer.Typer) -> None:
    app.command("report")(report)

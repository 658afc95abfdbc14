"""``devoplan data build``: derive the England bundle from the official source files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

data_app = typer.Typer(help="Build geography bundles from official data.", no_args_is_help=True)
console = Console(highlight=False)


@data_app.command("build")
def build(
    source: Annotated[Path, typer.Option("--source", help="Directory of official files (layout of ../shared/data).")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output bundle directory (default: the packaged England 2024 bundle)."),
    ] = None,
) -> None:
    """Build the England 2024 bundle (docs/data-format.md) from SOURCE, replacing OUT atomically."""
    from devoplan.build import DEFAULT_OUT, build_bundle
    from devoplan.build.bundle import STEPS

    target = out if out is not None else DEFAULT_OUT
    with Progress(
        TextColumn("{task.description:<12}"), BarColumn(), TimeElapsedColumn(), console=console, transient=True
    ) as bar:
        task = bar.add_task("starting", total=len(STEPS))

        def step(name: str) -> None:
            done = STEPS.index(name) if name in STEPS else 0
            bar.update(task, description=name, completed=done)

        report = build_bundle(source, target, progress=step)
        bar.update(task, completed=len(STEPS))

    files = Table(title=f"Bundle written to {report.out}")
    files.add_column("file")
    files.add_column("bytes", justify="right")
    for name, size in report.sizes.items():
        files.add_row(name, f"{size:,}")
    files.add_row("[bold]total[/bold]", f"[bold]{report.total_bytes:,}[/bold]")
    console.print(files)
    facts = Table(title="Facts")
    facts.add_column("fact")
    facts.add_column("value", justify="right")
    for key, value in report.facts.items():
        facts.add_row(key, value)
    console.print(facts)


@data_app.command("outcomes")
def outcomes(
    source: Annotated[Path, typer.Option("--source", help="Directory of official files (layout of ../shared/data).")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output directory (default: the packaged outcomes bundle)."),
    ] = None,
) -> None:
    """Build the outcomes bundle (indicators by district, published values, neighbour sets) from SOURCE."""
    from devoplan.build.outcomes import OUTCOMES_OUT, build_outcome_bundle

    target = out if out is not None else OUTCOMES_OUT
    sizes = build_outcome_bundle(source, target)
    console.print(f"outcomes bundle written to {target}: "
                  + ", ".join(f"{name} {size:,} B" for name, size in sizes.items()))


def register(app: typer.Typer) -> None:
    """Attach the ``data`` command group."""
    app.add_typer(data_app, name="data")

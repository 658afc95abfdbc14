"""`devoplan demo`: the whole story for England in one command (what `make demo` runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from devoplan.pipeline import DEFAULT_DRAWS, DEFAULT_TIME_LIMIT, STEPS, DemoOptions, DemoResult, StepEvent, run_demo

MEASURES: dict[str, str] = {
    "coterminosity@ICB": "coterminosity with ICBs",
    "coterminosity@LEP": "coterminosity with LEPs",
    "split_layer_areas@ICB": "ICBs cut",
    "split_layer_areas@LEP": "LEPs cut",
}
STEP_TITLES: dict[str, str] = {
    "load": "Load the England geography",
    "audit": "Audit today's patchwork",
    "design": "Design commissioning areas",
    "fund": "Fund the four-year settlement",
    "compare": "Compare with today's layers",
    "report": "Write the report and files",
}


def demo(
    out: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path("out"),
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds for the optimiser.")] = DEFAULT_TIME_LIMIT,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same plan).")] = 0,
    areas: Annotated[int, typer.Option("--areas", help="Number of commissioning areas.")] = 38,
    draws: Annotated[int, typer.Option("--draws", help="Monte Carlo draws for funding sensitivity.")] = DEFAULT_DRAWS,
) -> None:
    """Audit today's layers, design areas, fund them, compare, and write out/report.html."""
    opts = DemoOptions(out=out, time_limit=time_limit, seed=seed, areas=areas, draws=draws)
    console = Console()
    result = _run_with_progress(opts, console)
    render_summary(result, console)


def _run_with_progress(opts: DemoOptions, console: Console) -> DemoResult:
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[note]}"),
               TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        tasks: dict[str, TaskID] = {s: bar.add_task(STEP_TITLES[s], total=1.0, note="", start=False) for s in STEPS}

        def on_event(e: StepEvent) -> None:
            task = tasks[e.step]
            if e.state == "start":
                bar.start_task(task)
            bar.update(task, completed=e.fraction, note=e.message)
            if e.state == "done":
                bar.stop_task(task)

        return run_demo(opts, progress=on_event)


def render_summary(result: DemoResult, console: Console) -> None:
    """A short table of the headline figures, then where the files are."""
    s: dict[str, Any] = result.summary
    table = Table(title="Proposed plan against today's geographies", title_justify="left")
    align = s.get("alignment", {})
    columns = list(next(iter(align.values())).keys()) if align else []
    table.add_column("measure")
    for c in columns:
        table.add_column(c.removeprefix("Today's ").replace("Proposed plan", "Plan"), justify="right")
    for metric, values in align.items():
        table.add_row(MEASURES.get(metric, metric), *[_num(values[c]) for c in columns])
    console.print(table)
    console.print(f"{s['areas']} areas, {s['population_min']:,}–{s['population_max']:,} residents each; "
                  f"objective {s['objective']:.4f}" +
                  (f", gap to bound {s['gap_to_bound']:.1%}" if s.get("gap_to_bound") is not None else ""))
    console.print("Governance: " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in s["governance"].items()))
    years = s["years"]
    console.print(f"Funding: £{s['to_areas'][years[0]] / 1e9:,.1f}bn to areas in {years[0]} "
                  f"(£{s['per_head'][years[0]]:,.0f} per head) → £{s['to_areas'][years[-1]] / 1e9:,.1f}bn "
                  f"in {years[-1]}")
    total = sum(result.timings.values())
    console.print(f"Steps took {total:.0f}s: " + ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items()))
    console.print(f"[bold]Report:[/] {result.report}")


def _num(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.3f}"


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)

"""`devoplan demo`: the whole story for England in one command (what `make demo` runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from devoplan.governance.classify import STATUS_WORDS
from devoplan.pipeline import (
    DEFAULT_DRAWS,
    DEFAULT_TIME_LIMIT,
    STEPS,
    DemoOptions,
    DemoResult,
    Headline,
    StepEvent,
    run_demo,
)
from devoplan.report.layerwords import ECONOMIC, HEALTH, areas_word

MEASURES: dict[str, str] = {
    f"coterminosity@{HEALTH}": f"coterminosity with the {areas_word(HEALTH)}",
    f"coterminosity@{ECONOMIC}": f"coterminosity with the {areas_word(ECONOMIC)}",
    f"split_layer_areas@{HEALTH}": f"{areas_word(HEALTH)} split between areas",
    f"split_layer_areas@{ECONOMIC}": f"{areas_word(ECONOMIC)} split between areas",
}
STEP_TITLES: dict[str, str] = {
    "load": "Load the England geography",
    "audit": "Audit today's patchwork",
    "design": "Design commissioning areas",
    "fund": "Fund the four-year settlement",
    "compare": "Compare with today's layers",
    "report": "Write the report and files",
}


TIME_HELP = ("Search budget in seconds, run as a fixed amount of work (same seed, same plan); the exact model "
             "then proves the plan optimal or improves it.")


def demo(
    out: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path("out"),
    time_limit: Annotated[float, typer.Option("--time-limit", help=TIME_HELP)] = DEFAULT_TIME_LIMIT,
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
    """What a reader needs from the run: how the plan lines up, what it rests on, where the files are."""
    s = result.summary
    table = Table(title="Proposed plan against today's geographies (coterminosity: 1 = the same map)",
                  title_justify="left")
    align = s.alignment
    columns = list(next(iter(align.values())).keys()) if align else []
    table.add_column("measure")
    for c in columns:
        table.add_column(c.removeprefix("Today's ").replace("Proposed plan", "Plan").replace(" areas", "s"),
                         justify="right")
    for metric, values in align.items():
        table.add_row(MEASURES.get(metric, metric), *[_num(values[c]) for c in columns])
    console.print(table)
    for line in summary_lines(s):
        console.print(line, highlight=False)
    total = sum(result.timings.values())
    console.print(f"Steps took {total:.0f}s: " + ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items()),
                  highlight=False)
    console.print(f"Files in {result.out}: " + ", ".join(sorted({p.name if p.parent == result.out else
                                                                   f"{p.parent.name}/*{p.suffix}"
                                                                   for p in result.files.values()})),
                  highlight=False)
    console.print(f"[bold]Open the report:[/] {result.report}")


def summary_lines(s: Headline) -> list[str]:
    """The headline figures as sentences (each only when its figures are present)."""
    lines = []
    lo, hi = s.bounds
    areas = (f"{s.areas} areas of {s.population_min:,}–{s.population_max:,} residents"
             + (f" (allowed {lo:,.0f}–{hi:,.0f})" if lo is not None and hi is not None else ""))
    if s.today_health_economic is not None:
        areas += (f"; today the {areas_word(HEALTH)} and the {areas_word(ECONOMIC)} have a coterminosity of "
                  f"{s.today_health_economic:.3f} with each other")
    lines.append(areas + ".")
    if s.gap_to_bound is not None:
        lines.append(optimiser_line(s))
    lines.append("Who would run them: " + "; ".join(f"{n} {STATUS_WORDS.get(k, k.replace('_', ' '))}"
                                                   for k, n in sorted(s.governance.items(), key=lambda x: -x[1]))
                 + ".")  # the report's own words, so terminal and report agree
    if s.bodies is not None:
        b = s.bodies
        lines.append(f"Commissioning bodies: {b.before} today ("
                     + ", ".join(f"{n} {k}" for k, n in b.by_family.items())
                     + f") → {b.after} single commissioning bodies; roadmap to {s.roadmap_end}.")
    years = s.years
    money = (f"Funding: £{s.to_areas[years[0]] / 1e9:,.1f}bn to areas in {years[0]} "
             f"(£{s.per_head[years[0]]:,.0f} per head) → £{s.to_areas[years[-1]] / 1e9:,.1f}bn in {years[-1]}")
    w = s.winners
    if w is not None:
        money += (f"; by {w.year} {w.n_winners} areas grow faster than England's "
                  f"{w.national_cash_growth_pct:.1f}% and {w.n_losers} slower")
    if s.baseline_assumed:
        money += " (against an assumed baseline: devoplan holds no spending by area)"
    elif s.baseline_assumed_lines:
        money += (" (baselines are today's money; assumed for " + ", ".join(s.baseline_assumed_lines)
                  + ", which have no data by area)")
    lines.append(money + ".")
    return lines


def _num(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.3f}"


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def optimiser_line(s: Headline) -> str:
    """The optimiser's evidence: proven optimal, or the lower bound, which kind it is, and the gap to it."""
    line = f"Optimiser: objective {s.objective:.3f} (lower is better)"
    bound, gap = s.lower_bound or 0.0, s.gap_to_bound or 0.0
    if s.proven_optimal:
        line += (f", proven optimal by the exact model: no plan meeting the same constraints scores lower "
                 f"(lower bound {bound:.3f}, gap 0.0%).")
    elif s.bound_kind == "exact model":
        line += (f"; the exact model's LP (Lagrangian) lower bound is {bound:.3f}, so a better plan "
                 f"could improve it by at most {gap:.1%} (it does not say one exists).")
    else:
        line += (f"; the term-wise relaxation's lower bound is {bound:.3f} (the exact model was "
                 f"skipped), so a better plan could improve it by at most {gap:.1%} "
                 "(the bound may be loose).")
    if s.improved_by_mip is not None and s.improved_by_mip > 0 and s.search_objective is not None:
        line += f" The exact model improved on the local search's plan, which scored {s.search_objective:.3f}."
    return line

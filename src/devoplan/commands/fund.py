"""`devoplan fund`: needs-based, multi-year block grants for a plan or a layer.

Writes ``allocations.csv`` (one row per year, line and area, plus ``all`` lines) and
``summary.json`` (control totals, top-slices, need indices, winners and losers, sensitivity,
every assumption) into ``--out`` atomically, and prints a table of the areas.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich import box
from rich.console import Console
from rich.table import Table

from devoplan.errors import DevoplanError
from devoplan.fileio import check_out_dir, output_set
from devoplan.funding import FundingResult, default_spec_path, fund, load_spec
from devoplan.funding.output import write_allocations_csv, write_summary_json
from devoplan.geography.loader import load_geography
from devoplan.planio import read_plan

MAX_ROWS = 50


def fund_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for allocations.csv and summary.json.")],
    plan: Annotated[Path | None, typer.Option("--plan", help="A plan CSV (unit code -> area).")] = None,
    layer: Annotated[str | None, typer.Option("--layer", help="Allocate to a layer's areas, e.g. ICB.")] = None,
    spec: Annotated[Path | None, typer.Option("--spec", help="Formula spec TOML (default: shipped).")] = None,
    years: Annotated[str | None, typer.Option("--years", help="e.g. 2026/27-2029/30 (default: spec).")] = None,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="Baseline CSV code,line,amount.")] = None,
    draws: Annotated[int, typer.Option("--draws", help="Monte Carlo draws for sensitivity (0: none).")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the Monte Carlo.")] = 0,
    geography: Annotated[Path | None, typer.Option("--geography", "-g",
                                                   help="A geography directory (default: England 2024).")] = None,
) -> None:
    """Compute block grants per area and year from a needs-based formula, with pace of change."""
    if (plan is None) == (layer is None):
        raise DevoplanError("give exactly one of --plan FILE or --layer KEY")
    check_out_dir(out)
    console = Console()
    if not console.is_terminal:  # piped or captured: do not squeeze the table into 80 columns
        console = Console(width=140)
    formula = load_spec(spec if spec is not None else default_spec_path())
    with console.status("loading the geography and the plan"):  # a spinner on terminals only
        geo = load_geography(geography)
        target = read_plan(plan, geo) if plan is not None else str(layer)
    with console.status(f"allocating {len(formula.lines)} service lines"
                        + (f" and running {draws:,} Monte Carlo draws" if draws else "")):
        result = fund(geo, target, formula, years=years, baseline=baseline, draws=draws, seed=seed)
    write_outputs(result, out)
    render(result, console)
    console.print(f"wrote {out / 'allocations.csv'} and {out / 'summary.json'}")


def write_outputs(result: FundingResult, out: Path) -> None:
    """Write both files to a temporary directory inside ``out``, then move them into place."""
    check_out_dir(out)
    try:
        _write(result, out)
    except OSError as exc:
        raise DevoplanError(f"{out}: cannot write the outputs ({exc.strerror or exc})") from None


def _write(result: FundingResult, out: Path) -> None:
    with output_set(out) as tmp:
        write_allocations_csv(result, tmp / "allocations.csv")
        write_summary_json(result, tmp / "summary.json")


def render(result: FundingResult, console: Console) -> None:
    """Areas by gain in the last year: need index, baseline, allocation, per head, change."""
    last = result.years[-1]
    alloc = result.total_allocation()[-1] / 100.0
    target = result.total_target()[-1] / 100.0
    base = result.total_baseline() / 100.0
    gains = result.gains()[-1]
    index = result.need_index()
    order = np.argsort(-gains, kind="stable")
    rows = list(order) if len(order) <= MAX_ROWS else [*order[:10], *order[-10:]]
    assumed = result.summary["baseline"]["lines_assumed"]
    note = f"; {len(assumed)} of {len(result.lines)} lines have no data by area, so their baseline is assumed" \
        if assumed else ""
    title = (f"Block grants {result.years[0]} to {last} ({result.areas.title}, all lines; "
             f"baseline {result.lines[0].base_year}: what the areas receive today{note})")
    caption = (f"{last}: £/head allocated; vs target = allocation against the formula's target; growth = cash "
               f"growth on the {result.lines[0].base_year} baseline; gain = allocation minus the baseline grown "
               "at the national rate")
    if result.sensitivity is not None:
        caption += "; p5-p95 and winner in (share of draws growing faster than nationally) from the Monte Carlo"
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, caption=caption + ".",
                  caption_justify="left")
    cols = ["area", "need index", "£/head",  "vs target", "growth", "gain £m"]
    sens = result.sensitivity
    if sens is not None:
        cols += ["£/head p5-p95", "winner in"]
    table.add_column(cols[0], no_wrap=True, overflow="ellipsis", max_width=30)
    for c in cols[1:]:
        table.add_column(c, justify="right", no_wrap=True)
    for i in rows:
        cells = [_short(result.areas.area_names[i]), f"{index[i]:.3f}",
                 f"{alloc[i] / result.population[i]:,.0f}",
                 f"{(alloc[i] / target[i] - 1) * 100:+.1f}%", f"{(alloc[i] / base[i] - 1) * 100:+.1f}%",
                 f"{gains[i] / 1e6:+,.0f}"]
        if sens is not None:
            cells += [f"{sens.per_head_p5[-1, i]:,.0f}-{sens.per_head_p95[-1, i]:,.0f}",
                      f"{sens.winner_frequency[-1, i]:.0%}"]
        table.add_row(*cells)
    console.print(table)
    if len(order) > MAX_ROWS:
        console.print(f"(top and bottom 10 of {len(order)} areas by gain; all are in allocations.csv)")
    n_assumed = len(result.summary["assumptions"])
    console.print(f"{n_assumed} assumptions (spec figures and baseline) are listed in summary.json.")


def _short(name: str) -> str:
    """Drop the words every ICB name shares so the table fits a terminal."""
    for word in ("NHS ", " Integrated Care Board"):
        name = name.replace(word, "")
    return name


def register(app: typer.Typer) -> None:
    app.command("fund")(fund_command)

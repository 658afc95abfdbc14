"""`devoplan ensemble`: many valid plans by a ReCom Markov chain, and where a plan falls among them.

The constraints are the design's (same flags, same England defaults: UTLA and CAUTH25 kept whole, no area
across the Greater London boundary, bounds 0.5x..2x the mean area population); docs/ensemble.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from devoplan.commands.compare import resolve_plan
from devoplan.commands.design import options_from_flags
from devoplan.design.options import DEFAULT_AREAS, parse_groups, parse_layers, parse_locks
from devoplan.ensemble.output import ensemble_document, write_ensemble
from devoplan.ensemble.run import (
    DEFAULT_BURN_IN,
    DEFAULT_CHAINS,
    DEFAULT_PLANS,
    EnsembleOptions,
    EnsembleResult,
    ensemble,
)
from devoplan.ensemble.scoring import UNUSUAL_ABOVE, UNUSUAL_BELOW
from devoplan.errors import DevoplanError
from devoplan.geography.loader import load_geography
from devoplan.planio import read_plan


def ensemble_command(
    plans: Annotated[int, typer.Option("--plans", "-n", help="Plans in the ensemble.")] = DEFAULT_PLANS,
    start: Annotated[Path | None, typer.Option(
        "--start", help="Start every chain from this valid plan (CSV); it is also the plan compared.")] = None,
    frozen_areas: Annotated[str, typer.Option(
        "--frozen-areas", help="Area codes of --start that stay as they are in every plan.")] = "",
    compare: Annotated[str | None, typer.Option(
        "--compare", help="The plan to place in the ensemble: a plan file, a design folder or a layer key "
        "(e.g. ICB26) [the --start plan].")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same ensemble, any --workers.")] = 0,
    workers: Annotated[int, typer.Option("--workers", "-w", help="Local processes running the chains.")] = 1,
    cluster: Annotated[str | None, typer.Option(
        "--cluster", help="Run the chains on this Dask scheduler (e.g. tcp://host:8786) instead.")] = None,
    chains: Annotated[int, typer.Option("--chains", help="Independent chains (part of the result, "
                                        "unlike --workers).")] = DEFAULT_CHAINS,
    burn_in: Annotated[int, typer.Option("--burn-in", help="Steps each chain discards first.")] = DEFAULT_BURN_IN,
    thin: Annotated[int, typer.Option("--thin", help="Keep every THIN-th plan of a chain.")] = 1,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write plans.npy, metrics.csv, summary.csv, ensemble.json, ensemble.png here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON instead of a table.")] = False,
    areas: Annotated[int | None, typer.Option(
        "--areas", "-k", help=f"Number of areas [{DEFAULT_AREAS}, or the --start plan's].")] = None,
    min_pop: Annotated[int | None, typer.Option("--min-pop", help="Smallest area population [0.5 x mean].")] = None,
    max_pop: Annotated[int | None, typer.Option(
        "--max-pop", help="Largest area population [2 x mean, or the largest kept-whole block].")] = None,
    keep_whole: Annotated[str | None, typer.Option(
        "--keep-whole", help="Layers never split ('none' for none) [UTLA,CAUTH25, those the geography has].")] = None,
    do_not_cross: Annotated[str | None, typer.Option(
        "--do-not-cross", help="Layers whose boundary no area crosses ('none' lifts it) [GLA].")] = None,
    health: Annotated[list[str] | None, typer.Option("--health", help="Health layer(s) of the objective [ICB26].")
                      ] = None,
    economic: Annotated[list[str] | None, typer.Option("--economic", help="Economic layer(s) [LSIP].")] = None,
    weights: Annotated[str | None, typer.Option("--weights", help="Objective weights, as for design.")] = None,
    lock: Annotated[list[str] | None, typer.Option("--lock", help="PLACE=area-name (repeatable).")] = None,
    together: Annotated[list[str] | None, typer.Option("--together", help="A,B share an area (repeatable).")] = None,
    apart: Annotated[list[str] | None, typer.Option("--apart", help="A,B in different areas (repeatable).")] = None,
    geography: Annotated[Path | None, typer.Option(
        "--geography", "-g", help="A geography directory (default: England 2024).")] = None,
) -> None:
    """Draw an ensemble of valid plans and show where a plan falls in every metric's distribution."""
    ens = EnsembleOptions(plans=plans, chains=chains, burn_in=burn_in, thin=thin)
    if cluster is not None and workers > 1:
        raise DevoplanError("give --workers (local processes) or --cluster (a Dask scheduler), not both")
    if out is not None:
        from devoplan.design.output import check_out_dir

        check_out_dir(out)
    geo = load_geography(geography)
    start_plan = read_plan(start, geo) if start is not None else None
    if areas is None and start_plan is not None:
        areas = start_plan.n_areas
    given: dict[str, object] = {
        "areas": areas, "min_pop": min_pop, "max_pop": max_pop,
        "health": parse_layers(health) if health else None, "economic": parse_layers(economic) if economic else None,
        "do_not_cross": parse_layers(do_not_cross) if do_not_cross is not None else None,
        "keep_whole": parse_layers(keep_whole) if keep_whole is not None else None,
    }
    fixed: dict[str, object] = {
        "locks": parse_locks(lock or []), "together": parse_groups(together or [], "together"),
        "apart": tuple((a, b) for a, b in parse_groups(apart or [], "apart", pairs=True)), "start": start_plan,
        "frozen_areas": parse_layers(frozen_areas), "compute_bound": False,
    }
    opts = options_from_flags(geo, given, fixed, weights)
    compared = (compare, resolve_plan(geo, compare)) if compare is not None else None
    if not as_json:
        Console(stderr=True).print(f"drawing {plans:,} plans in {len(ens.shares())} chains ...", highlight=False)
    result = ensemble(geo, opts, ens, seed=seed, compare=compared, workers=workers, cluster=cluster)
    files = write_ensemble(geo, result, out, also=chart) if out is not None else []
    if as_json:
        typer.echo(json.dumps(ensemble_document(geo, result), indent=2, ensure_ascii=False))
    else:
        render(result, Console())
    if files:
        Console(stderr=as_json).print(f"wrote {', '.join(str(f) for f in files)}", highlight=False)


def chart(folder: Path) -> Path:
    """ensemble.png: the report's histograms of the headline metrics, the compared plan marked."""
    from devoplan.report.document import EnsembleSummary
    from devoplan.report.ensemble import ensemble_figure, read_ensemble
    from devoplan.report.figures import save_png

    return save_png(ensemble_figure(EnsembleSummary.from_json(read_ensemble(folder))), folder / "ensemble.png")


def render(result: EnsembleResult, console: Console) -> None:
    """Headline figures, then every metric that varies (or where the compared plan stands apart)."""
    steps = sum(s.steps for s in result.chain_stats)
    moved = sum(s.moved for s in result.chain_stats)
    console.print(
        f"[bold]{result.n_plans:,} plans[/] ({result.distinct_plans:,} distinct) of {result.design_options.areas} "
        f"areas from {len(result.chain_stats)} chains, seed {result.seed}; {steps:,} steps, {moved:,} changed the "
        f"plan; bounds {result.min_pop:,}..{result.max_pop:,}; {result.elapsed:.1f} s ({result.engine})")
    label = result.compare_label
    title = "Metrics over the ensemble" + (f", and where '{label}' falls (%ile: its percentile)" if label else "")
    table = Table(title=title, title_justify="left")
    for col in ("metric", "5%", "median", "95%", *(("plan", "%ile") if label else ())):
        if col == "metric":
            table.add_column(col, overflow="fold", ratio=1)
        else:
            table.add_column(col, justify="right", no_wrap=True, min_width=7)
    hidden = 0
    for s in result.summary:
        if not s.varies and not s.unusual:
            hidden += 1
            continue
        row = [s.metric, *(_num(v) for v in (s.p05, s.median, s.p95))]
        if label:
            pct = "–" if s.percentile is None else f"{s.percentile:.1f}"
            row += [_num(s.plan_value), f"[bold red]{pct}[/]" if s.unusual else pct]
        table.add_row(*row)
    console.print(table)
    notes = [f"{hidden} metrics are the same in every plan and not shown (all in --json and summary.csv)"]
    if label:
        unusual = sum(s.unusual for s in result.summary)
        notes.append(f"'{label}' lies outside the middle 95% ({UNUSUAL_BELOW:g}..{UNUSUAL_ABOVE:g} percentile, "
                     f"in red) on {unusual} of {len(result.summary)} metrics")
    for note in notes:
        console.print(note, highlight=False)


def _num(value: float | None) -> str:
    """At most eight characters: 0.8123, 12.5000, 743,290, 2.973M."""
    if value is None or value != value:
        return "–"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.3f}M"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4f}"


def register(app: typer.Typer) -> None:
    app.command("ensemble")(ensemble_command)

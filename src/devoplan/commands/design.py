"""`devoplan design`: draw k coterminous commissioning areas and write plan, map and metrics.

Defaults (documented in docs/design.md): 38 areas; health layer ICB26 (the 2026 ICBs), economic layer
LSIP (local skills improvement plan areas), splitting either costing three times nesting it (split
weight 0.75); UTLA and CAUTH25 (or a custom geography's CAUTH) kept whole and no area crossing the
Greater London boundary (GLA) (those of them the geography has); needs weight 0; population
bounds 0.5x..2x the mean area population, the upper bound raised to the largest kept-whole block if
that is bigger; 30 s search budget, then the exact model (docs/design.md), which on England proves
the plan optimal; seed 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from devoplan.design.api import DesignResult, design
from devoplan.design.options import (
    DEFAULT_AREAS,
    DEFAULT_BOUND_SECONDS,
    DEFAULT_ECONOMIC,
    DEFAULT_HEALTH,
    DEFAULT_KEEP_WHOLE_IF_PRESENT,
    DEFAULT_TIME_LIMIT,
    DEFAULT_WALL_GUARD,
    DesignOptions,
    parse_groups,
    parse_layers,
    parse_locks,
    parse_weights,
)
from devoplan.design.output import check_out_dir, write_outputs
from devoplan.design.scenarios import SCENARIOS, ScenarioOptions, scenario_options
from devoplan.design.search import Progress as SearchProgress
from devoplan.errors import DevoplanError
from devoplan.geography.loader import load_geography
from devoplan.geography.model import Geography
from devoplan.planio import read_plan
from devoplan.report.document import bound_facts

NO_BOUND_HELP = "Skip the exact model and the lower bound (search only)."
WALL_GUARD_HELP = (f"Stop the search after this many times --time-limit of wall clock on a slow or loaded "
                   f"machine (metrics.json then says stopped_by 'time'); 'inf': never, so the same seed always "
                   f"gives the same plan [{DEFAULT_WALL_GUARD:g}].")
BOUND_SECONDS_HELP = (f"Wall-clock budget in seconds of the bound by column generation, used where the feasible "
                      f"areas are too many to list (e.g. --areas 20, --keep-whole none); more seconds, a tighter "
                      f"bound and often a better plan [{DEFAULT_BOUND_SECONDS:g}].")
TIME_HELP = ("Search budget in seconds, a fixed amount of work (same seed, same plan); the exact model "
             "(bound, proof of optimality or a better plan) runs after it.")


def design_command(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output directory (plan.csv, metrics.json; areas.geojson with shapes).")
    ],
    areas: Annotated[
        int | None, typer.Option("--areas", "-k", help=f"Number of areas [{DEFAULT_AREAS}, or the scenario's].")
    ] = None,
    scenario: Annotated[
        str | None, typer.Option("--scenario", help=f"A preset: {', '.join(SCENARIOS)} (docs/design.md); "
                                 "options given beside it replace the preset's.")
    ] = None,
    min_pop: Annotated[
        int | None, typer.Option("--min-pop", help="Smallest area population, residents [0.5 x mean area population].")
    ] = None,
    max_pop: Annotated[
        int | None,
        typer.Option(
            "--max-pop", help="Largest area population, residents [2 x mean, or the largest kept-whole block]."),
    ] = None,
    health: Annotated[list[str] | None, typer.Option("--health", help="Health layer(s) to align with [ICB26].")] = None,
    economic: Annotated[
        list[str] | None, typer.Option("--economic", help="Economic layer(s) to align with [LSIP].")
    ] = None,
    police: Annotated[
        list[str] | None, typer.Option("--police", help="Police layer(s) to align with, e.g. PFA [none].")
    ] = None,
    split_weight: Annotated[
        float | None, typer.Option("--split-weight", help="Share of an alignment term on not splitting layer areas; "
                            "the rest on not merging them (0.5 = coterminosity) [0.75].")
    ] = None,
    keep_whole: Annotated[
        str | None,
        typer.Option(
            "--keep-whole",
            help="Layers never split, comma-separated ('none' for none) [UTLA,CAUTH25, those the geography has].",
        ),
    ] = None,
    do_not_cross: Annotated[
        str | None,
        typer.Option(
            "--do-not-cross",
            help="Layers whose boundary no area crosses ('none' lifts it) [GLA, if the geography has it].",
        ),
    ] = None,
    keep_whole_soft: Annotated[
        str, typer.Option("--keep-whole-soft", help="Layers kept whole if possible (penalty: weight 'identity').")
    ] = "",
    weights: Annotated[
        str | None,
        typer.Option("--weights", help="e.g. health=1,economic=1,police=1,needs=0,compact=0.5,balance=0.5,identity=1"),
    ] = None,
    indicators: Annotated[
        str | None, typer.Option("--indicators", help="Needs indicators, comma-separated (default: all).")
    ] = None,
    lock: Annotated[list[str] | None, typer.Option(
        "--lock", help="PLACE=area-name: a district or layer area (code or name) in that area (repeatable).")] = None,
    together: Annotated[list[str] | None, typer.Option(
        "--together", help="A,B share an area; codes or names (repeatable).")] = None,
    apart: Annotated[list[str] | None, typer.Option(
        "--apart", help="A,B in different areas; codes or names (repeatable).")] = None,
    start: Annotated[Path | None, typer.Option("--start", help="Improve this plan (CSV).")] = None,
    frozen_areas: Annotated[
        str, typer.Option("--frozen-areas", help="Area codes of --start that may not change.")
    ] = "",
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same output.")] = 0,
    time_limit: Annotated[float, typer.Option("--time-limit", help=TIME_HELP)] = DEFAULT_TIME_LIMIT,
    no_bound: Annotated[bool, typer.Option("--no-bound", help=NO_BOUND_HELP)] = False,
    wall_guard: Annotated[float, typer.Option("--wall-guard", help=WALL_GUARD_HELP)] = DEFAULT_WALL_GUARD,
    bound_seconds: Annotated[
        float, typer.Option("--bound-seconds", help=BOUND_SECONDS_HELP)
    ] = DEFAULT_BOUND_SECONDS,
    geography: Annotated[
        Path | None, typer.Option("--geography", "-g", help="A geography directory (default: England 2024).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display or summary.")] = False,
) -> None:
    """Design coterminous commissioning areas out of districts."""
    check_out_dir(out)
    geo = load_geography(geography)
    start_plan = read_plan(start, geo) if start is not None else None
    given: dict[str, object] = {
        "areas": areas, "min_pop": min_pop, "max_pop": max_pop, "split_weight": split_weight,
        "health": parse_layers(health) if health else None, "economic": parse_layers(economic) if economic else None,
        "police": parse_layers(police) if police else None,
        "do_not_cross": parse_layers(do_not_cross) if do_not_cross is not None else None,
        "keep_whole": parse_layers(keep_whole) if keep_whole is not None else None,
    }
    fixed: dict[str, object] = {
        "keep_whole_soft": parse_layers(keep_whole_soft),
        "needs_indicators": parse_layers(indicators) if indicators else None,
        "locks": parse_locks(lock or []),
        "together": parse_groups(together or [], "together"),
        "apart": tuple((a, b) for a, b in parse_groups(apart or [], "apart", pairs=True)),
        "start": start_plan, "frozen_areas": parse_layers(frozen_areas),
        "time_limit": time_limit, "compute_bound": not no_bound, "wall_guard": wall_guard,
        "bound_seconds": bound_seconds,
    }
    explicit = {k: v for k, v in given.items() if v is not None}
    if scenario is not None:
        chosen = _scenario(geo, scenario, explicit, fixed, weights)
        opts = chosen.options
        if not quiet:
            Console(stderr=True).print(chosen.note, markup=False, highlight=False)
    else:
        opts = options_from_flags(geo, given, fixed, weights)
    console = Console(stderr=True)
    result = _run(geo, opts, seed, console, quiet)
    files = write_outputs(geo, result, out)
    if not quiet:
        render_summary(geo, result, Console())
        Console().print(f"wrote {', '.join(str(f) for f in files)}")


def options_from_flags(geo: Geography, given: dict[str, object], fixed: dict[str, object],
                       weights: str | None) -> DesignOptions:
    """Design options from parsed flags (``None`` in ``given``: not given) over the England defaults
    the geography has; ``devoplan ensemble`` builds its constraints the same way."""
    explicit = {k: v for k, v in given.items() if v is not None}
    return DesignOptions(**(_england_defaults(geo, explicit) | explicit | fixed  # type: ignore[arg-type]
                            | {"weights": parse_weights(weights)}))


def _scenario(geo: Geography, name: str, explicit: dict[str, object], fixed: dict[str, object],
              weights: str | None) -> ScenarioOptions:
    """A scenario's options with the flags given on the command line on top."""
    if name not in SCENARIOS:
        raise DevoplanError(f"--scenario '{name}' is not one of {', '.join(SCENARIOS)}")
    base = SCENARIOS[name].make(geo)
    extra = explicit | {k: v for k, v in fixed.items() if k != "together" or v}
    if "together" in extra:  # a scenario's groups (icb26) and the user's both hold
        extra["together"] = (*base.together, *fixed["together"])  # type: ignore[misc]
    return scenario_options(geo, name, **extra, weights=parse_weights(weights, base.weights))


def _england_defaults(geo: Geography, explicit: dict[str, object]) -> dict[str, object]:
    """The England defaults of the layers no flag names, checked against the geography."""
    out: dict[str, object] = {"keep_whole": _keep_whole(geo, None)}
    for key, default in (("health", DEFAULT_HEALTH), ("economic", DEFAULT_ECONOMIC)):
        if key not in explicit:
            out[key] = _default_layer(geo, default, f"--{key}")
    return out


def _default_layer(geo: Geography, default: tuple[str, ...], option: str) -> tuple[str, ...]:
    """England's default layer, or a one-line error saying which option names the geography's own."""
    missing = [key for key in default if key.upper() not in {k.upper() for k in geo.layers}]
    if missing:
        raise DevoplanError(f"the default {option} layer {missing[0]} is not in geography '{geo.name}'; "
                            f"name one of its layers with {option} ({', '.join(geo.layers)})")
    return default


def _keep_whole(geo: Geography, text: str | None) -> tuple[str, ...]:
    """The named layers, or by default those of UTLA and CAUTH25 (or CAUTH) the geography has."""
    if text is not None:
        return parse_layers(text)
    return tuple(key for key in DEFAULT_KEEP_WHOLE_IF_PRESENT if key in geo.layers)


def _run(geo: Geography, opts: DesignOptions, seed: int, console: Console, quiet: bool) -> DesignResult:
    if quiet:
        return design(geo, opts, seed=seed)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("best objective {task.fields[best]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("designing", total=1.0, best="-")

        def report(p: SearchProgress) -> None:
            bar.update(task, completed=p.bar_fraction, best=p.best_text(), description=p.phase)

        return design(geo, opts, seed=seed, progress=report)


def render_summary(geo: Geography, result: DesignResult, console: Console) -> None:
    """A readable account: headline figures, every area with its governance, constraint checks."""
    pops = result.populations(geo)
    plan = result.plan
    console.print(
        f"[bold]{plan.n_areas} areas[/] from {geo.n_units} districts ({result.n_blocks} blocks), "
        f"population bounds {result.min_pop:,}..{result.max_pop:,}"
    )
    terms = ", ".join(f"{k} {v:.4f}" for k, v in result.terms.items() if result.weights.get(k, 0) > 0)
    console.print(f"objective {result.objective:.5f} (start {result.start_objective:.5f}); terms: {terms}")
    if result.bound is not None:
        console.print(bound_line(result))
    console.print(
        f"search: {result.stats.evaluations:,} evaluations, {result.stats.accepted:,} accepted, "
        f"stopped by {result.stats.stopped_by}, {result.search_seconds:.1f} s; "
        f"exact model and metrics {result.elapsed - result.search_seconds:.1f} s"
    )
    for note in result.bridges:
        console.print(f"note: {note}")
    table = Table(title="Areas", title_justify="left")
    for col, just in (("code", "left"), ("name", "left"), ("population", "right"), ("districts", "right"),
                      ("governance", "left"), ("body", "left"), ("mayor", "left")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for a, code in enumerate(plan.area_codes):
        g = result.governance[a]
        mayor = "yes" if g.mayor else ("unknown" if g.body and g.status.endswith("combined_authority") else "")
        table.add_row(code, plan.area_names[a], f"{int(pops[a]):,}", str(int((plan.assignment == a).sum())),
                      g.status.replace("_", " "), g.body or "", mayor)
    console.print(table)
    checks = result.checks
    console.print(
        "checks: " + ("[green]all hard constraints hold[/]" if checks["ok"] else f"[red]FAILED[/] {checks}")
        + " (k areas, contiguity, bounds, kept-whole, do-not-cross, locks, together/apart, frozen)"
    )
    console.print("plausibility (read off the plan, docs/design.md):", markup=False)
    for line in result.plausibility.lines():
        console.print(line, markup=False, highlight=False)


def bound_line(result: DesignResult) -> str:
    """One line on the evidence: proven optimal, or the bound, its kind and the gap."""
    bound = result.bound
    assert bound is not None
    facts = bound_facts(bound.to_dict(result.objective))  # what the report says of the same bound
    by_mip = (f"; the exact model improved the searched plan ({facts.search_objective:.5f})"
              if facts.mip_improved else "")
    if bound.proven_optimal:
        return f"[green]proven optimal[/] by the exact model (lower bound {bound.value:.5f}, gap 0.0%{by_mip})"
    kind = "exact model" if facts.exact else f"term-wise relaxation; {facts.exact_model_note or ''}"
    if "bridges_assumed" in bound.details:
        kind += ", over plans that keep the bridges noted below"
    return (f"lower bound {bound.value:.5f} ({kind}, see docs/design.md); "
            f"gap {100 * bound.gap(result.objective):.2f}%{by_mip}")


def register(app: typer.Typer) -> None:
    app.command("design")(design_command)

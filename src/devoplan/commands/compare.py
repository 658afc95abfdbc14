"""`devoplan compare PLAN PLAN [...]`: plans side by side (measures, governance readiness, funding per area)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from devoplan.compare import PlanComparison, compare_plans
from devoplan.errors import DevoplanError, InputError
from devoplan.geography.loader import load_geography
from devoplan.geography.model import Geography
from devoplan.governance.classify import STATUS_WORDS
from devoplan.plan import Plan

# Governance readiness in a few words, for a table column.
SHORT_STATUS: dict[str, str] = {
    "existing_combined_authority": "existing CA", "extend_combined_authority": "extend a CA",
    "merge_combined_authorities": "merge CAs", "new_combined_authority": "new CA needed",
    "single_unitary": "one unitary", "single_county": "one county",
}
PLANS_HELP = ("Two or more plans: a plan CSV or GeoJSON, a `devoplan design` output folder (its plan.csv), "
              "or a layer key such as ICB for today's map.")


def compare(
    plans: Annotated[list[str], typer.Argument(help=PLANS_HELP, show_default=False)],
    label: Annotated[list[str] | None, typer.Option(
        "--label", help="A label for each plan, in order (default: the folder or file name, or the layer).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON instead of tables.")] = False,
    report: Annotated[Path | None, typer.Option(
        "--report", help="Also write an HTML report of the first plan with every plan side by side.")] = None,
    spec: Annotated[Path | None, typer.Option("--spec", help="Funding spec (TOML); default: the shipped spec.")] = None,
    geography: Annotated[Path | None, typer.Option("--geography", "-g",
                                                   help="A geography directory (default: England 2024).")] = None,
) -> None:
    """Put two or more plans side by side: measures, who could run each area, and funding per area."""
    if label and len(label) != len(plans):
        raise DevoplanError(f"--label given {len(label)} times for {len(plans)} plans; give one per plan or none")
    if report is not None:
        from devoplan.report.build import check_out

        check_out(report)
    geo = load_geography(geography)
    named = [(label[i] if label else default_label(text), resolve_plan(geo, text)) for i, text in enumerate(plans)]
    from devoplan.funding import load_spec

    funding_spec = load_spec(spec) if spec is not None else None
    result = compare_plans(geo, named, spec=funding_spec)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_tables(result, Console())
    if report is not None:
        from devoplan.report.build import write_scenarios_report

        path = write_scenarios_report(geo, named[0][1], result, report, spec=funding_spec)
        Console(stderr=as_json).print(f"[bold]Report:[/] {path}")


def resolve_plan(geography: Geography, text: str) -> Plan:
    """A plan file, a design output folder (its plan.csv), or a layer key of the geography."""
    from devoplan.planio import read_plan

    path = Path(text)
    if path.is_dir():
        if not (path / "plan.csv").is_file():
            raise InputError("is a folder without a plan.csv (give a plan file or a design output folder)",
                             file=path)
        return read_plan(path / "plan.csv", geography)
    if path.exists() or text.endswith((".csv", ".geojson", ".json")):
        return read_plan(path, geography)
    keys = {k.upper(): k for k in geography.layers}
    if text.upper() in keys:
        return Plan.from_layer(geography, keys[text.upper()])
    raise InputError(f"not a plan file, a design output folder, nor a layer key ({', '.join(geography.layers)})",
                     file=path)


def default_label(text: str) -> str:
    """'out/strategic/plan.csv' -> 'strategic'; 'out/strategic' -> 'strategic'; 'ICB' -> 'ICB'."""
    path = Path(text)
    if path.name == "plan.csv" and path.parent.name:
        return path.parent.name
    return path.stem if path.suffix else path.name or text


def print_tables(result: PlanComparison, console: Console) -> None:
    """Headline measures, governance, funding totals, then each plan's areas."""
    labels = list(result.labels)
    table = _table("Measures (docs/metrics.md)", ["measure", *labels])
    for metric, words, values in result.headline():
        table.add_row(words or metric, *(_num(v) for v in values))
    console.print(table)
    statuses = sorted({s for p in result.plans for s in p.governance})
    table = _table("Who could run the areas (governance readiness)", ["areas that ...", *labels])
    for s in statuses:
        table.add_row(STATUS_WORDS.get(s, s), *(str(p.governance.get(s, 0)) for p in result.plans))
    console.print(table)
    years = result.plans[0].years
    table = _table(f"Funding, {years[0]} (default spec, no sensitivity draws)", ["", *labels])
    table.add_row("areas", *(str(p.n_areas) for p in result.plans))
    table.add_row("to areas", *(f"£{p.to_areas[0] / 1e9:,.1f}bn" for p in result.plans))
    table.add_row("per head", *(f"£{p.per_head[0]:,.0f}" for p in result.plans))
    table.add_row("per head, lowest–highest area",
                  *(f"£{p.per_head_range[0]:,.0f}–£{p.per_head_range[1]:,.0f}" for p in result.plans))
    console.print(table)
    for p in result.plans:
        first, last = p.years[0], p.years[-1]
        table = _table(f"{p.label}: {p.n_areas} areas, funded in {first} (£m, £ per head, distance from target) "
                       f"and {last} (£ per head)", ["name", "residents", "governance", "£m", "£/head", "later",
                                                    "vs target"])
        for a in p.areas:
            table.add_row(f"{a.code} {a.name}", f"{a.population:,}", SHORT_STATUS.get(a.governance, a.governance),
                          f"{a.allocation_first / 1e6:,.0f}", f"{a.per_head_first:,.0f}", f"{a.per_head_last:,.0f}",
                          f"{a.distance_first_pct:+.1f}%")
        console.print(table)


def _table(title: str, columns: list[str]) -> Table:
    table = Table(title=title, title_justify="left")
    for i, c in enumerate(columns):
        left = i == 0 or c == "governance"
        table.add_column(c, justify="left" if left else "right", no_wrap=i > 0, min_width=24 if i == 0 else None)
    return table


def _num(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:.3f}"


def register(app: typer.Typer) -> None:
    app.command("compare")(compare)

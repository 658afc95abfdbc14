"""`devoplan pbr SPEC.toml [--design] [--json]`: whom an outcome contract serves, and prices that park no one."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from devoplan.jsonio import dumps
from devoplan.markets import example_spec_path, load_pbr_spec, pbr_document
from devoplan.markets.pbr import PbrResult, evaluate
from devoplan.markets.price_design import DesignResult, design_prices


def pbr_command(
    spec: Annotated[Path | None, typer.Argument(
        help="Payment-by-results spec TOML (default: the shipped Work Programme example).")] = None,
    design: Annotated[bool, typer.Option("--design", help="Design per-group prices that park no group, "
                                                          "and compare them with flat prices.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
) -> None:
    """Model a profit-seeking provider under outcome prices: who is served, outcomes, spend, parking."""
    the_spec = load_pbr_spec(spec if spec is not None else example_spec_path())
    if as_json:
        typer.echo(dumps(pbr_document(the_spec, design)), nl=False)
        return
    console = Console() if Console().is_terminal else Console(width=150)
    console.print(f"[bold]{the_spec.name}[/] ({the_spec.path})")
    if not design:
        render_groups(evaluate(the_spec), console)
        console.print("Run with --design for prices that park no group.")
        return
    result = design_prices(the_spec)
    render_groups(result.current, console)
    render_groups(result.designed, console)
    render_comparison(result, console)


def _money(value: float) -> str:
    return "-" if math.isnan(value) else f"£{value:,.0f}"


def render_groups(result: PbrResult, console: Console) -> None:
    """One row per group: prices, the provider's choice and what follows."""
    table = Table(title=f"{result.label}: the provider's choice by group", title_justify="left",
                  box=box.SIMPLE_HEAD)
    for col in ("group", "size", "£/outcome", "attach £", "£ to serve all", "served", "parking", "outcomes",
                "spend", "provider margin"):
        table.add_column(col, justify="left" if col == "group" else "right", no_wrap=True)
    for g in result.groups:
        style = "red" if g.parking_index >= 0.5 else ("yellow" if g.parking_index > 0 else "")
        table.add_row(g.name, f"{g.size:,.0f}", f"{g.outcome_price:,.0f}", f"{g.attachment_fee:,.0f}",
                      f"{g.break_even_price:,.0f}", f"[{style}]{g.served_share:.0%}[/]" if style else
                      f"{g.served_share:.0%}", f"{g.parking_index:.2f}", f"{g.outcomes:,.1f}", _money(g.spend),
                      _money(g.provider_margin))
    table.add_row("all", f"{result.size:,.0f}", "", "", "", f"{1 - result.parking_index:.0%}",
                  f"{result.parking_index:.2f}", f"{result.outcomes:,.1f}", _money(result.spend),
                  _money(result.provider_margin), style="bold")
    console.print(table)


def render_comparison(result: DesignResult, console: Console) -> None:
    """Spec, designed and flat prices side by side."""
    goal = (f"most outcomes for £{result.budget:,.0f}" if result.budget is not None
            else f"least spend reaching {result.target_outcomes:,.1f} outcomes")
    table = Table(title=f"Price designs ({goal}; at most {result.max_parking:.0%} of any group unserved; "
                        f"HiGHS: {result.solver_status})", title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("prices", "outcomes", "spend", "£/outcome", "£/extra outcome", "parking index", "parked groups"):
        table.add_column(col, justify="left" if col in ("prices", "parked groups") else "right")
    rows = [result.current, result.designed, result.flat_same_budget]
    if result.flat_same_outcomes is not None:
        rows.append(result.flat_same_outcomes)
    for r in rows:
        flat = r.groups[0].outcome_price if r.label.startswith("flat") else None
        label = r.label + (f" (£{flat:,.0f})" if flat is not None else "")
        table.add_row(label, f"{r.outcomes:,.1f}", _money(r.spend), _money(r.spend_per_outcome),
                      _money(r.spend_per_additional_outcome), f"{r.parking_index:.3f}",
                      ", ".join(r.parked()) or "none")
    console.print(table)
    console.print("parked = at least half the group unserved; £/extra outcome = spend over the outcomes the "
                  "service added (outcomes minus those that happen anyway).")


def register(app: typer.Typer) -> None:
    app.command("pbr")(pbr_command)

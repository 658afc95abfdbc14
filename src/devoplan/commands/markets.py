"""`devoplan markets [--plan PLAN | --layer KEY] [--json]`: market health per area."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from devoplan.errors import DevoplanError
from devoplan.geography.loader import load_geography
from devoplan.jsonio import dumps
from devoplan.markets.health import AreaMarket, MarketHealth, market_health
from devoplan.planio import read_plan


def markets_command(
    plan: Annotated[Path | None, typer.Option("--plan", help="A plan CSV or GeoJSON (unit code -> area).")] = None,
    layer: Annotated[str | None, typer.Option("--layer", help="A layer's areas, e.g. ICB (default: ICB).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
    geography: Annotated[Path | None, typer.Option("--geography", "-g",
                                                   help="A geography directory (default: England 2024).")] = None,
) -> None:
    """Market health per area: APMS (contestable) share of GP patients, payments per patient, concentration."""
    if plan is not None and layer is not None:
        raise DevoplanError("give --plan FILE or --layer KEY, not both")
    geo = load_geography(geography)
    target = read_plan(plan, geo) if plan is not None else (layer or "ICB")
    result = market_health(geo, target)
    if as_json:
        typer.echo(dumps(result.as_dict()), nl=False)
        return
    console = Console() if Console().is_terminal else Console(width=150)
    render(result, console)


def _pct(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1%}"


def _row(a: AreaMarket) -> list[str]:
    return [a.name, f"{a.practices:,.0f}", f"{a.registered_patients:,.0f}", _pct(a.apms_share),
            _pct(a.open_ended_share), "-" if math.isnan(a.payments_per_weighted_patient)
            else f"£{a.payments_per_weighted_patient:,.2f}", "-" if math.isnan(a.hhi) else f"{a.hhi:,.0f}"]


def render(result: MarketHealth, console: Console) -> None:
    """Areas from the most to the least contestable."""
    table = Table(title=f"GP market health by area ({result.label}; NHS Payments to General Practice 2022-23)",
                  title_justify="left", box=box.SIMPLE_HEAD,
                  caption="APMS = time-limited, competed contracts; GMS/PMS = open-ended. HHI on registered "
                          "patients over practices (0-10,000; a lower bound, as owners of several practices "
                          "are not identified).", caption_justify="left")
    for col in ("area", "practices", "patients", "APMS share", "GMS/PMS share", "£/weighted patient", "HHI"):
        table.add_column(col, justify="left" if col == "area" else "right", no_wrap=col != "area")
    for a in sorted(result.areas, key=lambda a: (-(0 if math.isnan(a.apms_share) else a.apms_share), a.code)):
        table.add_row(*_row(a))
    table.add_row(*_row(result.england), style="bold")
    console.print(table)
    if result.practices_without_area:
        console.print(f"{result.practices_without_area} practices have no district and are in no area.")


def register(app: typer.Typer) -> None:
    app.command("markets")(markets_command)

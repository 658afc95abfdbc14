"""`devoplan markets [--plan PLAN | --layer KEY] [--contracts PATH] [--json]`: market health per area;
`devoplan contracts PATH [--aliases CSV] [--review CSV] [--json]`: the contract registry and where it is."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich import box
from rich.console import Console
from rich.table import Table

from devoplan import fileio
from devoplan.csvcells import neutralise
from devoplan.errors import DevoplanError
from devoplan.geography.loader import load_geography
from devoplan.geography.model import Geography
from devoplan.jsonio import dumps
from devoplan.markets.document import contracts_document
from devoplan.markets.health import AreaMarket, MarketHealth, market_health
from devoplan.markets.indigo import load_registry
from devoplan.markets.places import PlacedRegistry, place_registry
from devoplan.planio import read_plan

GEOGRAPHY_HELP = "A geography directory (default: England 2024)."
ALIASES_HELP = "CSV place,codes resolving delivery locations the name matching could not place."


def markets_command(
    plan: Annotated[Path | None, typer.Option("--plan", help="A plan CSV or GeoJSON (unit code -> area).")] = None,
    layer: Annotated[str | None, typer.Option("--layer", help="A layer's areas, e.g. ICB (default: ICB).")] = None,
    contracts: Annotated[Path | None, typer.Option(
        "--contracts", help="A contract registry: a folder of INDIGO CSV tables or a registry .json.")] = None,
    aliases: Annotated[Path | None, typer.Option("--aliases", help=ALIASES_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
    geography: Annotated[Path | None, typer.Option("--geography", "-g", help=GEOGRAPHY_HELP)] = None,
) -> None:
    """Market health per area: APMS (contestable) share of GP patients, payments per patient, concentration,
    and outcome contracts and their payments when a registry is given."""
    if plan is not None and layer is not None:
        raise DevoplanError("give --plan FILE or --layer KEY, not both")
    if aliases is not None and contracts is None:
        raise DevoplanError("--aliases places the contracts of --contracts: give --contracts too")
    geo = load_geography(geography)
    placed = _placed(geo, contracts, aliases) if contracts is not None else None
    target = read_plan(plan, geo) if plan is not None else (layer or "ICB")
    result = market_health(geo, target, placed)
    if as_json:
        typer.echo(dumps(result.as_dict()), nl=False)
        return
    console = Console() if Console().is_terminal else Console(width=170)
    render(result, console)


def _placed(geo: Geography, contracts: Path, aliases: Path | None) -> PlacedRegistry:
    return place_registry(geo, load_registry(contracts), aliases=aliases)


def _pct(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1%}"


def _row(a: AreaMarket, with_contracts: bool) -> list[str]:
    row = [a.name, f"{a.practices:,.0f}", f"{a.registered_patients:,.0f}", _pct(a.apms_share),
           _pct(a.open_ended_share), "-" if math.isnan(a.payments_per_weighted_patient)
           else f"£{a.payments_per_weighted_patient:,.2f}", "-" if math.isnan(a.hhi) else f"{a.hhi:,.0f}"]
    if with_contracts:
        row += [f"{a.outcome_contracts:,}", f"£{a.outcome_paid_gbp / 1e6:,.2f}m", f"£{a.outcome_max_gbp / 1e6:,.2f}m"]
    return row


def render(result: MarketHealth, console: Console) -> None:
    """Areas from the most to the least contestable."""
    with_contracts = result.contracts is not None
    table = Table(title=f"GP market health by area ({result.label}; NHS Payments to General Practice 2022-23)",
                  title_justify="left", box=box.SIMPLE_HEAD,
                  caption="APMS = time-limited, competed contracts; GMS/PMS = open-ended. HHI on registered "
                          "patients over practices (0-10,000; a lower bound, as owners of several practices "
                          "are not identified)." + (" Outcome payments: actual payments recorded, and the "
                                                    "maximum potential, shared by residents." if with_contracts
                                                    else ""), caption_justify="left")
    columns = ["area", "practices", "patients", "APMS share", "GMS/PMS share", "£/weighted patient", "HHI"]
    columns += ["outcome contracts", "outcome paid", "outcome max"] if with_contracts else []
    for col in columns:
        table.add_column(col, justify="left" if col == "area" else "right", no_wrap=col != "area")
    for a in sorted(result.areas, key=lambda a: (-(0 if math.isnan(a.apms_share) else a.apms_share), a.code)):
        table.add_row(*_row(a, with_contracts))
    table.add_row(*_row(result.england, with_contracts), style="bold")
    console.print(table)
    if result.practices_without_area:
        console.print(f"{result.practices_without_area} practices have no district and are in no area.")
    s = result.contracts
    if s is not None:
        console.print(f"Contracts: {s.contracts} in the registry, {s.placed} placed in an area; {s.review} delivery "
                      f"locations need review (devoplan contracts {s.source} --review FILE). {s.attribution}")


def contracts_command(
    registry: Annotated[Path, typer.Argument(help="A folder of INDIGO CSV tables or a registry .json.")],
    aliases: Annotated[Path | None, typer.Option("--aliases", help=ALIASES_HELP)] = None,
    review: Annotated[Path | None, typer.Option("--review", help="Write the review list to this CSV.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the placed registry as JSON (devoplan report "
                                                         "--metrics reads it).")] = False,
    geography: Annotated[Path | None, typer.Option("--geography", "-g", help=GEOGRAPHY_HELP)] = None,
) -> None:
    """The contract registry: each contract's places matched to districts, and the review list."""
    geo = load_geography(geography)
    placed = _placed(geo, registry, aliases)
    if review is not None:
        write_review(placed, review)
    if as_json:
        typer.echo(dumps(contracts_document(placed)), nl=False)
        return
    render_contracts(placed, Console() if Console().is_terminal else Console(width=170), review)


def review_frame(placed: PlacedRegistry) -> pd.DataFrame:
    """The review list as a table, one row per delivery location not placed with certainty."""
    names = {c.contract.id: c.contract.name for c in placed.contracts}
    return pd.DataFrame([{"contract_id": r.contract_id, "contract": names[r.contract_id], "place": r.place,
                          "status": r.status, "placed_in": "; ".join(r.matched), "note": r.note, "codes": ""}
                         for r in placed.review],
                        columns=["contract_id", "contract", "place", "status", "placed_in", "note", "codes"])


def write_review(placed: PlacedRegistry, path: Path) -> Path:
    """The review list as CSV (whole or not at all); fill in ``codes`` and use it as an alias file."""
    frame = review_frame(placed).map(lambda v: neutralise(v) if isinstance(v, str) else v)
    return fileio.write_atomic(Path(path), lambda tmp: frame.to_csv(tmp, index=False))


def render_contracts(placed: PlacedRegistry, console: Console, review: Path | None) -> None:
    table = Table(title=f"Outcome contracts ({placed.registry.source})", title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("contract", "stage", "sector", "start", "outcome paid", "max outcome payment", "districts"):
        table.add_column(col, justify="left" if col in ("contract", "stage", "sector") else "right")
    for c in placed.contracts:
        k = c.contract
        table.add_row(k.name, k.stage, k.sector, k.start or "-", f"£{k.paid_gbp():,.0f}",
                      "-" if k.max_outcome_payment_gbp is None else f"£{k.max_outcome_payment_gbp:,.0f}",
                      f"{len(c.footprint)}" if c.footprint else "not placed")
    console.print(table)
    console.print(f"{placed.placed} of {len(placed.contracts)} contracts placed in at least one district; "
                  f"{len(placed.review)} delivery locations need review"
                  + (f" (written to {review})." if review else " (--review FILE writes them as CSV)."))
    for note in placed.registry.notes:
        console.print(f"Note: {note}")
    if placed.registry.attribution:
        console.print(placed.registry.attribution)


def register(app: typer.Typer) -> None:
    app.command("markets")(markets_command)
    app.command("contracts")(contracts_command)

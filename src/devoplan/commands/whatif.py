"""`devoplan whatif PLAN --move DISTRICT=AREA [...]`: what moving districts changes, in one table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from devoplan.commands.compare import PLANS_HELP, resolve_plan
from devoplan.errors import DevoplanError
from devoplan.fileio import check_file_target
from devoplan.planio import is_plan_csv
from devoplan.session import Preview, Quantity, SessionModel

MOVE_HELP = ("DISTRICT=AREA: a district (code or name) and the area it moves to (the plan's area code or "
             "name), any case. Repeat for several moves, evaluated together.")


def parse_move(text: str, example_area: str = "A01") -> tuple[str, str]:
    """``'West Lancashire=A02'`` -> ``('West Lancashire', 'A02')``; ``example_area`` (one of the plan's
    area codes) goes into the usage hint."""
    district, sep, area = text.partition("=")
    if not sep or not district.strip() or not area.strip():
        raise DevoplanError(f"--move '{text}': give DISTRICT=AREA, e.g. --move 'West Lancashire={example_area}'")
    return district.strip(), area.strip()


def whatif(
    plan: Annotated[str, typer.Argument(help=PLANS_HELP.replace("Two or more plans", "A plan"), show_default=False)],
    move: Annotated[list[str], typer.Option("--move", "-m", help=MOVE_HELP, show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print before, after and delta as JSON.")] = False,
    save: Annotated[Path | None, typer.Option("--save", help="Write the plan after the moves to this CSV (a new file "
                                              "or a plan CSV; --force to overwrite anything else).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Let --save overwrite a file that is not a plan CSV.")] = False,
    spec: Annotated[Path | None, typer.Option("--spec", help="Funding spec (TOML); default: the shipped spec.")] = None,
    no_funding: Annotated[bool, typer.Option(
        "--no-funding", help="Leave funding out (a geography without money tables).")] = False,
    geography: Annotated[Path | None, typer.Option("--geography", "-g",
                                                   help="A geography directory (default: England 2024).")] = None,
) -> None:
    """What changes if districts move: objective terms, alignment with every layer, the touched areas'
    residents, contiguity and first-year funding, and kept-whole areas split."""
    from devoplan.geography.loader import load_geography

    if save is not None:  # before any work: a bad path fails now, not after the evaluation
        check_file_target(save, what="the plan", kind="CSV", field="save", example="out/plan-edited.csv",
                          suffixes=(".csv",), ours=is_plan_csv, force=force)
    geo = load_geography(geography)
    start = resolve_plan(geo, plan)
    moves = [parse_move(m, start.area_codes[0]) for m in move]
    session = SessionModel.build(geo, spec=spec, areas=start.n_areas, funding=not no_funding).session(start)
    result = session.apply(moves)
    if save is not None:
        from devoplan.planio import write_plan_csv

        write_plan_csv(session.plan, save)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_preview(result, Console())
    if save is not None:
        Console(stderr=as_json).print(f"[bold]Plan after the moves:[/] {save}")


def print_preview(p: Preview, console: Console) -> None:
    """Moves, objective terms, layers, touched areas, kept-whole splits and any broken design rule."""
    for m in p.moves:
        stay = " (already there: this move changes nothing)" if m.from_area == m.to_area else ""
        console.print(f"[bold]{m.district_name}[/] ({m.district}): {m.from_area} -> {m.to_area}{stay}")
    table = _table("Design objective (lower is better; docs/design.md)", ["term"])
    table.add_row("[bold]weighted total[/]", *_cells(p.objective, "{:.4f}"))
    for key, q in p.terms.items():
        table.add_row(key, *_cells(q, "{:.4f}"))
    console.print(table)
    table = _table("Alignment with each layer (coterminosity; docs/metrics.md)", ["layer"])
    for layer in p.alignment:
        table.add_row(layer.key, *_cells(layer.coterminosity, "{:.2%}"))
    console.print(table)
    funded = f"funding {p.year}, all lines" if p.year else "no funding"
    table = Table(title=f"Touched areas ({funded})", title_justify="left")
    table.add_column("")
    for a in p.areas:
        table.add_column(f"{a.code}\n{a.name}", justify="right", max_width=30)
    rows = [("districts", lambda a: _arrow(a.districts, "{:,}")),
            ("residents", lambda a: _arrow(a.population, "{:,}")),
            ("within bounds", lambda a: "yes" if a.within_bounds() else f"no ({a.min_pop:,}..{a.max_pop:,})"),
            ("pieces", lambda a: _arrow(a.pieces, "{}"))]
    if p.year:
        rows += [("£m", lambda a: _arrow(a.allocation, "{:,.1f}", scale=1e-6)),
                 ("£m change", lambda a: f"{a.allocation.delta / 1e6:+,.2f}"),
                 ("£ per head", lambda a: _arrow(a.per_head, "{:,.0f}")),
                 ("need index", lambda a: _arrow(a.need_index, "{:.3f}"))]
    for label, cell in rows:
        table.add_row(label, *(cell(a) for a in p.areas))
    console.print(table)
    for a in p.areas:
        if a.pieces_after:
            console.print(f"{a.name} ({a.code}) falls into pieces: " +
                          "; ".join(", ".join(piece) for piece in a.pieces_after))
    for s in p.splits:
        if s.newly_split or s.rejoined:
            words = [f"split {', '.join(s.label(c) for c in s.newly_split)}"] if s.newly_split else []
            words += [f"rejoined {', '.join(s.label(c) for c in s.rejoined)}"] if s.rejoined else []
            console.print(f"{s.key} ({'kept whole' if s.hard else 'soft keep-whole'}): {'; '.join(words)}")
    for problem in p.problems:
        console.print(f"[yellow]warning:[/] {problem}")


def _table(title: str, first: list[str]) -> Table:
    table = Table(title=title, title_justify="left")
    for i, c in enumerate([*first, "before", "after", "change"]):
        table.add_column(c, justify="left" if i == 0 else "right")
    return table


def _cells(q: Quantity, fmt: str) -> list[str]:
    delta = q.delta
    sign = "+" if delta > 0 else ""
    return [fmt.format(q.before), fmt.format(q.after), sign + fmt.format(delta) if delta else "0"]


def _arrow(q: Quantity, fmt: str, scale: float | None = None) -> str:
    b, a = (q.before, q.after) if scale is None else (q.before * scale, q.after * scale)
    before, after = fmt.format(b), fmt.format(a)
    return after if before == after else f"{before} -> {after}"


def register(app: typer.Typer) -> None:
    app.command("whatif")(whatif)

"""`devoplan roadmap`: who would run each area, what it replaces, and a phased roadmap to get there.

``devoplan roadmap [--plan PLAN | --layer KEY] [--spec ROADMAP.toml] [--json] [--out DIR]`` funds the plan with the
default spec (for the cabinet budgets and distances from target), builds the governance model and the
roadmap, prints them (or the JSON), and with ``--out`` writes ``roadmap.json``, ``governance.csv``,
``roadmap.csv`` and ``tracker.csv`` atomically. ``devoplan roadmap status TRACKER`` says what is late.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich import box
from rich.console import Console
from rich.table import Table

from devoplan.design.naming import clean_name
from devoplan.errors import DevoplanError
from devoplan.fileio import check_out_dir, staged_outputs
from devoplan.geography.loader import load_geography
from devoplan.geography.model import Geography
from devoplan.governance.assess import Assessment, Money, assess
from devoplan.governance.facts import TIER_WORDS
from devoplan.governance.roadmap import AreaRoadmap
from devoplan.governance.tracker import late, milestones, read_tracker, write_tracker
from devoplan.jsonio import finite
from devoplan.plan import Plan

app = typer.Typer(help="Single commissioning bodies and the devolution roadmap.", no_args_is_help=False,
                  invoke_without_command=True)


@app.callback()
def roadmap_command(
    ctx: typer.Context,
    plan: Annotated[Path | None, typer.Option("--plan", help="A plan CSV or GeoJSON (default: design the "
                                                            "default plan, as `devoplan design` does).")] = None,
    layer: Annotated[str | None, typer.Option("--layer", help="Use a layer's areas as the plan, e.g. ICB, PFA, "
                                                             "CAUTH25 (districts outside a partial layer stand "
                                                             "alone).")] = None,
    spec: Annotated[Path | None, typer.Option("--spec", help="Roadmap TOML (default: the shipped 17-year "
                                                            "roadmap).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the governance model and roadmap as JSON.")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write roadmap.json, governance.csv, roadmap.csv "
                                                                "and tracker.csv here.")] = None,
    adopt_mayor: Annotated[bool, typer.Option("--adopt-mayor", help="Assume every area adopts a directly "
                                                                   "elected mayor.")] = False,
    geography: Annotated[Path | None, typer.Option("--geography", "-g",
                                                   help="A geography directory (default: England).")] = None,
) -> None:
    """Governance model and phased roadmap for a plan (subcommand `status` tracks milestones)."""
    if ctx.invoked_subcommand is not None:
        return
    if plan is not None and layer is not None:
        raise DevoplanError("give --plan FILE or --layer KEY, not both")
    if out is not None:
        check_out_dir(out)
    console = Console(stderr=as_json)
    if not console.is_terminal:  # piped or captured: do not squeeze the table into 80 columns
        console = Console(stderr=as_json, width=160)
    geo = load_geography(geography)
    the_plan = Plan.from_layer(geo, layer) if layer is not None else _plan(geo, plan, console)
    from devoplan.funding import fund

    with console.status("funding the plan (default spec)"):
        money = Money.from_funding(fund(geo, the_plan, draws=0))
    result = assess(geo, the_plan, money=money, spec=spec, adopt_mayor=adopt_mayor)
    if out is not None:
        write_outputs(result, out)
    if as_json:
        sys.stdout.write(json.dumps(finite(result.to_dict()), indent=1, ensure_ascii=False) + "\n")
    else:
        render(result, console)
    if out is not None:
        console.print(f"wrote {', '.join(str(out / n) for n in OUTPUTS)}")


def _plan(geo: Geography, path: Path | None, console: Console) -> Plan:
    if path is not None:
        from devoplan.planio import read_plan

        return read_plan(path, geo)
    from devoplan.design.api import design
    from devoplan.design.options import DesignOptions

    with console.status("no --plan given: designing the default plan (as `devoplan design` does)"):
        return design(geo, DesignOptions(), seed=0).plan


OUTPUTS: tuple[str, ...] = ("roadmap.json", "governance.csv", "roadmap.csv", "tracker.csv")


def write_outputs(result: Assessment, out: Path) -> None:
    """All four files or none (written to a temporary folder in ``out``, then moved)."""
    try:
        with staged_outputs(out, ".roadmap-") as tmp:
            (tmp / "roadmap.json").write_text(json.dumps(finite(result.to_dict()), indent=1, ensure_ascii=False)
                                              + "\n", encoding="utf-8")
            governance_frame(result).to_csv(tmp / "governance.csv", index=False)
            roadmap_frame(result).to_csv(tmp / "roadmap.csv", index=False)
            write_tracker(milestones(result.roadmap), tmp / "tracker.csv")
    except OSError as exc:
        raise DevoplanError(f"{out}: cannot write the outputs ({exc.strerror or exc})") from None


def governance_frame(result: Assessment) -> pd.DataFrame:
    """One row per area: candidate body, tiers, leader, bodies before, running costs, portfolio budgets."""
    rows = []
    for a in result.model.areas:
        g, c = a.governance, a.cabinet
        row: dict[str, object] = {
            "area_code": a.code, "area_name": a.name, "population": a.population, "status": g.status,
            "body": g.body or "", "body_code": g.body_code or "", "mayor": "" if g.mayor is None else g.mayor,
            "tier_today": g.tier_today, "tier_reachable": g.tier_reachable, "leadership": g.leadership,
            "bodies_before": a.simplification.before, "running_cost": round(a.simplification.running_cost, 2),
        }
        row |= {f"bodies_{f.family}": f.touching for f in a.simplification.families}
        row |= {f"budget_{p.line}": round(p.budget, 2) for p in c.portfolios}
        rows.append(row)
    return pd.DataFrame(rows)


def roadmap_frame(result: Assessment) -> pd.DataFrame:
    """One row per area and phase: years (blank when skipped), years waited and why."""
    return pd.DataFrame([{"area_code": a.code, "area_name": a.name, "phase": p.phase, "phase_name": p.name,
                          "service_lines": " ".join(p.service_lines), "start_year": p.start, "end_year": p.end,
                          "waited_years": p.waited, "reasons": "; ".join(p.reasons)}
                         for a in result.roadmap.areas for p in a.phases]).astype({"start_year": "Int64",
                                                                                  "end_year": "Int64"})


def render(result: Assessment, console: Console) -> None:
    """The national count, then one line per area: body, tier today and reachable, leader, years."""
    s = result.model.simplification
    console.print(f"[bold]Commissioning bodies: {s.before} today → {s.after} after[/] "
                  f"({', '.join(f'{f.touching} {f.family}' for f in s.national)}; {s.split_bodies} of today's "
                  f"bodies are split between areas)", highlight=False)
    costed = s.areas[0].running_cost_families if s.areas else ()
    if costed:
        console.print(f"Running-cost allowances put in one place: £{s.running_cost / 1e6:,.0f}m a year "
                      f"({', '.join(costed)}; the other bodies are not costed: see roadmap.json)", highlight=False)
    table = Table(box=box.SIMPLE_HEAD, title=f"Roadmap: {result.roadmap.spec.name}", title_justify="left")
    for col in ("area", "candidate body", "tier today", "could reach", "leader", "bodies", "years", "held back by"):
        table.add_column(col, no_wrap=col in ("years", "bodies"), max_width=60 if col == "held back by" else 30)
    for a, r in zip(result.model.areas, result.roadmap.areas, strict=True):
        g = a.governance
        years = f"{r.start}–{r.end}" + (" (past horizon)" if r.beyond_horizon else "")
        table.add_row(clean_name(a.name), (g.body or g.status.replace("_", " ")), g.tier_today.replace("_", " "),
                      g.tier_reachable.replace("_", " "), g.leadership.replace("_", " "),
                      str(a.simplification.before), years, ", ".join(held_back(r)))
    console.print(table)
    console.print("Tiers: " + "; ".join(f"{k.replace('_', ' ')} = {v}" for k, v in TIER_WORDS.items()),
                  highlight=False)


def held_back(area: AreaRoadmap) -> list[str]:
    """The criteria an area does not meet (each once), from its phases' reasons."""
    out: dict[str, None] = {}
    for p in area.phases:
        for reason in p.reasons:
            out[reason.split(": not ", 1)[-1]] = None
    return list(out)


@app.command("status")
def status_command(
    tracker: Annotated[Path, typer.Argument(help="A tracker.csv written by `devoplan roadmap --out`.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="The day to judge on, YYYY-MM-DD (default: "
                                                              "today).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the late milestones as JSON.")] = False,
) -> None:
    """Say which milestones are late: not done by their due date, or done after it."""
    day = _day(as_of)
    items = read_tracker(tracker)
    overdue = late(items, day)
    if as_json:
        sys.stdout.write(json.dumps({"as_of": day.isoformat(), "milestones": len(items), "late": [
            {"area_code": x.milestone.area_code, "area_name": x.milestone.area_name, "phase": x.milestone.phase,
             "due": x.milestone.due.isoformat(), "status": x.milestone.status, "kind": x.kind, "days": x.days}
            for x in overdue]}, indent=1) + "\n")
        return
    console = Console() if sys.stdout.isatty() else Console(width=160)
    done = sum(m.status == "done" for m in items)
    console.print(f"{len(items)} milestones on {day.isoformat()}: {done} done, {len(overdue)} late", highlight=False)
    if not overdue:
        return
    table = Table(box=box.SIMPLE_HEAD)
    for col in ("area", "phase", "due", "status", "late by"):
        table.add_column(col)
    for x in overdue:
        m = x.milestone
        table.add_row(clean_name(m.area_name) or m.area_code, m.phase_name or m.phase, m.due.isoformat(),
                      m.status if x.kind == "overdue" else f"done {m.date}", f"{x.days} days")
    console.print(table)


def _day(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise DevoplanError(f"--as-of must be a date YYYY-MM-DD, got {text!r}") from None


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="roadmap")

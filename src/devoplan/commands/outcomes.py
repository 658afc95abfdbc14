"""`devoplan outcomes`: the postcode lottery on any map, benchmarked against England.

Prints one line per indicator (England, the best and worst area, how many areas are significantly
better or worse); ``--json`` prints the full result; ``--out DIR`` writes ``outcomes.json`` and
``outcomes.csv`` atomically.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich import box
from rich.console import Console
from rich.table import Table

from devoplan.csvcells import neutralise
from devoplan.errors import DevoplanError
from devoplan.fileio import check_out_dir, staged_outputs
from devoplan.geography.loader import load_geography
from devoplan.jsonio import dumps, write_json
from devoplan.outcomes import OutcomesResult, areas_for, load_outcomes, outcomes, result_json
from devoplan.outcomes.benchmark import NOT_COMPARED
from devoplan.outcomes.whatworks import library_json, link_to_plan, load_library
from devoplan.planio import read_plan


def outcomes_command(
    plan: Annotated[Path | None, typer.Option("--plan", help="A plan CSV (unit code -> area).")] = None,
    layer: Annotated[str | None, typer.Option("--layer", help="A layer's areas, e.g. REGION, ICB26, CAUTH25.")] = None,
    indicators: Annotated[list[str] | None, typer.Option(
        "--indicators", "-i", help="Indicator keys (repeat or comma-separate; default: all).")] = None,
    period: Annotated[str | None, typer.Option("--period", help="A period such as 2022-24 (default: latest).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write outcomes.json and outcomes.csv here.")] = None,
    data: Annotated[Path | None, typer.Option("--data", help="An outcomes directory (default: shipped).")] = None,
    whatworks: Annotated[Path | None, typer.Option(
        "--whatworks", help="A directory of what-works TOML entries (default: shipped library).")] = None,
    geography: Annotated[Path | None, typer.Option("--geography", "-g",
                                                   help="A geography directory (default: England 2024).")] = None,
) -> None:
    """Aggregate outcome indicators to a plan's areas (or a layer's) and benchmark them against England."""
    if plan is not None and layer is not None:
        raise DevoplanError("give at most one of --plan FILE or --layer KEY")
    if out is not None:
        check_out_dir(out)
    keys = [k.strip() for item in (indicators or []) for k in item.split(",") if k.strip()]
    geo = load_geography(geography)
    bundle = load_outcomes(data)
    areas = read_plan(plan, geo) if plan is not None else areas_for(geo, layer=layer or "REGION")
    label = str(plan) if plan is not None else f"layer {layer or 'REGION'}"
    library = load_library(whatworks, geo.units.codes)
    try:
        result = outcomes(bundle, geo, areas, keys, period=period, label=label)
    except DevoplanError as exc:  # name the flag the library's parameter came from
        raise DevoplanError(str(exc).replace("unknown indicator", "--indicators: unknown indicator")) from None
    doc = result_json(result)
    doc["what_works"] = library_json(library, areas)
    if out is not None:
        write_outputs(result, doc, out)
    if as_json:
        typer.echo(dumps(doc), nl=False)
        return
    console = Console(width=None if Console().is_terminal else 150)
    render(result, console)
    links = link_to_plan(library, areas)
    for entry in library:
        where = ", ".join(areas.area_names[areas.area_position(c)] for c in links[entry.id][:3])
        more = len(links[entry.id]) - 3
        where += f" and {more} more" if more > 0 else ""
        console.print(f"what works: {entry.model} ({entry.place_names}) -> {where or 'outside these areas'}")
    if out is not None:
        Console().print(f"wrote {out / 'outcomes.json'} and {out / 'outcomes.csv'}")


def write_outputs(result: OutcomesResult, doc: dict[str, Any], out: Path) -> None:
    """Both files into a staging directory inside ``out``, then moved into place together."""
    try:
        with staged_outputs(out, ".outcomes-") as tmp:
            write_json(tmp / "outcomes.json", doc)
            _write_csv(result, tmp / "outcomes.csv")
    except OSError as exc:
        raise DevoplanError(f"{out}: cannot write the outputs ({exc.strerror or exc})") from None


def _write_csv(result: OutcomesResult, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["indicator", "period", "code", "name", "value", "lci", "uci", "comparison",
                         "comparison_998", "published", "upper_tier"])
        for b in result.benchmarks:
            v = b.values
            for i, code in enumerate(v.codes):
                writer.writerow([v.indicator.key, v.period, code, neutralise(v.names[i]), _cell(v.value[i]),
                                 _cell(v.lci[i]), _cell(v.uci[i]), b.comparison[i], b.comparison_998[i],
                                 int(v.published[i]), int(v.upper_tier[i])])


def _cell(x: float) -> str:
    return f"{x:.3f}" if np.isfinite(x) else ""


def _show(x: float) -> str:
    """A value for reading: three significant figures below 10 (scores such as 0.412), else one decimal."""
    return f"{x:.3g}" if abs(x) < 10 else f"{x:,.1f}"


def render(result: OutcomesResult, console: Console) -> None:
    """One row per indicator: England, best and worst area, and counts against England (95%)."""
    table = Table(title=f"Outcomes for {result.areas.n_areas} areas ({result.label}) against England",
                  title_justify="left", box=box.SIMPLE_HEAD,
                  caption="better/worse: the area's 95% interval excludes England's value (oriented by polarity); "
                          "- : published without intervals, not compared.",
                  caption_justify="left")
    for col in ("indicator", "period", "England", "best area", "worst area", "better", "similar", "worse"):
        table.add_column(col, justify="left" if col in ("indicator", "best area", "worst area") else "right",
                         overflow="fold")
    for b in result.benchmarks:
        v, ind = b.values, b.values.indicator
        finite = np.flatnonzero(np.isfinite(v.value))
        best = worst = "-"
        if len(finite):
            order = finite[np.argsort(v.value[finite], kind="stable")]
            low, high = order[0], order[-1]
            if ind.polarity == "higher_is_worse":
                low, high = high, low
            best, worst = f"{v.names[high]} {_show(v.value[high])}", f"{v.names[low]} {_show(v.value[low])}"
            if ind.polarity == "no_judgement":
                best, worst = f"highest: {v.names[order[-1]]} {_show(v.value[order[-1]])}", \
                    f"lowest: {v.names[order[0]]} {_show(v.value[order[0]])}"
        counts = {c: sum(1 for x in b.comparison if x == c) for c in ("better", "similar", "worse", "higher", "lower")}
        compared = [str(counts["better"] + counts["higher"]), str(counts["similar"]),
                    str(counts["worse"] + counts["lower"])]
        if all(c == NOT_COMPARED for c in b.comparison):  # published without intervals
            compared = ["-", "-", "-"]
        table.add_row(f"{ind.name} ({ind.unit})", v.period, _show(b.england[0]), best, worst, *compared)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("outcomes")(outcomes_command)

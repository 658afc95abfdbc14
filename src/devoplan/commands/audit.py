"""`devoplan audit` (how today's layers line up) and `devoplan score PLAN` (a plan against every layer).

Both print Rich tables; ``--json`` prints the full result as JSON and ``--csv`` the main table as
CSV on standard output, for machines; ``--out DIR`` writes every table (JSON and CSVs) atomically.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from devoplan.csvcells import neutralise
from devoplan.errors import DevoplanError
from devoplan.fileio import output_set
from devoplan.geography.loader import load_geography
from devoplan.jsonio import dumps
from devoplan.metrics.audit import Audit, Part, audit
from devoplan.metrics.compactness import shape_stats
from devoplan.metrics.registry import score
from devoplan.metrics.scalars import ScoreOptions
from devoplan.planio import read_plan

GeographyOption = Annotated[
    Path | None,
    typer.Option("--geography", "-g", help="A geography directory (default: the bundled England 2024)."),
]
LayersOption = Annotated[
    str | None, typer.Option("--layers", help="Comma-separated layer keys (default: all), e.g. ICB,LEP,PFA.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")]
CsvOption = Annotated[bool, typer.Option("--csv", help="Print the main table as CSV.")]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="Write JSON and CSV tables to this directory.")]
PAIR_COLUMNS = ("a", "b", "containment_ab", "containment_ba", "coterminosity", "adjusted_rand", "split_a",
                "split_b", "interfaces_a_mean", "interfaces_a_max", "interfaces_b_mean", "interfaces_b_max",
                "covered_share")


# -- shared helpers -----------------------------------------------------------------------------
def _layers(value: str | None, option: str = "--layers") -> list[str] | None:
    if value is None:
        return None
    keys = [k.strip() for k in value.split(",") if k.strip()]
    if not keys:
        raise DevoplanError(f"{option} needs at least one layer key")
    return keys


def _json(data: Any) -> str:
    """Strict JSON: a measure that is undefined (NaN, e.g. no common population) or infinite is null."""
    return dumps(data)


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...] | list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: neutralise(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def write_tables(out: Path, files: dict[str, str]) -> None:
    """Write the tables as one output set: ``out`` holds the previous set or this one, never a mix."""
    with output_set(out) as tmp:
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")


def _console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=160)


def _fmt(value: float, digits: int = 3) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.{digits}f}"
    return f"{value:,.0f}"


def _share(value: float | None) -> str:
    """A measure between 0 and 1, always to three decimals ('-' when undefined)."""
    return "-" if value is None or math.isnan(value) else f"{value:.3f}"


# -- audit --------------------------------------------------------------------------------------
def audit_command(
    geography: GeographyOption = None,
    layers: LayersOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    out: OutOption = None,
    top: Annotated[int, typer.Option("--top", help="Crossings to list (worst first).", min=0)] = 12,
    pair: Annotated[str | None, typer.Option(
        "--pair", help="Also list every A-area spanning several B-areas (default PFA:ICB when both are audited; "
                       "'' for none).")] = None,
) -> None:
    """How a geography's service layers line up today: coterminosity of every pair and the worst misalignments."""
    geo = load_geography(geography)
    result = audit(geo, _layers(layers))
    keys = list(result.keys)
    focus = _pair_option(pair, keys)
    if out is not None:
        write_tables(out, _audit_files(result))
    if as_json:
        typer.echo(_json(result.to_dict()))
    elif as_csv:
        typer.echo(_csv(_pair_rows(result), PAIR_COLUMNS), nl=False)
    else:
        render_audit(result, _console(), top=top, focus=focus)
    if out is not None and not (as_json or as_csv):
        typer.echo(f"wrote audit.json, pairs.csv, crossings.csv and unit_splits.csv to {out}")


DEFAULT_PAIR = ("PFA", "ICB")


def _pair_option(value: str | None, keys: list[str]) -> tuple[str, str] | None:
    """The ``--pair`` layers; by default PFA:ICB when both are audited, nothing otherwise."""
    upper = {k.upper(): k for k in keys}
    if value is None:
        a, b = DEFAULT_PAIR
        return (upper[a], upper[b]) if a in upper and b in upper else None
    if not value.strip():
        return None
    parts = [p.strip().upper() for p in value.split(":")]
    if len(parts) != 2 or not all(parts):
        raise DevoplanError(f"--pair must look like A:B (e.g. PFA:ICB), not '{value}'")
    for part in parts:
        if part not in upper:
            raise DevoplanError(f"--pair: layer '{part}' is not among the audited layers ({', '.join(keys)})")
    return upper[parts[0]], upper[parts[1]]


def _pair_rows(result: Audit) -> list[dict[str, Any]]:
    return [asdict(p) for p in result.pairs]


def _listed(parts: tuple[Part, ...]) -> str:
    return "; ".join(f"{p.code}:{p.share:.4f}" for p in parts)


def _audit_files(result: Audit) -> dict[str, str]:
    crossings = [{**asdict(x), "parts": _listed(x.parts), "crossing": ";".join(x.crossing)} for x in result.crossings]
    splits = [{**asdict(s), "parts": _listed(s.parts)} for s in result.unit_splits]
    return {
        "audit.json": _json(result.to_dict()),
        "pairs.csv": _csv(_pair_rows(result), PAIR_COLUMNS),
        "crossings.csv": _csv(crossings, ("a_layer", "a_code", "a_name", "b_layer", "misaligned_population",
                                          "crossing", "parts", "text")),
        "unit_splits.csv": _csv(splits, ("layer", "kind", "unit_code", "unit_name", "population", "parts", "text")),
    }


def _matrix_table(title: str, keys: list[str], matrix: dict[str, dict[str, float]]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("")
    for k in keys:
        table.add_column(k, justify="right")
    for a in keys:
        cells = []
        for b in keys:
            v = matrix[a][b]
            if math.isnan(v):  # no population covered by both layers
                cells.append("[dim]-[/]")
                continue
            style = "dim" if a == b else ("red" if v < 0.8 else "yellow" if v < 0.95 else "green")
            cells.append(f"[{style}]{v:.3f}[/]")
        table.add_row(a, *cells)
    return table


def render_audit(result: Audit, console: Console, *, top: int = 12,
                 focus: tuple[str, str] | None = None) -> None:
    keys = list(result.keys)
    console.print(f"[bold]{result.geography}[/]: {len(keys)} layers, {result.population:,} residents")
    console.print(_matrix_table("Coterminosity (1 = identical maps)", keys, result.coterminosity))
    console.print(_matrix_table("Containment of row layer in column layer (share of people whose row-area "
                                "lies in its best column-area)", keys, result.containment))
    if result.unit_splits:
        console.print("[bold]Districts split between or shared by areas[/]")
        for s in result.unit_splits:
            console.print(f"  • {s.text}")
    worst = result.crossings[:top]
    if worst:
        console.print(f"[bold]Worst crossings[/] (of {len(result.crossings)}; misaligned residents = how many "
                      "would change area under the cheaper of two repairs, see docs/metrics.md)")
        for x in worst:
            console.print(f"  • {x.text}")
    if focus is not None:
        render_focus(result, console, focus)


def render_focus(result: Audit, console: Console, focus: tuple[str, str]) -> None:
    """Every area of layer A spread over several areas of layer B: crossings first, then nestings."""
    crossing = [x for x in result.crossings if (x.a_layer, x.b_layer) == focus]
    nested = [x for x in result.nestings if (x.a_layer, x.b_layer) == focus]
    console.print(f"[bold]{focus[0]} areas spanning several {focus[1]} areas[/]: {len(crossing) + len(nested)} "
                  f"({len(crossing)} crossing {focus[1]} boundaries, {len(nested)} made of whole {focus[1]} areas)")
    for x in crossing + nested:
        console.print(f"  • {x.text}")


# -- score --------------------------------------------------------------------------------------
def score_command(
    plan: Annotated[Path, typer.Argument(help="Plan CSV (LAD24CD,area_code,area_name) or plan GeoJSON.")],
    geography: GeographyOption = None,
    layers: LayersOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    out: OutOption = None,
    lower: Annotated[float | None, typer.Option("--min-pop", help="Lower population bound per area.")] = None,
    upper: Annotated[float | None, typer.Option("--max-pop", help="Upper population bound per area.")] = None,
    shapes: Annotated[bool, typer.Option("--shapes/--no-shapes",
                                         help="Polsby-Popper from the display boundaries.")] = True,
    identity_layers: Annotated[str | None, typer.Option(
        "--identity", help="Layers whose areas a plan should keep whole (default: UTLA,CAUTH when present).")] = None,
) -> None:
    """Every metric of a plan against every layer."""
    geo = load_geography(geography)
    the_plan = read_plan(plan, geo)
    stats = shape_stats(geo) if shapes and _has_geometry(geo) else None
    options = ScoreOptions(layers=_layers(layers), lower=lower, upper=upper, shapes=stats,
                           identity_layers=_layers(identity_layers, "--identity"))
    result = score(geo, the_plan, options)
    rows = [{"metric": k, "value": v} for k, v in result["scalars"].items()]
    if out is not None:
        write_tables(out, {"score.json": _json(result), "scalars.csv": _csv(rows, ("metric", "value"))})
    if as_json:
        typer.echo(_json(result))
    elif as_csv:
        typer.echo(_csv(rows, ("metric", "value")), nl=False)
    else:
        names = {k: dict(zip(geo.layer(k).area_codes, geo.layer(k).area_names, strict=True))
                 for k in result["plan_metrics"]["identity"]["split_areas"]}
        render_score(result, _console(), names)
        if out is not None:
            typer.echo(f"wrote score.json and scalars.csv to {out}")


def _has_geometry(geo: Any) -> bool:
    return geo.assets.has_geometry


def render_score(result: dict[str, Any], console: Console,
                 layer_names: dict[str, dict[str, str]] | None = None) -> None:
    """Print the score; ``layer_names[key][code]`` names the identity areas a plan splits."""
    console.print(f"[bold]Plan[/]: {result['areas']} areas of {result['units']} units ({result['geography']})")
    table = Table(title="The plan against each layer", title_justify="left")
    for col, right in (("layer", False), ("plan in layer", True), ("layer in plan", True),
                       ("coterminosity", True), ("adj. Rand", True), ("plan areas split", True),
                       ("layer areas split", True), ("interfaces mean/max", True)):
        table.add_column(col, justify="right" if right else "left")
    for key, d in result["layers"].items():
        table.add_row(key, _share(d["containment_ab"]), _share(d["containment_ba"]), _share(d["coterminosity"]),
                      _share(d["adjusted_rand"]), str(d["split_a"]), str(d["split_b"]),
                      f"{d['interfaces_a_mean']:.2f} / {d['interfaces_a_max']}")
    console.print(table)
    plan_table = Table(title="Plan metrics", title_justify="left")
    plan_table.add_column("metric")
    plan_table.add_column("value", justify="right")
    for name, value in result["scalars"].items():
        if "@" not in name or name.startswith("identity."):
            plan_table.add_row(name, _fmt(value))
    console.print(plan_table)
    metrics = result["plan_metrics"]
    name = dict(zip(result["area_codes"], result["area_names"], strict=True))
    pieces = metrics["contiguity"]["pieces"]
    if metrics["contiguity"]["noncontiguous"]:
        listed = ", ".join(f"{name[c]} ({c}, {pieces[c]} pieces)" for c in metrics["contiguity"]["noncontiguous"])
        console.print(f"Non-contiguous areas: {listed}")
    populations = metrics["balance"]["populations"]
    if metrics["balance"]["outside_bounds"]:
        listed = ", ".join(f"{name[c]} ({populations[c]:,.0f})" for c in metrics["balance"]["outside_bounds"])
        console.print(f"Areas outside the population bounds: {listed}")
    for key, split in metrics["identity"]["split_areas"].items():
        if split:
            names = layer_names.get(key, {}) if layer_names else {}
            listed = ", ".join(f"{names.get(c, c)} ({c}) in {n} areas" for c, n in split.items())
            console.print(f"{key} areas split by the plan: {listed}")


def register(app: typer.Typer) -> None:
    app.command("audit")(audit_command)
    app.command("score")(score_command)

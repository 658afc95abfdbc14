"""``fund``: multi-year, needs-based block grants for any set of areas.

validate (spec, years, areas, baseline) -> compute (per line: control totals and top-slices,
target shares, baseline, pace of change year by year, rounding to the penny; optional Monte Carlo)
-> assemble a :class:`~devoplan.funding.result.FundingResult`.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from devoplan.errors import DevoplanError, SpecError
from devoplan.funding.inputs import read_baseline
from devoplan.funding.pace import check_feasible, pace_step
from devoplan.funding.result import Baseline, FundingResult, LineResult
from devoplan.funding.rounding import largest_remainder, to_pence
from devoplan.funding.sensitivity import simulate
from devoplan.funding.spec import FundingSpec, ServiceLine, load_spec
from devoplan.funding.targets import LineInputs, area_shares, baseline_shares, prepare_line, year_need
from devoplan.funding.years import format_year, grown_totals, parse_range, parse_year
from devoplan.geography.model import Geography
from devoplan.plan import Plan
from devoplan.validate import MAX_POUNDS
from devoplan.zoning import Zoning

MAX_DRAWS = 20_000  # (draws, years, areas) float arrays: about 0.2 GB for 296 areas and 4 years


SHIPPED_SPECS: tuple[str, ...] = ("default", "transparent")


def shipped_spec_path(name: str = "default") -> Path:
    """A spec shipped with devoplan: ``default`` (today's money by stream, NHS England's own need
    weights) or ``transparent`` (every line from devoplan's district-level formula)."""
    if name not in SHIPPED_SPECS:
        raise DevoplanError(f"unknown shipped spec '{name}'; allowed: {', '.join(SHIPPED_SPECS)}")
    return Path(str(resources.files("devoplan.funding").joinpath("specs", f"{name}.toml")))


def default_spec_path() -> Path:
    """The shipped default spec: today's money by stream, with NHS England's own need weights."""
    return shipped_spec_path("default")


def fund(
    geography: Geography,
    plan: Plan | Zoning | str,
    spec: FundingSpec | str | Path | None = None,
    *,
    years: str | Sequence[str] | None = None,
    baseline: str | Path | None = None,
    draws: int = 0,
    seed: int | None = None,
) -> FundingResult:
    """Allocate every service line of ``spec`` to the areas of ``plan`` for each year.

    ``plan`` is a :class:`~devoplan.plan.Plan`, prepared :class:`Zoning`, or a layer key of the
    geography (e.g. ``"ICB"``: split districts share their need by membership weight). ``years``
    is ``"2026/27-2029/30"`` or a list of consecutive years (default: the spec's settlement).
    ``baseline`` is a CSV ``code,line,amount`` by area or by unit; lines it does not cover use the
    spec's baseline rule, labelled an assumption. ``draws > 0`` adds a seeded Monte Carlo.
    """
    _check_draws(draws, seed)
    spec = _spec(spec)
    settlement = _years(years, spec)
    areas = _areas(geography, plan)
    base_year = format_year(parse_year(settlement[0]) - 1)
    inputs = [prepare_line(geography, spec, line, (base_year, *settlement)) for line in spec.lines]
    files = read_baseline(Path(baseline), geography, areas, [ln.key for ln in spec.lines]) if baseline else {}
    results = [_fund_line(li, areas, spec, settlement, files.get(li.line.key)) for li in inputs]
    sens = None
    if draws:
        base = np.array([r.baseline_pence / 100.0 for r in results], dtype=np.float64)
        control = np.array([r.control_pence / 100.0 for r in results], dtype=np.float64)
        sens = simulate(inputs, areas, base, control, spec.pace, draws, seed)
    base_label = Baseline(
        file=str(baseline) if baseline else None,
        lines_from_file=tuple(files),
        method=spec.baseline.method,
        note=spec.baseline.note,
    )
    return FundingResult(spec=spec, years=settlement, areas=areas,
                         population=areas.aggregate(geography.units.population),
                         lines=tuple(results), baseline=base_label, sensitivity=sens,
                         filled={k: v for li in inputs for k, v in li.filled.items()})


def _check_draws(draws: int, seed: int | None) -> None:
    """Monte Carlo options: a draw count numpy can hold in memory and a seed numpy accepts."""
    if not 0 <= draws <= MAX_DRAWS:
        raise DevoplanError(f"draws must be between 0 and {MAX_DRAWS:,}, not {draws:,}")
    if seed is not None and seed < 0:
        raise DevoplanError(f"seed must be 0 or more, not {seed}")


def _spec(spec: FundingSpec | str | Path | None) -> FundingSpec:
    if spec is None:
        return load_spec(default_spec_path())
    if isinstance(spec, FundingSpec):
        return spec
    return load_spec(spec)


def _years(years: str | Sequence[str] | None, spec: FundingSpec) -> tuple[str, ...]:
    try:
        if years is None:
            return spec.years
        if isinstance(years, str):
            return parse_range(years)
        out = tuple(years)
        starts = [parse_year(y) for y in out]
        if not out or starts != list(range(starts[0], starts[0] + len(out))):
            raise ValueError("years must be consecutive and in order")
        return out
    except ValueError as exc:
        raise DevoplanError(f"years: {exc}") from None


def _areas(geography: Geography, plan: Plan | Zoning | str) -> Zoning:
    """The zoning money goes to; units outside a partial layer become their own areas."""
    if isinstance(plan, Zoning):
        if plan.n_units != geography.n_units:
            raise DevoplanError(f"areas cover {plan.n_units} units but the geography has {geography.n_units}")
        return plan.complete(geography)
    if isinstance(plan, str):
        return geography.layer(plan).complete(geography)
    plan.check(geography)
    return plan.zoning


def control_totals(line: ServiceLine, years: Sequence[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Gross totals (pence) per year and each top-slice's pence per year.

    A top-slice given as an amount keeps its share of the gross in ``total_year`` and grows with
    the line; a percentage is of each year's gross.
    """
    grown = grown_totals(line.total, line.total_year, line.growth, line.growth_by_year, years)
    for year, value in zip(years, grown, strict=True):
        if not value <= MAX_POUNDS:  # compounding a large total over many years; NaN fails too
            raise SpecError(f"the total grows to £{value:,.3g} in {year}, beyond the £{MAX_POUNDS:,.0g} devoplan "
                            "handles (check total, growth and the years)", key=f"lines.{line.key}.growth")
    gross = np.array([to_pence(v) for v in grown], dtype=np.int64)
    slices: dict[str, np.ndarray] = {}
    for t in line.top_slices:
        share = (t.amount / line.total) if t.amount is not None else (t.percent or 0.0) / 100.0
        slices[t.key] = np.array([to_pence(share * g / 100.0) for g in gross], dtype=np.int64)
    return gross, slices


def _fund_line(inputs: LineInputs, areas: Zoning, spec: FundingSpec, years: tuple[str, ...],
               baseline_file: np.ndarray | None) -> LineResult:
    line = inputs.line
    base_year = format_year(parse_year(years[0]) - 1)
    gross, slices = control_totals(line, (base_year, *years))
    to_areas = gross - sum(slices.values(), np.zeros_like(gross))
    shares_by_year = [area_shares(year_need(inputs, y + 1), areas) for y in range(len(years))]
    prev, source, scale = _baseline(inputs, areas, spec, baseline_file, float(to_areas[0]))
    if (prev <= 0).any():
        raise DevoplanError(f"line {line.key}: area {areas.area_codes[int(np.argmin(prev))]} has a zero baseline; "
                            "pace of change needs a positive starting allocation")
    base = largest_remainder(prev, round(float(prev.sum())))
    targets = np.empty((len(years), areas.n_areas), dtype=np.int64)
    alloc = np.empty_like(targets)
    pace = spec.pace
    for y, year in enumerate(years):
        total = int(to_areas[y + 1])
        shares = shares_by_year[y]
        targets[y] = largest_remainder(shares, total)
        check_feasible(float(prev.sum()), float(total), pace.floor, pace.cap, f"line {line.key}, {year}",
                       slack=float(areas.n_areas))
        step = pace_step(prev, shares * total, float(total), pace.convergence, pace.floor, pace.cap)
        alloc[y] = largest_remainder(step, total)
        prev = step  # the path is carried unrounded so pennies of rounding never compound
    basis = areas.aggregate(inputs.basis if inputs.basis is not None else inputs.population)
    return LineResult(
        key=line.key, name=line.name, base_year=base_year,
        gross_pence=gross[1:], base_gross_pence=int(gross[0]),
        top_slice_pence={k: v[1:] for k, v in slices.items()},
        top_slice_names={t.key: t.name for t in line.top_slices},
        control_pence=to_areas[1:], base_control_pence=int(to_areas[0]),
        target_share=shares_by_year[0], target_pence=targets, baseline_pence=base, allocation_pence=alloc,
        population=basis, population_basis=line.population,
        need_index=np.array([_index(areas.aggregate(year_need(inputs, y, raw=True)), basis)
                             for y in range(len(years) + 1)]),
        baseline_source=source, baseline_scale=scale, weights_years=inputs.weights_years,
    )


def _index(need: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Need per head relative to England (1 = average)."""
    return (need / basis) / (need.sum() / basis.sum())


def _baseline(inputs: LineInputs, areas: Zoning, spec: FundingSpec, baseline_file: np.ndarray | None,
              control: float) -> tuple[np.ndarray, str, float]:
    """Base-year allocation per area (pence), where it comes from and the scale applied to the data.

    Today's money from the data is scaled to the line's base-year control total (exactly 1 when the
    control total is the published year the data comes from; otherwise the spending pattern of the
    data year carried to the base year's total).
    """
    if baseline_file is not None:
        return np.asarray(baseline_file, dtype=np.float64) * 100.0, "file", 1.0
    assumed = baseline_shares(inputs, areas, spec.baseline.method) * control
    if inputs.baseline_units is not None:
        today = areas.aggregate(inputs.baseline_units) * 100.0
        scale = control / float(today.sum())
        today = today * scale
        empty = today <= 0  # an area with no spending in the data starts from the assumed rule
        if empty.any():
            today[empty] = assumed[empty]
            today *= control / float(today.sum())
        return today, f"data:{inputs.line.baseline_from}", scale
    return assumed, f"assumed:{spec.baseline.method}", 1.0

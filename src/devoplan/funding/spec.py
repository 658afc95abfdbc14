"""The funding formula specification: a TOML file parsed into frozen dataclasses.

Every problem raises :class:`~devoplan.errors.SpecError` naming the key path (for example
``lines.health.need.indicators[1].weight``) and what is wrong, so a user can fix the file without
reading code. Every figure is recorded with its provenance: a number either carries its own
``{ value = ..., source = "..." }`` / ``{ value = ..., assumption = true }`` or inherits the
``source`` / ``assumption`` of the table it sits in; a figure with neither is reported as an
assumption ("no source given"), so the report can always list what rests on judgement.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devoplan.errors import SpecError
from devoplan.funding.years import check_consecutive, parse_year
from devoplan.validate import (
    MAX_POUNDS,
    MAX_RATE,
    MAX_RELATIVE,
    MAX_STRENGTH,
    Key,
    SpecReader,
    join_key,
    parse_document,
    read_text,
)
from devoplan.validate import number as checked_number

COMBINE_MODES: tuple[str, ...] = ("multiplicative", "additive")
BASELINE_METHODS: tuple[str, ...] = ("age_sex_only", "equal_per_head")
POPULATIONS: tuple[str, ...] = ("residents", "registered")
AREA_COSTS: tuple[str, ...] = ("implied", "none")
BASELINE_KINDS: tuple[str, ...] = ("nhs", "council")
UNSOURCED = "no source given in the spec"
MAX_AGE = 150


@dataclass(frozen=True)
class Figure:
    """One number (or list of numbers) in the spec and where it comes from."""

    key: str
    value: Any
    source: str | None
    assumption: bool
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "value": self.value}
        if self.source:
            out["source"] = self.source
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class AgeSexCurve:
    """Relative cost per head by sex and age band; bands are inclusive ``(lo, hi)`` ages."""

    bands: tuple[tuple[int, int], ...]
    female: tuple[float, ...]
    male: tuple[float, ...]


@dataclass(frozen=True)
class IndicatorWeight:
    """One indicator in a need adjustment, with its weight and sensitivity range."""

    key: str
    weight: float
    weight_range: tuple[float, float]
    include_probability: float
    path: str


@dataclass(frozen=True)
class NeedSpec:
    """Need multiplier ``exp(strength * composite z)`` from weighted standardised indicators."""

    indicators: tuple[IndicatorWeight, ...]
    strength: float
    strength_range: tuple[float, float]
    path: str


@dataclass(frozen=True)
class UpliftSpec:
    """One-sided uplift ``1 + strength * max(z, 0)`` from one indicator (unmet need, sparsity)."""

    indicator: str
    strength: float
    strength_range: tuple[float, float]
    path: str


@dataclass(frozen=True)
class AreaCostSpec:
    """Per-unit area cost factors read from a CSV (``code,factor``)."""

    file: Path
    path: str


@dataclass(frozen=True)
class NhsNeedSpec:
    """Need from NHS England's weighted populations (a component of the allocation formula), year by
    year, optionally times the area cost factor implied by the published fair-shares targets."""

    component: str
    area_cost: str
    path: str


@dataclass(frozen=True)
class DeflatorSpec:
    """Prices for real terms: ``rate`` a year (or per year), real = cash in ``base_year`` prices."""

    base_year: str
    rate: float
    rate_by_year: Mapping[str, float]


@dataclass(frozen=True)
class TopSlice:
    """Money kept central before the line is allocated: a fixed amount or a share of the gross."""

    key: str
    name: str
    amount: float | None
    percent: float | None


@dataclass(frozen=True)
class ServiceLine:
    """A service line: a gross control total, growth, top-slices and its own formula."""

    key: str
    name: str
    total: float
    total_year: str
    growth: float
    growth_by_year: Mapping[str, float]
    combine: str
    age_sex: AgeSexCurve | None
    need: NeedSpec | None
    unmet_need: UpliftSpec | None
    sparsity: UpliftSpec | None
    area_cost: AreaCostSpec | None
    top_slices: tuple[TopSlice, ...]
    population: str = "residents"
    baseline_from: str | None = None
    nhs_need: NhsNeedSpec | None = None

    def top_slice_fraction(self) -> float:
        """Share of the gross total kept central (amounts are in ``total_year`` cash)."""
        amounts = sum(t.amount or 0.0 for t in self.top_slices)
        percents = sum(t.percent or 0.0 for t in self.top_slices)
        return amounts / self.total + percents / 100.0


@dataclass(frozen=True)
class PaceSpec:
    """Pace of change: share of the gap to target closed a year, floor and cap on cash growth."""

    convergence: float
    floor: float
    cap: float


@dataclass(frozen=True)
class BaselineSpec:
    """What the baseline is when no baseline file is given (always labelled an assumption)."""

    method: str
    note: str


@dataclass(frozen=True)
class FundingSpec:
    """A validated funding formula specification."""

    name: str
    description: str
    years: tuple[str, ...]
    baseline: BaselineSpec
    pace: PaceSpec
    lines: tuple[ServiceLine, ...]
    figures: tuple[Figure, ...] = field(default=())
    path: Path | None = None
    deflator: DeflatorSpec | None = None

    def line(self, key: str) -> ServiceLine:
        for ln in self.lines:
            if ln.key == key:
                return ln
        raise SpecError(f"unknown line '{key}'; allowed: {', '.join(ln.key for ln in self.lines)}",
                        key="lines")

    def assumptions(self) -> list[Figure]:
        return [f for f in self.figures if f.assumption]

    def sourced(self) -> list[Figure]:
        """Figures that cite a source (some are still assumptions in how they are applied)."""
        return [f for f in self.figures if f.source]


# -- parsing ----------------------------------------------------------------------------------------
@dataclass
class _Ctx:
    """Collects figures with provenance while the TOML is walked."""

    file: Path | None
    figures: list[Figure] = field(default_factory=list)

    def error(self, key: str, message: str) -> SpecError:
        return SpecError(message, key=key, file=self.file)


@dataclass(frozen=True)
class _Prov:
    source: str | None
    assumption: bool
    note: str = ""


def load_spec(path: str | Path) -> FundingSpec:
    """Read and validate a funding spec TOML file."""
    file = Path(path)
    if not file.is_file() and not file.is_dir():
        raise SpecError("spec file not found", file=file)
    text = read_text(file, what="spec file")
    try:
        data = parse_document(text, tomllib.loads, Key("(document)", file))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"not valid TOML: {exc}", file=file) from None
    return parse_spec(data, file=file)


def parse_spec(data: Mapping[str, Any], *, file: Path | None = None) -> FundingSpec:
    """Validate a spec already read into a dict (``file`` only labels messages, resolves paths)."""
    ctx = _Ctx(file)
    _only(ctx, data, "", ("name", "description", "settlement", "baseline", "pace", "deflator", "lines"))
    root = _prov(ctx, data, "", _Prov(None, False))
    years = _settlement(ctx, _table(ctx, data, "settlement"), root)
    baseline = _baseline(ctx, _table(ctx, data, "baseline"))
    pace = _pace(ctx, _table(ctx, data, "pace"), root)
    lines_t = _table(ctx, data, "lines")
    if not lines_t:
        raise ctx.error("lines", "needs at least one service line")
    lines = tuple(_line(ctx, key, _table(ctx, lines_t, key, "lines"), root) for key in lines_t)
    deflator = _deflator(ctx, _table(ctx, data, "deflator"), root) if "deflator" in data else None
    return FundingSpec(
        name=_str(ctx, data, "name", "", default="funding spec"),
        description=_str(ctx, data, "description", "", default=""),
        years=years, baseline=baseline, pace=pace, lines=lines, figures=tuple(ctx.figures), path=file,
        deflator=deflator,
    )


def _only(ctx: _Ctx, table: Mapping[str, Any], path: str, allowed: tuple[str, ...]) -> None:
    SpecReader(ctx.file).only(table, path, allowed)


def _table(ctx: _Ctx, parent: Mapping[str, Any], key: str, path: str = "") -> dict[str, Any]:
    return SpecReader(ctx.file).table(parent, key, path)


def _str(ctx: _Ctx, table: Mapping[str, Any], key: str, path: str, default: str | None = None) -> str:
    if key not in table:
        if default is None:
            raise ctx.error(join_key(path, key), "is missing")
        return default
    value = table[key]
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise ctx.error(join_key(path, key), "must be a non-empty string")
    return value


def _prov(ctx: _Ctx, table: Mapping[str, Any], path: str, inherited: _Prov) -> _Prov:
    """Provenance declared on a table (``source`` / ``assumption`` / ``note``) or inherited."""
    source = table.get("source")
    assumption = table.get("assumption")
    if source is not None and (not isinstance(source, str) or not source.strip()):
        raise ctx.error(join_key(path, "source"), "must be a non-empty string")
    if assumption is not None and not isinstance(assumption, bool):
        raise ctx.error(join_key(path, "assumption"), "must be true or false")
    note = table.get("note", "")
    if not isinstance(note, str):
        raise ctx.error(join_key(path, "note"), "must be a string")
    if source is None and assumption is None:
        return _Prov(inherited.source, inherited.assumption, note or inherited.note)
    if assumption is False and source is None:
        raise ctx.error(join_key(path, "assumption"), "false needs a 'source' saying where the figure comes from")
    return _Prov(source, bool(assumption) or source is None, note)


def _record(ctx: _Ctx, key: str, value: Any, prov: _Prov) -> None:
    unsourced = prov.source is None and not prov.assumption
    ctx.figures.append(Figure(key, value, prov.source, prov.assumption or unsourced,
                              UNSOURCED if unsourced else prov.note))


def _number(ctx: _Ctx, table: Mapping[str, Any], key: str, path: str, prov: _Prov,
            default: float | None = None, *, lo: float | None = None, hi: float | None = None) -> float:
    """A number, bare or as ``{ value, source | assumption, note }``, range-checked and recorded."""
    full = join_key(path, key)
    if key not in table:
        if default is None:
            raise ctx.error(full, "is missing")
        return default
    raw = table[key]
    if isinstance(raw, dict):
        _only(ctx, raw, full, ("value", "source", "assumption", "note"))
        prov = _prov(ctx, raw, full, prov)
        if "value" not in raw:
            raise ctx.error(join_key(full, "value"), "is missing")
        raw = raw["value"]
    value = checked_number(raw, Key(full, ctx.file), lo=lo, hi=hi)
    _record(ctx, full, value, prov)
    return value


def _range(ctx: _Ctx, table: Mapping[str, Any], key: str, path: str, centre: float, prov: _Prov,
           lo: float, hi: float | None = None) -> tuple[float, float]:
    """A sensitivity range ``[low, high]`` containing ``centre``; absent means no variation.

    A given range is a figure too (a judgement about uncertainty), recorded with its provenance.
    """
    full = join_key(path, key)
    if key not in table:
        return (centre, centre)
    raw = table[key]
    if (not isinstance(raw, list) or len(raw) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in raw)):
        raise ctx.error(full, "must be a list of two numbers [low, high]")
    a, b = (checked_number(v, Key(f"{full}[{i}]", ctx.file)) for i, v in enumerate(raw))
    if a > b:
        raise ctx.error(full, f"low {a:g} is above high {b:g}")
    if a < lo or (hi is not None and b > hi):
        bound = f"[{lo:g}, {hi:g}]" if hi is not None else f"at least {lo:g}"
        raise ctx.error(full, f"must lie within {bound}")
    if not a <= centre <= b:
        raise ctx.error(full, f"[{a:g}, {b:g}] does not contain the central value {centre:g}")
    _record(ctx, full, [a, b], prov)
    return (a, b)


def _settlement(ctx: _Ctx, table: dict[str, Any], root: _Prov) -> tuple[str, ...]:
    _only(ctx, table, "settlement", ("years", "note", "source", "assumption"))
    raw = table.get("years")
    if not isinstance(raw, list) or not raw or not all(isinstance(y, str) for y in raw):
        raise ctx.error("settlement.years", "must be a non-empty list of financial years like \"2026/27\"")
    try:
        starts = [parse_year(y) for y in raw]
        check_consecutive(starts)
    except ValueError as exc:
        raise ctx.error("settlement.years", str(exc)) from None
    _record(ctx, "settlement.years", list(raw), _prov(ctx, table, "settlement", root))
    return tuple(raw)


def _baseline(ctx: _Ctx, table: dict[str, Any]) -> BaselineSpec:
    _only(ctx, table, "baseline", ("method", "note", "assumption", "source"))
    method = _str(ctx, table, "method", "baseline")
    if method not in BASELINE_METHODS:
        raise ctx.error("baseline.method", f"unknown method '{method}'; allowed: {', '.join(BASELINE_METHODS)}")
    note = _str(ctx, table, "note", "baseline")
    ctx.figures.append(Figure("baseline.method", method, None, True, note))
    return BaselineSpec(method, note)


def _pace(ctx: _Ctx, table: dict[str, Any], root: _Prov) -> PaceSpec:
    _only(ctx, table, "pace", ("convergence", "floor", "cap", "source", "assumption", "note"))
    prov = _prov(ctx, table, "pace", root)
    convergence = _number(ctx, table, "convergence", "pace", prov, lo=0.0, hi=1.0)
    floor = _number(ctx, table, "floor", "pace", prov, lo=-1.0, hi=MAX_RATE)
    cap = _number(ctx, table, "cap", "pace", prov, lo=-1.0, hi=MAX_RATE)
    if floor <= -1.0:
        raise ctx.error("pace.floor", f"must be above -1 (a floor of {floor:g} lets an area lose all its money, "
                        "and pace of change cannot grow from zero)")
    if floor > cap:
        raise ctx.error("pace.floor", f"floor on cash growth {floor:g} is above the cap {cap:g}")
    return PaceSpec(convergence, floor, cap)


LINE_KEYS = ("name", "total", "total_year", "growth", "growth_by_year", "combine", "age_sex", "need",
             "unmet_need", "sparsity", "area_cost", "top_slices", "population", "baseline_from", "nhs_need",
             "source", "assumption", "note")
FORMULA_KEYS = ("age_sex", "need", "unmet_need", "sparsity", "area_cost")


def _line(ctx: _Ctx, key: str, table: dict[str, Any], root: _Prov) -> ServiceLine:
    path = f"lines.{key}"
    _only(ctx, table, path, LINE_KEYS)
    prov = _prov(ctx, table, path, root)
    total = _number(ctx, table, "total", path, prov, lo=1.0, hi=MAX_POUNDS)
    if total <= 0:
        raise ctx.error(join_key(path, "total"), "must be positive")
    total_year = _str(ctx, table, "total_year", path)
    try:
        parse_year(total_year)
    except ValueError as exc:
        raise ctx.error(join_key(path, "total_year"), str(exc)) from None
    growth = _number(ctx, table, "growth", path, prov, lo=-0.99, hi=MAX_RATE)
    by_year = _growth_by_year(ctx, table.get("growth_by_year", {}), join_key(path, "growth_by_year"), prov)
    combine = _str(ctx, table, "combine", path, default="multiplicative")
    if combine not in COMBINE_MODES:
        raise ctx.error(join_key(path, "combine"), f"unknown mode '{combine}'; allowed: {', '.join(COMBINE_MODES)}")
    line = ServiceLine(
        key=key, name=_str(ctx, table, "name", path, default=key), total=total, total_year=total_year,
        growth=growth, growth_by_year=by_year, combine=combine,
        age_sex=_age_sex(ctx, table, path, prov), need=_need(ctx, table, path, prov),
        unmet_need=_uplift(ctx, table, "unmet_need", path, prov),
        sparsity=_uplift(ctx, table, "sparsity", path, prov),
        area_cost=_area_cost(ctx, table, path, prov), top_slices=_top_slices(ctx, table, path, prov),
        population=_choice(ctx, table, "population", path, POPULATIONS, "residents"),
        baseline_from=_baseline_from(ctx, table, path), nhs_need=_nhs_need(ctx, table, path, prov),
    )
    if line.top_slice_fraction() >= 1.0:
        kept = line.top_slice_fraction() * total
        raise ctx.error(join_key(path, "top_slices"),
                        f"top-slices of {kept:,.0f} leave nothing of the line total {total:,.0f} to allocate")
    return line


def _growth_by_year(ctx: _Ctx, raw: Any, path: str, prov: _Prov) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise ctx.error(path, "must be a table of year = rate")
    prov = _prov(ctx, raw, path, prov)
    out: dict[str, float] = {}
    for year in raw:
        if year in ("source", "assumption", "note"):
            continue
        try:
            parse_year(year)
        except ValueError as exc:
            raise ctx.error(join_key(path, year), str(exc)) from None
        out[year] = _number(ctx, raw, year, path, prov, lo=-0.99, hi=MAX_RATE)
    return out


def _age_sex(ctx: _Ctx, table: dict[str, Any], path: str, prov: _Prov) -> AgeSexCurve | None:
    if "age_sex" not in table:
        return None
    full = join_key(path, "age_sex")
    t = _table(ctx, table, "age_sex", path)
    _only(ctx, t, full, ("bands", "female", "male", "source", "assumption", "note"))
    prov = _prov(ctx, t, full, prov)
    bands = _bands(ctx, t.get("bands"), join_key(full, "bands"))
    curves = []
    for sex in ("female", "male"):
        raw = t.get(sex)
        key = join_key(full, sex)
        if not isinstance(raw, list) or len(raw) != len(bands):
            raise ctx.error(key, f"must be a list of {len(bands)} numbers, one per band")
        raw = [checked_number(v, Key(f"{key}[{i}]", ctx.file), lo=0.0, hi=MAX_RELATIVE) for i, v in enumerate(raw)]
        curves.append(tuple(float(v) for v in raw))
        _record(ctx, key, [float(v) for v in raw], prov)
    if not any(curves[0]) and not any(curves[1]):
        raise ctx.error(full, "every relative cost is zero")
    return AgeSexCurve(bands, curves[0], curves[1])


def _bands(ctx: _Ctx, raw: Any, path: str) -> tuple[tuple[int, int], ...]:
    """Bands like ``"0-4"``, ``"85+"``: contiguous from 0, the last open-ended."""
    if not isinstance(raw, list) or not raw or not all(isinstance(b, str) for b in raw):
        raise ctx.error(path, "must be a list of age bands like \"0-4\", ..., \"85+\"")
    out: list[tuple[int, int]] = []
    expected = 0
    for i, band in enumerate(raw):
        try:
            if band.endswith("+"):
                lo, hi = int(band[:-1]), 10_000
                if i != len(raw) - 1:
                    raise ValueError("only the last band may be open-ended")
            else:
                a, b = band.split("-")
                lo, hi = int(a), int(b)
        except ValueError as exc:
            raise ctx.error(f"{path}[{i}]", f"'{band}' is not a band like \"5-14\" or \"85+\" ({exc})") from None
        if lo > MAX_AGE or MAX_AGE < hi != 10_000:
            raise ctx.error(f"{path}[{i}]", f"band '{band}' goes beyond age {MAX_AGE}")
        if lo != expected or hi < lo:
            raise ctx.error(f"{path}[{i}]", f"band '{band}' should start at age {expected} and not end before it")
        out.append((lo, hi))
        expected = hi + 1
    if out[-1][1] != 10_000:
        raise ctx.error(path, "the last band must be open-ended, like \"85+\"")
    return tuple(out)


def _need(ctx: _Ctx, table: dict[str, Any], path: str, prov: _Prov) -> NeedSpec | None:
    if "need" not in table:
        return None
    full = join_key(path, "need")
    t = _table(ctx, table, "need", path)
    _only(ctx, t, full, ("strength", "strength_range", "indicators", "source", "assumption", "note"))
    prov = _prov(ctx, t, full, prov)
    strength = _number(ctx, t, "strength", full, prov, lo=0.0, hi=MAX_STRENGTH)
    s_range = _range(ctx, t, "strength_range", full, strength, prov, 0.0, MAX_STRENGTH)
    raw = t.get("indicators")
    if not isinstance(raw, list) or not raw or not all(isinstance(r, dict) for r in raw):
        raise ctx.error(join_key(full, "indicators"), "must be a non-empty array of tables ([[...indicators]])")
    items = []
    for i, ind in enumerate(raw):
        ipath = f"{full}.indicators[{i}]"
        _only(ctx, ind, ipath, ("key", "weight", "weight_range", "include_probability", "source",
                                "assumption", "note"))
        iprov = _prov(ctx, ind, ipath, prov)
        weight = _number(ctx, ind, "weight", ipath, iprov, lo=0.0, hi=MAX_RELATIVE)
        items.append(IndicatorWeight(
            key=_str(ctx, ind, "key", ipath), weight=weight,
            weight_range=_range(ctx, ind, "weight_range", ipath, weight, iprov, 0.0, MAX_RELATIVE),
            include_probability=_number(ctx, ind, "include_probability", ipath, iprov, 1.0, lo=0.0, hi=1.0),
            path=ipath,
        ))
    if sum(i.weight for i in items) <= 0:
        raise ctx.error(join_key(full, "indicators"), "weights must not all be zero")
    keys = [i.key for i in items]
    for i, k in enumerate(keys):
        if keys.index(k) != i:
            raise ctx.error(f"{full}.indicators[{i}].key", f"indicator '{k}' is listed twice")
    return NeedSpec(tuple(items), strength, s_range, full)


def _uplift(ctx: _Ctx, table: dict[str, Any], key: str, path: str, prov: _Prov) -> UpliftSpec | None:
    if key not in table:
        return None
    full = join_key(path, key)
    t = _table(ctx, table, key, path)
    _only(ctx, t, full, ("indicator", "strength", "strength_range", "source", "assumption", "note"))
    prov = _prov(ctx, t, full, prov)
    strength = _number(ctx, t, "strength", full, prov, lo=0.0, hi=MAX_STRENGTH)
    return UpliftSpec(_str(ctx, t, "indicator", full), strength,
                      _range(ctx, t, "strength_range", full, strength, prov, 0.0, MAX_STRENGTH), full)


def _area_cost(ctx: _Ctx, table: dict[str, Any], path: str, prov: _Prov) -> AreaCostSpec | None:
    if "area_cost" not in table:
        return None
    full = join_key(path, "area_cost")
    t = _table(ctx, table, "area_cost", path)
    _only(ctx, t, full, ("file", "source", "assumption", "note"))
    file = Path(_str(ctx, t, "file", full))
    if not file.is_absolute() and ctx.file is not None:
        file = ctx.file.parent / file
    if not file.is_file():
        raise ctx.error(join_key(full, "file"),
                        f"file {file} not found (a relative path is read from the spec's folder)")
    ctx.figures.append(Figure(join_key(full, "file"), str(file), *_astuple(_prov(ctx, t, full, prov))))
    return AreaCostSpec(file, full)


def _astuple(prov: _Prov) -> tuple[str | None, bool, str]:
    unsourced = prov.source is None and not prov.assumption
    return prov.source, prov.assumption or unsourced, UNSOURCED if unsourced else prov.note


def _top_slices(ctx: _Ctx, table: dict[str, Any], path: str, prov: _Prov) -> tuple[TopSlice, ...]:
    if "top_slices" not in table:
        return ()
    full = join_key(path, "top_slices")
    t = _table(ctx, table, "top_slices", path)
    out = []
    for key in t:
        spath = join_key(full, key)
        s = _table(ctx, t, key, full)
        _only(ctx, s, spath, ("name", "amount", "percent", "source", "assumption", "note"))
        sprov = _prov(ctx, s, spath, prov)
        if ("amount" in s) == ("percent" in s):
            raise ctx.error(spath, "give exactly one of 'amount' or 'percent'")
        amount = _number(ctx, s, "amount", spath, sprov, lo=0.0, hi=MAX_POUNDS) if "amount" in s else None
        percent = _number(ctx, s, "percent", spath, sprov, lo=0.0, hi=100.0) if "percent" in s else None
        out.append(TopSlice(key, _str(ctx, s, "name", spath, default=key), amount, percent))
    return tuple(out)


def _choice(ctx: _Ctx, table: Mapping[str, Any], key: str, path: str, allowed: tuple[str, ...],
            default: str | None = None) -> str:
    value = _str(ctx, table, key, path, default=default)
    if value not in allowed:
        raise ctx.error(join_key(path, key), f"unknown value '{value}'; allowed: {', '.join(allowed)}")
    return value


def _baseline_from(ctx: _Ctx, table: Mapping[str, Any], path: str) -> str | None:
    """``nhs:<stream>:<year>`` or ``council:<service>``: today's money by unit from the geography.

    Only the form is checked here; whether the geography holds that stream and year is checked
    when the spec meets a geography (:func:`devoplan.funding.targets.prepare_line`).
    """
    if "baseline_from" not in table:
        return None
    value = _str(ctx, table, "baseline_from", path)
    kind, _, rest = value.partition(":")
    parts = rest.split(":")
    ok = (kind == "nhs" and len(parts) == 2 and all(parts)) or (kind == "council" and len(parts) == 1 and parts[0])
    if not ok:
        raise ctx.error(join_key(path, "baseline_from"),
                        f"'{value}' is not a baseline source like \"nhs:core_services:2025/26\" or "
                        "\"council:adult_social_care\"")
    if kind == "nhs":
        try:
            parse_year(parts[1])
        except ValueError as exc:
            raise ctx.error(join_key(path, "baseline_from"), str(exc)) from None
    ctx.figures.append(Figure(join_key(path, "baseline_from"), value, f"the geography's money tables ({value})", False))
    return value


def _nhs_need(ctx: _Ctx, table: Mapping[str, Any], path: str, prov: _Prov) -> NhsNeedSpec | None:
    if "nhs_need" not in table:
        return None
    full = join_key(path, "nhs_need")
    clash = [k for k in FORMULA_KEYS if k in table]
    if clash:
        raise ctx.error(join_key(path, clash[0]), "a line with nhs_need takes its need from NHS England's weights; "
                        f"remove '{clash[0]}' (or remove nhs_need)")
    t = _table(ctx, table, "nhs_need", path)
    _only(ctx, t, full, ("component", "area_cost", "source", "assumption", "note"))
    component = _str(ctx, t, "component", full)
    area_cost = _choice(ctx, t, "area_cost", full, AREA_COSTS, "none")
    ctx.figures.append(Figure(full, f"{component}, area cost {area_cost}",
                              *_astuple(_prov(ctx, t, full, prov))))
    return NhsNeedSpec(component, area_cost, full)


def _deflator(ctx: _Ctx, table: dict[str, Any], root: _Prov) -> DeflatorSpec:
    _only(ctx, table, "deflator", ("base_year", "rate", "rate_by_year", "source", "assumption", "note"))
    prov = _prov(ctx, table, "deflator", root)
    base = _str(ctx, table, "base_year", "deflator")
    try:
        parse_year(base)
    except ValueError as exc:
        raise ctx.error("deflator.base_year", str(exc)) from None
    rate = _number(ctx, table, "rate", "deflator", prov, lo=-0.5, hi=1.0)
    by_year = _growth_by_year(ctx, table.get("rate_by_year", {}), "deflator.rate_by_year", prov)
    return DeflatorSpec(base, rate, by_year)

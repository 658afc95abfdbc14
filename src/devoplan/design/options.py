"""What a designer asks for: the options of ``devoplan design`` as one validated dataclass.

The command line and the Python API share this object. Text forms (``health=1,needs=0.5``,
``E06000001=North East``, ``A,B``) are parsed here so both entry points reject bad input with the
same one-line message naming the option and listing what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from devoplan.errors import DevoplanError, reject_unknown
from devoplan.plan import Plan
from devoplan.validate import MAX_TIME_LIMIT

WEIGHT_KEYS: tuple[str, ...] = ("health", "economic", "police", "needs", "compact", "balance", "identity")
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "health": 1.0,
    "economic": 1.0,
    "police": 1.0,
    "needs": 0.0,  # off by default: grouping like with like is no boundary criterion (docs/design.md)
    "compact": 0.5,
    "balance": 0.5,
    "identity": 1.0,
}
DEFAULT_AREAS = 38
DEFAULT_HEALTH: tuple[str, ...] = ("ICB26",)
DEFAULT_ECONOMIC: tuple[str, ...] = ("LSIP",)
DEFAULT_POLICE: tuple[str, ...] = ()
# Share of an alignment term (health, economic, police) given to containment(layer in plan): 1 minus it
# goes to containment(plan in layer). Above 0.5, splitting a layer area costs more than nesting whole
# ones inside a larger area; 0.5 is plain coterminosity (docs/design.md).
DEFAULT_SPLIT_WEIGHT = 0.75
# Layers whose boundary no area may cross (an area lies inside one of the layer's areas or outside all
# of them): by default Greater London, where the geography has it (``do_not_cross=None``).
DEFAULT_DO_NOT_CROSS: tuple[str, ...] = ("GLA",)
DEFAULT_KEEP_WHOLE: tuple[str, ...] = ("UTLA", "CAUTH25")
# What the command keeps whole by default: those of these a geography has (a custom geography keys its
# combined authorities CAUTH, docs/data-format.md).
DEFAULT_KEEP_WHOLE_IF_PRESENT: tuple[str, ...] = ("UTLA", "CAUTH25", "CAUTH")
DEFAULT_TIME_LIMIT = 30.0
# The wall clock stops the search at ``wall_guard x time_limit`` seconds (a guard for very slow or loaded
# machines; the search normally ends on its budget of work first). ``inf`` turns the guard off, so a
# run ends on its budget however loaded the machine is and the same seed always gives the same plan.
DEFAULT_WALL_GUARD = 3.0
# Wall-clock budget of column generation (the bound where the areas are too many to list; 80% for
# generating areas, the rest for the price-and-branch MIP). Not used where the listing fits (England's
# defaults at 38 or 45 areas). Its round, pricing and node caps stop it first on small problems.
DEFAULT_BOUND_SECONDS = 240.0
# Default population bounds, as multiples of the mean area population (total / k); the upper
# bound is raised to the largest block that must stay whole if that is bigger (see docs/design.md).
MIN_POP_FACTOR = 0.5
MAX_POP_FACTOR = 2.0


@dataclass(frozen=True)
class DesignOptions:
    """Everything ``design`` needs besides the geography and the seed.

    ``min_pop``/``max_pop`` of ``None`` mean "derive the documented default" (``resolved_bounds``).
    ``locks`` maps a unit or layer-area code to the name of the area it must belong to; ``together``
    groups codes that must share an area; ``apart`` pairs codes that must not. ``start`` is a plan to
    improve and ``frozen_areas`` are codes of its areas that may not change at all. ``wall_guard``
    stops the search after ``wall_guard x time_limit`` seconds of wall clock (``inf``: never).
    ``bound_seconds`` is the wall-clock budget of column generation, the bound used when the
    feasible areas are too many to list.
    """

    areas: int = DEFAULT_AREAS
    min_pop: int | None = None
    max_pop: int | None = None
    health: tuple[str, ...] = DEFAULT_HEALTH
    economic: tuple[str, ...] = DEFAULT_ECONOMIC
    police: tuple[str, ...] = DEFAULT_POLICE
    split_weight: float = DEFAULT_SPLIT_WEIGHT
    do_not_cross: tuple[str, ...] | None = None
    keep_whole: tuple[str, ...] = DEFAULT_KEEP_WHOLE
    keep_whole_soft: tuple[str, ...] = ()
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    needs_indicators: tuple[str, ...] | None = None
    locks: Mapping[str, str] = field(default_factory=dict)
    together: tuple[tuple[str, ...], ...] = ()
    apart: tuple[tuple[str, str], ...] = ()
    start: Plan | None = None
    frozen_areas: tuple[str, ...] = ()
    time_limit: float = DEFAULT_TIME_LIMIT
    compute_bound: bool = True
    wall_guard: float = DEFAULT_WALL_GUARD
    bound_seconds: float = DEFAULT_BOUND_SECONDS

    def __post_init__(self) -> None:
        validate(self)

    def with_(self, **changes: object) -> DesignOptions:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def validate(opts: DesignOptions) -> None:
    """Reject option values that make no sense whatever the geography (geography checks come later)."""
    if opts.areas < 1:
        raise DevoplanError(f"`areas` must be at least 1, got {opts.areas}")
    for name, value in (("`min_pop`", opts.min_pop), ("`max_pop`", opts.max_pop)):
        if value is not None and value < 0:
            raise DevoplanError(f"{name} must be non-negative, got {value}")
    if opts.min_pop is not None and opts.max_pop is not None and opts.min_pop > opts.max_pop:
        raise DevoplanError(f"`min_pop` {opts.min_pop:,} is larger than `max_pop` {opts.max_pop:,}")
    for key, w in opts.weights.items():
        if key not in WEIGHT_KEYS:
            raise reject_unknown("weight", key, WEIGHT_KEYS)
        if not (isinstance(w, int | float) and math.isfinite(w) and w >= 0):
            raise DevoplanError(f"weight '{key}' must be a finite number >= 0, got {w}")
    if not (isinstance(opts.split_weight, int | float) and 0.0 <= opts.split_weight <= 1.0):
        raise DevoplanError(f"`split_weight` must be between 0 and 1, got {opts.split_weight}")
    if not (math.isfinite(opts.time_limit) and 0 < opts.time_limit <= MAX_TIME_LIMIT):
        raise DevoplanError(f"`time_limit` must be a positive number of seconds, got {opts.time_limit} "
                            f"(at most {MAX_TIME_LIMIT:,.0f}, a week)")
    guard = opts.wall_guard
    if isinstance(guard, bool) or not isinstance(guard, int | float) or math.isnan(guard) or guard <= 0:
        raise DevoplanError(f"`wall_guard` must be a number > 0 (a multiple of `time_limit`; inf for no "
                            f"wall-clock stop), got {guard}")
    budget = opts.bound_seconds
    if (isinstance(budget, bool) or not isinstance(budget, int | float) or not math.isfinite(budget)
            or not 0 < budget <= MAX_TIME_LIMIT):
        raise DevoplanError(f"`bound_seconds` must be a positive number of seconds, got {budget} "
                            f"(at most {MAX_TIME_LIMIT:,.0f}, a week)")
    overlap = set(opts.keep_whole) & set(opts.keep_whole_soft)
    if overlap:
        raise DevoplanError(f"layer(s) {', '.join(sorted(overlap))} named both hard and soft keep-whole")
    for group in opts.together:
        if len(group) < 2:
            raise DevoplanError(f"`together` needs at least two codes, got '{','.join(group)}'")
    for pair in opts.apart:
        if len(pair) != 2 or pair[0] == pair[1]:
            raise DevoplanError(f"`apart` needs two different codes, got '{','.join(pair)}'")
    if opts.frozen_areas and opts.start is None:
        raise DevoplanError("`frozen_areas` needs `start` (the plan whose areas are frozen)")
    for name, code in opts.locks.items():
        if not name or not code:
            raise DevoplanError("`locks` needs CODE=area-name with both parts non-empty")


def weight(opts: DesignOptions, key: str) -> float:
    """The weight of one objective term (the documented default where not given)."""
    return float(opts.weights.get(key, DEFAULT_WEIGHTS[key]))


def full_weights(opts: DesignOptions) -> dict[str, float]:
    return {k: weight(opts, k) for k in WEIGHT_KEYS}


def resolved_do_not_cross(opts: DesignOptions, layer_keys: Iterable[str]) -> tuple[str, ...]:
    """The do-not-cross layers: as given, or by default those of ``DEFAULT_DO_NOT_CROSS`` present."""
    if opts.do_not_cross is not None:
        return opts.do_not_cross
    present = {k.upper() for k in layer_keys}
    return tuple(k for k in DEFAULT_DO_NOT_CROSS if k.upper() in present)


def resolved_bounds(opts: DesignOptions, total_population: int, largest_block: int) -> tuple[int, int]:
    """``(min_pop, max_pop)``: given values, or defaults from the mean area population.

    Defaults: ``min = 0.5 * total / k`` and ``max = max(2 * total / k, largest block that must stay
    whole)`` so that the defaults never make a kept-whole combined authority infeasible on its own.
    """
    mean = total_population / opts.areas
    lo = opts.min_pop if opts.min_pop is not None else math.floor(MIN_POP_FACTOR * mean)
    hi = opts.max_pop if opts.max_pop is not None else max(math.ceil(MAX_POP_FACTOR * mean), largest_block)
    if opts.min_pop is None and lo > hi:
        lo = hi
    return lo, hi


# -- parsing text forms ---------------------------------------------------------------------------
def parse_weights(text: str | None, base: Mapping[str, float] | None = None) -> dict[str, float]:
    """``health=1,economic=0.5`` -> dict; unknown keys and non-numbers rejected; unset keys keep
    ``base`` (a scenario's weights) or the defaults."""
    out = dict(DEFAULT_WEIGHTS) | dict(base or {})
    if not text:
        return out
    for part in _split(text):
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if not sep:
            raise DevoplanError(f"`weights` entry '{part}' is not KEY=NUMBER (keys: {', '.join(WEIGHT_KEYS)})")
        if key not in WEIGHT_KEYS:
            raise reject_unknown("weight", key, WEIGHT_KEYS)
        try:
            out[key] = float(value)
        except ValueError:
            raise DevoplanError(f"`weights` {key}='{value.strip()}' is not a number") from None
    return out


def parse_locks(items: Iterable[str]) -> dict[str, str]:
    """``["E06000001=North East", ...]`` -> ``{code: area name}``; a code locked twice is rejected."""
    out: dict[str, str] = {}
    for item in items:
        code, sep, name = item.partition("=")
        code, name = code.strip(), name.strip()
        if not sep or not code or not name:
            raise DevoplanError(f"`locks` '{item}' is not CODE=area-name")
        if code in out and out[code] != name:
            raise DevoplanError(f"`locks` names {code} twice, to '{out[code]}' and '{name}'")
        out[code] = name
    return out


def parse_groups(items: Iterable[str], field: str, *, pairs: bool = False) -> tuple[tuple[str, ...], ...]:
    """``["A,B", "C,D,E"]`` -> code tuples (``pairs=True`` requires exactly two codes each).

    ``field`` (``together``, ``apart``) names the parameter in errors. Codes may also be names.
    """
    out = []
    for item in items:
        codes = tuple(_split(item))
        if len(codes) < 2 or (pairs and len(codes) != 2):
            need = "exactly two" if pairs else "at least two"
            raise DevoplanError(f"`{field}` '{item}' needs {need} comma-separated codes or names")
        out.append(codes)
    return tuple(out)


def parse_layers(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"UTLA,CAUTH25"`` (or several options) -> layer keys; ``""``/``none`` -> no layers."""
    if text is None:
        return ()
    parts = [text] if isinstance(text, str) else list(text)
    keys: list[str] = []
    for part in parts:
        keys.extend(k for k in _split(part) if k.lower() != "none")
    return tuple(dict.fromkeys(keys))


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]

"""One validation layer for numbers, years, nesting and file sizes from any input.

Every number devoplan reads — a funding spec key, a CSV cell, a command-line option, a JSON field —
goes through :func:`number` (one value) or :func:`numbers` (a column), which refuse what would
otherwise pass a naive range check and poison the arithmetic downstream:

* not a number at all (text, ``true``), NaN (``nan < lo`` is false, so a plain range check lets it
  through), infinity, and finite values too large to mean anything (``1e308``);
* values outside the documented range for the quantity;
* fractions where a whole number is meant, and whole numbers that do not fit a 64-bit integer
  (``2**63`` would wrap to a negative number when stored).

A problem raises the caller's own error type through a :class:`Where`: :class:`Key` gives a
:class:`~devoplan.errors.SpecError` naming the key path, :class:`Cell` an
:class:`~devoplan.errors.InputError` naming file, row and field, :class:`Param` a
:class:`~devoplan.errors.DevoplanError` naming the parameter. Financial years, file sizes and the
nesting depth of TOML/JSON documents are bounded here too, so every reader applies the same limits
before it spends time or memory.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np

from devoplan.errors import DevoplanError, InputError, SpecError

T = TypeVar("T")
INT64_MAX = 2**63 - 1
# A finite number above this is refused everywhere: no quantity devoplan handles gets near it, and
# squaring or summing a few of them would overflow a float.
MAX_MAGNITUDE = 1e15
# Money in pounds: ten times the UK's GDP. Sums of many such figures still fit in int64 pence.
MAX_POUNDS = 1e13
# Rates a year (cash growth, pace floor and cap): at most doubling.
MAX_RATE = 1.0
# Need strength: the multiplier is exp(strength x z), so 10 already spans e^±30 between areas.
MAX_STRENGTH = 10.0
# Relative weights and costs (indicator weights, age-sex cost curves) are ratios between figures.
MAX_RELATIVE = 1e6
# Residents of one unit (the world has about 8 billion people); a total of 10^6 such units fits int64.
MAX_POPULATION = 10**10
# A search budget in seconds (a week).
MAX_TIME_LIMIT = 7 * 24 * 3600.0
# Financial years a plan can sensibly cover (``"1990/91"`` to ``"2100/01"``).
FIRST_YEAR, LAST_YEAR = 1990, 2100
# Input files are read whole; refuse bigger ones before reading (England's largest bundled file is ~4 MB).
MAX_FILE_BYTES = 100_000_000
# Deepest nesting of tables/arrays/objects accepted in a TOML or JSON document (devoplan's use 4).
MAX_DEPTH = 32


class Where(Protocol):
    """Where a value came from; turns a message into the right one-line error."""

    def error(self, message: str) -> DevoplanError: ...


@dataclass(frozen=True)
class Key:
    """A key path in a specification file, e.g. ``lines.health.need.strength``."""

    key: str
    file: Path | None = None

    def error(self, message: str) -> DevoplanError:
        return SpecError(message, key=self.key, file=self.file)


@dataclass(frozen=True)
class Cell:
    """A file, optionally a row (1 = the header) and a field (column or JSON path)."""

    file: str | Path | None
    row: int | None = None
    field: str | None = None

    def error(self, message: str) -> DevoplanError:
        return InputError(message, file=self.file, row=self.row, field=self.field)


@dataclass(frozen=True)
class Param:
    """A named parameter of a library call (the CLI names the matching option)."""

    name: str

    def error(self, message: str) -> DevoplanError:
        return DevoplanError(f"{self.name}: {message}")


@dataclass(frozen=True)
class Bounds:
    """What a number must be: ``lo``/``hi`` (inclusive unless ``*_open``), whole, within int64."""

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    integer: bool = False


def number(value: object, where: Where, *, lo: float | None = None, hi: float | None = None,
           lo_open: bool = False, hi_open: bool = False, integer: bool = False) -> float:
    """``value`` as a finite float within the bounds, or ``where.error(...)`` naming what is wrong.

    Whole numbers (``integer=True``) must also fit a 64-bit integer; every value must lie within
    ±``MAX_MAGNITUDE`` unless the bounds say otherwise.
    """
    return check(value, where, Bounds(lo, hi, lo_open, hi_open, integer))


def whole(value: object, where: Where, *, lo: float | None = None, hi: float | None = None) -> int:
    """A whole number (an ``int``) within the bounds and int64."""
    return int(check(value, where, Bounds(lo, hi, integer=True)))


def check(value: object, where: Where, bounds: Bounds) -> float:
    """The single check behind :func:`number` and :func:`whole`."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise where.error(f"must be a number, not {_show(value)}")
    if isinstance(value, int | np.integer) and abs(int(value)) > INT64_MAX:
        raise where.error(f"{_show(value)} is too large (whole numbers must fit in 64 bits)")
    x = float(value)
    if math.isnan(x):
        raise where.error("must be a number, not NaN")
    if math.isinf(x):
        raise where.error(f"must be finite, not {x}")
    _in_bounds(x, where, bounds)
    return x


def _in_bounds(x: float, where: Where, b: Bounds) -> None:
    lo_bad = b.lo is not None and (x <= b.lo if b.lo_open else x < b.lo)
    hi_bad = b.hi is not None and (x >= b.hi if b.hi_open else x > b.hi)
    if lo_bad:
        raise where.error(f"must be {'above' if b.lo_open else 'at least'} {b.lo:g}, not {x:g}")
    if hi_bad:
        raise where.error(f"must be {'below' if b.hi_open else 'at most'} {b.hi:g}, not {x:g}")
    limit = MAX_MAGNITUDE if b.hi is None or b.hi < MAX_MAGNITUDE else b.hi
    if abs(x) > max(limit, -(b.lo or 0.0)):
        raise where.error(f"{x:g} is too large to be meaningful (limit {limit:g})")
    if b.integer:
        if x != math.floor(x):
            raise where.error(f"must be a whole number, not {x:g}")
        if abs(x) >= 2.0**63:
            raise where.error(f"{x:g} is too large (whole numbers must fit in 64 bits)")


def numbers(values: np.ndarray, file: str | Path, field: str, bounds: Bounds, *,
            rows: Sequence[int] | None = None, text: Sequence[str] | None = None) -> np.ndarray:
    """Check a column of parsed floats (NaN = not a number); the first bad one is named by row.

    ``rows`` gives each value's row number in the file (default: header row 1, data from row 2);
    ``text`` the cells as written, for messages.
    """
    arr = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(arr)
    with np.errstate(invalid="ignore"):
        if bounds.lo is not None:
            ok &= arr > bounds.lo if bounds.lo_open else arr >= bounds.lo
        if bounds.hi is not None:
            ok &= arr < bounds.hi if bounds.hi_open else arr <= bounds.hi
        limit = MAX_MAGNITUDE if bounds.hi is None or bounds.hi < MAX_MAGNITUDE else bounds.hi
        ok &= np.abs(arr) <= max(limit, -(bounds.lo or 0.0))
        if bounds.integer:
            ok &= (arr == np.floor(arr)) & (np.abs(arr) < 2.0**63)
    if ok.all():
        return arr
    i = int(np.flatnonzero(~ok)[0])
    row = rows[i] if rows is not None else i + 2
    shown = text[i] if text is not None else arr[i]
    value: object = float("nan") if text is not None and np.isnan(arr[i]) else arr[i]
    try:
        check(value, Cell(file, row, field), bounds)
    except DevoplanError as exc:
        if text is not None and np.isnan(arr[i]):
            raise InputError(f"'{shown}' is not a number", file=file, row=row, field=field) from None
        raise exc from None
    raise InputError(f"{shown!r} is not allowed", file=file, row=row, field=field)  # pragma: no cover


# -- financial years ------------------------------------------------------------------------------
_YEAR = re.compile(r"^(\d{4})/(\d{2})$")


def financial_year(text: str) -> int:
    """The first calendar year of ``"2026/27"``; raises ValueError unless it is a real, sane one."""
    match = _YEAR.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"'{text}' is not a financial year like \"2026/27\"")
    start = int(match.group(1))
    if int(match.group(2)) != (start + 1) % 100:
        raise ValueError(f"'{text}' is not a financial year: {match.group(2)} does not follow {start}")
    if not FIRST_YEAR <= start <= LAST_YEAR:
        raise ValueError(f"'{text}' is outside the years devoplan plans for "
                         f"({FIRST_YEAR}/{(FIRST_YEAR + 1) % 100:02d} to {LAST_YEAR}/{(LAST_YEAR + 1) % 100:02d})")
    return start


# -- files and documents --------------------------------------------------------------------------
def readable_file(path: Path, *, what: str = "file", limit: int = MAX_FILE_BYTES) -> Path:
    """Refuse, before reading, a path that is missing, a directory, unreadable or too big."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"is a directory, not a {what}", file=path)
    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except FileNotFoundError:
        raise InputError(f"{what} not found", file=path) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", file=path) from None
    if size > limit:
        raise InputError(f"is {size / 1e6:,.0f} MB; devoplan reads files up to {limit / 1e6:,.0f} MB "
                         f"(is this the right {what}?)", file=path)
    return path


def read_text(path: Path, *, what: str = "file", limit: int = MAX_FILE_BYTES) -> str:
    """A UTF-8 text file (a byte-order mark is accepted and dropped), checked first by :func:`readable_file`."""
    data = readable_file(path, what=what, limit=limit).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"is not UTF-8 text (byte {data[exc.start]:#04x} on line {line}); save it as UTF-8",
                         file=path, row=line) from None


def parse_document(text: str, parse: Callable[[str], T], where: Where, *, limit: int = MAX_DEPTH) -> T:
    """Parse TOML/JSON text with ``parse``, refusing documents nested deeper than ``limit``.

    A recursive parser meeting thousands of nested brackets raises RecursionError; that and any depth
    over ``limit`` become one line naming the file.
    """
    try:
        value = parse(text)
    except RecursionError:
        raise where.error(f"is nested more than {limit} levels deep") from None
    check_depth(value, where, limit=limit)
    return value


def check_depth(value: object, where: Where, *, limit: int = MAX_DEPTH) -> None:
    """Refuse a parsed document nested deeper than ``limit`` (iteratively: no recursion to exhaust)."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            raise where.error(f"is nested more than {limit} levels deep")
        if isinstance(item, Mapping):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list | tuple):
            stack.extend((v, depth + 1) for v in item)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# -- specification documents ----------------------------------------------------------------------
@dataclass(frozen=True)
class SpecReader:
    """Typed reads from a parsed TOML/JSON specification; every error is a SpecError naming the file
    and key path (``groups[2].p_with``). Numbers go through :func:`number`, so NaN, infinity, text
    and out-of-range values are refused with the same words everywhere."""

    file: Path | None = None

    def error(self, path: str, message: str) -> DevoplanError:
        return Key(path, self.file).error(message)

    def only(self, table: Mapping[str, object], path: str, allowed: Sequence[str]) -> None:
        """Refuse a key not in ``allowed`` (a typo would otherwise be silently ignored)."""
        for key in table:
            if key not in allowed:
                raise self.error(join_key(path, key), f"unknown key; allowed here: {', '.join(allowed)}")

    def table(self, parent: Mapping[str, object], key: str, path: str = "", *,
              required: bool = True) -> dict[str, object]:
        """The sub-table ``key`` (an empty one when optional and absent)."""
        if key not in parent:
            if required:
                raise self.error(join_key(path, key), "is missing")
            return {}
        value = parent[key]
        if not isinstance(value, dict):
            raise self.error(join_key(path, key), "must be a table")
        return value

    def text(self, table: Mapping[str, object], key: str, path: str, default: str | None = None) -> str:
        """A non-empty string (``default`` when absent; required when there is no default)."""
        if key not in table:
            if default is None:
                raise self.error(join_key(path, key), "is missing")
            return default
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            raise self.error(join_key(path, key), "must be a non-empty string")
        return value.strip()

    def number(self, table: Mapping[str, object], key: str, path: str, *, default: float | None = None,
               lo: float | None = None, hi: float | None = None, integer: bool = False) -> float:
        """A checked number (:func:`number`); ``default`` when absent, required when there is none."""
        if key not in table:
            if default is None:
                raise self.error(join_key(path, key), "is missing")
            return default
        return number(table[key], Key(join_key(path, key), self.file), lo=lo, hi=hi, integer=integer)


def join_key(parent: str, key: str) -> str:
    """``parent.key`` (just ``key`` at the top level)."""
    return f"{parent}.{key}" if parent else key

"""Outcome indicators: their definitions and values by district, loaded and validated.

An outcomes directory (the packaged one is ``devoplan/data/outcomes``; docs/outcomes.md gives the
format) holds ``indicators.csv`` (one row per indicator), ``districts.csv`` (one row per indicator,
district and period: value, 95% interval, and for count indicators the count and denominator),
``published.csv`` (the same for published geographies: regions, combined authorities, counties,
police force areas, England) and ``comparators.csv``. Every file is checked as it is read; a bad
cell raises an :class:`~devoplan.errors.InputError` naming the file, row and field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from devoplan.errors import DevoplanError, InputError, reject_unknown
from devoplan.textcsv import read_text_csv

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "data" / "outcomes"
POLARITIES: tuple[str, ...] = ("higher_is_better", "higher_is_worse", "no_judgement")
KINDS: tuple[str, ...] = ("mean", "count")
PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})|/(\d{2}))?$")
INDICATOR_COLUMNS = ("key", "name", "unit", "polarity", "kind", "multiplier", "ages", "sex", "periods",
                     "publisher", "dataset", "url")
VALUE_COLUMNS = ("indicator", "code", "period", "value", "lci", "uci", "count", "denominator")
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Indicator:
    """One outcome indicator. ``ages`` (``lo-hi``, 90 = 90 and over) and ``sex`` (``F``, ``M`` or
    empty for persons) pick the bundled population that weights districts when they are combined."""

    key: str
    name: str
    unit: str
    polarity: str
    kind: str
    multiplier: float
    ages: tuple[int, int]
    sex: str
    periods: tuple[str, ...]
    publisher: str
    dataset: str
    url: str

    @property
    def latest(self) -> str:
        return self.periods[-1]

    @property
    def denominator_label(self) -> str:
        who = {"F": "females", "M": "males"}.get(self.sex, "persons")
        lo, hi = self.ages
        ages = "all ages" if (lo, hi) == (0, 90) else f"aged {lo}+" if hi == 90 else f"aged {lo}-{hi}"
        return f"{who} {ages} (Census 2021)"


@dataclass(frozen=True)
class OutcomeData:
    """Indicators and their values (district rows and published rows) as loaded from a directory."""

    directory: Path
    indicators: dict[str, Indicator]
    districts: pd.DataFrame  # VALUE_COLUMNS + source
    published: pd.DataFrame  # VALUE_COLUMNS
    comparators: pd.DataFrame  # set, code, rank, neighbour, closeness

    def indicator(self, key: str) -> Indicator:
        if key not in self.indicators:
            raise reject_unknown("indicator", key, tuple(self.indicators))
        return self.indicators[key]

    def select(self, keys: list[str] | tuple[str, ...] | None) -> tuple[Indicator, ...]:
        """The named indicators in the order given (all, in file order, when ``keys`` is empty)."""
        if not keys:
            return tuple(self.indicators.values())
        return tuple(self.indicator(k) for k in keys)

    @cached_property
    def district_groups(self) -> dict[tuple[str, str], pd.DataFrame]:
        """District rows by (indicator, period), indexed by district code."""
        return {key: frame.set_index("code") for key, frame in self.districts.groupby(["indicator", "period"])}

    @cached_property
    def comparator_index(self) -> dict[tuple[str, str], list[tuple[int, str, str]]]:
        """Published neighbour sets by (set, authority code): (rank, neighbour code, closeness), by rank."""
        out: dict[tuple[str, str], list[tuple[int, str, str]]] = {}
        frame = self.comparators
        closeness = frame["closeness"].fillna("") if "closeness" in frame else pd.Series("", index=frame.index)
        for which, code, rank, neighbour, close in zip(frame["set"], frame["code"], frame["rank"], frame["neighbour"],
                                                       closeness, strict=True):
            out.setdefault((str(which), str(code)), []).append((int(rank), str(neighbour), str(close)))
        return {key: sorted(rows) for key, rows in out.items()}

    @cached_property
    def published_index(self) -> dict[tuple[str, str, str], Any]:
        """Published rows by (indicator, period, code)."""
        return {(r.indicator, r.period, r.code): r for r in self.published.itertuples(index=False)}


def load_outcomes(directory: str | Path | None = None) -> OutcomeData:
    """Read and validate an outcomes directory (the packaged England bundle by default)."""
    path = Path(directory) if directory is not None else DEFAULT_DIR
    if not path.is_dir():
        raise InputError("outcomes directory not found", file=str(path))
    indicators = _read_indicators(path / "indicators.csv")
    districts = _read_values(path / "districts.csv", indicators, extra=("source",))
    published = _read_values(path / "published.csv", indicators, extra=())
    comparators = _read_csv(path / "comparators.csv", ("set", "code", "rank", "neighbour"))
    return OutcomeData(path, indicators, districts, published, comparators)


def _read_csv(file: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    if not file.is_file():
        raise InputError("file not found", file=str(file))
    return read_text_csv(file, columns)


def _read_indicators(file: Path) -> dict[str, Indicator]:
    frame = _read_csv(file, INDICATOR_COLUMNS)
    out: dict[str, Indicator] = {}
    for i, row in enumerate(frame.fillna("").itertuples(index=False), start=2):
        def bad(field: str, message: str, row_no: int = i) -> InputError:
            return InputError(message, file=str(file), row=row_no, field=field)

        key = str(row.key)
        if not key or key in out:
            raise bad("key", f"indicator key {key!r} is empty or repeated")
        if row.polarity not in POLARITIES:
            raise bad("polarity", f"{row.polarity!r} is not one of {', '.join(POLARITIES)}")
        if row.kind not in KINDS:
            raise bad("kind", f"{row.kind!r} is not one of {', '.join(KINDS)}")
        ages = re.fullmatch(r"(\d{1,2})-(\d{1,2})", str(row.ages))
        if not ages or int(ages[1]) > int(ages[2]) or int(ages[2]) > 90:
            raise bad("ages", f"{row.ages!r} is not an age band lo-hi within 0-90")
        if row.sex not in ("", "F", "M"):
            raise bad("sex", f"{row.sex!r} is not F, M or empty (persons)")
        periods = tuple(str(row.periods).split())
        for period in periods:
            _check_period(period, file, i, "periods")
        if not periods:
            raise bad("periods", "no periods listed")
        try:
            multiplier = float(row.multiplier)
        except ValueError:
            raise bad("multiplier", f"not a number: {row.multiplier!r}") from None
        out[key] = Indicator(key, str(row.name), str(row.unit), str(row.polarity), str(row.kind), multiplier,
                             (int(ages[1]), int(ages[2])), str(row.sex), periods, str(row.publisher),
                             str(row.dataset), str(row.url))
    return out


def _check_period(period: str, file: Path, row: int, field: str) -> None:
    """A period label is ``2024``, ``2022-24`` (calendar years) or ``2023/24`` (twelve months)."""
    match = PERIOD.match(period)
    ok = match is not None
    if match and (match[2] or match[3]):
        ok = int(match[2] or match[3]) == (int(match[1]) + (1 if match[3] else 0)) % 100 or bool(match[2])
    if not ok:
        raise InputError(f"malformed period {period!r} (expected 2024, 2022-24 or 2023/24)",
                         file=str(file), row=row, field=field)


def _read_values(file: Path, indicators: dict[str, Indicator], extra: tuple[str, ...]) -> pd.DataFrame:
    frame = _read_csv(file, VALUE_COLUMNS + extra)
    rows = np.arange(len(frame)) + 2
    unknown = ~frame["indicator"].isin(list(indicators))
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise InputError(f"unknown indicator {frame['indicator'].iloc[i]!r}", file=str(file), row=int(rows[i]),
                         field="indicator")
    for i, period in enumerate(frame["period"].fillna("")):
        if not PERIOD.match(period):
            _check_period(period, file, int(rows[i]), "period")
    out = frame.loc[:, list(VALUE_COLUMNS + extra)].copy()
    for column in ("value", "lci", "uci", "count", "denominator"):
        out[column] = _numbers(frame[column], file, rows, column)
    _check_values(out, file, rows)
    if "source" in out:
        out["source"] = out["source"].fillna("")
    return out


def _numbers(column: pd.Series, file: Path, rows: np.ndarray, field: str) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(values) & column.notna().to_numpy() | np.isinf(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"not a number: {column.iloc[i]!r}", file=str(file), row=int(rows[i]), field=field)
    return values


def _check_values(frame: pd.DataFrame, file: Path, rows: np.ndarray) -> None:
    def fail(mask: np.ndarray, field: str, message: str) -> None:
        if mask.any():
            i = int(np.flatnonzero(mask)[0])
            raise InputError(message, file=str(file), row=int(rows[i]), field=field)

    fail(frame["count"].to_numpy() < 0, "count", "a count cannot be negative")
    fail(frame["denominator"].to_numpy() <= 0, "denominator", "a denominator must be positive")
    lci, uci, value = (frame[c].to_numpy() for c in ("lci", "uci", "value"))
    fail(lci > value + 1e-9, "lci", "the lower limit is above the value")
    fail(uci < value - 1e-9, "uci", "the upper limit is below the value")
    fail(np.isnan(lci) != np.isnan(uci), "uci", "give both limits of the interval or neither")
    fail(frame.duplicated(["indicator", "code", "period"]).to_numpy(), "code",
         "the same indicator, code and period appear twice")


def check_codes(data: OutcomeData, unit_codes: tuple[str, ...]) -> None:
    """Every district row must name a unit of the geography in use."""
    known = set(unit_codes)
    bad = ~data.districts["code"].isin(known).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"district {data.districts['code'].iloc[i]!r} is not a unit of the geography",
                         file=str(data.directory / "districts.csv"), row=int(data.districts.index[i]) + 2,
                         field="code")


def period_or_latest(indicator: Indicator, period: str | None) -> str:
    """``period`` if the indicator has it, else its latest; an unknown period is an error."""
    if period is None:
        return indicator.latest
    if period not in indicator.periods:
        raise DevoplanError(f"indicator {indicator.key} has no period {period!r}; it has "
                            f"{', '.join(indicator.periods)}")
    return period

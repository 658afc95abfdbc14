"""Financial years (``"2026/27"``): parsing, ranges and control totals grown year on year.

English public finance runs April to March; a year is written ``YYYY/YY``. The settlement is a run
of consecutive years, so anything out of order or with gaps is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

from devoplan.validate import financial_year


def parse_year(text: str) -> int:
    """The starting calendar year of a financial year ``"2026/27"`` in the supported range (raises ValueError)."""
    return financial_year(text)


def format_year(start: int) -> str:
    return f"{start}/{(start + 1) % 100:02d}"


def check_consecutive(starts: Sequence[int]) -> None:
    """Raise ValueError unless the years run one after another with no gap or repeat."""
    for a, b in pairwise(starts):
        if b != a + 1:
            raise ValueError(f"years out of order: {format_year(b)} follows {format_year(a)}; "
                             "list consecutive years in order")


def parse_range(text: str) -> tuple[str, ...]:
    """``"2026/27-2029/30"`` (or a single year) -> the consecutive years it spans."""
    first, dash, last = text.partition("-")
    a = parse_year(first)
    b = parse_year(last) if dash else a
    if b < a:
        raise ValueError(f"years out of order: {format_year(b)} is before {format_year(a)}")
    return tuple(format_year(y) for y in range(a, b + 1))


def grown_totals(total: float, total_year: str, growth: float, growth_by_year: Mapping[str, float],
                 years: Sequence[str]) -> list[float]:
    """Cash totals for ``years`` from ``total`` in ``total_year``, growing by each year's rate.

    The rate for year ``y`` (``growth_by_year[y]``, else ``growth``) takes ``y-1`` to ``y``;
    years before ``total_year`` are found by dividing back.
    """
    base = parse_year(total_year)

    def rate(start: int) -> float:
        return growth_by_year.get(format_year(start), growth)

    out = []
    for y in years:
        start = parse_year(y)
        value = total
        for s in range(base + 1, start + 1):
            value *= 1.0 + rate(s)
        for s in range(start + 1, base + 1):
            value /= 1.0 + rate(s)
        out.append(value)
    return out

"""Benchmarking as public-health analysts do it (OHID Fingertips, PHEindicatormethods).

Each area's 95% and 99.8% confidence intervals are compared with England's value: an interval
wholly above or below it is significantly different, oriented by the indicator's polarity
(``better``/``worse``; ``higher``/``lower`` for indicators with no judgement), otherwise
``similar``. Indicators published without intervals are ``not compared``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from devoplan.outcomes.aggregate import Z998, AreaValues
from devoplan.outcomes.indicators import Z95

NOT_COMPARED = "not compared"


@dataclass(frozen=True)
class Benchmark:
    """Areas against England for one indicator and period."""

    values: AreaValues
    england: tuple[float, float, float]  # value, lci, uci
    comparison: tuple[str, ...]  # at 95%
    comparison_998: tuple[str, ...]  # at 99.8%


def compare(lci: np.ndarray, uci: np.ndarray, target: float, polarity: str) -> tuple[str, ...]:
    """``better``/``similar``/``worse`` (or ``higher``/``lower``) for each interval against ``target``."""
    above, below = ("worse", "better") if polarity == "higher_is_worse" else ("better", "worse")
    if polarity == "no_judgement":
        above, below = "higher", "lower"
    out = []
    for lo, hi in zip(lci, uci, strict=True):
        if not (np.isfinite(lo) and np.isfinite(hi)) or not np.isfinite(target):
            out.append(NOT_COMPARED)
        elif lo > target:
            out.append(above)
        elif hi < target:
            out.append(below)
        else:
            out.append("similar")
    return tuple(out)


def benchmark(values: AreaValues, england: list[float]) -> Benchmark:
    """Compare every area with England at 95% and 99.8%."""
    target = england[0]
    polarity = values.indicator.polarity
    return Benchmark(values, (england[0], england[1], england[2]),
                     compare(values.lci, values.uci, target, polarity),
                     compare(values.lci99, values.uci99, target, polarity))


# -- funnel plots -------------------------------------------------------------------------------
WINSOR = 0.10


@dataclass(frozen=True)
class Funnel:
    """Control limits around England's value against each area's precision (1 / standard error).

    Overdispersion follows Spiegelhalter (2005): z-scores ``(y - target) / SE`` winsorised at the
    10th and 90th percentiles give ``phi = mean(z^2)``; when ``n phi`` exceeds the 95th percentile
    of chi-squared on ``n - 1`` degrees of freedom the data are overdispersed, and an additive
    between-area variance ``tau2 = (n phi - (n - 1)) / (sum w - sum w^2 / sum w)``, ``w = 1/SE^2``,
    widens the limits to ``target +- z sqrt(SE^2 + tau2)``.
    """

    target: float
    precision: np.ndarray
    value: np.ndarray
    phi: float
    tau2: float
    overdispersed: bool
    outside_95: tuple[str, ...]  # "above", "below" or "" per area
    outside_998: tuple[str, ...]

    def limits(self, precision: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper control limits at the given precisions."""
        spread = z * np.sqrt(1.0 / np.asarray(precision, dtype=np.float64) ** 2 + self.tau2)
        return self.target - spread, self.target + spread


def funnel(values: AreaValues, target: float) -> Funnel | None:
    """The funnel of an indicator's areas (None without intervals or with fewer than 3 areas)."""
    se = values.se
    ok = np.isfinite(values.value) & np.isfinite(se) & (se > 0)
    n = int(ok.sum())
    if n < 3 or not np.isfinite(target):
        return None
    y, s = values.value[ok], se[ok]
    z = (y - target) / s
    lo, hi = np.quantile(z, [WINSOR, 1 - WINSOR])
    phi = float(np.mean(np.clip(z, lo, hi) ** 2))
    overdispersed = n * phi > stats.chi2.ppf(0.95, n - 1)
    tau2 = 0.0
    if overdispersed:
        w = 1 / s**2
        tau2 = max(0.0, (n * phi - (n - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    precision = np.where(ok, 1 / np.where(ok, se, 1.0), np.nan)
    result = Funnel(target, precision, values.value, phi, tau2, bool(overdispersed), (), ())
    marks = []
    for zz in (Z95, Z998):
        low, high = result.limits(np.where(ok, precision, 1.0), zz)
        marks.append(tuple("above" if ok[i] and values.value[i] > high[i] else
                           "below" if ok[i] and values.value[i] < low[i] else "" for i in range(len(ok))))
    return Funnel(target, precision, values.value, phi, tau2, bool(overdispersed), marks[0], marks[1])


# -- spine charts and variation -----------------------------------------------------------------
@dataclass(frozen=True)
class Spread:
    """How far apart the areas are: range and quartiles oriented worst to best, and variation ratios."""

    worst: float
    q25: float  # the quartile on the worse side
    q75: float  # the quartile on the better side
    best: float
    ratio: float  # highest / lowest
    ratio_90_10: float  # 90th / 10th percentile


def spread(values: AreaValues) -> Spread | None:
    """Quartiles for a spine chart and the variation ratios (None with fewer than 2 values)."""
    v = values.value[np.isfinite(values.value)]
    if len(v) < 2:
        return None
    lo, q1, q3, hi, p10, p90 = np.quantile(v, [0, 0.25, 0.75, 1, 0.1, 0.9])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio, ratio_90 = float(hi / lo), float(p90 / p10)
    if values.indicator.polarity == "higher_is_worse":
        return Spread(float(hi), float(q3), float(q1), float(lo), ratio, ratio_90)
    return Spread(float(lo), float(q1), float(q3), float(hi), ratio, ratio_90)


def spine_position(value: float, s: Spread, england: float) -> float:
    """Where ``value`` sits on a spine chart: 0 at the worst area, 1 at the best, England at 0.5."""
    if not np.isfinite(value):
        return float("nan")
    if (value - england) * (s.best - england) >= 0:
        span = s.best - england
        return 0.5 + 0.5 * ((value - england) / span if span else 0.0)
    span = england - s.worst
    return 0.5 - 0.5 * ((england - value) / span if span else 0.0)


# -- trends -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Trend:
    """Change per year over the periods available, with a significance marker."""

    slope: float  # units per year
    se: float
    marker: str  # improving / worsening / increasing / decreasing / no significant change / not enough data


def period_year(period: str) -> int:
    return int(period[:4])


def trend(series: list[AreaValues], area: int) -> Trend:
    """Weighted least squares of the area's values on the period's first year (weights 1/SE^2;
    ordinary least squares with a t-test when the periods have no intervals); significant at 5%."""
    x = np.array([period_year(v.period) for v in series], dtype=np.float64)
    y = np.array([v.value[area] for v in series])
    se = np.array([v.se[area] for v in series])
    ok = np.isfinite(y)
    if ok.sum() < 3:
        return Trend(float("nan"), float("nan"), "not enough data")
    x, y, se = x[ok], y[ok], se[ok]
    if np.all(np.isfinite(se) & (se > 0)):
        w = 1 / se**2
        xm = (w * x).sum() / w.sum()
        sxx = (w * (x - xm) ** 2).sum()
        slope = float((w * (x - xm) * (y - (w * y).sum() / w.sum())).sum() / sxx)
        slope_se, critical = float(np.sqrt(1 / sxx)), Z95
    else:
        fit = stats.linregress(x, y)
        slope, slope_se = float(fit.slope), float(fit.stderr)
        critical = float(stats.t.ppf(0.975, len(x) - 2))
    significant = slope_se > 0 and abs(slope) > critical * slope_se
    polarity = series[0].indicator.polarity
    if not significant:
        marker = "no significant change"
    elif polarity == "no_judgement":
        marker = "increasing" if slope > 0 else "decreasing"
    else:
        marker = "improving" if (slope > 0) == (polarity == "higher_is_better") else "worsening"
    return Trend(slope, slope_se, marker)


# -- inequality inside an area ------------------------------------------------------------------
MIN_SII_DISTRICTS = 5


@dataclass(frozen=True)
class Inequality:
    """Slope index of inequality across an area's districts ranked by deprivation."""

    sii: float  # least deprived end minus most deprived end of the fitted line
    lci: float
    uci: float
    districts: int


def slope_index(value: np.ndarray, weight: np.ndarray, deprivation: np.ndarray) -> Inequality | None:
    """SII over districts ranked from most to least deprived by ``deprivation`` (higher = more deprived).

    Each district sits at the midpoint of its share of the area's cumulative population; the value is
    regressed on that rank by weighted least squares (weights: population); the SII is the fitted
    difference between the least (rank 1) and the most deprived (rank 0) ends, with a 95% interval
    from the regression's standard error (t on n - 2 degrees of freedom). Needs 5 districts.
    """
    ok = np.isfinite(value) & np.isfinite(deprivation) & (weight > 0)
    n = int(ok.sum())
    if n < MIN_SII_DISTRICTS:
        return None
    order = np.argsort(-deprivation[ok], kind="stable")
    v, w = value[ok][order], weight[ok][order]
    share = w / w.sum()
    x = np.cumsum(share) - share / 2
    xm = (share * x).sum()
    sxx = (share * (x - xm) ** 2).sum()
    slope = float((share * (x - xm) * (v - (share * v).sum())).sum() / sxx)
    resid = v - ((share * v).sum() + slope * (x - xm))
    sigma2 = float((share * resid**2).sum() * n / (n - 2))
    slope_se = float(np.sqrt(sigma2 / (sxx * n)))
    t = float(stats.t.ppf(0.975, n - 2))
    return Inequality(slope, slope - t * slope_se, slope + t * slope_se, n)

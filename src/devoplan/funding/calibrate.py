"""Calibrate the transparent district-level health formula against NHS England's own weights.

NHS England's need per registered patient in each district (core weighted population / registered
patients, relative to England, 2025/26) is the thing to match. The transparent formula's need per
resident is ``age-sex index x exp(strength x weighted mean z) x (1 + unmet x max(z_u, 0))``. Taking
logs and keeping the age-sex curve as it is, the remaining need is fitted by non-negative least
squares, weighted by registered patients::

    log(NHS index_d) - log(age-sex index_d) = a + sum_k c_k z_dk + c_u max(z_ud, 0)

so the fitted strength is ``sum c_k``, each indicator's weight ``c_k / sum c_k`` and the unmet-need
strength ``c_u`` (``exp(x) ~ 1 + x`` for the one-sided term). Coefficients are non-negative because
the spec's weights must be. Fit is reported at district level (weighted R^2 of the log model) and at
ICB level (correlation of the calibrated formula's ICB need shares with NHS England's core weighted
population shares, and the largest difference in per cent).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from devoplan.errors import DevoplanError
from devoplan.funding import money
from devoplan.funding.components import band_curve, cost_weighted_population, standardise
from devoplan.funding.spec import FundingSpec
from devoplan.geography.model import Geography

CALIBRATION_YEAR = "2025/26"


@dataclass(frozen=True)
class Calibration:
    """Fitted need strength, indicator weights and unmet-need strength, with the fit."""

    strength: float
    weights: dict[str, float]
    unmet_strength: float
    r2_district: float
    n_districts: int


def calibrate_health(geography: Geography, spec: FundingSpec, line_key: str = "health") -> Calibration:
    """Fit the line's need strength, weights and unmet-need strength to NHS England's core weights."""
    line = spec.line(line_key)
    if line.need is None or line.age_sex is None or geography.units.age_sex is None:
        raise DevoplanError(f"line {line_key} needs an age_sex table and a need table to calibrate")
    pop = geography.units.population.astype(np.float64)
    reg = money.nhs_weighted(geography, "registered", CALIBRATION_YEAR)
    core = money.nhs_weighted(geography, "core", CALIBRATION_YEAR)
    ok = (reg > 0) & (pop > 0)
    nhs = (core / np.where(ok, reg, 1.0)) / (core[ok].sum() / reg[ok].sum())
    cost = cost_weighted_population(geography.units.age_sex, band_curve(line.age_sex, geography.units.age_sex.shape[2]))
    y = np.log(np.where(ok, nhs, 1.0)) - np.log(cost / pop)
    keys = [i.key for i in line.need.indicators]
    cols, worse = [], []
    for key in keys:
        cols.append(geography.indicators.column(key))
        worse.append(geography.indicators.get_meta(key).direction == "higher_is_worse")
    z = standardise(np.column_stack(cols), pop, worse).z
    columns = [z]
    if line.unmet_need is not None:
        zu = standardise(geography.indicators.column(line.unmet_need.indicator)[:, None], pop,
                         [geography.indicators.get_meta(line.unmet_need.indicator).direction == "higher_is_worse"]).z
        columns.append(np.maximum(zu, 0.0))
    x = np.column_stack(columns)[ok]
    w = reg[ok] / reg[ok].sum()
    yc = y[ok] - (w * y[ok]).sum()
    xc = x - (w[:, None] * x).sum(axis=0)
    root = np.sqrt(w)
    coef, _ = nnls(xc * root[:, None], yc * root)
    c_need = coef[: len(keys)]
    strength = float(c_need.sum())
    if strength <= 0:
        raise DevoplanError("no indicator explains NHS England's need beyond age and sex (all coefficients 0)")
    fitted = xc @ coef
    r2 = 1.0 - float((w * (yc - fitted) ** 2).sum() / (w * yc**2).sum())
    return Calibration(strength=strength, weights={k: float(c / strength) for k, c in zip(keys, c_need, strict=True)},
                       unmet_strength=float(coef[len(keys)]) if line.unmet_need is not None else 0.0,
                       r2_district=r2, n_districts=int(ok.sum()))

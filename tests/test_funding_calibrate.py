"""The transparent spec's health need is calibrated to NHS England's weights: the shipped numbers are
what the regression gives, and the fit reported in docs/funding.md is what the code measures."""

from __future__ import annotations

import numpy as np

from devoplan.funding import fund, load_spec, money, shipped_spec_path
from devoplan.funding.calibrate import calibrate_health
from devoplan.geography.loader import load_geography


def test_shipped_transparent_spec_holds_the_calibrated_numbers() -> None:
    geo = load_geography()
    spec = load_spec(shipped_spec_path("transparent"))
    fit = calibrate_health(geo, spec)
    health = spec.line("health")
    assert health.need is not None and health.unmet_need is not None
    assert round(fit.strength, 3) == health.need.strength
    assert {k: round(v, 2) for k, v in fit.weights.items()} == {i.key: i.weight for i in health.need.indicators}
    assert round(fit.unmet_strength, 3) == health.unmet_need.strength
    assert (fit.n_districts, round(fit.r2_district, 2)) == (296, 0.78)


def test_calibrated_formula_fits_nhs_england_at_icb_level() -> None:
    geo = load_geography()
    result = fund(geo, "ICB", shipped_spec_path("transparent"))
    health = next(ln for ln in result.lines if ln.key == "health")
    ours = health.target_share
    layer = geo.layer("ICB")
    core = np.asarray(layer.membership.T @ money.nhs_weighted(geo, "core", "2025/26"))
    theirs = core / core.sum()
    r = float(np.corrcoef(ours, theirs)[0, 1])
    worst = float(np.abs(ours / theirs - 1).max())
    assert (round(r, 3), round(worst * 100, 1)) == (0.984, 19.0)  # before calibration: 0.977, 23.8

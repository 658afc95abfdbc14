"""Market health per area: the contestable (APMS) share of GP patients, payments per patient, HHI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from devoplan import load_geography
from devoplan.markets.health import _area, market_health
from devoplan.plan import Plan
from devoplan.testing.cli import run_cli as run

SOURCE = Path(os.environ.get("DEVOPLAN_SOURCE") or Path(__file__).resolve().parents[2] / "shared" / "data")
PRACTICE_FILE = SOURCE / "markets" / "nhs_payments_to_general_practice_2022_23_practice.csv"
needs_source = pytest.mark.skipif(not PRACTICE_FILE.is_file(),
                                  reason=f"the official practice file is not at {PRACTICE_FILE} (set DEVOPLAN_SOURCE)")


@needs_source
def test_icb_apms_share_matches_the_practice_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["markets", "--layer", "ICB", "--json"], capsys)
    assert code == 0
    got = {a["code"]: a for a in json.loads(out)["areas"]}
    raw = pd.read_csv(PRACTICE_FILE, dtype={"Contract Type": str, "ICB24CD": str})
    patients = raw["Number of Registered Patients (Last Known Figure)"]
    apms = patients.where(raw["Contract Type"] == "APMS", 0.0).groupby(raw["ICB24CD"]).sum()
    total = patients.groupby(raw["ICB24CD"]).sum()
    expected = apms / total
    assert len(expected) == 42 and set(expected.index) == set(got)
    for icb, share in expected.items():
        assert got[icb]["apms_share"] == pytest.approx(share, abs=1e-9), icb
        assert got[icb]["registered_patients"] == pytest.approx(total[icb], abs=0.01)


def test_area_measures_by_hand() -> None:
    frame = pd.DataFrame({"contract_type": ["GMS", "APMS", "PMS"], "registered_patients": [6000.0, 3000.0, 1000.0],
                          "weighted_patients": [5000.0, 3000.0, 2000.0], "payments_gbp": [900_000.0, 500_000.0,
                                                                                          100_000.0]})
    a = _area("X", "x", frame, np.ones(3))
    assert a.apms_share == pytest.approx(0.3)
    assert a.open_ended_share == pytest.approx(0.7)
    assert a.payments_per_weighted_patient == pytest.approx(150.0)
    assert a.payments_per_patient == pytest.approx(150.0)
    assert a.hhi == pytest.approx((0.36 + 0.09 + 0.01) * 10_000)
    half = _area("X", "x", frame, np.array([1.0, 0.5, 0.0]))
    assert half.registered_patients == pytest.approx(7500)
    assert half.apms_share == pytest.approx(1500 / 7500)


def test_a_plan_covers_england_once() -> None:
    geo = load_geography()
    result = market_health(geo, Plan.from_layer(geo, "UTLA"))
    placed = sum(a.registered_patients for a in result.areas)
    assert result.practices_without_area > 0  # a few closed practices have no district
    assert placed == pytest.approx(result.england.registered_patients, rel=1e-3)
    assert placed <= result.england.registered_patients + 1e-6


def test_bad_layer_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["markets", "--layer", "NOPE"], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "NOPE" in err

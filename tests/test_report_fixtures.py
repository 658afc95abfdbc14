"""The report tests' tiny geography (:mod:`devoplan.testing.report`) is a valid geography."""

from __future__ import annotations

from pathlib import Path

from devoplan.testing.report import tiny_geography


def test_fixture_geography_is_valid(tmp_path: Path) -> None:
    geo = tiny_geography(tmp_path)
    assert geo.units.total_population == 2100
    assert geo.layer("ICB").multi_member_units().tolist() == [1]
    assert geo.layer("LEP").multi_member_units().tolist() == [4]

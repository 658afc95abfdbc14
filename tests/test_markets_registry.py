"""The contract registry: INDIGO's CSV layout and devoplan's JSON, places by name with a review list,
outcome contracts per area. INDIGO's own data is never committed: the tests write their own export."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from devoplan import load_geography
from devoplan.errors import InputError
from devoplan.geography.model import Geography
from devoplan.markets.document import contracts_document, placed_from_document
from devoplan.markets.health import market_health, outcome_by_area
from devoplan.markets.indigo import load_registry, read_indigo
from devoplan.markets.places import PlaceIndex, place_registry
from devoplan.markets.registry import Place, read_registry_json
from devoplan.testing import write_indigo_export
from devoplan.testing.cli import run_cli as run
from devoplan.testing.sources import SOURCE_MISSING, source_dir

BIRMINGHAM, HOUNSLOW, RUTLAND = "E08000025", "E09000018", "E06000017"


@pytest.fixture(scope="module")
def england() -> Geography:
    return load_geography()


def test_indigo_export_reads_every_component(tmp_path: Path) -> None:
    reg = read_indigo(write_indigo_export(tmp_path))
    assert [c.id for c in reg.contracts] == ["TEST-POJ-1", "TEST-POJ-2", "TEST-POJ-3"]
    one = reg.contract("TEST-POJ-1")
    assert one.paid_gbp() == 400_000 and one.paid_gbp("planned") == 250_000
    assert one.max_outcome_payment_gbp == 1_000_000 and one.target_users == 120
    assert [p.organisation.name for p in one.payers] == ["Test District Council", "Test Outcomes Fund"]
    assert one.payers[0].max_payment_gbp == 800_000
    assert one.payments[0].payer_ids == ("TEST-ORG-1", "TEST-ORG-2")
    assert one.providers[0].organisation.name == "Test Housing Charity" and one.providers[0].start == "2018-04"
    assert (one.start, one.end, one.signed) == ("2018-04", "2021-03", "2018-03")
    assert reg.contract("TEST-POJ-2").end == "2025-03"  # anticipated end when there is no actual end
    assert one.places[0] == Place("Birmingham, West Midlands", "", 52.48, -1.89)
    assert "GO Lab" in reg.attribution


def test_json_document_round_trips(tmp_path: Path) -> None:
    reg = read_indigo(write_indigo_export(tmp_path / "export"))
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(reg.as_dict()), encoding="utf-8")
    again = load_registry(path)
    assert again.contracts == reg.contracts
    assert read_registry_json(path).attribution == reg.attribution


@pytest.mark.parametrize(("text", "status", "codes"), [
    ("Birmingham, West Midlands", "matched", {BIRMINGHAM}),  # the wider name is context
    ("London Borough of Hounslow", "matched", {HOUNSLOW}),
    ("Lincolnshire, East Midlands, UK", "matched", None),  # the region holds Lincolnshire
    ("West Midlands", "ambiguous", set()),  # region or combined authority
    ("Gateshead and Newcastle", "partial", {"E08000037"}),  # 'Newcastle' is not an official name
    ("Essex, South East", "partial", None),  # Essex is not in the South East: the region is not used
    ("Great Britain", "national", set()),
    ("Cardiff, Wales", "outside England", set()),
    ("Heathrow", "unmatched", set()),
    ("North Somerset", "matched", {"E06000024"}),  # not Somerset
    ("North East: Sunderland", "matched", {"E08000024"}),
    ("South East London: Lewisham", "partial", {"E09000023"}),  # a direction in London, not the region
])
def test_places_by_official_names(england: Geography, text: str, status: str, codes: set[str] | None) -> None:
    placement, foot = PlaceIndex(england).place("X", Place(text), where=None)  # type: ignore[arg-type]
    assert placement.status == status, placement
    if codes is not None:
        assert set(foot) == codes
    assert placement.needs_review == (status not in ("matched", "given", "alias"))


def test_a_county_places_its_districts_and_a_region_only_alone(england: Geography) -> None:
    index = PlaceIndex(england)
    _, county = index.place("X", Place("Lincolnshire"), where=None)  # type: ignore[arg-type]
    assert len(county) == 7
    _, region = index.place("X", Place("London, United Kingdom"), where=None)  # type: ignore[arg-type]
    assert len(region) == 33


def test_registry_placed_with_review_list_and_aliases(england: Geography, tmp_path: Path) -> None:
    reg = read_indigo(write_indigo_export(tmp_path / "export"))
    placed = place_registry(england, reg)
    assert placed.placed == 2
    assert [(r.contract_id, r.status) for r in placed.review] == [("TEST-POJ-2", "ambiguous")]
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("place,codes\nWest Midlands,E47000007\n", encoding="utf-8")
    fixed = place_registry(england, reg, aliases=aliases)
    assert fixed.placed == 3 and fixed.review == ()
    assert len(fixed.contracts[1].footprint) == 7  # the West Midlands combined authority's districts


def test_outcome_payments_shared_by_residents(england: Geography, tmp_path: Path) -> None:
    placed = place_registry(england, read_indigo(write_indigo_export(tmp_path)))
    icb = england.layer("ICB").complete(england)
    got = outcome_by_area(england, icb, placed)
    pop = {c: float(england.units.population[england.units.index[c]]) for c in (BIRMINGHAM, HOUNSLOW)}
    brum_share = pop[BIRMINGHAM] / (pop[BIRMINGHAM] + pop[HOUNSLOW])
    col = {c: i for i, c in enumerate(icb.area_codes)}
    member = icb.membership.toarray()

    def area_of(unit: str) -> int:
        return int(np.argmax(member[england.units.index[unit]]))

    assert got.paid_gbp[area_of(BIRMINGHAM)] == pytest.approx(400_000 * brum_share)
    assert got.paid_gbp[area_of(HOUNSLOW)] == pytest.approx(400_000 * (1 - brum_share))
    assert got.paid_gbp[area_of(RUTLAND)] == pytest.approx(500_000)
    assert got.max_gbp[area_of(RUTLAND)] == pytest.approx(600_000)
    assert got.paid_gbp.sum() == pytest.approx(900_000)
    assert got.contracts.sum() == 3 and set(np.flatnonzero(got.contracts)) == {
        area_of(BIRMINGHAM), area_of(HOUNSLOW), area_of(RUTLAND)}
    assert len(col) == icb.n_areas


def test_market_health_carries_the_registry(england: Geography, tmp_path: Path) -> None:
    placed = place_registry(england, read_indigo(write_indigo_export(tmp_path)))
    result = market_health(england, "UTLA", placed)
    assert result.contracts is not None and result.contracts.placed == 2 and result.contracts.review == 1
    assert result.england.outcome_paid_gbp == pytest.approx(900_000)
    assert sum(a.outcome_paid_gbp for a in result.areas) == pytest.approx(900_000)
    rutland = next(a for a in result.areas if a.code == RUTLAND)
    assert rutland.outcome_contracts == 1 and rutland.outcome_max_gbp == pytest.approx(600_000)


def test_document_round_trip_keeps_what_health_needs(england: Geography, tmp_path: Path) -> None:
    placed = place_registry(england, read_indigo(write_indigo_export(tmp_path)))
    doc = json.loads(json.dumps(contracts_document(placed)))
    again = placed_from_document(doc["contracts"], england, "contracts.json")
    assert [dict(c.footprint) for c in again.contracts] == [dict(c.footprint) for c in placed.contracts]
    assert [c.contract.paid_gbp() for c in again.contracts] == [c.contract.paid_gbp() for c in placed.contracts]
    assert again.review == placed.review
    doc["contracts"]["contracts"][0]["footprint"]["E99999999"] = 1.0
    with pytest.raises(InputError, match=r"contracts.json, field 'contracts.contracts\[0\].footprint'"):
        placed_from_document(doc["contracts"], england, "contracts.json")


@pytest.mark.parametrize(("table", "row", "cells", "message"), [
    ("outcome_payments", 0, {"Payments - Amount": "-5"}, r"row 2, field 'Payments - Amount': must be at least 0"),
    ("outcome_payments", 1, {"Payments - Amount": "lots"}, r"row 3, field 'Payments - Amount': 'lots' is not"),
    ("outcome_payments", 0, {"Payments - Currency": "USD"}, r"field 'Payments - Currency': amounts in USD"),
    ("impact_bond_projects", 1, {"Dates - Start date of service provision": "April 2022"}, r"row 3, field 'Dates"),
    ("delivery_locations", 0, {"project_id": "TEST-POJ-9"}, r"row 2, field 'project_id': project 'TEST-POJ-9'"),
    ("delivery_locations", 0, {"Lat/Lng - Lat": "123"}, r"field 'Lat/Lng - Lat': must be at most 90"),
    ("impact_bond_projects", 2, {"project_id": "TEST-POJ-1"}, r"contract id 'TEST-POJ-1' appears twice"),
])
def test_bad_export_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str, row: int,
                                cells: dict[str, str], message: str) -> None:
    folder = write_indigo_export(tmp_path, changes={table: {row: cells}})
    code, out, err = run(["contracts", str(folder)], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert re.search(message, err), err


def test_unknown_district_in_registry_or_aliases_is_one_line(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    reg = {"registry": {"contracts": [{"id": "A", "name": "a", "places": [{"name": "x", "codes": ["E07999999"]}]}]}}
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(reg), encoding="utf-8")
    code, _, err = run(["contracts", str(path)], capsys)
    assert code == 2 and "registry.json" in err and "unknown district or area code 'E07999999'" in err
    assert len(err.strip().splitlines()) == 1
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("place,codes\nWest Midlands,E47000007;E0X\n", encoding="utf-8")
    code, _, err = run(["markets", "--contracts", str(write_indigo_export(tmp_path / "e")), "--aliases",
                        str(aliases)], capsys)
    assert code == 2 and "aliases.csv" in err and "'E0X'" in err


def test_bad_json_registry_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "registry.json"
    path.write_text(json.dumps({"registry": {"contracts": [{"id": "A", "name": "a", "payments": [
        {"amount_gbp": 1e300, "kind": "actual"}]}]}}), encoding="utf-8")
    code, _, err = run(["contracts", str(path)], capsys)
    assert code == 2 and "field 'registry.contracts[0].payments[0].amount_gbp'" in err


def test_cli_review_list_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_indigo_export(tmp_path / "export")
    review = tmp_path / "review.csv"
    code, out, _ = run(["contracts", str(folder), "--review", str(review)], capsys)
    assert code == 0 and "2 of 3 contracts placed" in out and "1 delivery locations need review" in out
    rows = review.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "contract_id,contract,place,status,placed_in,note,codes" and len(rows) == 2
    # the review file, its codes filled in, is an alias file
    review.write_text(rows[0] + "\n" + rows[1] + "E47000007\n", encoding="utf-8")
    code, out, _ = run(["markets", "--layer", "UTLA", "--contracts", str(folder), "--aliases", str(review),
                        "--json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["contracts"]["placed"] == 3 and doc["contracts"]["review"] == 0
    assert sum(a["outcome_contracts"] for a in doc["areas"]) >= 3


def test_no_indigo_data_is_committed() -> None:
    root = Path(__file__).resolve().parents[1]
    files = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=False).stdout
    if not files:
        pytest.skip("not a git checkout")
    assert not [f for f in files.splitlines() if "indigo" in f.lower() and f.endswith((".csv", ".json"))]


@pytest.mark.skipif(not (source_dir() / "markets").is_dir(), reason=SOURCE_MISSING)
def test_real_indigo_export_loads_and_places(england: Geography) -> None:
    reg = load_registry(source_dir() / "markets")
    placed = place_registry(england, reg)
    assert len(reg.contracts) == 100
    assert placed.placed >= 80  # measured 89: the rest are on the review list
    assert sum(1 for c in placed.contracts if not c.footprint) <= len(placed.review)
    assert all(r.needs_review for r in placed.review)
    paid = sum(c.paid_gbp() for c in reg.contracts)
    assert paid == pytest.approx(122.85e6, rel=1e-3)  # actual outcome payments recorded (PROVENANCE: £497m all kinds)

"""Scenarios over the API: every way to create one, edits as versions, previews, undo/redo/restore,
history and diff, locks, downloads, and bad input answered 4xx with the field (never a 500)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from devoplan.api.plans import apply_moves, resolve_moves
from devoplan.design.plausibility import plausibility_checks
from devoplan.funding import fund
from devoplan.plan import Plan
from devoplan.testing.workspace import ROLE_NAMES, Api

WEST_LANCS = "E07000127"  # West Lancashire, in Lancashire and South Cumbria ICB, borders Cheshire and Merseyside


def _move(api: Api, scenario: dict, district: str = WEST_LANCS, words: str = "Cheshire and Merseyside") -> dict:
    return {"district": district, "area": api.area_code(scenario, words)}


def test_create_from_layer_version_plan_and_read_back(api: Api) -> None:
    icb = api.scenario()
    assert icb["version"] == 1 and len(icb["areas"]) == 42 and len(icb["assignment"]) == 296
    copy = api.ok("analyst", "POST", "/api/scenarios", json={
        "name": "copy", "source": {"kind": "version", "scenario": icb["id"], "version": 1}})
    assert copy["assignment"] == icb["assignment"] and copy["id"] != icb["id"]
    given = api.ok("admin", "POST", "/api/scenarios", json={
        "name": "given", "source": {"kind": "plan", "assignment": icb["assignment"], "names": {"E54000048": "North"}}})
    assert {"code": "E54000048", "name": "North"} in given["areas"]
    listed = api.ok("viewer", "GET", "/api/scenarios")
    assert [s["name"] for s in listed][-3:] == ["today's ICBs", "copy", "given"]
    assert api.ok("viewer", "GET", f"/api/scenarios/{icb['id']}")["assignment"] == icb["assignment"]


def test_upload_csv_and_geojson(api: Api) -> None:
    icb = api.scenario()
    plan_csv = api.client.get(f"/api/scenarios/{icb['id']}/versions/1/plan.csv", headers=api.headers["viewer"])
    assert plan_csv.status_code == 200 and plan_csv.headers["content-type"].startswith("text/csv")
    made = api.ok("analyst", "POST", "/api/scenarios/upload", data={"name": "uploaded"},
                  files={"file": ("icbs.csv", plan_csv.content, "text/csv")})
    assert made["assignment"] == icb["assignment"]
    geo = api.client.get(f"/api/scenarios/{icb['id']}/versions/1/plan.geojson", headers=api.headers["viewer"])
    features = geo.json()["features"]
    assert len(features) == 42
    made = api.ok("analyst", "POST", "/api/scenarios/upload", data={"name": "from geojson"},
                  files={"file": ("icbs.geojson", geo.content, "application/geo+json")})
    assert made["assignment"] == icb["assignment"]


@pytest.mark.parametrize(("filename", "content", "field", "words"), [
    ("bad.csv", b"LAD24CD,area_code\nE99999999,A\n", "LAD24CD", "unknown unit 'E99999999'"),
    ("bad.csv", b"nothing useful\n", "LAD24CD", "no unit column"),
    ("bad.geojson", b"{not json", None, "bad.geojson"),
    ("bad.exe", b"MZ", "file", "must be .csv"),
    ("bad.csv", b"\xff\xfe\x00garbage", None, "bad.csv"),
])
def test_malformed_upload_is_422_naming_the_file(api: Api, filename: str, content: bytes, field: str | None,
                                                 words: str) -> None:
    response = api.post("analyst", "/api/scenarios/upload", data={"name": "x"},
                        files={"file": (filename, content, "text/plain")})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert words in error["message"]
    assert "/tmp" not in error["message"]  # the user's file name, not the server's temporary path
    if field is not None:
        assert error["field"] == field


def test_edit_preview_undo_redo_restore_history_and_diff(api: Api) -> None:
    icb = api.scenario()
    sid, move = icb["id"], _move(api, icb)
    preview = api.ok("viewer", "POST", f"/api/scenarios/{sid}/preview", json={"moves": [move]})
    assert preview["moves"] == [{"district": WEST_LANCS, "district_name": "West Lancashire",
                                 "from": "E54000048", "to": move["area"]}]
    by_code = {a["code"]: a for a in preview["areas"]}
    assert set(by_code) == {"E54000048", move["area"]}
    moved_pop = by_code[move["area"]]["population"]["delta"]
    assert moved_pop > 100_000 and by_code["E54000048"]["population"]["delta"] == -moved_pop
    assert by_code[move["area"]]["funding"]["delta"]["allocation"] > 0
    full = fund(api.geography, Plan.from_layer(api.geography, "ICB"))  # the preview agrees with a full run
    for code, area in by_code.items():
        i = full.areas.area_codes.index(code)
        assert area["funding"]["before"]["allocation"] == pytest.approx(full.total_allocation()[0, i] / 100, abs=0.01)
        # today's money: fund rounds each line to whole pence, the preview sums the lines first
        assert area["funding"]["before"]["baseline"] == pytest.approx(full.total_baseline()[i] / 100, abs=0.05)
    assert "coterminosity@ICB" in preview["metrics"]["delta"]
    assert preview["metrics"]["after"]["coterminosity@ICB"] < preview["metrics"]["before"]["coterminosity@ICB"]
    assert api.ok("viewer", "GET", f"/api/scenarios/{sid}")["version"] == 1  # a preview saves nothing
    # the checks: design rules, then every plausibility check of the plan after the move, from scratch
    icb_plan = Plan.from_layer(api.geography, "ICB")
    after = apply_moves(icb_plan, resolve_moves(api.geography, icb_plan, [move], {}))
    rules = [c for c in preview["checks"] if c["key"] == "design_rules"]
    assert rules and not any(c["ok"] for c in rules)  # Lancashire is kept whole in the design
    assert "UTLA area(s) Lancashire (E10000017) split (kept whole in the design)" in [c["message"] for c in rules]
    plausible = [c for c in preview["checks"] if c["key"] != "design_rules"]
    assert [{k: c[k] for k in ("name", "ok", "message", "key")} for c in plausible] == \
        plausibility_checks(api.geography, after)
    police = next(c for c in plausible if c["key"] == "police_force_areas_split")
    assert police["changed"] and "Lancashire" in police["message"] and "Lancashire" not in police["before"]["message"]

    saved = api.ok("analyst", "POST", f"/api/scenarios/{sid}/versions",
                   json={"base_version": 1, "moves": [move], "message": "West Lancs looks south"})
    assert saved["number"] == 2 and saved["scenario"]["can_undo"]
    assert saved["moves"] == [{"district": WEST_LANCS, "from": "E54000048", "to": move["area"]}]
    assert api.ok("analyst", "POST", f"/api/scenarios/{sid}/undo", json={})["number"] == 3
    assert api.ok("viewer", "GET", f"/api/scenarios/{sid}")["assignment"][WEST_LANCS] == "E54000048"
    redone = api.ok("analyst", "POST", f"/api/scenarios/{sid}/redo", json={})
    assert redone["number"] == 4 and not redone["scenario"]["can_redo"]
    assert api.ok("viewer", "GET", f"/api/scenarios/{sid}")["assignment"][WEST_LANCS] == move["area"]
    assert api.post("analyst", f"/api/scenarios/{sid}/redo", json={}).status_code == 409
    restored = api.ok("admin", "POST", f"/api/scenarios/{sid}/restore", json={"version": 1, "base_version": 4})
    assert restored["number"] == 5 and restored["kind"] == "restore"
    history = api.ok("viewer", "GET", f"/api/scenarios/{sid}/versions")
    assert [v["kind"] for v in history] == ["restore", "redo", "undo", "edit", "create"]
    assert [v["author"]["name"] for v in history] == [ROLE_NAMES["admin"], *[ROLE_NAMES["analyst"]] * 4]
    assert api.ok("viewer", "GET", f"/api/scenarios/{sid}/versions/2")["assignment"][WEST_LANCS] == move["area"]

    diff = api.ok("viewer", "GET", f"/api/scenarios/{sid}/diff", params={"a": 1, "b": 2})
    assert [m["district"] for m in diff["moved"]] == [WEST_LANCS]
    assert diff["metrics"]["coterminosity@ICB"]["delta"] < 0
    funding = {r["area"]: r for r in diff["funding"]["areas"]}
    assert funding[move["area"]]["delta"] > 0 > funding["E54000048"]["delta"]
    assert api.ok("viewer", "GET", f"/api/scenarios/{sid}/diff", params={"a": 1})["b"] == 5
    assert api.ok("viewer", "GET", f"/api/scenarios/{sid}/diff", params={"a": 1, "b": 5})["moved"] == []


def test_stale_base_version_is_a_conflict(api: Api) -> None:
    icb = api.scenario()
    body = {"base_version": 1, "moves": [_move(api, icb)]}
    api.ok("analyst", "POST", f"/api/scenarios/{icb['id']}/versions", json=body)
    response = api.post("admin", f"/api/scenarios/{icb['id']}/versions", json=body)
    assert response.status_code == 409 and response.json()["error"]["field"] == "base_version"


def test_locks_hold(api: Api) -> None:
    icb = api.scenario()
    sid = icb["id"]
    locked = api.ok("analyst", "PATCH", f"/api/scenarios/{sid}", json={"locks": {"West Lancashire": "E54000048"}})
    assert locked["locks"] == {WEST_LANCS: "E54000048"}
    for url, body in ((f"/api/scenarios/{sid}/versions", {"base_version": 1, "moves": [_move(api, icb)]}),
                      (f"/api/scenarios/{sid}/preview", {"moves": [_move(api, icb)]})):
        response = api.post("analyst", url, json=body)
        assert response.status_code == 409, response.text
        assert response.json()["error"] == {"status": 409, "field": "moves[0].district",
                                            "message": f"district {WEST_LANCS} (West Lancashire) is locked to area "
                                                       "E54000048"}
    wrong = api.request("analyst", "PATCH", f"/api/scenarios/{sid}", json={"locks": {WEST_LANCS: "E54000051"}})
    assert wrong.status_code == 409 and wrong.json()["error"]["field"] == f"locks.{WEST_LANCS}"


@pytest.mark.parametrize(("body", "status", "field", "words"), [
    ({"moves": [{"district": "Atlantis", "area": "E54000048"}]}, 422, "moves[0].district", "unknown district"),
    ({"moves": [{"district": WEST_LANCS, "area": "Narnia"}]}, 422, "moves[0].area", "unknown area 'Narnia'"),
    ({"moves": []}, 422, "moves", "at least 1"),
    ({"moves": [{"district": WEST_LANCS}]}, 422, "moves[0].area", "Field required"),
    ({"moves": [{"district": WEST_LANCS, "area": "E54000048", "extra": 1}]}, 422, "moves[0].extra", "not permitted"),
    ({"moves": [{"district": "E06000053", "area": "E54000048"}, {"district": "E06000052", "area": "E54000048"}]},
     409, "moves[1].district", "would empty area E54000036"),
    ({"moves": "West Lancs"}, 422, "moves", "list"),
    ({"moves": [{"district": WEST_LANCS, "area": "E54000048"}], "version": 99}, 404, "version", "no version"),
])
def test_bad_moves_name_the_field(api: Api, body: dict, status: int, field: str, words: str) -> None:
    icb = api.scenario()
    response = api.post("viewer", f"/api/scenarios/{icb['id']}/preview", json=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["field"] == field and words in error["message"], error


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "x", "source": {"kind": "layer", "layer": "NOPE"}}, "source.layer"),
    ({"name": "x", "source": {"kind": "painting"}}, "source.kind"),
    ({"name": "", "source": {"kind": "layer", "layer": "ICB"}}, "name"),
    ({"name": "x", "source": {"kind": "version", "scenario": 999}}, "scenario_id"),
    ({"name": "x", "source": {"kind": "plan", "assignment": {"E06000001": "A"}}}, "source.assignment.E06000002"),
    ({"name": "x", "source": {"kind": "plan"}}, "source.assignment"),
])
def test_bad_scenario_sources_name_the_field(api: Api, body: dict, field: str) -> None:
    response = api.post("analyst", "/api/scenarios", json=body)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["field"] == field


def test_unknown_things_are_404_and_bad_json_is_422(api: Api) -> None:
    assert api.get("viewer", "/api/scenarios/99").status_code == 404
    icb = api.scenario()
    assert api.get("viewer", f"/api/scenarios/{icb['id']}/versions/7").status_code == 404
    assert api.get("viewer", f"/api/scenarios/{icb['id']}/versions/1/plan.xlsx").status_code == 404
    assert api.get("viewer", f"/api/scenarios/{icb['id']}/diff", params={"a": "one"}).json()["error"]["field"] == "a"
    raw = api.client.post(f"/api/scenarios/{icb['id']}/preview", content=b"{not json",
                          headers={**api.headers["viewer"], "content-type": "application/json"})
    assert raw.status_code == 422 and raw.json()["error"]["status"] == 422


def test_downloads(api: Api) -> None:
    icb = api.scenario(name="ICBs <2024>")
    base = f"/api/scenarios/{icb['id']}/versions/1"
    plan = api.get("viewer", f"{base}/plan.csv")
    assert plan.headers["content-disposition"] == 'attachment; filename="ICBs-2024-v1-plan.csv"'
    rows = list(csv.DictReader(io.StringIO(plan.text)))
    assert len(rows) == 296 and {r["area_code"] for r in rows} == {a["code"] for a in icb["areas"]}
    geo = json.loads(api.get("viewer", f"{base}/plan.geojson").text)
    assert {f["properties"]["area_code"] for f in geo["features"]} == {a["code"] for a in icb["areas"]}
    alloc = list(csv.DictReader(io.StringIO(api.get("viewer", f"{base}/allocations.csv").text)))
    assert {r["area_code"] for r in alloc} == {a["code"] for a in icb["areas"]}
    assert api.get("viewer", "/api/geography/districts.geojson").json()["type"] == "FeatureCollection"
    assert len(api.get("viewer", "/api/geography/hexmap.hexjson").json()["hexes"]) == 296
    geography = api.ok("viewer", "GET", "/api/geography")
    assert len(geography["districts"]) == 296 and sum(d["population"] for d in geography["districts"]) == 56_490_040


@pytest.mark.slow
def test_report_download_escapes_the_scenario_name(api: Api) -> None:
    icb = api.scenario(name="<script>alert(1)</script>")
    report = api.get("viewer", f"/api/scenarios/{icb['id']}/versions/1/report.html")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert "<script>alert(1)" not in report.text and "&lt;script&gt;alert(1)" in report.text


def test_openapi_and_docs_are_served(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    assert "/api/scenarios/{scenario_id}/preview" in spec["paths"]
    assert api.client.get("/docs").status_code == 200
    assert api.client.get("/api/health").json()["ok"] is True

"""Roadmap: the TOML format's checks, the generator's rules (conditions, cycles, order), the tracker and the CLI."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from devoplan.errors import SpecError
from devoplan.funding import default_spec_path, load_spec
from devoplan.governance.roadmap import AreaFacts, generate
from devoplan.governance.roadmap_spec import default_roadmap_path, load_roadmap, parse_roadmap
from devoplan.governance.tracker import Milestone, late, milestones, read_tracker, write_tracker
from devoplan.testing.cli import run_cli

LINES = tuple(ln.key for ln in load_spec(default_spec_path()).lines)


def default_doc() -> dict[str, Any]:
    return tomllib.loads(default_roadmap_path().read_text(encoding="utf-8"))


def _facts(code: str = "A", **kw: Any) -> AreaFacts:
    base: dict[str, Any] = {"existing_body": False, "mayor": False, "strategic_authority": False,
                            "coterminous_police": True, "coterminous_health": True, "funding_distance_pct": 0.0,
                            "tier_today": "none"}
    return AreaFacts(code, code, **(base | kw))


def test_default_roadmap_covers_every_funded_line_over_15_to_20_years() -> None:
    spec = load_roadmap(default_roadmap_path(), service_lines=LINES)
    assert 15 <= spec.end_year - spec.start_year + 1 <= 20
    transferred = [line for p in spec.phases for line in p.service_lines]
    assert sorted(transferred) == sorted(LINES)  # every funded line, each once
    keys = [p.key for p in spec.phases]
    assert all(keys.index(d) < keys.index(p.key) for p in spec.phases for d in p.after)  # dependency order


CRITERIA_FLAGS = ("existing_body", "mayor", "coterminous_police", "coterminous_health")


@pytest.mark.parametrize("flags", list(itertools.product([False, True], repeat=4)))
@pytest.mark.parametrize("distance", [0.0, 9.0])
def test_phases_respect_order_conditions_and_cycles(flags: tuple[bool, ...], distance: float) -> None:
    spec = load_roadmap(default_roadmap_path(), service_lines=LINES)
    facts = _facts(funding_distance_pct=distance, **dict(zip(CRITERIA_FLAGS, flags, strict=True)))
    area = generate(spec, [facts]).areas[0]
    plans = {p.phase: p for p in area.phases}
    cyc = spec.cycles
    for phase in spec.phases:
        p = plans[phase.key]
        skipped_by = [c for c in phase.skip_if if facts.meets(c)] + [
            c.criterion for c in phase.conditions if c.if_unmet == "skip" and not facts.meets(c.criterion, c.threshold)]
        assert p.skipped == bool(skipped_by)
        if p.start is None or p.end is None:
            continue
        assert p.start >= spec.start_year and p.end - p.start + 1 == phase.duration
        if phase.align == "settlement":
            assert (p.start - cyc.settlement_start) % cyc.settlement_years == 0
        if phase.align == "election":
            assert (p.start - cyc.election_start) % cyc.election_years == 0
        for dep in phase.after:  # after every predecessor that ran
            if plans[dep].end is not None:
                assert p.start > plans[dep].end
        unmet = [c for c in phase.conditions if not facts.meets(c.criterion, c.threshold)]
        assert p.waited == sum(c.wait_years for c in unmet)
    # a condition not met holds its phase back by a whole settlement, never less
    if not facts.coterminous_police:
        ready = generate(spec, [_facts(**{**dict(zip(CRITERIA_FLAGS, flags, strict=True)),
                                          "coterminous_police": True}, funding_distance_pct=distance)]).areas[0]
        held = {p.phase: p for p in ready.phases}
        assert plans["transfer_probation"].start >= held["transfer_probation"].start + 4  # type: ignore[operator]
    assert (plans["integrated_settlement"].start is None) == (not facts.mayor)
    assert area.tier_reached == ("established_mayoral" if facts.mayor else "foundation")


def test_unknown_funding_distance_does_not_meet_the_condition() -> None:
    spec = load_roadmap(default_roadmap_path())
    known, unknown = generate(spec, [_facts(), _facts("B", funding_distance_pct=None)]).areas
    health = [p.key for p in spec.phases].index("transfer_health")
    assert unknown.phases[health].waited == 4 and known.phases[health].waited == 0


def _bad(mutate: Any) -> dict[str, Any]:
    doc = default_doc()
    mutate(doc)
    return doc


@pytest.mark.parametrize(("mutate", "key", "message"), [
    (lambda d: d["phases"]["establishment"].update(after=["shadow", "nope"]), "phases.establishment.after[1]",
     "unknown phase 'nope'"),
    (lambda d: d["phases"]["shadow"].update(after=["integrated_settlement"]), ".after", "cycle"),
    (lambda d: d.update(end_year=2020), "end_year", "must be after start_year"),
    (lambda d: d["phases"]["shadow"].update(not_before=2099), "phases.shadow.not_before", "must lie in"),
    (lambda d: d["phases"]["transfer_health"]["service_lines"].append("defence"),
     "phases.transfer_health.service_lines[5]", "unknown service line 'defence'"),
    (lambda d: d["phases"]["transfer_probation"].update(service_lines=["youth_justice"]),
     "phases.transfer_youth_justice.service_lines[0]", "already transferred by phase 'transfer_probation'"),
    (lambda d: d["phases"]["transfer_probation"].update(service_lines="probation"),
     "phases.transfer_probation.service_lines", "must be a list"),
    (lambda d: d["phases"]["transfer_probation"].update(service_line="probation"),
     "phases.transfer_probation.service_line", "unknown key"),
    (lambda d: d["phases"]["transfer_health"]["conditions"][1].pop("threshold"),
     "phases.transfer_health.conditions[1].threshold", "needs a threshold"),
    (lambda d: d["phases"]["shadow"].update(colour="red"), "phases.shadow.colour", "unknown key"),
    (lambda d: d["cycles"].update(settlement_years=0), "cycles.settlement_years", "at least 1"),
    (lambda d: d["phases"]["shadow"].update(conditions=[{"criterion": "luck"}]),
     "phases.shadow.conditions[0].criterion", "unknown criterion"),
])
def test_bad_roadmaps_name_the_key_path(mutate: Any, key: str, message: str) -> None:
    with pytest.raises(SpecError) as exc:
        parse_roadmap(_bad(mutate), file="r.toml", service_lines=LINES)
    assert key in str(exc.value) and message in str(exc.value) and "\n" not in str(exc.value)


def test_tracker_round_trip_and_what_is_late(tmp_path: Path) -> None:
    spec = load_roadmap(default_roadmap_path())
    items = milestones(generate(spec, [_facts()]))
    path = tmp_path / "tracker.csv"
    write_tracker(items, path)
    back = read_tracker(path)
    assert back == items
    first = back[0]  # shadow body, due 31 March after its year
    assert first.due == dt.date(spec.start_year + 1, 3, 31)
    assert late(back, first.due) == []
    overdue = late(back, first.due + dt.timedelta(days=10))
    assert [(x.milestone.phase, x.days, x.kind) for x in overdue] == [("shadow", 10, "overdue")]
    done = Milestone(**{**first.__dict__, "status": "done", "date": first.due + dt.timedelta(days=3)})
    assert [(x.kind, x.days) for x in late([done], dt.date(2099, 1, 1))] == [("done_late", 3)]
    on_time = Milestone(**{**first.__dict__, "status": "done", "date": first.due})
    assert late([on_time], dt.date(2099, 1, 1)) == []


@pytest.mark.parametrize(("row", "field"), [
    ("A,a,shadow,S,2027,2028-03-31,finished,,", "field 'status'"),
    ("A,a,shadow,S,2027,31/03/2028,planned,,", "field 'due'"),
    ("A,a,shadow,S,2027,2028-03-31,done,,", "field 'date'"),
])
def test_bad_tracker_rows_name_row_and_field(tmp_path: Path, row: str, field: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.csv"
    path.write_text("area_code,area_name,phase,phase_name,start_year,due,status,date,note\n" + row + "\n")
    code, _, err = run_cli(["roadmap", "status", str(path)], capsys)
    assert code == 2 and "row 2" in err and field in err and "Traceback" not in err


@pytest.fixture(scope="module")
def police_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from devoplan.geography.loader import load_geography
    from devoplan.plan import Plan
    from devoplan.planio import write_plan_csv

    geo = load_geography()
    path = tmp_path_factory.mktemp("plan") / "plan.csv"
    write_plan_csv(Plan.from_layer(geo, "PFA"), path)
    return path


def test_cli_writes_outputs_and_status_says_what_is_late(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rm"
    code, stdout, _ = run_cli(["roadmap", "--layer", "PFA", "--out", str(out), "--json"], capsys)
    assert code == 0
    doc = json.loads(stdout)
    assert doc["governance"]["bodies_after"] == 39 and doc["governance"]["bodies_before"] > 39
    area = doc["governance"]["areas"][0]
    assert {p["line"] for p in area["portfolios"]} == set(LINES) and all(p["budget"] > 0 for p in area["portfolios"])
    assert sorted(p.name for p in out.iterdir()) == [".devoplan-outputs.json", "governance.csv", "roadmap.csv",
                                                     "roadmap.json", "tracker.csv"]
    code, stdout, _ = run_cli(["roadmap", "status", str(out / "tracker.csv"), "--as-of", "2029-06-01"], capsys)
    n_shadow = sum(1 for m in read_tracker(out / "tracker.csv") if m.phase in ("shadow", "establishment")
                   and m.due < dt.date(2029, 6, 1))
    assert code == 0 and f"{n_shadow} late" in stdout and n_shadow > 0


def test_cli_bad_spec_is_one_line_naming_the_key(police_plan: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    text = default_roadmap_path().read_text(encoding="utf-8").replace('service_lines = ["health_core"',
                                                                     'service_lines = ["defence"')
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "never"
    code, _, err = run_cli(["roadmap", "--plan", str(police_plan), "--spec", str(bad), "--out", str(out)], capsys)
    assert code == 2 and "phases.transfer_health.service_lines[0]" in err and "defence" in err
    assert len(err.strip().splitlines()) == 1 and not out.exists()
    code, _, err = run_cli(["roadmap", "status", str(tmp_path / "t.csv"), "--as-of", "soon"], capsys)
    assert code == 2 and "--as-of" in err
    code, _, err = run_cli(["roadmap", "--plan", str(police_plan), "--layer", "PFA"], capsys)
    assert code == 2 and "not both" in err
    code, _, err = run_cli(["roadmap", "--layer", "PCT"], capsys)
    assert code == 2 and "unknown layer 'PCT'" in err

"""Hostile values for every funding spec key, CSV column and numeric option: exit 2, one line naming
the key or field, no traceback, nothing written.

Values are drawn by Hypothesis from what a tester (or a fuzzer) throws at a number: NaN, infinities,
finite but absurd magnitudes (1e308), integers past 2**63, text, booleans, lists, and negatives.
"""

from __future__ import annotations

import inspect
import json
import math
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from devoplan.cli import app
from devoplan.commands.numbers import MAY_BE_INFINITE, option_flags
from devoplan.report.schema import DEMO, DESIGN_DOC
from devoplan.testing.cli import run_cli
from devoplan.testing.files import (
    THREE_UNITS,
    assert_refused,
    small_spec,
    with_cell,
    with_value,
    write_three_units,
    write_toml,
)

HOSTILE_NUMBERS: list[Any] = [math.nan, math.inf, -math.inf, 1e308, -1e308, 2**63, 2**64, -(2**63) - 1, 10**30]
HOSTILE_ANY: list[Any] = [*HOSTILE_NUMBERS, "x", True, [1.0], -1e20]


def examples(n: int) -> settings:
    """``n`` examples; capsys is read (so reset) by every run_cli call, so sharing it across examples is safe."""
    return settings(max_examples=n, suppress_health_check=[HealthCheck.function_scoped_fixture])



# (path in the dict, key path the message must name)
SPEC_KEYS: list[tuple[str, str]] = [
    ("pace/convergence", "pace.convergence"), ("pace/floor", "pace.floor"), ("pace/cap", "pace.cap"),
    ("lines/h/total/value", "lines.h.total"), ("lines/h/growth", "lines.h.growth"),
    ("lines/h/growth_by_year/2027/28", "lines.h.growth_by_year.2027/28"),
    ("lines/h/age_sex/female/1", "lines.h.age_sex.female[1]"), ("lines/h/age_sex/male/0", "lines.h.age_sex.male[0]"),
    ("lines/h/need/strength", "lines.h.need.strength"),
    ("lines/h/need/strength_range/1", "lines.h.need.strength_range"),
    ("lines/h/need/indicators/0/weight", "lines.h.need.indicators[0].weight"),
    ("lines/h/need/indicators/0/weight_range/1", "lines.h.need.indicators[0].weight_range"),
    ("lines/h/need/indicators/0/include_probability", "lines.h.need.indicators[0].include_probability"),
    ("lines/h/unmet_need/strength", "lines.h.unmet_need.strength"),
    ("lines/h/unmet_need/strength_range/1", "lines.h.unmet_need.strength_range"),
    ("lines/h/top_slices/central/percent", "lines.h.top_slices.central.percent"),
    ("lines/h/top_slices/fixed/amount", "lines.h.top_slices.fixed.amount"),
]


@pytest.mark.parametrize("key", SPEC_KEYS, ids=[k[1] for k in SPEC_KEYS])
@examples(len(HOSTILE_ANY))
@given(value=st.sampled_from(HOSTILE_ANY))
def test_every_spec_key_refuses_hostile_numbers(tmp_path_factory: pytest.TempPathFactory,
                                                capsys: pytest.CaptureFixture[str], key: tuple[str, str],
                                                value: Any) -> None:
    path, name = key
    tmp = tmp_path_factory.mktemp("spec")
    file = write_toml(tmp / "spec.toml", with_value(small_spec(every_key=True), path, value))
    out = tmp / "out"
    code, _, err = run_cli(["fund", "--spec", str(file), "--layer", "ICB", "--draws", "0", "--out", str(out)], capsys)
    assert_refused(code, err, name, out=out)


@pytest.mark.parametrize(("path", "value", "name"), [
    ("settlement/years", ["9999/00", "10000/01"], "settlement.years"),
    ("settlement/years", ["0000/01"], "settlement.years"),
    ("lines/h/total_year", "9999/00", "lines.h.total_year"),
    ("lines/h/need/strength", 1e6, "lines.h.need.strength"),
    ("lines/h/total/value", 1e-300, "lines.h.total"),
    ("lines/h/age_sex/bands", ["0-99999999999999999999", "100000000000000000000+"], "lines.h.age_sex.bands[0]"),
])
def test_listed_spec_cases(tmp_path: Path, capsys: pytest.CaptureFixture[str], path: str, value: Any,
                           name: str) -> None:
    file = write_toml(tmp_path / "spec.toml", with_value(small_spec(every_key=True), path, value))
    code, _, err = run_cli(["fund", "--spec", str(file), "--layer", "ICB", "--draws", "0", "--out",
                            str(tmp_path / "out")], capsys)
    assert_refused(code, err, name, out=tmp_path / "out")


def test_years_option_out_of_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["fund", "--layer", "ICB", "--years", "2026/27-9999/00", "--draws", "0",
                            "--out", str(tmp_path / "out")], capsys)
    assert_refused(code, err, "9999/00", out=tmp_path / "out")


def test_deeply_nested_spec_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "spec.toml"
    file.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    code, _, err = run_cli(["fund", "--spec", str(file), "--layer", "ICB", "--out", str(tmp_path / "o")], capsys)
    assert_refused(code, err, "nested more than")


# -- CSV columns ----------------------------------------------------------------------------------
# file, column, the row to change (0-based data row)
CSV_CELLS: list[tuple[str, str]] = [
    ("units.csv", "population"), ("memberships.csv", "weight"), ("adjacency.csv", "length_m"),
    ("indicators.csv", "need"),
]
HOSTILE_CELLS = ["nan", "inf", "-inf", "1e400", "1e308", "9223372036854775808", "18446744073709551616", "x", "-5"]


@pytest.mark.parametrize("cell", CSV_CELLS, ids=[f"{f}:{c}" for f, c in CSV_CELLS])
@examples(len(HOSTILE_CELLS))
@given(value=st.sampled_from(HOSTILE_CELLS))
def test_every_geography_column_refuses_hostile_cells(tmp_path_factory: pytest.TempPathFactory,
                                                      capsys: pytest.CaptureFixture[str], cell: tuple[str, str],
                                                      value: str) -> None:
    file, column = cell
    if column == "need" and value == "-5":
        value = "1e16"  # indicators may be negative; an absurd magnitude may not
    geo = write_three_units(tmp_path_factory.mktemp("geo") / "g", **{file: with_cell(THREE_UNITS[file], column,
                                                                                      value)})
    code, _, err = run_cli(["info", "-g", str(geo)], capsys)
    assert_refused(code, err, f"{file}, row 2, field '{column}'")


def test_population_of_two_to_the_63_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    units = "code,name,population\nA,Alpha,9223372036854775807\nB,Beta,9223372036854775807\nC,Gamma,1\n"
    code, _, err = run_cli(["info", "-g", str(write_three_units(tmp_path / "g", **{"units.csv": units}))], capsys)
    assert_refused(code, err, "units.csv, row 2, field 'population'")


def test_all_zero_populations_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    units = "code,name,population\nA,Alpha,0\nB,Beta,0\nC,Gamma,0\n"
    code, _, err = run_cli(["info", "-g", str(write_three_units(tmp_path / "g", **{"units.csv": units}))], capsys)
    assert_refused(code, err, "every unit has population 0")


@examples(10)
@given(value=st.sampled_from(["inf", "1e400", "nan", "1e300", "1.5", "x"]))
def test_plan_area_column_refuses_hostile_ids(tmp_path_factory: pytest.TempPathFactory,
                                              capsys: pytest.CaptureFixture[str], value: str) -> None:
    tmp = tmp_path_factory.mktemp("plan")
    geo = write_three_units(tmp / "g")
    plan = tmp / "plan.csv"
    plan.write_text(f"code,area\nA,{value}\nB,1\nC,2\n", encoding="utf-8")
    code, _, err = run_cli(["score", str(plan), "-g", str(geo), "--out", str(tmp / "out")], capsys)
    assert_refused(code, err, "row 2, field 'area'", out=tmp / "out")


@examples(8)
@given(value=st.sampled_from(["1e300", "nan", "inf", "-1", "x", "1e400"]))
def test_baseline_amount_refuses_hostile_cells(tmp_path_factory: pytest.TempPathFactory,
                                               capsys: pytest.CaptureFixture[str], value: str) -> None:
    tmp = tmp_path_factory.mktemp("base")
    base = tmp / "baseline.csv"
    base.write_text(f"code,line,amount\nE54000008,health_core,{value}\n", encoding="utf-8")
    code, _, err = run_cli(["fund", "--layer", "ICB", "--baseline", str(base), "--draws", "0",
                            "--out", str(tmp / "out")], capsys)
    assert_refused(code, err, "row 2, field 'amount'", out=tmp / "out")


# -- numeric options ------------------------------------------------------------------------------
def _numeric_options() -> list[tuple[str, str, list[str]]]:
    """(command, option flag, the other arguments it needs) for every int/float option of every command."""
    found = []
    for info in app.registered_commands:
        func = inspect.unwrap(info.callback)  # type: ignore[arg-type]
        flags = option_flags(func)
        hints = typing.get_type_hints(func)
        needed: list[str] = []
        for name, param in inspect.signature(func).parameters.items():
            if param.default is inspect.Parameter.empty:
                needed += [flags[name], "x"] if flags[name].startswith("--") else ["x"]
        for name, hint in hints.items():
            kinds = set(typing.get_args(hint)) | {hint}
            if kinds & {int, float} and flags.get(name, "").startswith("--"):
                found.append((str(info.name), flags[name], needed))
    return found


NUMERIC_OPTIONS = _numeric_options()


def test_numeric_options_are_found() -> None:
    flags = {(c, f) for c, f, _ in NUMERIC_OPTIONS}
    assert {("design", "--time-limit"), ("score", "--min-pop"), ("design", "--areas"), ("fund", "--draws"),
            ("demo", "--seed")} <= flags


def _parses_to_inf(text: str) -> bool:
    """Whether the command line reads ``text`` as +infinity ('inf', '1e400'): a valid "no limit" for the
    options in ``MAY_BE_INFINITE`` (``design --wall-guard inf``), refused everywhere else."""
    try:
        return float(text) == math.inf
    except ValueError:
        return False


@pytest.mark.parametrize("option", NUMERIC_OPTIONS, ids=[f"{c} {f}" for c, f, _ in NUMERIC_OPTIONS])
@examples(7)
@given(value=st.sampled_from(["nan", "inf", "-inf", "1e308", "99999999999999999999", "x", "1e400"]))
def test_every_numeric_option_refuses_hostile_values(tmp_path_factory: pytest.TempPathFactory,
                                                     capsys: pytest.CaptureFixture[str],
                                                     option: tuple[str, str, list[str]], value: str) -> None:
    command, flag, needed = option
    assume(not (_parses_to_inf(value) and flag.removeprefix("--").replace("-", "_") in MAY_BE_INFINITE))
    tmp = tmp_path_factory.mktemp("opt")
    needed = [str(tmp / "out") if a == "x" and i and needed[i - 1] in ("--out", "-o") else a
              for i, a in enumerate(needed)]
    code, _, err = run_cli([command, *needed, flag, value], capsys)
    assert_refused(code, err, flag, out=tmp / "out")


# -- saved results read by devoplan report ----------------------------------------------------------
def _leaves(schema: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str]]:
    """Every (path, kind) the schema names; list items get index 0, any-key maps the key 'k'."""
    if isinstance(schema, str):
        return [(path, schema)]
    if isinstance(schema, list):
        return _leaves(schema[0], (*path, 0))
    out = []
    for key, sub in schema.items():
        out += _leaves(sub, (*path, "k" if key == "*" else key))
    return out


def _nest(path: tuple[Any, ...], value: Any) -> Any:
    for step in reversed(path):
        value = [value] if step == 0 else {step: value}
    return value


def _name(path: tuple[Any, ...]) -> str:
    text = ""
    for step in path:
        text += "[0]" if step == 0 else (f".{step}" if text else str(step))
    return text


METRIC_FIELDS: list[tuple[str, tuple[Any, ...], str]] = [
    *[("demo", p, k) for p, k in _leaves(DEMO)], *[("design", p, k) for p, k in _leaves(DESIGN_DOC)],
]
WRONG: dict[str, list[Any]] = {"number": ["x", True, [1], {"a": 1}], "whole number": ["x", 1.5, False],
                               "string": [1, [1], {"a": "b"}], "true or false": ["yes", 1]}


@pytest.mark.parametrize("field", METRIC_FIELDS, ids=[f"{k}:{_name(p)}" for k, p, _ in METRIC_FIELDS])
@examples(2)
@given(data=st.data())
def test_every_metrics_field_refuses_the_wrong_kind(tmp_path_factory: pytest.TempPathFactory,
                                                    capsys: pytest.CaptureFixture[str],
                                                    field: tuple[str, tuple[Any, ...], str],
                                                    data: st.DataObject) -> None:
    kind, path, expected = field
    value = data.draw(st.sampled_from(WRONG[expected] + ([math.nan, math.inf] if expected == "number" else [])))
    doc = _nest(path, value)
    base = {"area_list": [], "objective": 1.0} if kind == "design" else {"run": {}}
    doc = {**base, **doc}  # a design document is recognised by area_list and objective
    tmp = tmp_path_factory.mktemp("metrics")
    geo = write_three_units(tmp / "g")
    plan = tmp / "plan.csv"
    plan.write_text("code,area\nA,1\nB,1\nC,2\n", encoding="utf-8")
    metrics = tmp / "metrics.json"
    metrics.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp / "report.html"
    code, _, err = run_cli(["report", "--plan", str(plan), "-g", str(geo), "--metrics", str(metrics),
                            "--out", str(out)], capsys)
    assert_refused(code, err, f"field '{_name(path)}'")
    assert not out.exists()


@pytest.mark.parametrize("column", ["population", "target", "baseline", "allocation", "per_head",
                                    "distance_from_target_pct", "winner_frequency"])
@examples(4)
@given(value=st.sampled_from(["x", "inf", "1e300", "-1e400"]))
def test_every_allocations_column_refuses_hostile_cells(tmp_path_factory: pytest.TempPathFactory,
                                                        capsys: pytest.CaptureFixture[str], column: str,
                                                        value: str) -> None:
    tmp = tmp_path_factory.mktemp("alloc")
    geo = write_three_units(tmp / "g")
    plan = tmp / "plan.csv"
    plan.write_text("code,area_code\nA,X1\nB,X1\nC,X2\n", encoding="utf-8")
    header = ("year,line,area_code,area_name,population,target,baseline,allocation,per_head,"
              "distance_from_target_pct,winner_frequency")
    rows = ["2026/27,h,X1,X1,300,10,10,10,0.03,0,0.5", "2026/27,all,X1,X1,300,10,10,10,0.03,0,0.5",
            "2026/27,all,X2,X2,300,10,10,10,0.03,0,0.5"]
    cells = rows[0].split(",")
    cells[header.split(",").index(column)] = value
    rows[0] = ",".join(cells)
    alloc = tmp / "allocations.csv"
    alloc.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    out = tmp / "report.html"
    code, _, err = run_cli(["report", "--plan", str(plan), "-g", str(geo), "--allocations", str(alloc),
                            "--out", str(out)], capsys)
    assert_refused(code, err, f"row 2, field '{column}'")
    assert not out.exists()

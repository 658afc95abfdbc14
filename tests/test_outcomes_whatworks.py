"""The what-works library: the shipped entries validate and link to a plan's areas; bad entries fail clearly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from devoplan.errors import InputError
from devoplan.geography.loader import load_geography
from devoplan.outcomes import areas_for
from devoplan.outcomes.whatworks import DEFAULT_DIR, link_to_plan, load_library
from devoplan.testing.cli import run_cli


def test_seeded_cases_validate_and_link_to_areas() -> None:
    geo = load_geography()
    library = load_library(unit_codes=geo.units.codes)
    assert [e.id for e in library] == ["achieving-for-children", "badalona-integrated-care", "better-care-fund",
                                      "cornwall-adult-social-care", "greater-manchester-health-devolution"]
    assert all(e.sources and all(s.url.startswith("http") for s in e.sources) for e in library)
    links = link_to_plan(library, areas_for(geo, layer="RGN"))
    assert links["greater-manchester-health-devolution"] == ("E12000002",)  # North West
    assert set(links["achieving-for-children"]) == {"E12000007", "E12000008"}  # London, South East (Windsor)
    assert links["badalona-integrated-care"] == ()
    assert len(links["better-care-fund"]) == 9


def _copy_with(tmp_path: Path, old: str, new: str) -> Path:
    lib = tmp_path / "lib"
    shutil.copytree(DEFAULT_DIR, lib)
    file = lib / "better-care-fund.toml"
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new))
    return lib


def test_entry_missing_a_source_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = (DEFAULT_DIR / "better-care-fund.toml").read_text()
    lib = _copy_with(tmp_path, text[text.index("[[outcomes]]"):], "")
    code, _, err = run_cli(["outcomes", "-i", "cvd_u75", "--whatworks", str(lib)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "better-care-fund.toml, field 'sources': every entry needs at least one source" in err


@pytest.mark.parametrize(("old", "new", "field"), [
    ('url = "https://www.nao.org.uk/reports/health-and-social-care-integration/"', 'url = "nao"', "sources[0].url"),
    ('source = "nao-2017"', 'source = "nao"', "outcomes[0].source"),
    ('places = ["E92000001"]', 'places = ["X1"]', "places[0]"),
    ('start = 2013', 'start = "2013"', "start"),
])
def test_bad_entries_name_the_field(tmp_path: Path, old: str, new: str, field: str) -> None:
    lib = _copy_with(tmp_path, old, new)
    with pytest.raises(InputError, match=f"better-care-fund.toml, field '{field.replace('[', '.').replace(']', '.')}"):
        load_library(lib, load_geography().units.codes)


def test_json_lists_the_library_with_areas(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["outcomes", "--layer", "RGN", "-i", "cvd_u75", "--json"], capsys)
    doc = json.loads(out)
    gm = next(e for e in doc["what_works"] if e["id"] == "greater-manchester-health-devolution")
    assert code == 0 and gm["areas"] == ["E12000002"] and gm["sources"][0]["url"].startswith("https://doi.org/")

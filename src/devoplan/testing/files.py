"""Input files for tests: three- and five-unit geographies on disk, small funding specs, a TOML
writer that can write what TOML allows but a user should not give (nan, inf), and the check that a
refused input is one line naming the problem.

The test modules that throw hostile values at devoplan (CSV cells, spec keys, geometry, odd files)
all start from these, so a change to the file formats is made once.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

# Three units in a line (A-B-C), one partition layer H (H1 = A+B, H2 = C) and one need indicator.
THREE_UNITS: dict[str, str] = {
    "manifest.json": json.dumps({"name": "Tiny", "format": 1}),
    "units.csv": "code,name,population\nA,Alpha,100\nB,Beta,200\nC,Gamma,300\n",
    "layers.csv": "layer,name,kind,vintage,source\nH,Health,partition,2024,test\n",
    "areas.csv": "layer,area_code,area_name\nH,H1,One\nH,H2,Two\n",
    "memberships.csv": "layer,unit_code,area_code,weight\nH,A,H1,1\nH,B,H1,1\nH,C,H2,1\n",
    "adjacency.csv": "unit_a,unit_b,length_m,kind,note\nA,B,10,border,\nB,C,10,border,\n",
    "indicators.csv": "code,need\nA,1\nB,2\nC,3\n",
    "indicator_meta.csv": "key,name,year,unit,direction,source\nneed,Need,2024,score,higher_is_worse,test\n",
}


# Five units: a partition H with unit B split 3:1, a cover E with unit C in both areas, a partial
# layer C (A and B only), two indicators (one with a blank cell) and the island I joined by a ferry link.
FIVE_UNITS: dict[str, str] = {
    "units.csv": "code,name,population\nA,Alpha,100\nB,Beta,200\nC,Gamma,300\nD,Delta,400\nI,Isle,50\n",
    "layers.csv": (
        "layer,name,kind,vintage,source\n"
        "H,Health,partition,2024,test\n"
        "E,Economy,cover,2021,test\n"
        "C,Combined,partial,2024,test\n"
    ),
    "areas.csv": (
        "layer,area_code,area_name\n"
        "H,H1,Health one\nH,H2,Health two\n"
        "E,E1,Econ one\nE,E2,Econ two\n"
        "C,C1,Combined one\n"
    ),
    "memberships.csv": (
        "layer,unit_code,area_code,weight\n"
        "H,A,H1,1\nH,B,H1,0.75\nH,B,H2,0.25\nH,C,H2,1\nH,D,H2,1\nH,I,H2,1\n"
        "E,A,E1,1\nE,B,E1,1\nE,C,E1,0.5\nE,C,E2,0.5\nE,D,E2,1\nE,I,E2,1\n"
        "C,A,C1,1\nC,B,C1,1\n"
    ),
    "adjacency.csv": (
        "unit_a,unit_b,length_m,kind,note\n"
        "A,B,1000,border,\nB,C,500.5,border,\nC,D,250,border,\nD,I,0,link,ferry\n"
    ),
    "indicators.csv": "code,need,jobs\nA,1.5,70\nB,2.5,\nC,3.5,60\nD,4.5,65\nI,5.5,80\n",
    "indicator_meta.csv": (
        "key,name,year,unit,direction,source\n"
        "need,Need score,2025,score,higher_is_worse,test\n"
        "jobs,Employment rate,2022,%,higher_is_better,test\n"
    ),
    "manifest.json": json.dumps({"name": "Tiny", "format": 1}),
}


def write_five_units(directory: Path, **changes: str | None) -> Path:
    """Write :data:`FIVE_UNITS` into ``directory`` with some files replaced, or removed when None
    (``units__csv`` names ``units.csv``)."""
    for name, text in {**FIVE_UNITS, **{k.replace("__", "."): v for k, v in changes.items()}}.items():
        if text is not None:
            (directory / name).write_text(text, encoding="utf-8")
    return directory


def square(x: float, y: float = 52.0, size: float = 0.1) -> dict[str, Any]:
    """A GeoJSON square polygon with its south-west corner at (x, y), in degrees."""
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def write_three_units(directory: Path, *, boundaries: bool = False, unit_c: dict[str, Any] | None = None,
                      **files: str | bytes) -> Path:
    """Write :data:`THREE_UNITS` into ``directory``, with ``files`` replacing (or adding) files by name.

    ``boundaries`` also writes ``geometry.geojson`` (three squares); ``unit_c`` replaces unit C's geometry
    (and implies ``boundaries``).
    """
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in {**THREE_UNITS, **files}.items():
        (directory / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    if boundaries or unit_c is not None:
        shapes = {"A": square(-2.0), "B": square(-1.9), "C": unit_c if unit_c is not None else square(-1.8)}
        features = [{"type": "Feature", "properties": {"code": c}, "geometry": g} for c, g in shapes.items()]
        (directory / "geometry.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return directory


def with_cell(text: str, column: str, value: str) -> str:
    """A CSV text with ``column`` of its first data row set to ``value``."""
    lines = text.splitlines()
    header, row = lines[0].split(","), lines[1].split(",")
    row[header.index(column)] = value
    return "\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n"


def small_spec(*, every_key: bool = False) -> dict[str, Any]:
    """A valid funding spec with one line ``h``; ``every_key`` fills in every optional numeric key too."""
    line: dict[str, Any] = {
        "total": {"value": 1000.0, "source": "a report"}, "total_year": "2026/27", "growth": 0.05,
        "need": {"strength": 0.1, "indicators": [{"key": "dep", "weight": 1.0}]},
        "top_slices": {"central": {"percent": 10.0}},
    }
    if every_key:
        line |= {
            "growth_by_year": {"2027/28": 0.04},
            "age_sex": {"bands": ["0-64", "65+"], "female": [1.0, 2.0], "male": [1.0, 2.5]},
            "need": {"strength": 0.1, "strength_range": [0.05, 0.15],
                     "indicators": [{"key": "dep", "weight": 1.0, "weight_range": [0.5, 1.5],
                                     "include_probability": 1.0}]},
            "unmet_need": {"indicator": "dep", "strength": 0.1, "strength_range": [0.0, 0.2]},
            "top_slices": {"central": {"percent": 10.0}, "fixed": {"amount": 10.0}},
        }
    return {
        "settlement": {"years": ["2026/27", "2027/28"]},
        "baseline": {"method": "equal_per_head", "note": "equal per head"},
        "pace": {"convergence": 0.5, "floor": 0.0, "cap": 0.1, "assumption": True},
        "lines": {"h": line},
    }


def with_value(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``doc`` with the value at ``path`` (``lines/h/growth``; list items by index) set.

    A key holding a slash itself (a year such as ``2027/28``) is found by joining the remaining parts.
    """
    out = copy.deepcopy(doc)
    parts = path.split("/")
    node: Any = out
    while len(parts) > 1:
        if isinstance(node, list):
            node, parts = node[int(parts[0])], parts[1:]
            continue
        joined = "/".join(parts)
        if joined in node:
            break
        node, parts = node[parts[0]], parts[1:]
    key = "/".join(parts)
    if isinstance(node, list):
        node[int(key)] = value
    else:
        node[key] = value
    return out


def toml_value(value: Any) -> str:
    """A TOML value (inline tables and arrays; nan and inf as TOML writes them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f'"{k}" = {toml_value(v)}' for k, v in value.items()) + " }"


def write_toml(path: Path, doc: dict[str, Any]) -> Path:
    """Write ``doc`` as TOML (one ``key = value`` line per top-level key)."""
    path.write_text("\n".join(f"{k} = {toml_value(v)}" for k, v in doc.items()) + "\n", encoding="utf-8")
    return path


def assert_refused(code: int, err: str, *names: str, out: Path | None = None) -> None:
    """A user error as the CLI must report it: exit 2, one ``error:`` line naming each of ``names``, no
    traceback, and (given ``out``) nothing written there."""
    line = err.strip()
    assert code == 2, err
    assert "\n" not in line and line.startswith("error:"), err
    assert "Traceback" not in err
    for name in names:
        assert name in line, (name, line)
    if out is not None:
        assert not out.exists() or not any(out.iterdir()), sorted(out.iterdir())

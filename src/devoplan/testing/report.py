"""A tiny geography (six square districts) and a synthetic allocations table for tests of the report.

Layout (columns left to right, rows south to north), populations in brackets::

    D (400)  E (500)  F (600)
    A (100)  B (200)  C (300)

* ICB (partition): H1 = A, D and 3/4 of B; H2 = 1/4 of B, C, E, F. Beta is split.
* LEP (cover): L1 = A, B, D, E; L2 = C, E, F. Echo sits in both.
* Today's ICBs as a plan (split B goes to its main ICB): H1 = {A, B, D} (700), H2 = {C, E, F} (1,400).

The allocations table is made up for these tests only (the demo always uses the real funding engine).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from devoplan.geography.loader import load_geography
from devoplan.geography.model import Geography

CELLS = {"A": (0, 0), "B": (1, 0), "C": (2, 0), "D": (0, 1), "E": (1, 1), "F": (2, 1)}
NAMES = {"A": "Alpha", "B": "Beta", "C": "Gamma", "D": "Delta", "E": "Echo", "F": "Foxtrot"}
POP = {"A": 100, "B": 200, "C": 300, "D": 400, "E": 500, "F": 600}

FILES: dict[str, str] = {
    "manifest.json": json.dumps({"name": "Tiny six", "format": 1}),
    "units.csv": "code,name,population\n" + "".join(f"{c},{NAMES[c]},{POP[c]}\n" for c in CELLS),
    "layers.csv": (
        "layer,name,kind,vintage,source\n"
        "ICB,Health boards,partition,2024,test\n"
        "LEP,Enterprise partnerships,cover,2021,test\n"
        "REGION,Regions,partition,2024,test\n"
        "PFA,Police forces,partition,2024,test\n"
        "UTLA,Upper tier,partition,2024,test\n"
        "CAUTH,Combined authorities,partial,2024,test\n"
    ),
    "areas.csv": (
        "layer,area_code,area_name\n"
        "ICB,H1,Health one\nICB,H2,Health two\n"
        "LEP,L1,Enterprise one\nLEP,L2,Enterprise two\n"
        "REGION,R1,Region one\n"
        "PFA,P1,Police south\nPFA,P2,Police north\n"
        "UTLA,U1,West county\nUTLA,U2,Mid county\nUTLA,U3,East county\n"
        "CAUTH,C1,North east combined\n"
    ),
    "memberships.csv": (
        "layer,unit_code,area_code,weight\n"
        "ICB,A,H1,1\nICB,B,H1,0.75\nICB,B,H2,0.25\nICB,C,H2,1\nICB,D,H1,1\nICB,E,H2,1\nICB,F,H2,1\n"
        "LEP,A,L1,1\nLEP,B,L1,1\nLEP,C,L2,1\nLEP,D,L1,1\nLEP,E,L1,0.5\nLEP,E,L2,0.5\nLEP,F,L2,1\n"
        + "".join(f"REGION,{c},R1,1\n" for c in CELLS)
        + "PFA,A,P1,1\nPFA,B,P1,1\nPFA,C,P1,1\nPFA,D,P2,1\nPFA,E,P2,1\nPFA,F,P2,1\n"
        "UTLA,A,U1,1\nUTLA,D,U1,1\nUTLA,B,U2,1\nUTLA,E,U2,1\nUTLA,C,U3,1\nUTLA,F,U3,1\n"
        "CAUTH,E,C1,1\nCAUTH,F,C1,1\n"
    ),
    "adjacency.csv": (
        "unit_a,unit_b,length_m,kind,note\n"
        "A,B,1000,border,\nB,C,1000,border,\nD,E,1000,border,\nE,F,1000,border,\n"
        "A,D,1000,border,\nB,E,1000,border,\nC,F,1000,border,\n"
    ),
    "indicators.csv": "code,need\nA,1\nB,2\nC,3\nD,4\nE,5\nF,6\n",
    "indicator_meta.csv": (
        "key,name,year,unit,direction,source\n"
        "need,Need score,2025,score,higher_is_worse,Ministry of Tests need survey (Open Government Licence v3.0)\n"
    ),
    "ATTRIBUTION.md": (
        "# Sources\n\nAll data under the Open Government Licence v3.0.\n\n"
        "| dataset | publisher | licence |\n|---|---|---|\n"
        "| District boundaries | Office for Tests | OGL v3.0 |\n"
        "| Hex layout | Open Hexes | CC BY 4.0 |\n"
    ),
}


def square(x: int, y: int) -> dict[str, object]:
    x0, y0 = -2.0 + x, 52.0 + y
    ring = [[x0, y0], [x0 + 1, y0], [x0 + 1, y0 + 1], [x0, y0 + 1], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def write_tiny(directory: Path) -> Path:
    """Write the tiny geography directory (with geometry and a hex map) and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in FILES.items():
        (directory / name).write_text(text, encoding="utf-8")
    features = [{"type": "Feature", "properties": {"code": c, "name": NAMES[c]}, "geometry": square(*xy)}
                for c, xy in CELLS.items()]
    (directory / "geometry.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    hexes = {c: {"n": NAMES[c], "q": x, "r": y} for c, (x, y) in CELLS.items()}
    (directory / "hexmap.hexjson").write_text(json.dumps({"layout": "odd-r", "hexes": hexes}))
    return directory


def tiny_geography(directory: Path) -> Geography:
    return load_geography(write_tiny(directory))


def synthetic_allocations(*, sensitivity: bool = True) -> pd.DataFrame:
    """Two years for the ICB stand-in plan (H1: 700 residents, H2: 1,400), all lines plus one line.

    2026/27: H1 £700,000 (£1,000 per head, target £770,000: -9.0909%), H2 £2,100,000 (£1,500 per head).
    2027/28: H1 £735,000 (£1,050 per head), H2 £2,100,000 (£1,500 per head).
    """
    rows = []
    data = {("2026/27", "H1"): (700_000.0, 770_000.0), ("2026/27", "H2"): (2_100_000.0, 2_030_000.0),
            ("2027/28", "H1"): (735_000.0, 770_000.0), ("2027/28", "H2"): (2_100_000.0, 2_065_000.0)}
    pops = {"H1": 700, "H2": 1400}
    names = {"H1": "Health one", "H2": "Health two"}
    for line in ("health", "all"):
        for (year, area), (alloc, target) in data.items():
            row = {"year": year, "line": line, "line_name": line, "area_code": area, "area_name": names[area],
                   "population": pops[area], "target": target, "baseline": 690_000.0 if area == "H1" else 2_000_000.0,
                   "allocation": alloc, "per_head": alloc / pops[area],
                   "distance_from_target_pct": (alloc - target) / target * 100}
            if sensitivity and line == "all":
                row.update({"per_head_p5": alloc / pops[area] - 40, "per_head_p95": alloc / pops[area] + 60,
                            "winner_frequency": 0.25 if area == "H1" else 0.75})
            rows.append(row)
    return pd.DataFrame(rows)


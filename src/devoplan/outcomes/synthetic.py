"""A tiny geography and outcomes directory with known numbers, for tests and worked examples.

Four districts: D1 and D2 form region R1, D3 and D4 region R2; D3 and D4 share one county value
(published for county C1 only). Residents are placed at age 30 (and children at age 5) so each
district's weight is exactly its stated population.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import sparse

from devoplan.geography.model import Adjacency, Geography, IndicatorMeta, Indicators, Layer, Units

CODES = ("D1", "D2", "D3", "D4")
ADULTS = (100, 300, 200, 200)
CHILDREN = (10, 20, 30, 40)

INDICATORS_CSV = """\
key,name,unit,polarity,kind,multiplier,ages,sex,periods,publisher,dataset,url
rate,A published rate,per 100,higher_is_worse,mean,1,18-90,,2022 2023,Test,Synthetic,https://example.org/rate
looked_after,Children looked after,"per 10,000 children",no_judgement,count,10000,0-17,,2023,Test,Synthetic,https://example.org/cla
"""
DISTRICTS_CSV = """\
indicator,code,period,value,lci,uci,count,denominator,source
rate,D1,2022,12,10,14,,,
rate,D1,2023,10,8,12,,,
rate,D2,2022,21,18,24,,,
rate,D2,2023,20,17,23,,,
rate,D3,2022,31,27,35,,,C1
rate,D3,2023,30,26,34,,,C1
rate,D4,2022,31,27,35,,,C1
rate,D4,2023,30,26,34,,,C1
looked_after,D1,2023,30,,,30,10000,
looked_after,D2,2023,20,,,10,5000,
looked_after,D3,2023,40,,,8,2000,
looked_after,D4,2023,50,,,5,1000,
"""
PUBLISHED_CSV = """\
indicator,code,period,value,lci,uci,count,denominator
rate,R1,2023,18,16.5,19.5,,
rate,C1,2023,30,26,34,,
rate,E92000001,2023,20,19,21,,
rate,E92000001,2022,22,21,23,,
looked_after,E92000001,2023,40,,,1000,250000
"""
COMPARATORS_CSV = "set,code,rank,neighbour,closeness\nons,D1,1,D2,\n"


def tiny_geography() -> Geography:
    """The four districts, a REGION layer (R1, R2) and a UTLA layer (D1, D2, C1)."""
    n = len(CODES)
    age_sex = np.zeros((n, 2, 91), dtype=np.int64)
    age_sex[:, 0, 30] = ADULTS
    age_sex[:, 0, 5] = CHILDREN
    units = Units(CODES, ("One", "Two", "Three", "Four"), age_sex.sum(axis=(1, 2)), age_sex)

    def layer(key: str, codes: tuple[str, ...], cols: list[int]) -> Layer:
        matrix = sparse.csr_array((np.ones(n), (np.arange(n), cols)), shape=(n, len(codes)))
        return Layer(key, key.title(), "partition", codes, codes, matrix)

    layers = {"REGION": layer("REGION", ("R1", "R2"), [0, 0, 1, 1]),
              "UTLA": layer("UTLA", ("D1", "D2", "C1"), [0, 1, 2, 2])}
    edges = np.array([[0, 1], [1, 2], [2, 3]])
    adjacency = Adjacency(n, edges, np.full(3, 1000.0), ("border",) * 3, ("",) * 3)
    meta = (IndicatorMeta("x", "X", "2024", "score", "higher_is_worse", "synthetic"),)
    return Geography("tiny", units, layers, adjacency, Indicators(meta, np.zeros((n, 1))))


def write_outcomes_dir(directory: str | Path, **replace: str) -> Path:
    """Write the tiny outcomes directory; ``replace`` swaps a file's text (e.g. ``districts=...``)."""
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    texts = {"indicators": INDICATORS_CSV, "districts": DISTRICTS_CSV, "published": PUBLISHED_CSV,
             "comparators": COMPARATORS_CSV, **replace}
    for name, text in texts.items():
        (path / f"{name}.csv").write_text(text, encoding="utf-8")
    return path

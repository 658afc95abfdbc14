"""Units of the England bundle: the 296 LAD24s with Census 2021 population by sex and single year of age."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from devoplan.build import sources
from devoplan.build.sources import SourceDir
from devoplan.geography.model import SEXES

N_AGES = 91  # single years 0..90, 90 = "90 and over" (Census 2021 TS009)


@dataclass(frozen=True)
class UnitTables:
    """``units``: code, name, population (sorted by code); ``age_sex``: code, sex, ages 0..90."""

    units: pd.DataFrame
    age_sex: pd.DataFrame

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.units["code"])


def build_units(src: SourceDir) -> UnitTables:
    """Read the LAD24 Census table and check it is complete (every unit x sex x age exactly once)."""
    rel = sources.POPULATION_LAD24
    raw = src.table(rel, ["LAD24CD", "LAD24NM", "sex", "age", "population"])
    counts = src.numeric(raw, "population", rel)
    ages = src.numeric(raw, "age", rel)
    if np.isnan(counts).any() or (counts < 0).any() or (counts != np.round(counts)).any():
        raise src.fail(rel, "population must be a non-negative whole number", field="population")
    if not set(raw["sex"]) <= set(SEXES):
        raise src.fail(rel, f"sex must be one of {', '.join(SEXES)}", field="sex")
    frame = raw.assign(age=ages.astype(np.int64), population=counts.astype(np.int64))
    if frame.duplicated(["LAD24CD", "sex", "age"]).any():
        raise src.fail(rel, "a district x sex x age appears twice", field="LAD24CD")
    wide = frame.pivot(index=["LAD24CD", "sex"], columns="age", values="population")
    codes = sorted(frame["LAD24CD"].unique())
    expected = pd.MultiIndex.from_product([codes, list(SEXES)], names=["LAD24CD", "sex"])
    if list(wide.columns) != list(range(N_AGES)) or len(wide) != len(expected) or wide.isna().any().any():
        raise src.fail(rel, f"every district needs both sexes and ages 0..{N_AGES - 1}", field="age")
    wide = wide.reindex(expected).astype(np.int64)
    names = frame.drop_duplicates("LAD24CD").set_index("LAD24CD")["LAD24NM"]
    population = wide.groupby(level="LAD24CD").sum().sum(axis=1)
    units = pd.DataFrame(
        {"code": codes, "name": names.reindex(codes).to_numpy(), "population": population.reindex(codes).to_numpy()}
    )
    age_sex = wide.reset_index().rename(columns={"LAD24CD": "code"})
    age_sex.columns = ["code", "sex", *[str(a) for a in range(N_AGES)]]
    return UnitTables(units=units, age_sex=age_sex)

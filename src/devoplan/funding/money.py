"""Today's money by district, read from a geography bundle's money tables.

* :func:`nhs_weighted` -- registered patients or an NHS England weighted population component per
  unit for an allocation year (``nhs_population.csv``);
* :func:`nhs_allocations` -- published ICB allocations, fair-shares targets, distances from target;
* :func:`baseline_per_unit` -- what each district receives or spends today for a named source
  (``nhs:<stream>:<year>`` from ``nhs_baselines.csv``, ``council:<service>`` from
  ``council_spending.csv``), in pounds.

A geography without these files (a custom one) simply has no money data: the functions raise
:class:`~devoplan.errors.InputError` naming the missing file, and the funding spec's lines that need
them say so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from devoplan.errors import InputError
from devoplan.geography.model import Geography

NHS_POPULATION = "nhs_population.csv"
NHS_ALLOCATIONS = "nhs_allocations.csv"
NHS_BASELINES = "nhs_baselines.csv"
COUNCIL_SPENDING = "council_spending.csv"


def _read(geography: Geography, name: str, columns: Sequence[str]) -> pd.DataFrame:
    """A money table of the geography (read once, kept by its assets), with its columns checked."""
    return geography.assets.derived(f"money:{name}", lambda: _read_table(geography, name, columns))


def _read_table(geography: Geography, name: str, columns: Sequence[str]) -> pd.DataFrame:
    if geography.assets.directory is None:
        raise InputError("the geography has no directory, so no money tables", file=name)
    path = geography.assets.directory / name
    if not path.is_file():
        raise InputError("money table not found in the geography (rebuild the bundle with `devoplan data build`)",
                         file=path)
    frame = pd.read_csv(path, dtype={"unit_code": str, "holder": str, "year": str, "allocation_year": str})
    for column in columns:
        if column not in frame.columns:
            raise InputError("expected column is missing", file=path, field=column)
    return frame


def _per_unit(geography: Geography, frame: pd.DataFrame, column: str, name: str) -> np.ndarray:
    values = frame.set_index("unit_code")[column].reindex(list(geography.units.codes))
    if values.isna().any():
        missing = values.index[values.isna()][0]
        raise InputError(f"no value for unit {missing}", file=name, field=column)
    return values.to_numpy(dtype=np.float64)


def nhs_years(geography: Geography) -> tuple[str, ...]:
    """Allocation years with NHS weighted populations, in order."""
    frame = _read(geography, NHS_POPULATION, ("unit_code", "year"))
    return tuple(sorted(frame["year"].unique()))


def nhs_weighted(geography: Geography, component: str, year: str) -> np.ndarray:
    """Per-unit registered patients (``registered``) or a weighted population component for ``year``."""
    frame = _read(geography, NHS_POPULATION, ("unit_code", "year", "registered"))
    if component not in frame.columns or component in ("unit_code", "year"):
        allowed = [c for c in frame.columns if c not in ("unit_code", "year")]
        raise InputError(f"unknown component '{component}'; allowed: {', '.join(allowed)}", file=NHS_POPULATION)
    rows = frame[frame["year"] == year]
    if rows.empty:
        raise InputError(f"no weighted populations for {year}; years: {', '.join(nhs_years(geography))}",
                         file=NHS_POPULATION, field="year")
    return _per_unit(geography, rows, component, NHS_POPULATION)


def nhs_allocations(geography: Geography) -> pd.DataFrame:
    """Published allocations: holder_type, holder, stream, allocation_year, allocation_gbpk,
    target_gbpk, distance, post_distance, registered_population."""
    return _read(geography, NHS_ALLOCATIONS, ("holder_type", "holder", "stream", "allocation_year",
                                              "allocation_gbpk", "target_gbpk"))


def baseline_sources(geography: Geography) -> tuple[str, ...]:
    """Every baseline source key the geography holds (``nhs:core_services:2025/26``, ``council:...``)."""
    nhs = _read(geography, NHS_BASELINES, ("unit_code", "stream", "year", "amount_gbpk"))
    council = _read(geography, COUNCIL_SPENDING, ("unit_code", "service", "amount_gbpk"))
    keys = {f"nhs:{s}:{y}" for s, y in zip(nhs["stream"], nhs["year"], strict=True)}
    keys |= {f"council:{s}" for s in council["service"]}
    return tuple(sorted(keys))


def baseline_per_unit(geography: Geography, source: str) -> np.ndarray:
    """Pounds per unit for a source key (see :func:`baseline_sources`)."""
    kind, _, rest = source.partition(":")
    if kind == "nhs":
        stream, _, year = rest.partition(":")
        frame = _read(geography, NHS_BASELINES, ("unit_code", "stream", "year", "amount_gbpk"))
        rows = frame[(frame["stream"] == stream) & (frame["year"] == year)]
        name = NHS_BASELINES
    elif kind == "council":
        frame = _read(geography, COUNCIL_SPENDING, ("unit_code", "service", "amount_gbpk"))
        rows = frame[frame["service"] == rest]
        name = COUNCIL_SPENDING
    else:
        rows, name = pd.DataFrame(), ""
    if rows.empty:
        raise InputError(f"unknown baseline source '{source}'; allowed: {', '.join(baseline_sources(geography))}",
                         file=name or None)
    return _per_unit(geography, rows, "amount_gbpk", name) * 1000.0

"""Comparators: the nearest neighbours of any plan's areas, and the published neighbour sets.

Modelled on the ONS "similar areas" method: each area is described by a documented set of
variables, every variable is standardised across the areas (z-score: minus the mean, over the
standard deviation), and neighbours are the areas at the smallest Euclidean distance. The
variables (all aggregated into the plan's areas with :func:`~devoplan.outcomes.aggregate.aggregate`
or the bundled population) are listed in :data:`VARIABLES`; the distances are reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devoplan.errors import reject_unknown
from devoplan.geography.model import Geography
from devoplan.outcomes.aggregate import aggregate, area_of_units
from devoplan.outcomes.indicators import OutcomeData
from devoplan.plan import Plan

# (key, description); population keys come from the geography, the rest from the outcomes bundle
VARIABLES: tuple[tuple[str, str], ...] = (
    ("log_population", "residents (log), Census 2021"),
    ("share_under_16", "share of residents aged 0-15, Census 2021"),
    ("share_65_plus", "share of residents aged 65+, Census 2021"),
    ("imd_score", "IMD 2025 average score, population-weighted"),
    ("employment", "employment rate 16-64, latest"),
    ("gdhi", "gross disposable household income per head, latest"),
    ("level3", "adults 16-64 qualified to level 3+, latest"),
    ("claimant", "claimant count 16-64, latest"),
)
PUBLISHED_SETS = {"ons": "ONS similar areas (global, 2026)",
                  "dfe": "DfE children's services statistical neighbours (2025)"}


@dataclass(frozen=True)
class Neighbours:
    """For each area, its nearest areas (positions) and their distances in standardised units."""

    areas: Plan
    variables: tuple[str, ...]
    features: np.ndarray  # (areas, variables), standardised
    nearest: np.ndarray  # (areas, k) area positions
    distance: np.ndarray  # (areas, k)

    def of(self, area: str) -> list[tuple[str, str, float]]:
        """The neighbours of one area as (code, name, distance), nearest first."""
        a = self.areas.area_position(area)
        return [(self.areas.area_codes[j], self.areas.area_names[j], float(d))
                for j, d in zip(self.nearest[a], self.distance[a], strict=True)]


def area_features(data: OutcomeData, geography: Geography, areas: Plan) -> tuple[tuple[str, ...], np.ndarray]:
    """The raw (unstandardised) variables per area; variables missing for any area are dropped."""
    assign = area_of_units(areas)
    k = areas.n_areas
    columns: dict[str, np.ndarray] = {}
    pop = np.bincount(assign, weights=geography.units.population.astype(float), minlength=k)
    columns["log_population"] = np.log(pop)
    age_sex = geography.units.age_sex
    if age_sex is not None:
        by_age = age_sex.sum(axis=1).astype(float)
        columns["share_under_16"] = np.bincount(assign, weights=by_age[:, :16].sum(axis=1), minlength=k) / pop
        columns["share_65_plus"] = np.bincount(assign, weights=by_age[:, 65:].sum(axis=1), minlength=k) / pop
    if "imd_score" in geography.indicators.keys:
        imd = geography.indicators.column("imd_score")
        ok = np.isfinite(imd)
        w = np.where(ok, geography.units.population, 0.0)
        columns["imd_score"] = np.bincount(assign, weights=w * np.nan_to_num(imd), minlength=k) / \
            np.bincount(assign, weights=w, minlength=k)
    for key, _ in VARIABLES:
        if key in data.indicators:
            indicator = data.indicators[key]
            columns[key] = aggregate(data, geography, areas, indicator, indicator.latest).value
    keep = [key for key, _ in VARIABLES if key in columns and np.all(np.isfinite(columns[key]))]
    return tuple(keep), np.column_stack([columns[key] for key in keep])


def nearest_neighbours(data: OutcomeData, geography: Geography, areas: Plan, k: int = 5) -> Neighbours:
    """The ``k`` nearest areas of every area of the plan on the standardised variables."""
    names, raw = area_features(data, geography, areas)
    sd = raw.std(axis=0)
    z = (raw - raw.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    d = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(d, np.inf)
    k = max(0, min(k, areas.n_areas - 1))
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    return Neighbours(areas, names, z, order, np.take_along_axis(d, order, axis=1))


def published_neighbours(data: OutcomeData, code: str, which: str = "ons") -> list[tuple[int, str, str]]:
    """A published neighbour set of one authority: (rank, neighbour code, closeness)."""
    if which not in PUBLISHED_SETS:
        raise reject_unknown("neighbour set", which, tuple(PUBLISHED_SETS))
    return list(data.comparator_index.get((which, code), []))


def published_sets_of(data: OutcomeData, codes: tuple[str, ...]) -> dict[str, dict[str, list[str]]]:
    """For each code that is a published authority, its published neighbour sets (neighbour codes by rank)."""
    out: dict[str, dict[str, list[str]]] = {}
    for code in codes:
        sets = {which: [n for _, n, _ in data.comparator_index[(which, code)]]
                for which in PUBLISHED_SETS if (which, code) in data.comparator_index}
        if sets:
            out[code] = sets
    return out

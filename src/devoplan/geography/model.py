"""The in-memory geography: units, service layers, adjacency and indicators as arrays.

Everything downstream (plans, metrics, the optimiser, the funding formula) works on these
arrays, indexed by unit position ``0..n-1`` in :attr:`Units.codes`. GeoDataFrames only
enter and leave through :mod:`devoplan.geography.geometry`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import networkx as nx
import numpy as np
from scipy import sparse

from devoplan.errors import reject_unknown

if TYPE_CHECKING:
    import geopandas as gpd

LayerKind = Literal["partition", "cover", "partial"]
LAYER_KINDS: tuple[str, ...] = ("partition", "cover", "partial")
Direction = Literal["higher_is_worse", "higher_is_better"]
DIRECTIONS: tuple[str, ...] = ("higher_is_worse", "higher_is_better")
SEXES: tuple[str, ...] = ("F", "M")


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Units:
    """The building blocks (English local authority districts in the bundle).

    ``age_sex`` has shape ``(n, 2, n_ages)``: sex in :data:`SEXES` order, single years of age
    ``0..n_ages-1`` with the last year open-ended (90 = "90 and over" in Census 2021).
    """

    codes: tuple[str, ...]
    names: tuple[str, ...]
    population: np.ndarray
    age_sex: np.ndarray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "population", _frozen(self.population.astype(np.int64)))
        if self.age_sex is not None:
            object.__setattr__(self, "age_sex", _frozen(self.age_sex.astype(np.int64)))

    def __len__(self) -> int:
        return len(self.codes)

    @cached_property
    def index(self) -> Mapping[str, int]:
        """Unit code -> position."""
        return {c: i for i, c in enumerate(self.codes)}

    def position(self, unit: str | int) -> int:
        """Position of a unit given by code or position; raises KeyError for unknown codes."""
        if isinstance(unit, str):
            return self.index[unit]
        if not 0 <= int(unit) < len(self.codes):
            raise KeyError(unit)
        return int(unit)

    @property
    def total_population(self) -> int:
        return int(self.population.sum())


@dataclass(frozen=True, eq=False)
class Layer:
    """A service geography expressed as memberships of units in areas.

    ``membership`` is a sparse ``(n_units, n_areas)`` matrix of weights:

    * ``partition``: every unit's weights sum to 1; a unit split between areas carries its
      shares (ICB 2024: share of the district's LSOA21s in each ICB).
    * ``cover``: every unit belongs wholly to one or more areas; weights are ``1/k`` for a unit in
      ``k`` areas so that population is not double counted (LEP 2021).
    * ``partial``: a unit belongs to at most one area or to none (combined authorities 2024).
    """

    key: str
    name: str
    kind: LayerKind
    area_codes: tuple[str, ...]
    area_names: tuple[str, ...]
    membership: sparse.csr_array
    vintage: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if self.kind not in LAYER_KINDS:
            raise reject_unknown("layer kind", self.kind, LAYER_KINDS)
        object.__setattr__(self, "membership", sparse.csr_array(self.membership, dtype=np.float64))

    @property
    def n_areas(self) -> int:
        return len(self.area_codes)

    @cached_property
    def area_index(self) -> Mapping[str, int]:
        return {c: i for i, c in enumerate(self.area_codes)}

    @cached_property
    def areas_per_unit(self) -> np.ndarray:
        """Number of areas each unit has a positive weight in (0 for units outside a partial layer)."""
        return _frozen(np.diff(self.membership.indptr))

    @cached_property
    def main_area(self) -> np.ndarray:
        """For each unit, the area holding its largest weight (ties: lowest area index); -1 if none."""
        dense = self.membership.toarray()
        main = np.where(dense.max(axis=1) > 0, dense.argmax(axis=1), -1)
        return _frozen(main)

    def multi_member_units(self) -> np.ndarray:
        """Positions of units split between (partition) or shared by (cover) several areas."""
        return np.flatnonzero(self.areas_per_unit > 1)

    def covered_units(self) -> np.ndarray:
        """Positions of units that belong to some area (all units unless the layer is partial)."""
        return np.flatnonzero(self.areas_per_unit > 0)


@dataclass(frozen=True, eq=False)
class Adjacency:
    """Undirected adjacency between units: shared-border edges plus explicit links (ferries).

    ``edges`` is ``(m, 2)`` with ``i < j``; ``length_m`` is the shared boundary in metres
    (0 for explicit links); ``kind`` is ``"border"`` or ``"link"``; ``note`` explains links.
    """

    n_units: int
    edges: np.ndarray
    length_m: np.ndarray
    kind: tuple[str, ...]
    note: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "edges", _frozen(np.asarray(self.edges, dtype=np.int64).reshape(-1, 2)))
        object.__setattr__(self, "length_m", _frozen(np.asarray(self.length_m, dtype=np.float64)))

    @cached_property
    def matrix(self) -> sparse.csr_array:
        """Symmetric 0/1 adjacency matrix (CSR); ``indptr``/``indices`` give neighbour lists fast."""
        m = len(self.edges)
        rows = np.concatenate([self.edges[:, 0], self.edges[:, 1]])
        cols = np.concatenate([self.edges[:, 1], self.edges[:, 0]])
        a = sparse.coo_array((np.ones(2 * m), (rows, cols)), shape=(self.n_units, self.n_units))
        return sparse.csr_array(a)

    def neighbours(self, unit: int) -> np.ndarray:
        mat = self.matrix
        return mat.indices[mat.indptr[unit] : mat.indptr[unit + 1]]

    def graph(self, *, include_links: bool = True) -> nx.Graph:
        """A networkx graph on unit positions, edges carrying ``length_m`` and ``kind``."""
        g = nx.Graph()
        g.add_nodes_from(range(self.n_units))
        for (a, b), length, kind, note in zip(self.edges, self.length_m, self.kind, self.note, strict=True):
            if include_links or kind != "link":
                g.add_edge(int(a), int(b), length_m=float(length), kind=kind, note=note)
        return g


@dataclass(frozen=True)
class IndicatorMeta:
    """What an indicator measures and where it comes from."""

    key: str
    name: str
    year: str
    unit: str
    direction: Direction
    source: str


@dataclass(frozen=True, eq=False)
class Indicators:
    """Indicator values by unit: ``values`` is ``(n_units, n_indicators)``, NaN where missing."""

    meta: tuple[IndicatorMeta, ...]
    values: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _frozen(np.asarray(self.values, dtype=np.float64)))

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(m.key for m in self.meta)

    def column(self, key: str) -> np.ndarray:
        """Values of one indicator; unknown keys are rejected with the allowed ones listed."""
        if key not in self.keys:
            raise reject_unknown("indicator", key, self.keys)
        return self.values[:, self.keys.index(key)]

    def get_meta(self, key: str) -> IndicatorMeta:
        if key not in self.keys:
            raise reject_unknown("indicator", key, self.keys)
        return self.meta[self.keys.index(key)]

    def coverage(self) -> np.ndarray:
        """Number of units with a value, per indicator."""
        return (~np.isnan(self.values)).sum(axis=0)


@dataclass(frozen=True, eq=False)
class Geography:
    """A validated geography: the single object the rest of devoplan takes as input."""

    name: str
    units: Units
    layers: Mapping[str, Layer]
    adjacency: Adjacency
    indicators: Indicators
    directory: Path | None = None
    description: str = ""
    _cache: dict[str, object] = field(default_factory=dict, repr=False)

    @property
    def n_units(self) -> int:
        return len(self.units)

    def __repr__(self) -> str:
        """A one-line summary (the full dataclass repr lists every unit and array: unreadable in a notebook)."""
        people = int(self.units.population.sum())
        return (f"Geography({self.name!r}: {self.n_units} units, {people:,} residents, "
                f"layers {', '.join(self.layers) or 'none'})")

    def layer(self, key: str) -> Layer:
        """A layer by key (case-insensitive); unknown keys are rejected with the allowed ones listed."""
        for k, layer in self.layers.items():
            if k.lower() == key.lower():
                return layer
        raise reject_unknown("layer", key, tuple(self.layers))

    @cached_property
    def graph(self) -> nx.Graph:
        return self.adjacency.graph()

    def display_geometry(self) -> gpd.GeoDataFrame:
        """Simplified unit boundaries (EPSG:4326) in unit order; loaded on first use."""
        from devoplan.geography.geometry import read_display_geometry

        if "geometry" not in self._cache:
            self._cache["geometry"] = read_display_geometry(self)
        return self._cache["geometry"]

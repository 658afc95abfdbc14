"""The in-memory geography: units, service layers, adjacency and indicators as arrays.

Everything downstream (plans, metrics, the optimiser, the funding formula) works on these
arrays, indexed by unit position ``0..n-1`` in :attr:`Units.codes`. GeoDataFrames only
enter and leave through :mod:`devoplan.geography.geometry`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

import networkx as nx
import numpy as np
from scipy import sparse

from devoplan.errors import reject_unknown
from devoplan.geography.assets import GeographyAssets
from devoplan.zoning import ZONING_KINDS, Zoning, ZoningKind, frozen_array

if TYPE_CHECKING:
    import geopandas as gpd

LayerKind = ZoningKind
LAYER_KINDS: tuple[str, ...] = ZONING_KINDS
Direction = Literal["higher_is_worse", "higher_is_better"]
DIRECTIONS: tuple[str, ...] = ("higher_is_worse", "higher_is_better")
SEXES: tuple[str, ...] = ("F", "M")


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
        object.__setattr__(self, "population", frozen_array(self.population.astype(np.int64)))
        if self.age_sex is not None:
            object.__setattr__(self, "age_sex", frozen_array(self.age_sex.astype(np.int64)))

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
class Layer(Zoning):
    """A service geography: a :class:`~devoplan.zoning.Zoning` plus its vintage and source.

    ``Layer(key, name, kind, area_codes, area_names, membership, vintage, source)``; see
    :mod:`devoplan.zoning` for what the weights of a partition, cover or partial layer mean.
    """

    vintage: str = ""
    source: str = ""


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
        object.__setattr__(self, "edges", frozen_array(np.asarray(self.edges, dtype=np.int64).reshape(-1, 2)))
        object.__setattr__(self, "length_m", frozen_array(np.asarray(self.length_m, dtype=np.float64)))

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
        object.__setattr__(self, "values", frozen_array(np.asarray(self.values, dtype=np.float64)))

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
    """A validated geography: the single object the rest of devoplan takes as input.

    It is a value: no file path, nothing mutable, so one geography can be shared between threads.
    What lives in files beside it (display boundaries, hex layout, attribution) is reached through
    :attr:`assets`, an explicit object that loads each file once, under a lock.
    """

    name: str
    units: Units
    layers: Mapping[str, Layer]
    adjacency: Adjacency
    indicators: Indicators
    description: str = ""
    assets: GeographyAssets = field(default_factory=GeographyAssets, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", MappingProxyType(dict(self.layers)))

    def __reduce__(self) -> tuple[type[Geography], tuple[object, ...]]:
        """Pickle by value (layers as a plain dict), so a geography can travel to worker processes."""
        return (Geography, (self.name, self.units, dict(self.layers), self.adjacency, self.indicators,
                            self.description, self.assets))

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

    def with_layers(self, layers: Mapping[str, Layer]) -> Geography:
        """The same geography with a different set of layers (e.g. a user's extra layer)."""
        return replace(self, layers=layers)

    @cached_property
    def graph(self) -> nx.Graph:
        return self.adjacency.graph()

    def display_geometry(self) -> gpd.GeoDataFrame:
        """Simplified unit boundaries (EPSG:4326) in unit order, from :attr:`assets` (loaded once)."""
        return self.assets.display_geometry(self.units.codes)

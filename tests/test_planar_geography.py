"""The random planar geography (``devoplan.testing.planar``): Voronoi units, contiguous layers, reproducible."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from devoplan.design.api import design
from devoplan.design.options import DesignOptions
from devoplan.errors import DevoplanError
from devoplan.testing import planar_geography
from devoplan.testing.planar import LAYER_SIZES, grow_areas, voronoi_borders


def test_borders_of_a_regular_lattice_are_the_shared_sides() -> None:
    # points at the centres of a 3x3 lattice of unit squares: the cells are the squares themselves
    centres = np.array([[x + 0.5, y + 0.5] for y in range(3) for x in range(3)])
    edges, lengths = voronoi_borders(centres, 3.0)
    rook = sorted((a, b) for a in range(9) for b in range(a + 1, 9)
                  if abs(a % 3 - b % 3) + abs(a // 3 - b // 3) == 1)
    assert [tuple(e) for e in edges.tolist()] == rook  # diagonal cells meet at a point only: no border
    assert lengths == pytest.approx(np.ones(12))


def test_same_seed_same_geography_other_seed_another() -> None:
    a, b, c = planar_geography(200, seed=4), planar_geography(200, seed=4), planar_geography(200, seed=5)
    assert np.array_equal(a.adjacency.edges, b.adjacency.edges)
    assert np.array_equal(a.adjacency.length_m, b.adjacency.length_m)
    assert np.array_equal(a.units.population, b.units.population)
    for key in a.layers:
        assert (a.layers[key].membership != b.layers[key].membership).nnz == 0
    assert not np.array_equal(a.units.population, c.units.population)
    assert not np.array_equal(a.adjacency.edges, c.adjacency.edges)


def test_adjacency_is_a_connected_planar_graph_with_real_borders() -> None:
    n = 500
    geo = planar_geography(n, seed=1)
    edges, length = geo.adjacency.edges, geo.adjacency.length_m
    graph = nx.Graph([tuple(e) for e in edges.tolist()])
    assert graph.number_of_nodes() == n and nx.is_connected(graph)
    assert len(edges) <= 3 * n - 6  # a planar graph
    assert nx.check_planarity(graph)[0]
    assert (edges[:, 0] < edges[:, 1]).all() and len({tuple(e) for e in edges.tolist()}) == len(edges)
    assert (length > 0).all()
    # cells of about 1 km² (a square of sqrt(n) km): a typical border is a few hundred metres
    assert 300 < float(np.median(length)) < 1000
    degree = np.bincount(edges.ravel(), minlength=n)
    assert 5.0 < degree.mean() < 6.0  # a random Delaunay graph's mean degree tends to 6, less at the edge


def test_layers_have_every_kind_and_contiguous_areas() -> None:
    n = 600
    geo = planar_geography(n, seed=2)
    graph = nx.Graph([tuple(e) for e in geo.adjacency.edges.tolist()])
    assert set(geo.layers) == {"BLOCK", "UTLA", "SPLIT", "COVER", "CAUTH"}
    for key, size in LAYER_SIZES.items():
        layer = geo.layers[key]
        m = layer.membership.toarray()
        assert len(layer.area_codes) == round(n / size)
        assert m.sum(axis=1) == pytest.approx(np.ones(n))  # every unit wholly in the layer
        assert (m.sum(axis=0) > 0).all()  # no empty area
        for a in range(m.shape[1]):
            assert nx.is_connected(graph.subgraph(np.flatnonzero(m[:, a] > 0).tolist()))
    assert geo.layers["BLOCK"].kind == geo.layers["UTLA"].kind == geo.layers["SPLIT"].kind == "partition"
    assert geo.layers["COVER"].kind == "cover" and geo.layers["CAUTH"].kind == "partial"
    split, cover = (geo.layers[k].membership.toarray() for k in ("SPLIT", "COVER"))
    shared_split = ((split > 0).sum(axis=1) == 2).mean()
    assert 0.03 < shared_split < 0.15  # about 10% of units, those on an area's edge with a neighbour
    shared_cover = cover[(cover > 0).sum(axis=1) == 2]
    assert len(shared_cover) > 0 and set(np.unique(shared_cover[shared_cover > 0])) == {0.5}
    inside = geo.layers["CAUTH"].membership.toarray().sum(axis=1)
    assert 0 < (inside == 0).sum() < n and set(np.unique(inside)) == {0.0, 1.0}


def test_grown_areas_are_connected_even_on_a_path() -> None:
    path = [[1], [0, 2], [1, 3], [2, 4], [3]]
    label = grow_areas(path, 2, np.random.default_rng(0))
    assert sorted(set(label.tolist())) == [0, 1]
    assert sum(label[i] != label[i + 1] for i in range(4)) == 1  # two runs: each area an interval


def test_design_draws_a_valid_plan_on_it() -> None:
    geo = planar_geography(80, seed=3)
    opts = DesignOptions(areas=2, keep_whole=(), health=("BLOCK",), economic=("COVER",), time_limit=0.2,
                         compute_bound=False)
    result = design(geo, opts, seed=0)
    assert result.checks["ok"] and result.plan.n_areas == 2


@pytest.mark.parametrize("bad", [3, 0, -5, 2.5, True])
def test_bad_size_is_refused_naming_the_parameter(bad: object) -> None:
    with pytest.raises(DevoplanError, match="`n`"):
        planar_geography(bad)  # type: ignore[arg-type]

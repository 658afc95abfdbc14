"""Adjacency between districts: shared boundary lines, plus explicit links.

Two districts are adjacent when their boundaries share a line of positive length; meeting at a
point does not count. Lengths are measured in metres on the British National Grid coverage and
rounded to 0.1 m so that rebuilds are byte-identical.

The BGC boundaries are clipped to the coastline, which also cuts them along tidal rivers and
estuaries: the Thames through London, the Mersey, the Tyne, the Tamar. Districts joined there by
bridges and tunnels would otherwise look unconnected (Wirral would reach the rest of Liverpool City
Region only through Cheshire West and Chester). Two kinds of explicit link are added, both with
``kind = link``, length 0 and a note naming the crossing: ferry links for the two islands, which
touch no other district, and the well-known fixed crossings listed in :data:`CROSSING_LINKS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from devoplan.build import sources
from devoplan.build.sources import SourceDir


@dataclass(frozen=True)
class Link:
    """An explicit connection between two units that share no border."""

    unit_a: str
    unit_b: str
    note: str


ISLAND_LINKS: tuple[Link, ...] = (
    Link("E06000044", "E06000046", "Isle of Wight - Portsmouth: Wightlink car ferry and FastCat, Hovertravel"),
    Link("E06000045", "E06000046", "Isle of Wight - Southampton: Red Funnel car ferry and Red Jet"),
    Link("E06000046", "E07000091", "Isle of Wight (Yarmouth) - New Forest (Lymington): Wightlink car ferry"),
    Link("E06000052", "E06000053", "Isles of Scilly - Cornwall (Penzance): Scillonian III ferry and Skybus"),
)

CROSSING_LINKS: tuple[Link, ...] = (
    Link("E09000022", "E09000033", "Fixed crossing over the Thames: Westminster, Lambeth and Vauxhall bridges"),
    Link("E09000028", "E09000030", "Fixed crossing over the Thames: Tower Bridge and the Rotherhithe Tunnel"),
    Link("E09000011", "E09000030", "Fixed crossing under the Thames: Blackwall Tunnel and Greenwich foot tunnel"),
    Link("E09000011", "E09000025", "Crossing of the Thames: Woolwich Ferry and Woolwich foot tunnel"),
    Link("E09000020", "E09000032", "Fixed crossing over the Thames: Battersea and Albert bridges"),
    Link("E09000013", "E09000032", "Fixed crossing over the Thames: Putney and Wandsworth bridges"),
    Link("E09000013", "E09000027", "Fixed crossing over the Thames: Hammersmith Bridge (to Barnes)"),
    Link("E06000034", "E07000107", "Fixed crossing of the Thames estuary: Dartford Crossing (QEII bridge and tunnels)"),
    Link("E08000012", "E08000015", "Fixed crossing under the Mersey: Queensway and Kingsway tunnels, Merseyrail"),
    Link("E08000021", "E08000037", "Fixed crossing over the Tyne: Tyne, Swing, High Level and Redheugh bridges"),
    Link("E08000022", "E08000023", "Fixed crossing under the Tyne: Tyne Tunnel (and the Shields Ferry)"),
    Link("E06000026", "E06000052", "Fixed crossing over the Tamar: Tamar Bridge (and the Torpoint Ferry)"),
    Link("E06000045", "E07000091", "Fixed crossing of the River Test: Redbridge causeway (Southampton - Totton)"),
)
LINKS: tuple[Link, ...] = ISLAND_LINKS + CROSSING_LINKS


def border_edges(coverage: gpd.GeoDataFrame) -> pd.DataFrame:
    """Pairs of districts whose boundaries share a line, with the shared length in metres.

    Candidate pairs come from an STRtree intersects query; the shared length is the length of the
    intersection of the two boundaries (points contribute nothing), so point contacts drop out.
    """
    geoms = coverage.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    boundaries = shapely.boundary(geoms)
    length = shapely.length(shapely.intersection(boundaries[left], boundaries[right]))
    lines = np.round(length, 1) > 0
    codes = coverage["code"].to_numpy()
    edges = pd.DataFrame(
        {
            "unit_a": codes[left[lines]],
            "unit_b": codes[right[lines]],
            "length_m": np.round(length[lines], 1),
            "kind": "border",
            "note": "",
        }
    )
    return edges.sort_values(["unit_a", "unit_b"]).reset_index(drop=True)


def point_contacts(coverage: gpd.GeoDataFrame) -> int:
    """Number of district pairs that touch only at points (reported, not used as edges)."""
    geoms = coverage.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    boundaries = shapely.boundary(geoms)
    length = shapely.length(shapely.intersection(boundaries[left[keep]], boundaries[right[keep]]))
    return int((np.round(length, 1) == 0).sum())


def add_links(src: SourceDir, borders: pd.DataFrame, codes: tuple[str, ...],
              links: tuple[Link, ...] = LINKS) -> pd.DataFrame:
    """Border edges plus explicit ``links``; the result must join every district into one graph."""
    known = set(codes)
    for link in links:
        if link.unit_a not in known or link.unit_b not in known:
            raise src.fail(sources.BOUNDARIES, f"link {link.unit_a}-{link.unit_b} names an unknown district")
    table = pd.DataFrame(
        {
            "unit_a": [lk.unit_a for lk in links],
            "unit_b": [lk.unit_b for lk in links],
            "length_m": 0.0,
            "kind": "link",
            "note": [lk.note for lk in links],
        }
    )
    edges = pd.concat([borders, table]).sort_values(["unit_a", "unit_b"]).reset_index(drop=True)
    if edges.duplicated(["unit_a", "unit_b"]).any():
        dup = edges.loc[edges.duplicated(["unit_a", "unit_b"]), ["unit_a", "unit_b"]].iloc[0]
        raise src.fail(sources.BOUNDARIES, f"link {dup['unit_a']}-{dup['unit_b']} duplicates a shared border")
    graph = nx.Graph()
    graph.add_nodes_from(codes)
    graph.add_edges_from(zip(edges["unit_a"], edges["unit_b"], strict=True))
    if not nx.is_connected(graph):
        parts = sorted(sorted(c) for c in nx.connected_components(graph))
        raise src.fail(
            sources.BOUNDARIES, f"adjacency has {len(parts)} components; smallest starts {min(parts, key=len)[0]}"
        )
    return edges

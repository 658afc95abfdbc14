"""Blocks: the units the optimiser actually moves.

Every area of a hard keep-whole layer (UTLA, CAUTH by default), every ``--together`` group and every
frozen area of a starting plan is contracted into one block, so no move can ever split them. With
the England defaults the 296 districts become about a hundred blocks, which makes the search space
(and the exact bound) much smaller. Places in locks/together/apart may name a district or an area of
any layer (e.g. a UTLA) by code or name, in any case (:func:`devoplan.names.place_units`), and resolve
to all of its districts.

A do-not-cross layer (Greater London by default) gives every block a side: the layer area it lies in,
or "outside". Two adjacent blocks on different sides become an apart pair (a *fence*). Areas are
contiguous, so an area holding blocks of two sides would hold two adjacent blocks of different sides
somewhere on a path between them: fencing the adjacent pairs is enough, and every part of the
optimiser (search, construction, exact model) already honours apart pairs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from devoplan.design.options import DesignOptions, resolved_do_not_cross
from devoplan.errors import DevoplanError, InfeasibleError
from devoplan.geography.model import Geography
from devoplan.names import place_units


@dataclass(frozen=True, eq=False)
class Blocks:
    """A contraction of the units.

    ``unit_block[u]`` is the block of unit ``u``; ``members[b]`` its units; ``neighbours[b]`` the
    adjacent blocks; ``edge_weight[(i, j)]`` (``i < j``) the number of unit edges between blocks.
    ``bridges`` lists districts added to a kept-whole area that is not contiguous on its own (e.g. a
    geography without the Mersey tunnel link, where Wirral reaches the rest of Liverpool City Region
    only through Cheshire West and Chester), since
    any contiguous area containing it must contain such a path; the shortest one is taken.
    ``origin[b]`` says why the block exists (for messages); ``locks[b]`` the area names it is locked
    to; ``frozen[b]`` the starting-plan area code if it is a frozen area; ``apart`` are block pairs.
    """

    unit_block: np.ndarray
    members: tuple[np.ndarray, ...]
    population: np.ndarray
    neighbours: tuple[tuple[int, ...], ...]
    edge_weight: dict[tuple[int, int], int]
    origin: tuple[str, ...]
    locks: tuple[frozenset[str], ...]
    frozen: tuple[str | None, ...]
    apart: tuple[tuple[int, int], ...]
    apart_codes: tuple[tuple[str, str], ...]
    n_unit_edges: int
    bridges: tuple[str, ...] = ()
    side: np.ndarray | None = None  # per block: do-not-cross side (-1 outside every fenced area), or None
    fences: frozenset[tuple[int, int]] = frozenset()  # the apart pairs that come from do-not-cross layers
    side_names: dict[int, str] = field(default_factory=dict)  # side label -> e.g. "Greater London", "outside"

    @property
    def n_blocks(self) -> int:
        return len(self.members)

    def lock_of(self, block: int) -> str | None:
        names = self.locks[block]
        return next(iter(names)) if len(names) == 1 else None


def build_blocks(geography: Geography, opts: DesignOptions) -> Blocks:
    """Contract kept-whole areas, together groups and frozen areas; map locks, apart pairs and fences."""
    blocks = _contract(geography, opts)
    fenced = resolved_do_not_cross(opts, geography.layers)
    if not fenced:
        return blocks
    side, names = _sides(geography, blocks, fenced)
    fences = frozenset((i, j) for i, j in blocks.edge_weight if side[i] != side[j])
    return replace(blocks, apart=tuple(sorted(set(blocks.apart) | fences)), side=side, fences=fences,
                   side_names=names)


def _sides(geography: Geography, blocks: Blocks, keys: tuple[str, ...]) -> tuple[np.ndarray, dict[int, str]]:
    """Per block, a label that differs between blocks an area may not hold together; per label, a name."""
    unit_side = np.zeros(geography.n_units, dtype=np.int64)
    unit_names: list[list[str]] = [[] for _ in range(geography.n_units)]
    for key in keys:
        layer = geography.layer(key)
        inside = np.asarray(layer.membership.sum(axis=1)).ravel() > 0
        unit_side = unit_side * (layer.n_areas + 1) + np.where(inside, layer.main_area + 1, 0)
        for u in np.flatnonzero(inside):
            unit_names[u].append(layer.area_names[int(layer.main_area[u])])
    side = np.empty(blocks.n_blocks, dtype=np.int64)
    for b, members in enumerate(blocks.members):
        labels = np.unique(unit_side[members])
        if len(labels) > 1:
            names = geography.units.names
            a = int(members[unit_side[members] == labels[0]][0])
            c = int(members[unit_side[members] == labels[1]][0])
            raise InfeasibleError(
                f"{blocks.origin[b]} must stay whole but lies across the boundary of {', '.join(keys)} "
                f"({names[a]} on one side, {names[c]} on the other), which no area may cross; "
                "keep fewer layers whole or let areas cross it (`do_not_cross`)"
            )
        side[b] = labels[0]
    labelled = {int(unit_side[u]): " / ".join(unit_names[u]) or f"outside {', '.join(keys)}"
                for u in range(geography.n_units)}
    return side, labelled


def _contract(geography: Geography, opts: DesignOptions) -> Blocks:
    n = geography.n_units
    links: list[tuple[int, int]] = []
    why: dict[int, list[str]] = {}
    for key in opts.keep_whole:
        layer = geography.layer(key)
        member = layer.membership.tocsc()
        for a in range(layer.n_areas):
            us = member.indices[member.indptr[a] : member.indptr[a + 1]]
            _chain(links, us)
            if len(us) > 1:
                why.setdefault(int(us.min()), []).append(f"{layer.key} {layer.area_names[a]}")
    for group in opts.together:
        us = np.concatenate([place_units(geography, c, "together") for c in group])
        _chain(links, us)
    frozen_units = _frozen_units(opts)
    mat = geography.adjacency.matrix
    for code, us in frozen_units.items():
        if len(us) > 1 and connected_components(sparse.csr_array(mat[us][:, us]), directed=False)[0] > 1:
            raise InfeasibleError(f"frozen area {code} of the starting plan is not contiguous, so it cannot be kept")
        _chain(links, us)
    unit_block, bridges = _bridged(geography, n, links)
    members = tuple(np.flatnonzero(unit_block == b) for b in range(int(unit_block.max()) + 1))
    pop = np.array([int(geography.units.population[m].sum()) for m in members], dtype=np.int64)
    neighbours, edge_weight = _block_graph(geography, unit_block, len(members))
    origin = tuple(_origin(geography, m, why) for m in members)
    frozen: list[str | None] = [None] * len(members)
    for code, us in frozen_units.items():
        b = int(unit_block[us[0]])
        if len(members[b]) != len(us):
            extra = sorted(set(members[b].tolist()) - set(us.tolist()))
            raise InfeasibleError(
                f"frozen area {code} cannot stay as it is: keeping layers whole (or `together`) ties it to "
                f"{len(extra)} district(s) outside it, e.g. {geography.units.names[extra[0]]}"
            )
        frozen[b] = code
    locks: list[set[str]] = [set() for _ in members]
    for code, name in opts.locks.items():
        for u in place_units(geography, code, "locks"):
            locks[int(unit_block[u])].add(name)
    apart: list[tuple[int, int]] = []
    for a_code, b_code in opts.apart:
        ba = {int(unit_block[u]) for u in place_units(geography, a_code, "apart")}
        bb = {int(unit_block[u]) for u in place_units(geography, b_code, "apart")}
        apart.extend((min(x, y), max(x, y)) if x != y else (x, x) for x in ba for y in bb)
    return Blocks(
        unit_block=unit_block,
        members=members,
        population=pop,
        neighbours=neighbours,
        edge_weight=edge_weight,
        origin=origin,
        locks=tuple(frozenset(s) for s in locks),
        frozen=tuple(frozen),
        apart=tuple(sorted(set(apart))),
        apart_codes=tuple(opts.apart),
        n_unit_edges=len(geography.adjacency.edges),
        bridges=tuple(bridges),
    )


def _chain(links: list[tuple[int, int]], units: Sequence[int] | np.ndarray) -> None:
    us = [int(u) for u in units]
    links.extend(itertools.pairwise(us))


def _components(n: int, links: list[tuple[int, int]]) -> np.ndarray:
    """Block label per unit, blocks numbered in order of their first unit (deterministic)."""
    if links:
        rows, cols = zip(*links, strict=True)
        g = sparse.coo_array((np.ones(len(links)), (rows, cols)), shape=(n, n))
    else:
        g = sparse.coo_array((n, n))
    _, labels = connected_components(sparse.csr_array(g), directed=False)
    first: dict[int, int] = {}
    for lab in labels:
        first.setdefault(int(lab), len(first))
    return np.array([first[int(lab)] for lab in labels], dtype=np.int64)


def _block_graph(
    geography: Geography, unit_block: np.ndarray, n_blocks: int
) -> tuple[tuple[tuple[int, ...], ...], dict[tuple[int, int], int]]:
    weight: dict[tuple[int, int], int] = {}
    for a, b in geography.adjacency.edges:
        ba, bb = int(unit_block[a]), int(unit_block[b])
        if ba != bb:
            key = (min(ba, bb), max(ba, bb))
            weight[key] = weight.get(key, 0) + 1
    nbrs: list[set[int]] = [set() for _ in range(n_blocks)]
    for i, j in weight:
        nbrs[i].add(j)
        nbrs[j].add(i)
    return tuple(tuple(sorted(s)) for s in nbrs), dict(sorted(weight.items()))


def _origin(geography: Geography, members: np.ndarray, why: dict[int, list[str]]) -> str:
    codes = geography.units.codes
    reasons = why.get(int(members.min()), [])
    if len(members) == 1:
        u = int(members[0])
        return f"{geography.units.names[u]} ({codes[u]})"
    if reasons:
        return " + ".join(dict.fromkeys(reasons))
    return f"{len(members)} districts from {geography.units.names[int(members[0])]}"


def _frozen_units(opts: DesignOptions) -> dict[str, np.ndarray]:
    if not opts.frozen_areas or opts.start is None:
        return {}
    start = opts.start
    out = {}
    for code in opts.frozen_areas:
        if code not in start.area_index:
            raise DevoplanError(
                f"`frozen_areas`: '{code}' is not an area of the starting plan "
                f"(areas: {', '.join(start.area_codes[:10])}{' ...' if start.n_areas > 10 else ''})"
            )
        out[code] = start.members(code)
    return out


def _bridged(geography: Geography, n: int, links: list[tuple[int, int]]) -> tuple[np.ndarray, list[str]]:
    """Blocks from ``links``; a block in several pieces absorbs the shortest unit path joining them."""
    mat = geography.adjacency.matrix
    names = geography.units.names
    bridges: list[str] = []
    for _ in range(n):
        unit_block = _components(n, links)
        broken = None
        for b in range(int(unit_block.max()) + 1):
            m = np.flatnonzero(unit_block == b)
            if len(m) > 1 and connected_components(sparse.csr_array(mat[m][:, m]), directed=False)[0] > 1:
                broken = m
                break
        if broken is None:
            return unit_block, bridges
        path = _shortest_join(geography, broken)
        if not path:
            raise InfeasibleError(
                f"districts {', '.join(names[u] for u in broken[:4])} must share an area but cannot be joined "
                "by any path of districts"
            )
        _chain(links, [int(broken[0]), *path])
        bridges.append(
            f"{', '.join(names[u] for u in path)} joined to {names[int(broken[0])]} and others to keep them contiguous"
        )
    raise InfeasibleError("could not make the kept-whole areas contiguous")


def _shortest_join(geography: Geography, members: np.ndarray) -> list[int]:
    """Units outside ``members`` on a shortest path from the piece of ``members[0]`` to another piece."""
    inside = {int(u) for u in members}
    mat = geography.adjacency.matrix
    piece = {int(members[0])}
    stack = [int(members[0])]
    while stack:
        x = stack.pop()
        for y in mat.indices[mat.indptr[x] : mat.indptr[x + 1]]:
            if int(y) in inside and int(y) not in piece:
                piece.add(int(y))
                stack.append(int(y))
    prev: dict[int, int] = {u: -1 for u in sorted(piece)}
    queue = sorted(piece)
    for x in queue:
        for y in mat.indices[mat.indptr[x] : mat.indptr[x + 1]]:
            y = int(y)
            if y in prev:
                continue
            prev[y] = x
            if y in inside:
                path, z = [], x
                while z not in piece:
                    path.append(z)
                    z = prev[z]
                return path[::-1]
            queue.append(y)
    return []

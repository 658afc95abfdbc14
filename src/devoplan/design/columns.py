"""Every feasible area: the contiguous sets of blocks within the population bounds.

The exact model (``design/exact.py``) is a set partition over candidate areas ("columns"). On England
with the default constraints (109 blocks, 743,290..2,973,160 residents) there are 3.8 million of
them, few enough to list outright, so pricing in the column generation is exact and the bound it
gives is a true lower bound over *all* contiguous plans.

Each connected set is listed exactly once by the ESU scheme (Wernicke 2006): sets are grown from
their lowest-numbered block ``v``, only ever adding higher-numbered neighbours from an extension set
that excludes anything already adjacent to the set. Population is positive, so once a set exceeds
``max_pop`` none of its supersets can be feasible and that branch is cut. The tree is built one set
size at a time with numpy (every set of a size grown at once, as ``(N, words)`` uint64 bitsets), then
put in the order of a depth-first listing (``_in_listing_order``), so column numbers do not depend on
how it was built; England takes about 1.3 s (a Python-int stack took 5 s).

Hard constraints a column must respect (so the model is exact for the constrained problem too):
a frozen block is an area on its own; a column holding a block locked to a name holds every block
locked to that name and no block locked to another name; no column holds both blocks of an
``--apart`` pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devoplan.design.blocks import Blocks

# Listing stops (and the exact model is skipped) after this many connected sets, feasible or not,
# or earlier when the sets would not fit LISTING_MEMORY (listing_cap). England's defaults visit
# 3.8 million (about 1.3 s); see docs/design.md.
MAX_SETS = 8_000_000
# Memory the listing may hold. A visited set costs about 4 bitsets of ceil(blocks / 64) words (its
# members, extension and allowed sets while its level grows, its place in the listing) plus ~32 bytes,
# so the cap on sets shrinks as blocks grow: 8 million on England's 109 blocks, ~210,000 on 10,000.
# Growing a level briefly holds its parts and their join together, so the peak is about twice this.
LISTING_MEMORY = 1024**3
_SLICE_MEMORY = 64 * 1024**2  # the bytes one slice's unpacked extension sets may take
_WORD = 64
_SLICE = 100_000  # sets grown at once at most (memory: a byte per bit of their extension sets)


def listing_cap(n_blocks: int, memory: int | None = None) -> int:
    """The most connected sets the listing visits for ``n_blocks`` blocks: MAX_SETS or the memory cap."""
    n_words = max(1, -(-n_blocks // _WORD))
    budget = LISTING_MEMORY if memory is None else memory
    return int(min(MAX_SETS, budget // (4 * 8 * n_words + 32)))


@dataclass(frozen=True, eq=False)
class Columns:
    """Candidate areas as bitsets over blocks: row ``c`` of ``words`` is area ``c``."""

    words: np.ndarray  # (N, n_words) uint64
    n_blocks: int
    visited: int  # connected sets listed, including those below min_pop or filtered out

    @property
    def n_columns(self) -> int:
        return int(self.words.shape[0])

    def membership(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Dense 0/1 matrix (rows ``start..stop``, one column per block)."""
        chunk = np.ascontiguousarray(self.words[start:stop].astype("<u8"))
        bits = np.unpackbits(chunk.view(np.uint8), axis=1, bitorder="little")
        return bits[:, : self.n_blocks]

    def blocks_of(self, column: int) -> np.ndarray:
        return np.flatnonzero(self.membership(column, column + 1)[0])

    def find(self, areas: list[np.ndarray]) -> list[int]:
        """Row of the column holding exactly each member list (-1 where there is none)."""
        targets = to_words([_mask(m) for m in areas], self.words.shape[1])
        candidates = np.flatnonzero(np.isin(_hash(self.words), _hash(targets)))
        out = []
        for t in targets:
            hits = candidates[(self.words[candidates] == t).all(axis=1)]
            out.append(int(hits[0]) if len(hits) else -1)
        return out


def enumerate_columns(blocks: Blocks, min_pop: float, max_pop: float, max_sets: int = MAX_SETS) -> Columns | None:
    """Every feasible area of ``blocks``, or ``None`` if more connected sets exist than ``max_sets`` or than
    fit in memory (:func:`listing_cap`): the caller then falls back to a bound that needs no listing."""
    n = blocks.n_blocks
    max_sets = min(max_sets, listing_cap(n))
    frozen = [b for b in range(n) if blocks.frozen[b] is not None]
    bits = _BlockBits.of(blocks, set(frozen))
    pop = np.asarray(blocks.population, dtype=np.float64)
    roots = np.array([v for v in range(n) if blocks.frozen[v] is None and pop[v] <= max_pop], dtype=np.int64)
    levels = _levels(bits, pop, roots, min_pop, max_pop, max_sets - len(frozen))
    if levels is None:
        return None
    visited = len(frozen) + sum(len(lv.feasible) for lv in levels)
    words = _in_listing_order(levels, bits.bit[frozen])
    allowed = _allowed(words, blocks, bits.n_words)
    return Columns(words if allowed.all() else words[allowed], n, visited)


@dataclass(frozen=True, eq=False)
class _BlockBits:
    """Per block, ``(n_words,)`` uint64 bitsets: itself, its neighbours, their complement, the blocks above it.

    Frozen blocks have no neighbours and are nobody's neighbour (each is an area on its own)."""

    n_words: int
    bit: np.ndarray
    nbr: np.ndarray
    not_nbr: np.ndarray
    above: np.ndarray

    @staticmethod
    def of(blocks: Blocks, frozen: set[int]) -> _BlockBits:
        n = blocks.n_blocks
        n_words = max(1, -(-n // _WORD))
        nbr = [0] * n
        for i, ns in enumerate(blocks.neighbours):
            if i not in frozen:
                for j in ns:
                    if j not in frozen:
                        nbr[i] |= 1 << j
        full = (1 << n) - 1
        bit = to_words([1 << b for b in range(n)], n_words)
        above = to_words([full ^ ((1 << (b + 1)) - 1) for b in range(n)], n_words)
        return _BlockBits(n_words, bit, to_words(nbr, n_words), to_words([full ^ m for m in nbr], n_words), above)


@dataclass(frozen=True, eq=False)
class _Level:
    """The connected sets of one size: members, whether they reach ``min_pop``, the set each grew from."""

    members: np.ndarray  # (k, n_words) uint64
    feasible: np.ndarray  # (k,) bool
    parent: np.ndarray  # (k,) int32 row in the previous level (empty for the first)


def _levels(
    bits: _BlockBits, pop: np.ndarray, roots: np.ndarray, lo: float, hi: float, budget: int
) -> list[_Level] | None:
    """The ESU tree (Wernicke 2006) built one set size at a time, as numpy arrays; None over ``budget``.

    A set grows from its lowest block ``v`` by adding a block ``w`` of its extension set; the child's
    extension set is the parent's above ``w`` plus ``w``'s neighbours not yet next to the set (the
    ``allowed`` mask, blocks above ``v`` not adjacent to the set). That lists every connected set once.
    Population is positive, so a set over ``hi`` is cut with all its supersets."""
    members = bits.bit[roots]
    ext = bits.nbr[roots] & bits.above[roots]
    allowed = bits.above[roots] & bits.not_nbr[roots]
    pops = pop[roots]
    level = _Level(members, pops >= lo, np.zeros(0, dtype=np.int32))
    levels, visited = [level], len(roots)
    while len(pops) and visited <= budget:
        parts: list[tuple[np.ndarray, ...]] = []
        step = max(1, min(_SLICE, _SLICE_MEMORY // (bits.n_words * _WORD)))
        for s in range(0, len(pops), step):
            node, w = _set_bits(ext[s : s + step])
            node += s
            q = pops[node] + pop[w]
            keep = ~(q > hi)
            node, w = node[keep], w[keep]
            visited += len(node)
            if visited > budget:
                return None
            parts.append((
                level.members[node] | bits.bit[w],
                q[keep],
                node.astype(np.int32),
                (ext[node] & bits.above[w]) | (bits.nbr[w] & allowed[node]),
                allowed[node] & bits.not_nbr[w],
            ))
        del ext, allowed  # the grown level replaces them: join its parts one array at a time (memory)
        members, pops, parents, ext, allowed = _join(parts)
        level = _Level(members, pops >= lo, parents)
        if len(pops):
            levels.append(level)
    return levels if visited <= budget else None


def _join(parts: list[tuple[np.ndarray, ...]]) -> list[np.ndarray]:
    """Concatenate the parts' arrays field by field, letting go of each field's parts once joined."""
    fields = [list(f) for f in zip(*parts, strict=True)]
    parts.clear()
    out = []
    for arrays in fields:
        out.append(np.concatenate(arrays))
        arrays.clear()
    return out


def _set_bits(words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, bit) of every set bit of ``words``, by row then bit."""
    width = words.shape[1] * _WORD
    unpacked = np.unpackbits(np.ascontiguousarray(words.astype("<u8")).view(np.uint8), axis=1, bitorder="little")
    flat = np.flatnonzero(unpacked.view(bool))
    return flat // width, flat % width


def _in_listing_order(levels: list[_Level], head: np.ndarray) -> np.ndarray:
    """``head``, then the feasible sets in depth-first ESU order (each root's tree in
    turn, a set before its children, children with higher added blocks first): the order of a
    stack-based listing. Sets are placed by their rank among the kept ones, with no full-size copy."""
    sizes: list[np.ndarray] = [np.ones(len(levels[-1].feasible), dtype=np.int64)]
    for child, parent in zip(levels[:0:-1], levels[-2::-1], strict=True):
        below = np.bincount(child.parent, weights=sizes[0], minlength=len(parent.feasible))
        sizes.insert(0, 1 + below.astype(np.int64))
    total = sum(len(s) for s in sizes)
    index = np.int32 if total < 2**31 else np.int64  # positions in the listing (memory: half of int64)
    sizes = [s.astype(index) for s in sizes]
    positions = [np.cumsum(sizes[0], dtype=index) - sizes[0]]
    for level, size in zip(levels[1:], sizes[1:], strict=True):
        # siblings are contiguous and by added block; those after a set (higher blocks) come before it
        cs = np.cumsum(size, dtype=index)
        new_parent = np.r_[np.diff(level.parent) != 0, True]
        run = np.cumsum(np.r_[False, new_parent[:-1]])
        positions.append(positions[-1][level.parent] + 1 + cs[new_parent][run] - cs)
    keep = np.zeros(total, dtype=bool)
    for level, pos in zip(levels, positions, strict=True):
        keep[pos] = level.feasible
    rank = np.cumsum(keep, dtype=index) - 1 + len(head)
    out = np.empty((len(head) + int(keep.sum()), head.shape[1]), dtype=np.uint64)
    out[: len(head)] = head
    for level, pos in zip(levels, positions, strict=True):
        out[rank[pos[level.feasible]]] = level.members[level.feasible]
    return out


def _mask(members: np.ndarray | list[int]) -> int:
    m = 0
    for b in members:
        m |= 1 << int(b)
    return m


def to_words(masks: list[int], n_words: int) -> np.ndarray:
    """Python-int bitsets as an ``(len, n_words)`` uint64 array (word 0 holds blocks 0..63)."""
    full = (1 << _WORD) - 1
    out = np.empty((len(masks), n_words), dtype=np.uint64)
    for w in range(n_words):
        shift = w * _WORD
        out[:, w] = [(m >> shift) & full for m in masks]
    return out


def _allowed(words: np.ndarray, blocks: Blocks, n_words: int) -> np.ndarray:
    """Rows that respect locks (all or none of a name's blocks, at most one name) and apart pairs."""
    keep = np.ones(len(words), dtype=bool)
    names: dict[str, list[int]] = {}
    for b, locked in enumerate(blocks.locks):
        for name in locked:
            names.setdefault(name, []).append(b)
    touched = np.zeros(len(words), dtype=np.int64)
    for _, bs in sorted(names.items()):
        mask = to_words([_mask(bs)], n_words)[0]
        inter = words & mask
        has = (inter != 0).any(axis=1)
        keep &= ~has | (inter == mask).all(axis=1)
        touched += has
    keep &= touched <= 1
    for a, b in blocks.apart:
        keep &= ~(_has(words, a) & _has(words, b))
    return keep


def _has(words: np.ndarray, block: int) -> np.ndarray:
    bit = np.uint64(1 << (block % _WORD))
    return (words[:, block // _WORD] & bit) != 0


def _hash(words: np.ndarray) -> np.ndarray:
    """One uint64 per row mixing all its words (multiplication wraps), to find rows fast."""
    key = np.zeros(len(words), dtype=np.uint64)
    for w in range(words.shape[1]):
        key ^= words[:, w] * np.uint64(0x9E3779B97F4A7C15 + 2 * w)
    return key

"""Every feasible area: the contiguous sets of blocks within the population bounds.

The exact model (``design/exact.py``) is a set partition over candidate areas ("columns"). On England
with the default constraints (109 blocks, 743,290..2,973,160 residents) there are 3.8 million of
them, few enough to list outright, so pricing in the column generation is exact and the bound it
gives is a true lower bound over *all* contiguous plans.

Each connected set is listed exactly once by the ESU scheme (Wernicke 2006): sets are grown from
their lowest-numbered block ``v``, only ever adding higher-numbered neighbours from an extension set
that excludes anything already adjacent to the set. Population is positive, so once a set exceeds
``max_pop`` none of its supersets can be feasible and that branch is cut. Sets are Python-int
bitsets while listing and ``(N, words)`` uint64 arrays afterwards.

Hard constraints a column must respect (so the model is exact for the constrained problem too):
a frozen block is an area on its own; a column holding a block locked to a name holds every block
locked to that name and no block locked to another name; no column holds both blocks of an
``--apart`` pair.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from devoplan.design.blocks import Blocks

# Listing stops (and the exact model is skipped) after this many connected sets, feasible or not.
# England's defaults visit 3.8 million (about 4 s); see docs/design.md.
MAX_SETS = 8_000_000
_WORD = 64
_FLUSH = 250_000


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
    """Every feasible area of ``blocks``, or ``None`` if more than ``max_sets`` connected sets exist."""
    n = blocks.n_blocks
    n_words = max(1, -(-n // _WORD))
    frozen = {b for b in range(n) if blocks.frozen[b] is not None}
    nbr = [0] * n
    for i, ns in enumerate(blocks.neighbours):
        if i in frozen:
            continue
        for j in ns:
            if j not in frozen:
                nbr[i] |= 1 << j
    pop = [float(x) for x in blocks.population]
    sink = _Sink(n_words, blocks)
    sink.pending.extend(1 << b for b in sorted(frozen))
    graph = _Graph(n, nbr, pop)
    visited = len(frozen)
    for v in range(n):
        if v in frozen or pop[v] > max_pop:
            continue
        count = _grow(v, graph, min_pop, max_pop, sink, max_sets - visited)
        if count is None:
            return None
        visited += count
    return Columns(sink.words(), n, visited)


class _Sink:
    """Collects listed sets, converting them to filtered uint64 rows every ``_FLUSH`` (memory)."""

    def __init__(self, n_words: int, blocks: Blocks) -> None:
        self.n_words, self.blocks = n_words, blocks
        self.pending: list[int] = []
        self.parts: list[np.ndarray] = []

    def flush(self) -> list[int]:
        """Convert what is pending; the new (empty) pending list."""
        words = to_words(self.pending, self.n_words)
        self.parts.append(words[_allowed(words, self.blocks, self.n_words)])
        self.pending = []
        return self.pending

    def words(self) -> np.ndarray:
        self.flush()
        return np.ascontiguousarray(np.concatenate(self.parts))


class _Graph:
    """Block bitsets for listing: neighbours, their complements and "light enough" masks.

    ``light(slack)`` holds every block whose population fits in ``slack`` (plus a hair, so rounding
    never drops one; the exact test stays in the loop): blocks outside it can join neither the set
    nor any superset (populations are not negative), so they are dropped from the extension set."""

    def __init__(self, n: int, nbr: list[int], pop: list[float]) -> None:
        self.full = (1 << n) - 1
        self.nbr, self.pop = nbr, pop
        self.not_nbr = [self.full ^ m for m in nbr]
        order = sorted(range(n), key=lambda b: pop[b])
        self.sorted_pop = [pop[b] for b in order]
        self.light_masks = [0]
        for b in order:
            self.light_masks.append(self.light_masks[-1] | (1 << b))


def _grow(v: int, g: _Graph, lo: float, hi: float, sink: _Sink, budget: int) -> int | None:
    """Every connected set whose lowest block is ``v`` into ``sink`` (ESU); the number visited, or None over budget.

    A stack entry is (members, extension set, blocks still allowed to join the extension, population);
    the inner loops are kept to few Python operations per set (this is most of the listing time)."""
    nbr, not_nbr, pop, sorted_pop, light_masks = g.nbr, g.not_nbr, g.pop, g.sorted_pop, g.light_masks
    higher = g.full ^ ((1 << (v + 1)) - 1)
    out = sink.pending
    start, emitted, below = len(out), 0, 0
    stack = [(1 << v, nbr[v] & higher, higher & not_nbr[v], pop[v])]
    push, pop_stack, append = stack.append, stack.pop, out.append
    while stack:
        members, ext, avail, p = pop_stack()
        if p >= lo:
            append(members)
            if len(out) >= _FLUSH:
                emitted += len(out) - start
                if emitted + below > budget:
                    return None
                out, start = sink.flush(), 0
                append = out.append
        else:
            below += 1
            if below > budget:
                return None
        if not ext:
            continue
        ext &= light_masks[bisect_right(sorted_pop, (hi - p) * (1 + 1e-12) + 1e-9)]
        while ext:
            low = ext & -ext
            ext ^= low
            w = low.bit_length() - 1
            q = p + pop[w]
            if q > hi:
                continue
            push((members | low, ext | (nbr[w] & avail), avail & not_nbr[w], q))
    visited = emitted + len(out) - start + below
    return None if visited > budget else visited


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

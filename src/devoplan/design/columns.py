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
    visited = len(frozen)
    for v in range(n):
        if v in frozen or pop[v] > max_pop:
            continue
        count = _grow(v, nbr, pop, min_pop, max_pop, sink, max_sets - visited)
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

    def add(self, mask: int) -> None:
        self.pending.append(mask)
        if len(self.pending) >= _FLUSH:
            self.flush()

    def flush(self) -> None:
        words = to_words(self.pending, self.n_words)
        self.parts.append(words[_allowed(words, self.blocks, self.n_words)])
        self.pending = []

    def words(self) -> np.ndarray:
        self.flush()
        return np.ascontiguousarray(np.concatenate(self.parts))


def _grow(v: int, nbr: list[int], pop: list[float], lo: float, hi: float, sink: _Sink, budget: int) -> int | None:
    """Every connected set whose lowest block is ``v`` into ``sink`` (ESU); the number visited, or None over budget."""
    higher = ~((1 << (v + 1)) - 1)
    stack = [(1 << v, nbr[v] & higher, nbr[v] | (1 << v), pop[v])]
    visited = 0
    while stack:
        members, ext, closed, p = stack.pop()
        visited += 1
        if visited > budget:
            return None
        if p >= lo:
            sink.add(members)
        while ext:
            low = ext & -ext
            ext ^= low
            w = low.bit_length() - 1
            q = p + pop[w]
            if q > hi:
                continue
            nw = nbr[w]
            stack.append((members | low, ext | (nw & ~closed & higher), closed | nw, q))
    return visited


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

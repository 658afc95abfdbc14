"""The design objective split into what each candidate area contributes, for the exact model.

For a plan made of areas ``c`` (``design/objective.py`` has the terms)::

    objective = const + sum_c cost[c] - sum_layers alpha_p * sum_{l in p} max_c M_p[c, l]

with ``alpha_p = w_term / (n_term layers) * s_p / total_p`` (``s_p`` the layer's split weight)

* ``cost[c]`` gathers everything additive over areas: the within-area needs variance, half the
  area's boundary (each cut edge borders two areas), the balance deviation ``|P_c - P/k| / P`` and,
  for alignment layers, minus ``beta_p`` times the area's largest overlap with one layer area (the
  row maximum), ``beta_p = w_term / (n_term layers) * (1 - s_p) / total_p``;
* the last part is the column maxima of the overlap matrices ("how much of ICB l lies in its best
  area"), which is not additive over areas; the exact model linearises it (``design/exact.py``).

``tests/test_design_exact.py`` checks ``plan_value`` against the incremental scorer on random plans.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
from scipy import sparse

from devoplan.design.columns import _WORD, Columns
from devoplan.design.objective import Objective, _within

CHUNK = 20_000  # columns per chunk: stored, priced and reduced a chunk at a time (memory)
_THREADS = 2


@dataclass(frozen=True, eq=False)
class Rows:
    """A chunk's sparse rows: per column, some indices with values (CSR with local row pointers)."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray | None = None

    def row(self, c: int) -> tuple[np.ndarray, np.ndarray | None]:
        s, e = int(self.indptr[c]), int(self.indptr[c + 1])
        return self.indices[s:e], None if self.data is None else self.data[s:e]

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Per row, the sum of ``values`` (aligned with ``indices``); 0 for an empty row."""
        return _per_row(np.add, values, self.indptr)

    @staticmethod
    def of(rows: np.ndarray, cols: np.ndarray, n_rows: int, width: int, data: np.ndarray | None = None) -> Rows:
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
        return Rows(indptr, cols.astype(_index_type(width)), data)


@dataclass(frozen=True, eq=False)
class _Chunk:
    cost: np.ndarray
    blocks: Rows
    overlaps: tuple[Rows, ...]  # per objective layer: layer-area index and overlap population


@dataclass(frozen=True, eq=False)
class ColumnCosts:
    """Costs and overlaps of every column, kept in chunks of ``CHUNK`` columns."""

    cost: np.ndarray  # (N,)
    alpha: np.ndarray  # weight of one resident in a layer's column maxima, per layer
    beta: np.ndarray  # weight of one resident in a layer's row maxima (already inside ``cost``), per layer
    layer_sizes: tuple[int, ...]
    const: float
    chunks: tuple[_Chunk, ...]
    chunk: int  # columns per chunk

    @property
    def n_columns(self) -> int:
        return len(self.cost)

    def blocks_of(self, c: int) -> np.ndarray:
        return self.chunks[c // self.chunk].blocks.row(c % self.chunk)[0]

    def overlap(self, layer: int, c: int) -> tuple[np.ndarray, np.ndarray]:
        idx, vals = self.chunks[c // self.chunk].overlaps[layer].row(c % self.chunk)
        assert vals is not None
        return idx, vals

    def reduced_costs(self, pi: np.ndarray, mu: float, rho: tuple[np.ndarray, ...]) -> np.ndarray:
        """``cost - pi(c) - mu - sum_layers sum_l max(0, alpha M[c, l] - rho[l])`` for every column c."""
        out = []
        for ch in self.chunks:
            rc = ch.cost - ch.blocks.sums(pi[ch.blocks.indices]) - mu
            for alpha, ov, r in zip(self.alpha, ch.overlaps, rho, strict=True):
                assert ov.data is not None
                rc -= ov.sums(np.maximum(alpha * ov.data - r[ov.indices], 0.0))
            out.append(rc)
        return np.concatenate(out) if out else np.zeros(0)

    def plan_value(self, columns: np.ndarray | list[int]) -> float:
        """Objective of the plan whose areas are ``columns``."""
        return plan_value(self, columns)


class PricedColumns(Protocol):
    """What :func:`plan_value` reads: columns' costs and layer overlaps (a :class:`ColumnCosts`, or the
    column-generation pool that grows one area at a time)."""

    @property
    def cost(self) -> np.ndarray: ...
    @property
    def alpha(self) -> np.ndarray: ...
    @property
    def layer_sizes(self) -> tuple[int, ...]: ...
    @property
    def const(self) -> float: ...

    def overlap(self, layer: int, c: int) -> tuple[np.ndarray, np.ndarray]: ...


def plan_value(priced: PricedColumns, columns: np.ndarray | list[int]) -> float:
    """Objective of the plan whose areas are ``columns``: the constant, the columns' costs, less each layer's
    column maxima (the non-additive part of the alignment terms) weighted by ``alpha``."""
    cs = [int(c) for c in columns]
    value = priced.const + float(priced.cost[cs].sum())
    for layer, (alpha, size) in enumerate(zip(priced.alpha, priced.layer_sizes, strict=True)):
        best = np.zeros(size)
        for c in cs:
            idx, vals = priced.overlap(layer, c)
            np.maximum.at(best, idx, vals)
        value -= float(alpha * best.sum())
    return value


def column_costs(obj: Objective, columns: Columns) -> ColumnCosts:
    """Per-area costs and layer overlaps for every column, in chunks on a small thread pool.

    The heavy steps (sparse products, ``nonzero``, reductions) release the GIL, so two threads use
    both cores; every chunk is independent and they are kept in order, so the output is the same."""
    alpha, beta, const = _layer_weights(obj, obj.term_counts())
    prep = _Prepared.of(obj, columns.n_blocks)
    words = columns.words
    with ThreadPoolExecutor(max_workers=_THREADS) as pool:
        # map() submits every task at once: pass chunk starts, and slice the words inside the task
        starts = range(0, columns.n_columns, CHUNK)
        chunks = tuple(pool.map(lambda s: _chunk(obj, prep, beta, words[s : s + CHUNK]), starts))
    cost = np.concatenate([c.cost for c in chunks]) if chunks else np.zeros(0)
    sizes = tuple(p.stop - p.start for p in obj.layers)
    return ColumnCosts(cost, alpha, beta, sizes, const, chunks, CHUNK)


@dataclass(frozen=True, eq=False)
class _Prepared:
    """What every chunk needs from the objective, built once.

    Areas hold about 11 of England's 109 blocks, so sparse products over the members do a tenth of
    the work of dense ones. Their sums run over an area's blocks in increasing order, which is the
    order a dense product adds its (exact, 0/1-weighted) terms in, so the results are the same."""

    n_blocks: int
    dense: np.ndarray  # (n_blocks, 1 + 3 j): population then the needs features
    needs: Objective  # ``obj`` with the needs features starting at column 1 of ``dense``
    layers: tuple[sparse.csr_matrix, ...]  # per layer: block x layer-area overlaps
    degree: np.ndarray  # per block, the weight of its edges
    upper: sparse.csr_matrix  # edge weights, from the lower- to the higher-numbered block

    @staticmethod
    def of(obj: Objective, n: int) -> _Prepared:
        f = obj.features
        j, s = obj.n_indicators, obj.needs_start
        dense = np.ascontiguousarray(np.hstack([f[:, :1], f[:, s : s + 3 * j]]))
        layers = tuple(sparse.csr_matrix(np.maximum(f[:, p.start : p.stop], 0.0)) for p in obj.layers)
        edges = np.array(list(obj.edge_weight), dtype=np.int64).reshape(-1, 2)
        weights = np.array(list(obj.edge_weight.values()), dtype=np.int64)
        degree = np.bincount(edges.ravel(), weights=np.repeat(weights, 2).astype(np.float64), minlength=n)
        upper = sparse.csr_matrix((weights.astype(np.float64), (edges.min(axis=1), edges.max(axis=1))), shape=(n, n))
        return _Prepared(n, dense, replace(obj, needs_start=1), layers, degree, upper)


def _chunk(obj: Objective, prep: _Prepared, beta: np.ndarray, words: np.ndarray) -> _Chunk:
    n, m = prep.n_blocks, len(words)
    bits, x, member = _members(words, n)
    f = x @ prep.dense
    boundary = x @ prep.degree - 2.0 * _internal(prep, bits, x)
    w = obj.weights
    c = w["needs"] * _within(prep.needs, f) + w["compact"] * 0.5 * boundary / obj.n_edges
    c += w["balance"] * np.abs(f[:, 0] - obj.total_pop / obj.k) / obj.total_pop
    overlaps = []
    for li, (p, layer) in enumerate(zip(obj.layers, prep.layers, strict=True)):
        h = x @ layer
        h.sort_indices()
        rows = Rows(_pointers(h.indptr), h.indices.astype(_index_type(p.stop - p.start)), h.data)
        if beta[li] > 0:
            c -= beta[li] * _row_max(rows, m)
        overlaps.append(rows)
    return _Chunk(c, member, tuple(overlaps))


def _members(words: np.ndarray, n: int) -> tuple[np.ndarray, sparse.csr_matrix, Rows]:
    """The chunk's membership bits (one byte each), as a sparse 0/1 matrix and as ``Rows``."""
    m, width = len(words), words.shape[1] * _WORD
    bits = np.unpackbits(np.ascontiguousarray(words.astype("<u8")).view(np.uint8), axis=1, bitorder="little")
    flat = np.flatnonzero(bits.view(bool))  # a bool view: nonzero skips the != 0 pass over uint8
    indptr = np.searchsorted(flat, np.arange(m + 1, dtype=np.int64) * width)
    cols = (flat % width).astype(np.int32)
    x = sparse.csr_matrix((np.ones(len(cols)), cols, indptr), shape=(m, n))
    return bits, x, Rows(_pointers(indptr), cols.astype(_index_type(n)))


def _internal(prep: _Prepared, bits: np.ndarray, x: sparse.csr_matrix) -> np.ndarray:
    """Per column, the weight of the edges inside it.

    ``x @ upper`` gives, for each block ``j`` next to the column, the weight of its edges to the
    column's lower-numbered blocks; the edges inside are those with ``j`` in the column too."""
    m = x.shape[0]
    h = x @ prep.upper
    row = np.repeat(np.arange(m, dtype=np.int64), np.diff(h.indptr))
    inside = bits[row, h.indices]
    return np.bincount(row, weights=h.data * inside, minlength=m)


def _row_max(rows: Rows, m: int) -> np.ndarray:
    """Per row, the largest value (0 for an empty row; values are positive)."""
    assert rows.data is not None and len(rows.indptr) == m + 1
    return _per_row(np.maximum, rows.data, rows.indptr)


def _per_row(ufunc: np.ufunc, values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """``ufunc`` reduced over each row's entries, 0 for an empty row.

    ``reduceat`` is given the starts of the non-empty rows only: they strictly increase, so each
    segment ends exactly where its row ends (the last one at the end of ``values``)."""
    out = np.zeros(len(indptr) - 1)
    filled = np.diff(indptr) > 0
    if filled.any():
        out[filled] = ufunc.reduceat(values, indptr[:-1][filled])
    return out


def _pointers(indptr: np.ndarray) -> np.ndarray:
    """Row pointers of a chunk, kept as int32 when they fit (every chunk's do: 4 bytes a column less)."""
    return indptr.astype(np.int32 if int(indptr[-1]) < 2**31 else np.int64)


def _index_type(width: int) -> type[np.signedinteger]:
    return np.int16 if width < 2**15 else np.int32


def _layer_weights(obj: Objective, counts: dict[str, int]) -> tuple[np.ndarray, np.ndarray, float]:
    """Per layer, the objective weight of one resident in its column and in its row maxima; and the
    constant part."""
    alpha = np.zeros(len(obj.layers))
    beta = np.zeros(len(obj.layers))
    const = 0.0
    for li, p in enumerate(obj.layers):
        if p.total <= 0:
            continue
        share = obj.weights[p.term] / counts[p.term]
        const += share
        alpha[li] = share * p.split_weight / p.total
        beta[li] = share * (1.0 - p.split_weight) / p.total
    return alpha, beta, const

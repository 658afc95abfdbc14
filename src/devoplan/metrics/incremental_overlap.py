"""Running overlap state of a plan against every layer, for :class:`~devoplan.metrics.incremental.IncrementalScorer`.

For every layer ``L`` the plan-by-layer overlap ``M`` (``docs/metrics.md``) is kept with, per plan
area, its row sum, row maximum and interface count, per layer area its column maximum and split
flag, and per layer the sums the eight pair measures are read from (containment both ways,
coterminosity, adjusted Rand index, split counts, interface mean and maximum).

A move of unit ``u`` from area ``s`` to ``t`` changes only the entries of rows ``s`` and ``t`` in
the unit's own columns (a handful: one or two areas per layer). Everything is plain Python floats
over sparse per-row *supports* (the columns where an area has at least one contributing unit,
with the number of such units): a plan area meets one to a few areas of each layer, so a row's
sum, maximum and interface count are recomputed from its few support entries rather than from all
columns, and a column's maximum only needs a look beyond the two touched rows when the source
area held it. An entry whose last contributing unit leaves is set to exactly 0, as from scratch.
Small NumPy arrays are avoided on the move path on purpose: at a few dozen elements the call
overhead of NumPy exceeds the arithmetic.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse

from devoplan.errors import DevoplanError
from devoplan.geography.model import Geography
from devoplan.metrics.overlap import INTERFACE_THRESHOLD, SPLIT_THRESHOLD, TOLERANCE, ZERO_POPULATION
from devoplan.zoning import one_hot_matrix

PAIR_MEASURES: tuple[str, ...] = (
    "containment_plan_in", "containment_layer_in", "coterminosity", "adjusted_rand",
    "split_plan_areas", "split_layer_areas", "interfaces_mean", "interfaces_max",
)
WIDTH = len(PAIR_MEASURES)
SPLIT_LIMIT = SPLIT_THRESHOLD - TOLERANCE
INTERFACE_LIMIT = INTERFACE_THRESHOLD - TOLERANCE


def pairs(x: float) -> float:
    """``C2(x) = x (x - 1) / 2`` (pairs of people, for the adjusted Rand index)."""
    return x * (x - 1.0) * 0.5


# per plan area and layer: (common population, best single layer area, interface count, split flag)
RowStats = tuple[float, float, int, bool]
# per layer: the sums its eight pair measures are read from, in this order
TOTALS = ("rowmax_sum", "colmax_sum", "colc2_sum", "rowpairs", "split_plan", "split_layer", "iface_sum",
          "n_active", "iface_max", "iface_at_max")
LayerTotals = tuple[float, float, float, float, int, int, int, int, int, int]
# a column's change: (column, new entry of s, new entry of t, new column maximum, new split flag)
ColumnChange = tuple[int, float, float, float, bool]
# a layer's change: (layer, row stats of s and of t, column changes, totals)
LayerChange = tuple[int, RowStats, RowStats, list[ColumnChange], LayerTotals]
ABOVE_ZERO = math.nextafter(ZERO_POPULATION, math.inf)  # v >= ABOVE_ZERO  <=>  v > ZERO_POPULATION


EMPTY_ROW: RowStats = (0.0, 0.0, 0, False)


def _changed(row: dict[int, float], columns: list[ColumnChange], side: int,
             count: dict[int, int] | None) -> dict[int, float]:
    """A row's support entries with the move's new values (``side`` 1: source, 2: target).

    On the source side an entry whose only contributing unit leaves is dropped (``count`` is 1).
    """
    out = row.copy()
    for col in columns:
        c = col[0]
        if count is not None and count[c] == 1:
            del out[c]
        else:
            out[c] = col[side]
    return out


def row_stats(entries: dict[int, float]) -> RowStats:
    """Stats of a row from its support entries (every other entry is 0).

    Interfaces count entries ``>= 1% of the row`` (less the tolerance) and above the zero level; the
    row is split when its best entry is under 99% of the row (less the tolerance) and the row has
    common population.
    """
    n = len(entries)
    if n == 1:
        for v in entries.values():
            return v, v, 1 if v > ZERO_POPULATION else 0, False
    if n == 0:
        return EMPTY_ROW
    values = entries.values()
    total, best = sum(values), max(values)
    bar = INTERFACE_LIMIT * total
    if bar < ABOVE_ZERO:
        bar = ABOVE_ZERO
    return total, best, len([1 for v in values if v >= bar]), total > ZERO_POPULATION and best < SPLIT_LIMIT * total


class OverlapState:
    """Overlap of the plan with every layer, updated move by move (see the module docstring)."""

    def __init__(self, geography: Geography, layer_keys: tuple[str, ...], assignment: list[int],
                 n_areas: int) -> None:
        self.layer_keys = layer_keys
        n, k = geography.n_units, n_areas
        widths = [geography.layer(key).n_areas for key in layer_keys]
        self.col_layer: list[int] = np.repeat(np.arange(len(widths)), widths).astype(np.int64).tolist()
        n_cols = len(self.col_layer)
        stacked = sparse.csr_array(sparse.hstack([geography.layer(key).membership for key in layer_keys],
                                                 format="csr")) if layer_keys else sparse.csr_array((n, 0))
        pop = geography.units.population.astype(np.float64)
        weighted = sparse.csr_array(sparse.dia_array((pop, 0), shape=(n, n)) @ stacked)
        weighted.sort_indices()
        matrix = np.asarray((one_hot_matrix(assignment, k).T @ weighted).toarray(), dtype=np.float64).reshape(k, n_cols)
        colsum = matrix.sum(axis=0)
        self.layer_total: list[float] = np.bincount(self.col_layer, weights=colsum,
                                                    minlength=len(widths)).tolist()
        for key, total in zip(layer_keys, self.layer_total, strict=True):
            if total <= ZERO_POPULATION:
                raise DevoplanError(f"layer {key} has no population in common with the plan")
        self.col_pairs: list[float] = [0.0] * len(widths)
        for c, x in enumerate(colsum.tolist()):
            self.col_pairs[self.col_layer[c]] += pairs(x)
        self.pairs_total = [pairs(x) for x in self.layer_total]
        self.layer_consts = list(zip(self.layer_total, self.col_pairs, self.pairs_total, strict=True))
        # a layer area is split when its best plan area holds under 99% of it (never when it is empty)
        self.col_limit: list[float] = np.where(colsum > ZERO_POPULATION, SPLIT_LIMIT * colsum, -np.inf).tolist()
        # per unit, per layer it belongs to: ((column, population x weight), ...)
        self.unit_rows: list[list[tuple[int, tuple[tuple[int, float], ...]]]] = []
        for u in range(n):
            lo, hi = weighted.indptr[u], weighted.indptr[u + 1]
            by_layer: dict[int, list[tuple[int, float]]] = {}
            for c, v in zip(weighted.indices[lo:hi].tolist(), weighted.data[lo:hi].tolist(), strict=True):
                by_layer.setdefault(self.col_layer[c], []).append((c, v))
            self.unit_rows.append([(j, tuple(e)) for j, e in sorted(by_layer.items())])
        self.m: list[list[float]] = matrix.tolist()
        # supports: per area {column: contributing units} and per area and layer {column: entry};
        # per column the areas with any contributing unit
        self.count: list[dict[int, int]] = [{} for _ in range(k)]
        self.col_support: list[set[int]] = [set() for _ in range(n_cols)]
        for u, a in enumerate(assignment):
            for _, entries in self.unit_rows[u]:
                for c, _ in entries:
                    self.count[a][c] = self.count[a].get(c, 0) + 1
                    self.col_support[c].add(a)
        self.entries: list[list[dict[int, float]]] = [[{} for _ in widths] for _ in range(k)]
        for a, m_a in enumerate(self.m):
            for c, j in enumerate(self.col_layer):
                if c in self.count[a]:
                    self.entries[a][j][c] = m_a[c]
                else:
                    m_a[c] = 0.0  # no contributing unit: exactly 0, as from scratch
        self.rows: list[list[RowStats]] = []
        self.colmax: list[float] = []
        self.col_split: list[bool] = []
        self.totals: list[LayerTotals] = []
        self.refresh()

    # -- exact recomputation from the per-area state ----------------------------------------
    def refresh(self) -> None:
        """Row stats, column maxima and per-layer totals recomputed from the entries (no drift)."""
        n_layers = len(self.layer_keys)
        self.rows = [[row_stats(e) for e in entries] for entries in self.entries]
        self.colmax = [max((self.m[a][c] for a in rows), default=0.0) for c, rows in enumerate(self.col_support)]
        self.col_split = [best < limit for best, limit in zip(self.colmax, self.col_limit, strict=True)]
        colmax_sum, colc2, split_layer = [0.0] * n_layers, [0.0] * n_layers, [0] * n_layers
        for c, j in enumerate(self.col_layer):
            colmax_sum[j] += self.colmax[c]
            colc2[j] += math.fsum(pairs(self.m[a][c]) for a in self.col_support[c])
            split_layer[j] += self.col_split[c]
        self.totals = []
        for j in range(n_layers):
            stats = [r[j] for r in self.rows]
            top = max(r[2] for r in stats)
            self.totals.append((
                math.fsum(r[1] for r in stats), colmax_sum[j], colc2[j], math.fsum(pairs(r[0]) for r in stats),
                sum(r[3] for r in stats), split_layer[j], sum(r[2] for r in stats),
                sum(r[0] > ZERO_POPULATION for r in stats), top, sum(r[2] == top for r in stats)))

    # -- a proposed move ------------------------------------------------------------------------
    def propose(self, u: int, s: int, t: int, values: list[float]) -> list[LayerChange]:
        """What moving unit ``u`` from area ``s`` to ``t`` changes, layer by layer; state untouched.

        The changed layers' pair measures are written into ``values`` (laid out as :meth:`values`).
        One tight loop on purpose (it is the optimiser's inner loop): per layer of the unit, the two
        rows' support entries are copied and changed in the unit's columns, the rows' stats read from
        them, the columns' maxima updated, and the layer's totals moved by the differences.
        """
        m, m_s, m_t, count_s = self.m, self.m[s], self.m[t], self.count[s]
        entries_s, entries_t, rows_s, rows_t = self.entries[s], self.entries[t], self.rows[s], self.rows[t]
        colmax, col_split, col_limit = self.colmax, self.col_split, self.col_limit
        z, changes, layer_consts = ZERO_POPULATION, [], self.layer_consts
        for j, unit_entries in self.unit_rows[u]:
            columns = []
            d_colmax = d_c2 = 0.0
            d_split = 0
            for c, pv in unit_entries:
                old_s, old_t = m_s[c], m_t[c]
                ns = 0.0 if count_s[c] == 1 else old_s - pv  # the unit's last: exactly 0
                nt = old_t + pv
                old = colmax[c]
                if nt >= old:
                    best = nt
                elif old_s >= old:  # the source held the column's maximum and lost some of it
                    best = ns if ns > nt else nt
                    for a in self.col_support[c]:
                        if a != s and a != t and m[a][c] > best:
                            best = m[a][c]
                else:
                    best = old
                split = best < col_limit[c]  # the limit is -inf for a column without population
                d_colmax += best - old
                d_c2 += (ns * (ns - 1.0) + nt * (nt - 1.0) - old_s * (old_s - 1.0) - old_t * (old_t - 1.0)) * 0.5
                d_split += split - col_split[c]
                columns.append((c, ns, nt, best, split))
            # row stats of s and t (row_stats and _changed inlined for the common one-column unit)
            row_s, row_t = entries_s[j], entries_t[j]
            if len(columns) > 1:
                stat_s = row_stats(_changed(row_s, columns, 1, count_s))
                stat_t = row_stats(_changed(row_t, columns, 2, None))
            else:
                if len(row_s) == 1:
                    stat_s = (ns, ns, 1 if ns > z else 0, False) if count_s[c] > 1 else EMPTY_ROW
                else:
                    new = row_s.copy()
                    if count_s[c] == 1:
                        del new[c]
                    else:
                        new[c] = ns
                    vals = new.values()
                    total, best = sum(vals), max(vals)
                    bar = INTERFACE_LIMIT * total
                    if bar < ABOVE_ZERO:
                        bar = ABOVE_ZERO
                    stat_s = (total, best, len([1 for v in vals if v >= bar]),
                              total > z and best < SPLIT_LIMIT * total)
                if not row_t or (len(row_t) == 1 and c in row_t):
                    stat_t = nt, nt, 1 if nt > z else 0, False
                else:
                    new = row_t.copy()
                    new[c] = nt
                    vals = new.values()
                    total, best = sum(vals), max(vals)
                    bar = INTERFACE_LIMIT * total
                    if bar < ABOVE_ZERO:
                        bar = ABOVE_ZERO
                    stat_t = (total, best, len([1 for v in vals if v >= bar]),
                              total > z and best < SPLIT_LIMIT * total)
            sum_s, best_s, if_s, split_s = stat_s
            sum_t, best_t, if_t, split_t = stat_t
            osum_s, obest_s, oif_s, osplit_s = rows_s[j]
            osum_t, obest_t, oif_t, osplit_t = rows_t[j]
            (rowmax_sum, colmax_sum, colc2_sum, rowpairs, split_plan, split_layer, iface_sum, n_active, iface_max,
             at_max) = self.totals[j]
            at_max -= (oif_s == iface_max) + (oif_t == iface_max)
            if if_s >= iface_max or if_t >= iface_max or at_max <= 0:
                iface_max, at_max = self._iface_top(j, s, t, if_s, if_t, iface_max, at_max)
            rowmax_sum += best_s + best_t - obest_s - obest_t
            colmax_sum += d_colmax
            colc2_sum += d_c2
            rowpairs += (sum_s * (sum_s - 1.0) + sum_t * (sum_t - 1.0) - osum_s * (osum_s - 1.0)
                         - osum_t * (osum_t - 1.0)) * 0.5
            split_plan += split_s + split_t - osplit_s - osplit_t
            split_layer += d_split
            iface_sum += if_s + if_t - oif_s - oif_t
            n_active += (sum_s > z) + (sum_t > z) - (osum_s > z) - (osum_t > z)
            totals = (rowmax_sum, colmax_sum, colc2_sum, rowpairs, split_plan, split_layer, iface_sum, n_active,
                      iface_max, at_max)
            changes.append((j, stat_s, stat_t, columns, totals))
            # the layer's pair measures, as layer_values gives them (inlined: this loop is hot)
            total, col_pairs, pairs_total = layer_consts[j]
            plan_in, layer_in = rowmax_sum / total, colmax_sum / total
            expected = rowpairs * col_pairs / pairs_total if pairs_total > 0 else math.nan
            denominator = 0.5 * (rowpairs + col_pairs) - expected
            at = WIDTH * j
            values[at:at + WIDTH] = (plan_in, layer_in, 0.5 * (plan_in + layer_in),
                                     1.0 if denominator == 0 else (colc2_sum - expected) / denominator,
                                     split_plan, split_layer, iface_sum / n_active if n_active else 0.0, iface_max)
        return changes

    def _iface_top(self, j: int, s: int, t: int, if_s: int, if_t: int, top: int, at_top: int) -> tuple[int, int]:
        """Layer ``j``'s largest interface count and how many areas reach it, once s and t have new counts.

        ``at_top`` already leaves out s and t. When every area at the maximum was s or t and both
        dropped below it, the maximum is looked up over all areas.
        """
        for v in (if_s, if_t):
            if v > top:
                top, at_top = v, 1
            elif v == top:
                at_top += 1
        if at_top <= 0:
            counts = [r[j][2] for r in self.rows]
            counts[s], counts[t] = if_s, if_t
            top = max(counts)
            at_top = counts.count(top)
        return top, at_top

    def commit(self, changes: list[LayerChange], s: int, t: int) -> None:
        """Make a proposed move."""
        m_s, m_t, count_s, count_t = self.m[s], self.m[t], self.count[s], self.count[t]
        rows_s, rows_t, entries_s, entries_t = self.rows[s], self.rows[t], self.entries[s], self.entries[t]
        colmax, col_split, col_support, totals = self.colmax, self.col_split, self.col_support, self.totals
        for j, stat_s, stat_t, columns, layer_totals in changes:
            rows_s[j], rows_t[j], totals[j] = stat_s, stat_t, layer_totals
            row_s, row_t = entries_s[j], entries_t[j]
            for c, ns, nt, best, split in columns:
                n = count_s[c]
                if n == 1:
                    del count_s[c], row_s[c]
                    col_support[c].discard(s)
                else:
                    count_s[c] = n - 1
                    row_s[c] = ns
                n = count_t.get(c, 0)
                if not n:
                    col_support[c].add(t)
                count_t[c] = n + 1
                row_t[c] = nt
                m_s[c], m_t[c], colmax[c], col_split[c] = ns, nt, best, split

    # -- values ---------------------------------------------------------------------------------
    def names(self) -> list[str]:
        return [f"{m}@{key}" for key in self.layer_keys for m in PAIR_MEASURES]

    def layer_values(self, j: int, tot: LayerTotals) -> list[float]:
        """The eight pair measures of layer ``j`` (``PAIR_MEASURES`` order), as ``pair_scalars`` gives them."""
        rowmax_sum, colmax_sum, colc2_sum, rows, split_plan, split_layer, iface_sum, n_active, iface_max, _ = tot
        total, col_pairs, pairs_total = self.layer_total[j], self.col_pairs[j], self.pairs_total[j]
        plan_in, layer_in = rowmax_sum / total, colmax_sum / total
        expected = rows * col_pairs / pairs_total if pairs_total > 0 else math.nan
        denominator = 0.5 * (rows + col_pairs) - expected
        ari = 1.0 if denominator == 0 else (colc2_sum - expected) / denominator
        return [plan_in, layer_in, 0.5 * (plan_in + layer_in), ari, float(split_plan), float(split_layer),
                iface_sum / n_active if n_active else 0.0, float(iface_max)]

    def values(self) -> list[float]:
        out: list[float] = []
        for j, tot in enumerate(self.totals):
            out += self.layer_values(j, tot)
        return out

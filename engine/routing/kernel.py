"""The compiled aisle programme: a numba min-plus sweep over :mod:`engine.routing.tables`.

Per route the work is: sort the picks by (aisle, block, depth), derive each
block segment's vertical option costs from its picks (traverse ``h``, twice
``2h``, return from the front ``2 * deepest``, from the back ``2 * (h -
shallowest)``, from both sides ``2 * (h - largest gap)``), and sweep the
columns: per block segment a relaxation over ``seg[b, code]``, per gap between
columns one over the CSR horizontal moves. The same rules, the same column
order and the same floating-point sums as the reference
(:func:`engine.routing.aisle_dp.optimal_length`), so the lengths agree exactly.

O(columns * (K * states * options + horizontal moves)) per route with no Python
in the loop. Functions are compiled on first use and cached on disk
(``cache=True``), so a fresh process loads them instead of compiling.

Points enter as a float array of rows ``(aisle, block, slot, x, y)`` (a
:class:`~engine.layout.rectangular.RectPoint` per row) or, for
:class:`engine.routing.scorer.RouteScorer`, as ranks into a pre-sorted table.
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.inf


@njit(cache=True)
def depot_columns(depot_x: float, pitch: float) -> tuple[bool, int, int, int]:  # pragma: no cover - jitted
    """``(on_aisle, depot_aisle, lo, hi)``: the aisle(s) the depot sits on or between."""
    f = depot_x / pitch + 1.0
    depot_aisle = int(np.floor(f + 0.5))
    on_aisle = abs(f - depot_aisle) < 1e-9
    if on_aisle:
        return True, depot_aisle, depot_aisle, depot_aisle
    return False, depot_aisle, int(np.floor(f)), int(np.ceil(f))


@njit(cache=True)
def sweep(
    aisle: np.ndarray,
    block: np.ndarray,
    rel: np.ndarray,
    h: float,
    pitch: float,
    depot_x: float,
    seg: np.ndarray,
    hor_ptr: np.ndarray,
    hor_src: np.ndarray,
    hor_edges: np.ndarray,
    final: np.ndarray,
    empty: int,
    trace: bool,
) -> tuple[float, int, int, np.ndarray, np.ndarray]:  # pragma: no cover - jitted
    """Optimal tour length through picks sorted by ``(aisle, block, rel)``.

    ``block`` counts from 1; ``rel`` is the depth above the block's front cross
    aisle centre line. With ``trace`` the back pointers are kept:
    ``prev[ci, phase, s]`` and ``choice[ci, phase, s]`` for the state ``s``
    reached after phase ``phase`` of column ``ci`` (phases ``0 .. K - 1`` are the
    block segments, ``choice`` their option code; phase ``K`` the horizontal
    move, ``choice`` its index). Returns ``(length, column, state, prev,
    choice)`` where the tour closes after column ``column`` in ``state``.
    """
    K = seg.shape[0]
    n = seg.shape[2]
    npts = aisle.shape[0]
    on_aisle, depot_aisle, lo_d, hi_d = depot_columns(depot_x, pitch)
    lo = min(lo_d, aisle[0])
    hi = max(hi_d, aisle[npts - 1])
    ncols = hi - lo + 1 + (0 if on_aisle else 1)
    col_a = np.empty(ncols, np.int64)  # 0: the depot column between two aisles
    col_x = np.empty(ncols, np.float64)
    col_dep = np.zeros(ncols, np.int64)
    last_req = 0
    c = 0
    for a in range(lo, hi + 1):
        if not on_aisle and a == hi_d:
            col_a[c] = 0
            col_x[c] = depot_x
            col_dep[c] = 1
            last_req = c
            c += 1
        col_a[c] = a
        col_x[c] = (a - 1) * pitch
        if on_aisle and a == depot_aisle:
            col_dep[c] = 1
            last_req = max(last_req, c)
        if a == aisle[npts - 1]:
            last_req = max(last_req, c)
        c += 1

    cost = np.full(n, INF)
    cost[empty] = 0.0
    new = np.empty(n)
    optc = np.empty((K, 6))
    step = np.empty(2 * K + 3)
    nb = ncols if trace else 0
    prev = np.zeros((nb, K + 1, n), np.int32)
    choice = np.zeros((nb, K + 1, n), np.int32)
    best = INF
    best_ci = -1
    best_s = -1
    p = 0
    for ci in range(ncols):
        a = col_a[ci]
        dep = col_dep[ci]
        if a > 0:
            for b in range(K):
                optc[b, 0] = 0.0
                optc[b, 1] = h
                optc[b, 2] = 2.0 * h
                for code in range(3, 6):
                    optc[b, code] = INF
            while p < npts and aisle[p] == a:
                b = block[p] - 1
                q = p
                gap = 0.0
                while q + 1 < npts and aisle[q + 1] == a and block[q + 1] == block[p]:
                    g = rel[q + 1] - rel[q]
                    if g > gap:
                        gap = g
                    q += 1
                optc[b, 0] = INF  # a segment with picks must be walked
                optc[b, 3] = 2.0 * rel[q]
                optc[b, 4] = 2.0 * (h - rel[p])
                if q > p:
                    optc[b, 5] = 2.0 * (h - gap)
                p = q + 1
            for b in range(K):
                # option by option: a scatter-min over all states (nearly all are
                # finite after the first few columns, so no sparse bookkeeping).
                # NONE (free on an empty segment) leaves every state as it is.
                if optc[b, 0] == 0.0:
                    new[:] = cost
                    if trace:
                        for s in range(n):
                            prev[ci, b, s] = s
                            choice[ci, b, s] = 0
                else:
                    new[:] = INF
                for code in range(1, 6):
                    oc = optc[b, code]
                    if oc == INF:
                        continue
                    row = seg[b, code]
                    if trace:
                        for s in range(n):
                            v = cost[s] + oc
                            ns = row[s]
                            if v < new[ns]:
                                new[ns] = v
                                prev[ci, b, ns] = s
                                choice[ci, b, ns] = code
                    else:
                        for s in range(n):
                            v = cost[s] + oc
                            ns = row[s]
                            if v < new[ns]:
                                new[ns] = v
                cost, new = new, cost
        elif trace:  # the depot column has no vertical edges: every state stays
            for b in range(K):
                for s in range(n):
                    prev[ci, b, s] = s
        if ci >= last_req:
            for s in range(n):
                if final[dep, s] and cost[s] < best:
                    best = cost[s]
                    best_ci = ci
                    best_s = s
        if ci == ncols - 1:
            break
        dx = col_x[ci + 1] - col_x[ci]
        for m in range(2 * K + 3):  # the cost of a move is its edge count times the gap
            step[m] = m * dx
        ptr = hor_ptr[dep]
        # pull: each next state takes the minimum over the moves into it (no scattered writes)
        for ns in range(n):
            bv = INF
            bt = -1
            for t in range(ptr[ns], ptr[ns + 1]):
                v = cost[hor_src[t]] + step[hor_edges[t]]
                if v < bv:
                    bv = v
                    bt = t
            new[ns] = bv
            if trace and bt >= 0:
                prev[ci, K, ns] = hor_src[bt]
                choice[ci, K, ns] = bt
        cost, new = new, cost
    return best, best_ci, best_s, prev, choice


@njit(cache=True)
def sort_points(rows: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover
    """``(aisle, block, rel)`` of ``RectPoint`` rows, sorted by aisle, block, depth."""
    m = rows.shape[0]
    rel = np.empty(m)
    for i in range(m):
        rel[i] = rows[i, 4] - (rows[i, 1] - 1.0) * h
    order = np.argsort(rel, kind="mergesort")
    key = np.empty(m)
    for i in range(m):
        j = order[i]
        key[i] = rows[j, 0] * 1024.0 + rows[j, 1]
    order = order[np.argsort(key, kind="mergesort")]
    aisle = np.empty(m, np.int64)
    block = np.empty(m, np.int64)
    out = np.empty(m)
    for i in range(m):
        j = order[i]
        aisle[i] = np.int64(rows[j, 0])
        block[i] = np.int64(rows[j, 1])
        out[i] = rel[j]
    return aisle, block, out


@njit(cache=True)
def rows_valid(rows: np.ndarray, blocks: int) -> bool:  # pragma: no cover - jitted
    """Every row is a pick point: aisle >= 1 and block in ``1 .. blocks`` (the tables' bounds)."""
    for i in range(rows.shape[0]):  # noqa: SIM110 - a plain loop compiles in numba; all() on a generator does not
        if not (rows[i, 0] >= 1.0 and 1.0 <= rows[i, 1] <= blocks):
            return False
    return True


@njit(cache=True)
def length_of_rows(
    rows: np.ndarray,
    h: float,
    pitch: float,
    depot_x: float,
    seg: np.ndarray,
    hor_ptr: np.ndarray,
    hor_src: np.ndarray,
    hor_edges: np.ndarray,
    final: np.ndarray,
    empty: int,
) -> float:  # pragma: no cover - jitted
    """Optimal length through ``RectPoint`` rows in any order: 0 for none, NaN if a row is no pick point."""
    if rows.shape[0] == 0:
        return 0.0
    if not rows_valid(rows, seg.shape[0]):
        return np.nan
    aisle, block, rel = sort_points(rows, h)
    return sweep(aisle, block, rel, h, pitch, depot_x, seg, hor_ptr, hor_src, hor_edges, final, empty, False)[0]


@njit(cache=True)
def lengths_of_rows(
    rows: np.ndarray,
    offsets: np.ndarray,
    h: float,
    pitch: float,
    depot_x: float,
    seg: np.ndarray,
    hor_ptr: np.ndarray,
    hor_src: np.ndarray,
    hor_edges: np.ndarray,
    final: np.ndarray,
    empty: int,
) -> np.ndarray:  # pragma: no cover - jitted
    """Lengths of the point sets ``rows[offsets[i]:offsets[i + 1]]``."""
    out = np.empty(offsets.shape[0] - 1)
    for i in range(out.shape[0]):
        out[i] = length_of_rows(
            rows[offsets[i] : offsets[i + 1]], h, pitch, depot_x, seg, hor_ptr, hor_src, hor_edges, final, empty
        )
    return out


@njit(cache=True)
def tour_of_rows(
    rows: np.ndarray,
    h: float,
    pitch: float,
    depot_x: float,
    seg: np.ndarray,
    hor_ptr: np.ndarray,
    hor_src: np.ndarray,
    hor_edges: np.ndarray,
    final: np.ndarray,
    empty: int,
) -> tuple[float, int, int, np.ndarray, np.ndarray]:  # pragma: no cover - jitted
    """:func:`sweep` with back pointers over ``RectPoint`` rows (at least one, valid)."""
    aisle, block, rel = sort_points(rows, h)
    return sweep(aisle, block, rel, h, pitch, depot_x, seg, hor_ptr, hor_src, hor_edges, final, empty, True)


@njit(cache=True)
def lengths_of_indices(
    indices: np.ndarray,
    offsets: np.ndarray,
    rank: np.ndarray,
    aisle: np.ndarray,
    block: np.ndarray,
    rel: np.ndarray,
    h: float,
    pitch: float,
    depot_x: float,
    seg: np.ndarray,
    hor_ptr: np.ndarray,
    hor_src: np.ndarray,
    hor_edges: np.ndarray,
    final: np.ndarray,
    empty: int,
) -> np.ndarray:  # pragma: no cover - jitted
    """Lengths of the index sets ``indices[offsets[i]:offsets[i + 1]]`` into a point table.

    ``rank[i]`` is point ``i``'s position in ``aisle``/``block``/``rel``, which
    are sorted by (aisle, block, rel): sorting a set's ranks sorts its points.
    A set holding an index outside ``0 .. len(rank) - 1`` scores NaN.
    """
    npts = rank.shape[0]
    out = np.empty(offsets.shape[0] - 1)
    for i in range(out.shape[0]):
        lo = offsets[i]
        m = offsets[i + 1] - lo
        if m == 0:
            out[i] = 0.0
            continue
        r = np.empty(m, np.int64)
        ok = True
        for j in range(m):
            k = indices[lo + j]
            if k < 0 or k >= npts:
                ok = False
                break
            r[j] = rank[k]
        if not ok:
            out[i] = np.nan
            continue
        r.sort()
        out[i] = sweep(
            aisle[r], block[r], rel[r], h, pitch, depot_x, seg, hor_ptr, hor_src, hor_edges, final, empty, False
        )[0]
    return out

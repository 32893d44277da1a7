"""Compiled pricing for column generation: trips of negative reduced cost, scored by the exact route DP.

A trip ``S`` (a set of items that fits one cart) has reduced cost
``rc(S) = length(S) - sum(duals[i] for i in S)`` against the duals of the
set-covering LP. Two searches, both compiled (numba, ``cache=True``) and both
calling the rectangular route programme (:func:`engine.routing.kernel.sweep`)
directly on sorted point ranks, so that one route costs what the compiled
scorer costs (about 10-20 microseconds on one block), without Python between:

- :func:`greedy_price`: from each seed item, best-improvement add / drop moves
  on ``rc`` (a heuristic: it finds many good trips, but proves nothing);
- :func:`exact_price`: depth-first enumeration of every trip whose reduced
  cost is at most a threshold, pruned by the bound ``rc(S + T) >= length(S) -
  duals(S) - knapsack(duals of what may still be added)`` (a route never gets
  shorter when points are added). When it completes within its node limit it
  lists *every* such trip: with threshold 0 it proves that no column prices
  out, and with threshold ``UB - LP`` it lists every trip an improving
  solution could use.

Items are given as CSR arrays of sorted, distinct point ranks (the scorer's
ranks, :meth:`engine.routing.RouteScorer.kernel_args`), loads as weight,
volume and tote arrays against the cart's three capacities.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from engine.routing.kernel import sweep

EPS = 1e-9


@njit(cache=True)
def _merge(cur: np.ndarray, m: int, ranks: np.ndarray, lo: int, hi: int, out: np.ndarray) -> int:  # pragma: no cover
    """Sorted union of ``cur[:m]`` and ``ranks[lo:hi]`` (both sorted, distinct) into ``out``; its length."""
    i, j, k = 0, lo, 0
    while i < m and j < hi:
        a, b = cur[i], ranks[j]
        if a < b:
            out[k] = a
            i += 1
        elif b < a:
            out[k] = b
            j += 1
        else:
            out[k] = a
            i += 1
            j += 1
        k += 1
    while i < m:
        out[k] = cur[i]
        i += 1
        k += 1
    while j < hi:
        out[k] = ranks[j]
        j += 1
        k += 1
    return k


@njit(cache=True)
def _route(r: np.ndarray, m: int, aisle: np.ndarray, block: np.ndarray, rel: np.ndarray, h: float, pitch: float,
           depot_x: float, seg: np.ndarray, hor_ptr: np.ndarray, hor_src: np.ndarray, hor_edges: np.ndarray,
           final: np.ndarray, empty: int) -> float:  # pragma: no cover - jitted
    if m == 0:
        return 0.0
    s = r[:m]
    return sweep(aisle[s], block[s], rel[s], h, pitch, depot_x, seg, hor_ptr, hor_src, hor_edges, final, empty,
                 False)[0]


@njit(cache=True)
def _ranks_of(members: np.ndarray, cnt: int, iptr: np.ndarray, irank: np.ndarray, buf: np.ndarray,
              tmp: np.ndarray) -> int:  # pragma: no cover - jitted
    """Sorted distinct ranks of the items ``members[:cnt]`` into ``buf``; their number."""
    m = 0
    for q in range(cnt):
        i = members[q]
        m2 = _merge(buf, m, irank, iptr[i], iptr[i + 1], tmp)
        buf[:m2] = tmp[:m2]
        m = m2
    return m


@njit(cache=True)
def _push(out_items: np.ndarray, out_ptr: np.ndarray, out_len: np.ndarray, nout: int, members: np.ndarray,
          cnt: int, skip: int, add: int, length: float) -> np.ndarray:  # pragma: no cover - jitted
    """Append trip ``members[:cnt]`` without position ``skip`` and with item ``add`` (-1: none) as column ``nout``.

    Returns the item array (grown when full); the caller counts ``nout``.
    """
    start = out_ptr[nout]
    if start + cnt + 1 > out_items.shape[0]:
        grown = np.empty(2 * out_items.shape[0] + cnt + 1, np.int64)
        grown[:start] = out_items[:start]
        out_items = grown
    k = start
    for q in range(cnt):
        if q != skip:
            out_items[k] = members[q]
            k += 1
    if add >= 0:
        out_items[k] = add
        k += 1
    out_ptr[nout + 1] = k
    out_len[nout] = length
    return out_items


@njit(cache=True)
def greedy_price(
    seeds: np.ndarray, duals: np.ndarray, iptr: np.ndarray, irank: np.ndarray,
    w: np.ndarray, v: np.ndarray, t: np.ndarray, capw: float, capv: float, capt: float, max_out: int,
    keep: float,
    aisle: np.ndarray, block: np.ndarray, rel: np.ndarray, h: float, pitch: float, depot_x: float,
    seg: np.ndarray, hor_ptr: np.ndarray, hor_src: np.ndarray, hor_edges: np.ndarray, final: np.ndarray,
    empty: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:  # pragma: no cover - jitted
    """Trips of negative reduced cost by add / drop / swap descent from each seed item.

    From ``{seed}``: add the item that lowers ``rc`` most (candidates by falling
    dual, stopping once no dual can beat the best found: a route never gets
    shorter, so ``rc(S + j) >= rc(S) - duals[j]``), and when no add improves
    (often because the cart is full), the best drop or swap (one member out,
    one item in, pruned alike); until none improves. Every
    set scored with ``rc <= keep`` is returned (duplicates possible; sets the
    pruning skips are not scored); no new seed starts once ``max_out`` are found. Returns ``(ptr, items,
    lengths, route evaluations)`` in CSR form.
    """
    n = duals.shape[0]
    npts = aisle.shape[0]
    by_dual = np.argsort(-duals, kind="mergesort")
    cand = by_dual[: np.searchsorted(-duals[by_dual], -EPS)]  # items of positive dual, largest first
    out_ptr = np.zeros(max_out + 1, np.int64)
    out_items = np.empty(max_out * 8, np.int64)
    out_len = np.empty(max_out)
    nout = 0
    evals = 0
    inset = np.zeros(n, np.bool_)
    members = np.empty(n, np.int64)
    cur = np.empty(npts, np.int64)
    buf = np.empty(npts, np.int64)
    best_buf = np.empty(npts, np.int64)
    drop_buf = np.empty(npts, np.int64)
    tmp = np.empty(npts, np.int64)
    for s in seeds:
        if nout >= max_out:
            break
        cnt = 1
        members[0] = s
        inset[s] = True
        m = iptr[s + 1] - iptr[s]
        cur[:m] = irank[iptr[s]: iptr[s + 1]]
        length = _route(cur, m, aisle, block, rel, h, pitch, depot_x, seg, hor_ptr, hor_src, hor_edges, final, empty)
        evals += 1
        dsum = duals[s]
        if length - dsum <= keep and nout < max_out:
            out_items = _push(out_items, out_ptr, out_len, nout, members, 1, -1, -1, length)
            nout += 1
        lw, lv, lt = w[s], v[s], t[s]
        for _ in range(4 * n):
            rc = length - dsum
            best_j, best_rc, best_len, best_m = -1, rc - 1e-7, 0.0, 0
            for j in cand:
                if rc - duals[j] >= best_rc and rc - duals[j] > keep:
                    break  # no later (smaller) dual can beat the best, or be kept
                if inset[j] or lw + w[j] > capw + EPS or lv + v[j] > capv + EPS or lt + t[j] > capt + EPS:
                    continue
                m2 = _merge(cur, m, irank, iptr[j], iptr[j + 1], buf)
                lj = _route(buf, m2, aisle, block, rel, h, pitch, depot_x, seg, hor_ptr, hor_src, hor_edges,
                            final, empty)
                evals += 1
                rj = lj - dsum - duals[j]
                if rj <= keep and nout < max_out:
                    out_items = _push(out_items, out_ptr, out_len, nout, members, cnt, -1, j, lj)
                    nout += 1
                if rj < best_rc:
                    best_j, best_rc, best_len, best_m = j, rj, lj, m2
                    best_buf[:m2] = buf[:m2]
            drop, swap_in = -1, -1
            if best_j < 0 and cnt > 1:  # no add improves: the best drop or swap, if one does
                rest = np.empty(cnt - 1, np.int64)
                for q in range(cnt):
                    k = 0
                    for p in range(cnt):
                        if p != q:
                            rest[k] = members[p]
                            k += 1
                    mq = _ranks_of(rest, cnt - 1, iptr, irank, drop_buf, tmp)
                    lq = _route(drop_buf, mq, aisle, block, rel, h, pitch, depot_x, seg, hor_ptr, hor_src,
                                hor_edges, final, empty)
                    evals += 1
                    iq = members[q]
                    dq = dsum - duals[iq]
                    rq = lq - dq
                    if rq <= keep and nout < max_out:
                        out_items = _push(out_items, out_ptr, out_len, nout, members, cnt, q, -1, lq)
                        nout += 1
                    if rq < best_rc:
                        drop, swap_in, best_rc, best_len, best_m = q, -1, rq, lq, mq
                        best_buf[:mq] = drop_buf[:mq]
                    # swaps: q out, j in; rc(S - q + j) >= rq - duals[j] (a route never gets shorter)
                    for j in cand:
                        if rq - duals[j] >= best_rc and rq - duals[j] > keep:
                            break
                        if inset[j] or lw - w[iq] + w[j] > capw + EPS or lv - v[iq] + v[j] > capv + EPS \
                                or lt - t[iq] + t[j] > capt + EPS:
                            continue
                        m2 = _merge(drop_buf, mq, irank, iptr[j], iptr[j + 1], buf)
                        lj = _route(buf, m2, aisle, block, rel, h, pitch, depot_x, seg, hor_ptr, hor_src,
                                    hor_edges, final, empty)
                        evals += 1
                        rj = lj - dq - duals[j]
                        if rj <= keep and nout < max_out:
                            out_items = _push(out_items, out_ptr, out_len, nout, members, cnt, q, j, lj)
                            nout += 1
                        if rj < best_rc:
                            drop, swap_in, best_rc, best_len, best_m = q, j, rj, lj, m2
                            best_buf[:m2] = buf[:m2]
            if best_j < 0 and drop < 0:
                break
            if drop >= 0:
                i = members[drop]
                inset[i] = False
                members[drop] = members[cnt - 1]
                cnt -= 1
                dsum -= duals[i]
                lw, lv, lt = lw - w[i], lv - v[i], lt - t[i]
                if swap_in >= 0:
                    members[cnt] = swap_in
                    cnt += 1
                    inset[swap_in] = True
                    dsum += duals[swap_in]
                    lw, lv, lt = lw + w[swap_in], lv + v[swap_in], lt + t[swap_in]
            else:
                members[cnt] = best_j
                cnt += 1
                inset[best_j] = True
                dsum += duals[best_j]
                lw, lv, lt = lw + w[best_j], lv + v[best_j], lt + t[best_j]
            m = best_m
            cur[:m] = best_buf[:m]
            length = best_len
        for q in range(cnt):
            inset[members[q]] = False
    return out_ptr[: nout + 1].copy(), out_items[: out_ptr[nout]].copy(), out_len[:nout].copy(), evals


@njit(cache=True)
def exact_price(
    duals: np.ndarray, threshold: float, iptr: np.ndarray, irank: np.ndarray,
    w: np.ndarray, v: np.ndarray, t: np.ndarray, capw: float, capv: float, capt: float,
    max_out: int, max_nodes: int,
    aisle: np.ndarray, block: np.ndarray, rel: np.ndarray, h: float, pitch: float, depot_x: float,
    seg: np.ndarray, hor_ptr: np.ndarray, hor_src: np.ndarray, hor_edges: np.ndarray, final: np.ndarray,
    empty: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool, float, int]:  # pragma: no cover - jitted
    """Every trip with ``rc <= threshold`` (depth first, pruned by a knapsack bound).

    Items are branched on in falling order of dual per unit of weight; a node
    ``S`` (its route scored exactly) is cut when ``length(S) - duals(S) -
    F(S) > threshold``, ``F`` the fractional-knapsack value of the duals of the
    later items in the weight left (volume and totes only make ``F`` larger).
    Items of dual <= 0 are never added (they cannot lower ``rc``; a trip with one
    is dominated by the trip without it, which is as short or shorter).

    Returns ``(ptr, items, lengths, complete, least rc, nodes)``: ``complete``
    when the whole tree was searched within ``max_nodes`` scored nodes and at
    most ``max_out`` trips were found, so that the list is every trip of
    positive-dual items with ``rc <= threshold`` and ``least rc`` is the least
    reduced cost of any trip (any trip at all, when no dual is negative).
    """
    n = duals.shape[0]
    npts = aisle.shape[0]
    pos = [i for i in range(n) if duals[i] > EPS]
    k = len(pos)
    items = np.empty(k, np.int64)
    ratio = np.empty(k)
    for q in range(k):
        items[q] = pos[q]
        ratio[q] = -duals[pos[q]] / max(w[pos[q]], 1e-12)
    items = items[np.argsort(ratio, kind="mergesort")]
    dual_o = duals[items]
    w_o = w[items]
    out_ptr = np.zeros(max_out + 1, np.int64)
    out_items = np.empty(max_out * 8 + 8, np.int64)
    out_len = np.empty(max_out)
    nout = 0
    nodes = 0
    complete = True
    least = np.inf
    # Depth-first with explicit per-depth state: position of the next item to try at each depth.
    depth_next = np.zeros(k + 1, np.int64)
    members = np.empty(k + 1, np.int64)
    ranks = np.empty((k + 1, npts), np.int64)
    nr = np.zeros(k + 1, np.int64)
    lengths = np.zeros(k + 1)
    dsum = np.zeros(k + 1)
    lw = np.zeros(k + 1)
    lv = np.zeros(k + 1)
    lt = np.zeros(k + 1)
    d = 0  # depth = number of members of the current set
    depth_next[0] = 0
    while d >= 0:
        p = depth_next[d]
        if p >= k:
            d -= 1
            continue
        depth_next[d] = p + 1
        i = items[p]
        if lw[d] + w[i] > capw + EPS or lv[d] + v[i] > capv + EPS or lt[d] + t[i] > capt + EPS:
            continue
        if nodes >= max_nodes:
            complete = False
            break
        m2 = _merge(ranks[d], nr[d], irank, iptr[i], iptr[i + 1], ranks[d + 1])
        le = _route(ranks[d + 1], m2, aisle, block, rel, h, pitch, depot_x, seg, hor_ptr, hor_src, hor_edges,
                    final, empty)
        nodes += 1
        c = d + 1
        members[d] = i
        nr[c] = m2
        lengths[c] = le
        dsum[c] = dsum[d] + duals[i]
        lw[c], lv[c], lt[c] = lw[d] + w[i], lv[d] + v[i], lt[d] + t[i]
        rc = le - dsum[c]
        if rc < least:
            least = rc
        if rc <= threshold:
            if nout >= max_out:
                complete = False
                break
            start = out_ptr[nout]
            if start + c > out_items.shape[0]:
                grown = np.empty(2 * out_items.shape[0] + c, np.int64)
                grown[:start] = out_items[:start]
                out_items = grown
            out_items[start: start + c] = members[:c]
            out_ptr[nout + 1] = start + c
            out_len[nout] = le
            nout += 1
        # Fractional knapsack of the later items' duals in the weight left.
        room = capw - lw[c]
        bound = 0.0
        for q in range(p + 1, k):
            if room <= EPS:
                break
            wq = w_o[q]
            if wq <= room + EPS:
                bound += dual_o[q]
                room -= wq
            else:
                bound += dual_o[q] * room / wq
                room = 0.0
        if rc - bound > threshold or p + 1 >= k:
            continue
        d = c
        depth_next[d] = p + 1
    if nout == 0 and complete and least == np.inf:
        least = 0.0
    return out_ptr[: nout + 1].copy(), out_items[: out_ptr[nout]].copy(), out_len[:nout].copy(), complete, least, nodes


def warm_up(route: tuple[Any, ...]) -> None:
    """Load (or compile) both pricing kernels on a one-item problem over ``route`` (a scorer's tables).

    ``route`` is ``RouteScorer.kernel_args()[1:]`` of any one-block scorer; a
    process planning against the clock calls this first so that loading the
    kernels from numba's cache does not come out of a search budget.
    """
    duals = np.array([1.0])
    ptr = np.array([0, 1], dtype=np.int64)
    ranks = np.array([0], dtype=np.int64)
    one = np.ones(1)
    greedy_price(np.array([0], dtype=np.int64), duals, ptr, ranks, one, one, one, 2.0, 2.0, 2.0, 4, 0.0, *route)
    exact_price(duals, 0.0, ptr, ranks, one, one, one, 2.0, 2.0, 2.0, 4, 16, *route)

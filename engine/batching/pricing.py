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

With subset-row cuts in the master (:func:`separate_subset_rows`), a trip's
reduced cost also carries the penalty ``-dual >= 0`` of every cut holding two
or three of its items, and with capacity cuts (``sum_S [S meets T] x_S >=
r``, :class:`engine.batching.colgen.Master`) the term ``-dual <= 0`` of every
cut it holds an item of. Both searches take the cuts per item (CSR ``cptr``,
``cids``) and the terms ``cpen`` (the sign tells the kind: ``> 0`` a
subset-row cut, counted from two members, ``< 0`` a capacity cut, counted
from one) and count each cut's members as a set grows, so their reduced costs
stay exact; the exact search's bound also subtracts the capacity terms a set
has not reached yet (only they can fall when an item is added). :func:`partition_search` is a branch and
bound for the cheapest partition over a given set of columns.

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
def _gain(j: int, cnt: np.ndarray, cptr: np.ndarray, cids: np.ndarray, cpen: np.ndarray) -> float:  # pragma: no cover
    """Cut terms item ``j`` adds to a trip whose cut counts are ``cnt``.

    A subset-row cut (``cpen > 0``) it brings from 1 member to 2 adds its
    penalty; a capacity cut (``cpen < 0``) it brings from 0 to 1 its (negative) term.
    """
    g = 0.0
    for q in range(cptr[j], cptr[j + 1]):
        c = cids[q]
        if (cnt[c] == 1 and cpen[c] > 0.0) or (cnt[c] == 0 and cpen[c] < 0.0):
            g += cpen[c]
    return g


@njit(cache=True)
def _bonus(j: int, cnt: np.ndarray, cptr: np.ndarray, cids: np.ndarray, cpen: np.ndarray) -> float:  # pragma: no cover
    """The capacity-cut part of :func:`_gain`, as a positive amount (cuts ``j`` brings from 0 members to 1)."""
    g = 0.0
    for q in range(cptr[j], cptr[j + 1]):
        c = cids[q]
        if cnt[c] == 0 and cpen[c] < 0.0:
            g -= cpen[c]
    return g


@njit(cache=True)
def _count(j: int, step: int, cnt: np.ndarray, cptr: np.ndarray, cids: np.ndarray) -> None:  # pragma: no cover
    """Add ``step`` (+1 / -1) to the counts of the cuts over item ``j``."""
    for q in range(cptr[j], cptr[j + 1]):
        cnt[cids[q]] += step


@njit(cache=True)
def greedy_price(
    seeds: np.ndarray, duals: np.ndarray, iptr: np.ndarray, irank: np.ndarray,
    w: np.ndarray, v: np.ndarray, t: np.ndarray, capw: float, capv: float, capt: float, max_out: int,
    keep: float, cptr: np.ndarray, cids: np.ndarray, cpen: np.ndarray,
    aisle: np.ndarray, block: np.ndarray, rel: np.ndarray, h: float, pitch: float, depot_x: float,
    seg: np.ndarray, hor_ptr: np.ndarray, hor_src: np.ndarray, hor_edges: np.ndarray, final: np.ndarray,
    empty: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:  # pragma: no cover - jitted
    """Trips of negative reduced cost by add / drop / swap descent from each seed item.

    From ``{seed}``: add the item that lowers ``rc`` most (candidates by falling
    dual, stopping once no dual can beat the best found: a route never gets
    shorter, so ``rc(S + j) >= rc(S) - duals[j]``), and when no add improves
    (often because the cart is full), the best drop or swap (one member out,
    one item in, pruned alike); until none improves. Reduced costs include
    the subset-row penalties of ``cpen`` (cuts per item ``cptr``/``cids``). Every
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
    cnt_cut = np.zeros(cpen.shape[0], np.int64)  # members of the current set in each subset-row cut
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
        pen = _gain(s, cnt_cut, cptr, cids, cpen)  # cut terms of the current set (capacity cuts: at one member)
        _count(s, 1, cnt_cut, cptr, cids)
        if length - dsum + pen <= keep and nout < max_out:
            out_items = _push(out_items, out_ptr, out_len, nout, members, 1, -1, -1, length)
            nout += 1
        lw, lv, lt = w[s], v[s], t[s]
        for _ in range(4 * n):
            rc = length - dsum + pen
            best_j, best_rc, best_len, best_m, best_pen = -1, rc - 1e-7, 0.0, 0, pen
            for j in cand:
                if rc - duals[j] >= best_rc and rc - duals[j] > keep:
                    break  # no later (smaller) dual can beat the best, or be kept
                if inset[j] or lw + w[j] > capw + EPS or lv + v[j] > capv + EPS or lt + t[j] > capt + EPS:
                    continue
                pj = pen + _gain(j, cnt_cut, cptr, cids, cpen)
                if rc - pen + pj - duals[j] >= best_rc and rc - pen + pj - duals[j] > keep:
                    continue
                m2 = _merge(cur, m, irank, iptr[j], iptr[j + 1], buf)
                lj = _route(buf, m2, aisle, block, rel, h, pitch, depot_x, seg, hor_ptr, hor_src, hor_edges,
                            final, empty)
                evals += 1
                rj = lj - dsum - duals[j] + pj
                if rj <= keep and nout < max_out:
                    out_items = _push(out_items, out_ptr, out_len, nout, members, cnt, -1, j, lj)
                    nout += 1
                if rj < best_rc:
                    best_j, best_rc, best_len, best_m, best_pen = j, rj, lj, m2, pj
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
                    _count(iq, -1, cnt_cut, cptr, cids)  # the counts of the set without iq, until the swaps end
                    pq = pen - _gain(iq, cnt_cut, cptr, cids, cpen)
                    rq = lq - dq + pq
                    if rq <= keep and nout < max_out:
                        out_items = _push(out_items, out_ptr, out_len, nout, members, cnt, q, -1, lq)
                        nout += 1
                    if rq < best_rc:
                        drop, swap_in, best_rc, best_len, best_m, best_pen = q, -1, rq, lq, mq, pq
                        best_buf[:mq] = drop_buf[:mq]
                    # swaps: q out, j in; rc(S - q + j) >= rq - duals[j] (a route never gets shorter)
                    for j in cand:
                        if rq - duals[j] >= best_rc and rq - duals[j] > keep:
                            break
                        if inset[j] or lw - w[iq] + w[j] > capw + EPS or lv - v[iq] + v[j] > capv + EPS \
                                or lt - t[iq] + t[j] > capt + EPS:
                            continue
                        pj = pq + _gain(j, cnt_cut, cptr, cids, cpen)
                        if rq - pq + pj - duals[j] >= best_rc and rq - pq + pj - duals[j] > keep:
                            continue
                        m2 = _merge(drop_buf, mq, irank, iptr[j], iptr[j + 1], buf)
                        lj = _route(buf, m2, aisle, block, rel, h, pitch, depot_x, seg, hor_ptr, hor_src,
                                    hor_edges, final, empty)
                        evals += 1
                        rj = lj - dq - duals[j] + pj
                        if rj <= keep and nout < max_out:
                            out_items = _push(out_items, out_ptr, out_len, nout, members, cnt, q, j, lj)
                            nout += 1
                        if rj < best_rc:
                            drop, swap_in, best_rc, best_len, best_m, best_pen = q, j, rj, lj, m2, pj
                            best_buf[:m2] = buf[:m2]
                    _count(iq, 1, cnt_cut, cptr, cids)
            if best_j < 0 and drop < 0:
                break
            if drop >= 0:
                i = members[drop]
                inset[i] = False
                _count(i, -1, cnt_cut, cptr, cids)
                members[drop] = members[cnt - 1]
                cnt -= 1
                dsum -= duals[i]
                lw, lv, lt = lw - w[i], lv - v[i], lt - t[i]
                if swap_in >= 0:
                    members[cnt] = swap_in
                    cnt += 1
                    inset[swap_in] = True
                    _count(swap_in, 1, cnt_cut, cptr, cids)
                    dsum += duals[swap_in]
                    lw, lv, lt = lw + w[swap_in], lv + v[swap_in], lt + t[swap_in]
            else:
                members[cnt] = best_j
                cnt += 1
                inset[best_j] = True
                _count(best_j, 1, cnt_cut, cptr, cids)
                dsum += duals[best_j]
                lw, lv, lt = lw + w[best_j], lv + v[best_j], lt + t[best_j]
            m = best_m
            cur[:m] = best_buf[:m]
            length = best_len
            pen = best_pen
        for q in range(cnt):
            inset[members[q]] = False
            _count(members[q], -1, cnt_cut, cptr, cids)
    return out_ptr[: nout + 1].copy(), out_items[: out_ptr[nout]].copy(), out_len[:nout].copy(), evals


@njit(cache=True)
def exact_price(
    duals: np.ndarray, threshold: float, iptr: np.ndarray, irank: np.ndarray,
    w: np.ndarray, v: np.ndarray, t: np.ndarray, capw: float, capv: float, capt: float,
    max_out: int, max_nodes: int, cptr: np.ndarray, cids: np.ndarray, cpen: np.ndarray,
    aisle: np.ndarray, block: np.ndarray, rel: np.ndarray, h: float, pitch: float, depot_x: float,
    seg: np.ndarray, hor_ptr: np.ndarray, hor_src: np.ndarray, hor_edges: np.ndarray, final: np.ndarray,
    empty: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool, float, int]:  # pragma: no cover - jitted
    """Every trip with ``rc <= threshold`` (depth first, pruned by a knapsack bound).

    Items are branched on in falling order of dual per unit of weight; a node
    ``S`` (its route scored exactly) is cut when ``length(S) - duals(S) -
    F(S) > threshold``, ``F`` the fractional-knapsack value of the duals of the
    later items in the weight left (volume and totes only make ``F`` larger).
    Items of dual <= 0 in no capacity cut are never added (they cannot lower
    ``rc``; a trip with one is dominated by the trip without it, which is as
    short or shorter and has no larger cut penalty). ``rc`` includes the cut
    terms ``cpen``: the subset-row penalties (``> 0``) tighten the bound (they
    only grow below a node), the capacity terms (``< 0``) not reached yet are
    subtracted from it (below a node they may still come).

    Returns ``(ptr, items, lengths, complete, least rc, nodes)``: ``complete``
    when the whole tree was searched within ``max_nodes`` scored nodes and at
    most ``max_out`` trips were found, so that the list is every trip of
    positive-dual items with ``rc <= threshold`` and ``least rc`` is the least
    reduced cost of any trip (any trip at all, when no dual is negative).
    """
    n = duals.shape[0]
    npts = aisle.shape[0]
    # Items of a capacity cut (cpen < 0) may lower rc at dual 0: they are branched on too.
    in_cap = np.zeros(n, np.bool_)
    bonus_all = 0.0
    for c in range(cpen.shape[0]):
        if cpen[c] < 0.0:
            bonus_all -= cpen[c]
    for i in range(n):
        for q in range(cptr[i], cptr[i + 1]):
            if cpen[cids[q]] < 0.0:
                in_cap[i] = True
    pos = [i for i in range(n) if duals[i] > EPS or in_cap[i]]
    k = len(pos)
    items = np.empty(k, np.int64)
    ratio = np.empty(k)
    for q in range(k):
        items[q] = pos[q]
        ratio[q] = -max(duals[pos[q]], 0.0) / max(w[pos[q]], 1e-12)
    items = items[np.argsort(ratio, kind="mergesort")]
    dual_o = np.maximum(duals[items], 0.0)
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
    pen = np.zeros(k + 1)  # cut terms of the set at each depth
    bon = np.zeros(k + 1)  # capacity-cut bonuses reached at each depth (the rest, bonus_all - bon, may come)
    cnt_cut = np.zeros(cpen.shape[0], np.int64)  # members of the current set in each cut
    d = 0  # depth = number of members of the current set
    depth_next[0] = 0
    while d >= 0:
        p = depth_next[d]
        if p >= k:
            d -= 1
            if d >= 0:  # members[d] (which led to depth d + 1) leaves the set
                _count(members[d], -1, cnt_cut, cptr, cids)
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
        pen[c] = pen[d] + _gain(i, cnt_cut, cptr, cids, cpen)
        bon[c] = bon[d] + _bonus(i, cnt_cut, cptr, cids, cpen)
        nr[c] = m2
        lengths[c] = le
        dsum[c] = dsum[d] + duals[i]
        lw[c], lv[c], lt[c] = lw[d] + w[i], lv[d] + v[i], lt[d] + t[i]
        rc = le - dsum[c] + pen[c]
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
        if rc - bound - (bonus_all - bon[c]) > threshold or p + 1 >= k:
            continue
        _count(i, 1, cnt_cut, cptr, cids)  # descending: i is a member below
        d = c
        depth_next[d] = p + 1
    if nout == 0 and complete and least == np.inf:
        least = 0.0
    return out_ptr[: nout + 1].copy(), out_items[: out_ptr[nout]].copy(), out_len[:nout].copy(), complete, least, nodes


@njit(cache=True)
def separate_subset_rows(sptr: np.ndarray, sitems: np.ndarray, x: np.ndarray, n: int, min_violation: float,
                         max_out: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - jitted
    """Subset-row cuts over item triples violated by the LP point ``x`` of the columns ``sptr``/``sitems`` (CSR).

    The cut of ``T = {a, b, c}`` is ``sum_S floor(|S & T| / 2) x_S <= 1`` (a
    rank-1 Chvátal-Gomory cut of the three covering rows with multipliers 1/2:
    every partition satisfies it, since two trips that each hold two of three
    items share one). Its left side is ``w_ab + w_ac + w_bc - 2 t_abc``, ``w``
    the LP weight of the columns holding a pair and ``t`` that of the columns
    holding all three. Returns ``(triples, violations)``, at most ``max_out``
    triples (rows ``a < b < c``) of violation above ``min_violation``, the most
    violated first.
    """
    ncol = x.shape[0]
    wgt = np.zeros((n, n))
    member = np.zeros((ncol, n), np.bool_)
    for s in range(ncol):
        for p in range(sptr[s], sptr[s + 1]):
            member[s, sitems[p]] = True
            for q in range(p + 1, sptr[s + 1]):
                a, b = sitems[p], sitems[q]
                wgt[a, b] += x[s]
                wgt[b, a] += x[s]
    # Columns holding each item, for t_abc.
    cnt = np.zeros(n + 1, np.int64)
    for p in range(sitems.shape[0]):
        cnt[sitems[p] + 1] += 1
    iptr = np.cumsum(cnt)
    icol = np.empty(sitems.shape[0], np.int64)
    fill = iptr[:-1].copy()
    for s in range(ncol):
        for p in range(sptr[s], sptr[s + 1]):
            i = sitems[p]
            icol[fill[i]] = s
            fill[i] += 1
    cap = 4 * max_out + 16
    found = np.empty((cap, 3), np.int64)
    viol = np.empty(cap)
    nf = 0
    limit = 1.0 + min_violation
    for a in range(n):
        for b in range(a + 1, n):
            wab = wgt[a, b]
            for c in range(b + 1, n):
                tot = wab + wgt[a, c] + wgt[b, c]
                if tot <= limit:
                    continue
                t3 = 0.0
                for p in range(iptr[a], iptr[a + 1]):
                    s = icol[p]
                    if member[s, b] and member[s, c]:
                        t3 += x[s]
                lhs = tot - 2.0 * t3
                if lhs > limit:
                    if nf >= cap:  # keep the most violated half, then go on
                        order = np.argsort(-viol[:nf], kind="mergesort")[: cap // 2]
                        found[: cap // 2] = found[order]
                        viol[: cap // 2] = viol[order]
                        nf = cap // 2
                    found[nf, 0], found[nf, 1], found[nf, 2] = a, b, c
                    viol[nf] = lhs - 1.0
                    nf += 1
    order = np.argsort(-viol[:nf], kind="mergesort")[:max_out]
    return found[order].copy(), viol[order].copy()


@njit(cache=True)
def item_columns(n: int, cptr: np.ndarray, citems: np.ndarray, rc: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover
    """Each item's columns, least reduced cost first: ``(columns per item, CSR pointers, column ids)``.

    The columns are CSR ``cptr``/``citems``; O(nnz + ncol log ncol).
    """
    deg = np.zeros(n, np.int64)
    for p in range(citems.shape[0]):
        deg[citems[p]] += 1
    iptr = np.zeros(n + 1, np.int64)
    iptr[1:] = np.cumsum(deg)
    icol = np.empty(citems.shape[0], np.int64)
    fill = iptr[:-1].copy()
    by_rc = np.argsort(rc, kind="mergesort")
    for q in range(rc.shape[0]):
        k = by_rc[q]
        for p in range(cptr[k], cptr[k + 1]):
            i = citems[p]
            icol[fill[i]] = k
            fill[i] += 1
    return deg, iptr, icol


@njit(cache=True)
def partition_search(n: int, cptr: np.ndarray, citems: np.ndarray, cost: np.ndarray, rc: np.ndarray, z: float,
                     ub: float, tol: float, max_nodes: int) -> tuple[np.ndarray, float, bool, int]:  # pragma: no cover
    """Depth-first branch and bound for the cheapest partition of ``n`` items into the given columns.

    Columns (CSR ``cptr``/``citems``) cost ``cost`` and have reduced costs
    ``rc >= 0`` against a dual solution of LP value ``z``: every partition
    costs at least ``z + sum of its columns' rc`` (covering rows each hold
    once; a subset-row cut's row at most 1), so a branch whose chosen columns'
    ``rc`` bring that above ``ub - tol`` is cut. Branches on the uncovered item
    of fewest columns (a static order), its columns by rising ``rc``.

    Returns ``(columns of the best partition found cheaper than ub - tol
    (empty: none), its cost, complete, nodes)``; ``complete`` when the search
    ended within ``max_nodes``: then no partition over these columns costs less
    than ``ub - tol`` other than the one returned (if any) and those it beat.
    """
    deg, iptr, icol = item_columns(n, cptr, citems, rc)
    order = np.argsort(deg, kind="mergesort")  # items, fewest columns first
    covered = np.zeros(n, np.bool_)
    depth_item = np.empty(n + 1, np.int64)   # the item covered at each depth
    depth_pos = np.empty(n + 1, np.int64)    # next position in its column list
    chosen = np.empty(n + 1, np.int64)       # column chosen at each depth (-1: none yet)
    rcsum = np.zeros(n + 2)
    csum = np.zeros(n + 2)
    best = np.empty(0, np.int64)
    nodes = 0
    complete = True
    d = 0
    depth_item[0] = order[0] if n > 0 else -1
    depth_pos[0] = iptr[order[0]] if n > 0 else 0
    chosen[0] = -1
    if n == 0:
        return best, 0.0, True, 0
    while d >= 0:
        i = depth_item[d]
        if chosen[d] >= 0:  # undo the column tried last at this depth
            k = chosen[d]
            for p in range(cptr[k], cptr[k + 1]):
                covered[citems[p]] = False
            chosen[d] = -1
        went = False
        while depth_pos[d] < iptr[i + 1]:
            if chosen[d] >= 0:  # a partition was completed with the last column: undo it
                k = chosen[d]
                for p in range(cptr[k], cptr[k + 1]):
                    covered[citems[p]] = False
                chosen[d] = -1
            k = icol[depth_pos[d]]
            depth_pos[d] += 1
            if z + rcsum[d] + rc[k] >= ub - tol:
                depth_pos[d] = iptr[i + 1]  # later columns have larger rc
                break
            if csum[d] + cost[k] >= ub - tol:
                continue
            clash = False
            for p in range(cptr[k], cptr[k + 1]):
                if covered[citems[p]]:
                    clash = True
                    break
            if clash:
                continue
            if nodes >= max_nodes:
                complete = False
                break
            nodes += 1
            for p in range(cptr[k], cptr[k + 1]):
                covered[citems[p]] = True
            chosen[d] = k
            rcsum[d + 1] = rcsum[d] + rc[k]
            csum[d + 1] = csum[d] + cost[k]
            # The next uncovered item in the static order.
            nxt = -1
            for q in range(n):
                if not covered[order[q]]:
                    nxt = order[q]
                    break
            if nxt < 0:  # a partition, cheaper than ub - tol by the test above
                ub = csum[d + 1]
                best = chosen[: d + 1].copy()
                continue  # its column is undone at the next try at this depth
            d += 1
            depth_item[d] = nxt
            depth_pos[d] = iptr[nxt]
            chosen[d] = -1
            went = True
            break
        if not complete:
            break
        if not went:
            if chosen[d] >= 0:
                k = chosen[d]
                for p in range(cptr[k], cptr[k + 1]):
                    covered[citems[p]] = False
                chosen[d] = -1
            d -= 1
    return best, (ub if best.shape[0] else 0.0), complete, nodes


def no_cuts(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pricers' cut arguments ``(cptr, cids, cpen)`` for ``n`` items and no subset-row cut."""
    return np.zeros(n + 1, np.int64), np.zeros(0, np.int64), np.zeros(0)


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
    greedy_price(np.array([0], dtype=np.int64), duals, ptr, ranks, one, one, one, 2.0, 2.0, 2.0, 4, 0.0,
                 *no_cuts(1), *route)
    exact_price(duals, 0.0, ptr, ranks, one, one, one, 2.0, 2.0, 2.0, 4, 16, *no_cuts(1), *route)
    separate_subset_rows(ptr, ranks, np.ones(1), 1, 0.01, 4)
    partition_search(1, ptr, ranks, one, np.zeros(1), 0.0, 2.0, 1e-6, 16)

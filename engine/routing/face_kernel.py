"""Compiled label search for faces chosen with the route (numba); driven by :mod:`face_labels`.

The data model is that of :mod:`engine.routing.face_labels`: a label is a cost and a *need*
(each demand's missing units packed into ``NW`` 64-bit words, ``W`` bits a demand, the top
bit of each field a guard), a node is ``(column, phase, state)`` of the aisle programme's
compiled tables (:mod:`engine.routing.tables`). One call of :func:`advance` moves the
labels of one column through its block segments, records closed tours, and moves the
survivors across to the next column; between calls the caller reads the clock.

Labels live in a pool (``cost``, ``need``, ``lb`` = cost plus bound, ``parent``, and the
option taken: segment, code, front reach, back reach); after each phase the candidates are
sorted by state and cost and only labels no cheaper label of the same state needs no more
than survive (dominance; with ``beam`` only the ``beam`` of least ``lb`` per state),
compacted in place. Every child is bounded when made: kept only if ``cost + bound`` is below
the best closed tour.

Bounds (:func:`unit_to_go`, :func:`prize_to_go`): per node and demand, the least cost to a
closed tour that still takes ``r`` missing units of that demand (the other demands ignored);
and a Lagrangian bound, the least cost to a closed tour less prizes per unit covered, plus
the prizes of what is missing.

Every function is O(its loops) with no Python inside; compiled on first use, cached on disk.
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.inf
EPS = 1e-9
#: Status codes of :func:`advance`.
OK, FULL, TOO_MANY, WORK = 0, 1, 2, 3


@njit(cache=True)
def satsub(need: np.ndarray, give: np.ndarray, guard: np.ndarray, val: np.uint64,
           shift: np.uint64, out: np.ndarray) -> None:  # pragma: no cover - jitted
    """``out = max(need - give, 0)`` field by field (one subtraction per word)."""
    for w in range(need.shape[0]):
        r = (need[w] | guard[w]) - give[w]
        ok = r & guard[w]
        out[w] = r & ((ok >> shift) * val)


@njit(cache=True)
def _any_and(a: np.ndarray, b: np.ndarray) -> bool:  # pragma: no cover - jitted
    for w in range(a.shape[0]):  # noqa: SIM110 - a plain loop compiles in numba; any() on a generator does not
        if a[w] & b[w]:
            return True
    return False


@njit(cache=True)
def _is_zero(a: np.ndarray) -> bool:  # pragma: no cover - jitted
    for w in range(a.shape[0]):  # noqa: SIM110 - as above
        if a[w]:
            return False
    return True


@njit(cache=True)
def bound(ci: int, ph: int, s: int, need: np.ndarray, close1: np.ndarray, togo: np.ndarray,
          rcap: int, wd: np.ndarray, sh: np.ndarray, val: np.uint64, lag: np.ndarray,
          prizes: np.ndarray, use_lag: bool, gtab: np.ndarray, gmem: np.ndarray, gcap: np.ndarray,
          gbase: np.ndarray, rr: np.ndarray) -> float:  # pragma: no cover - jitted
    """Least cost from node ``(ci, ph, s)`` to a closed tour taking what ``need`` misses.

    ``gtab[g]`` (groups, when ``use_lag``): the Lagrangian bound with group ``g``'s demands
    ``gmem[g]`` kept exact, indexed by their missing units (capped at ``gcap``, mixed radix
    ``gbase``); ``rr`` is scratch space, one entry a demand.
    """
    b = close1[ci, ph, s]
    lg = 0.0
    nd = wd.shape[0]
    for d in range(nd):
        r = np.int64((need[wd[d]] >> np.uint64(sh[d])) & val)
        rr[d] = r
        if r:
            v = togo[ci, ph, s, d, r if r < rcap else rcap]
            if v > b:
                b = v
            lg += prizes[d] * r
    if use_lag:
        v = lag[ci, ph, s] + lg
        if v > b:
            b = v
        for g in range(gtab.shape[0]):
            sig = 0
            own = 0.0
            for m in range(gmem.shape[1]):
                d = gmem[g, m]
                if d < 0:
                    break
                r = rr[d]
                sig += (r if r < gcap[g, m] else gcap[g, m]) * gbase[g, m]
                own += prizes[d] * r
            v = gtab[g, ci, ph, s, sig] + lg - own
            if v > b:
                b = v
    return b


@njit(cache=True)
def _pareto(  # pragma: no cover - jitted
    start: int, n_pool: int, state: np.ndarray, cost: np.ndarray, need: np.ndarray, lb: np.ndarray,
    parent: np.ndarray, opt: np.ndarray, n_states: int, guard: np.ndarray, beam: int, front_ptr: np.ndarray,
    max_work: int,
) -> tuple[int, int]:
    """Keep the non-dominated candidates ``start .. n_pool`` grouped by state, compacted in place.

    Returns ``(new n_pool, comparisons)`` (``n_pool`` -1 when ``max_work`` comparisons ran out);
    ``front_ptr[s] .. front_ptr[s + 1]`` the survivors of state ``s`` (as pool indices ``start + k``),
    cheapest first.
    """
    m = n_pool - start
    nw = need.shape[1]
    work = m // 4  # sorting
    counts = np.zeros(n_states + 1, dtype=np.int64)
    for k in range(m):
        counts[state[start + k] + 1] += 1
    for s in range(n_states):
        counts[s + 1] += counts[s]
    byst = np.empty(m, dtype=np.int64)
    fill = counts[:-1].copy()
    for k in range(m):
        s = state[start + k]
        byst[fill[s]] = k
        fill[s] += 1
    keep = np.empty(m, dtype=np.int64)
    nk = 0
    front_ptr[0] = start
    for s in range(n_states):
        lo, hi = counts[s], counts[s + 1]
        grp = byst[lo:hi]
        if hi > lo:
            # exact: cheapest first, each checked against the kept; beam: least bound first, at most beam kept
            order = np.argsort((lb if beam > 0 else cost)[start + grp], kind="mergesort")
            first = nk
            for t in range(hi - lo):
                k = grp[order[t]]
                i = start + k
                dom = False
                for q in range(first, nk):
                    j = start + keep[q]
                    work += 1
                    if cost[j] > cost[i] + 1e-9:
                        continue
                    sub = True
                    for w in range(nw):
                        if (((need[i, w] | guard[w]) - need[j, w]) & guard[w]) != guard[w]:
                            sub = False
                            break
                    if sub:
                        dom = True
                        break
                if not dom:
                    keep[nk] = k
                    nk += 1
                    if beam > 0 and nk - first >= beam:
                        break
                if work > max_work:
                    return -1, work
            if beam > 0:  # cheapest first among the kept
                sel = keep[first:nk].copy()
                o3 = np.argsort(cost[start + sel], kind="mergesort")
                for t in range(nk - first):
                    keep[first + t] = sel[o3[t]]
        front_ptr[s + 1] = start + nk
    # compact: copy the kept rows to start .. start + nk (keep is a subset, order by state)
    t_cost = cost[start:n_pool].copy()
    t_need = need[start:n_pool].copy()
    t_lb = lb[start:n_pool].copy()
    t_par = parent[start:n_pool].copy()
    t_opt = opt[start:n_pool].copy()
    t_st = state[start:n_pool].copy()
    for q in range(nk):
        k = keep[q]
        cost[start + q] = t_cost[k]
        need[start + q, :] = t_need[k]
        lb[start + q] = t_lb[k]
        parent[start + q] = t_par[k]
        opt[start + q] = t_opt[k]
        state[start + q] = t_st[k]
    return start + nk, work


@njit(cache=True)
def _keep(  # pragma: no cover - jitted
    n_pool: int, cap: int, cost: np.ndarray, need: np.ndarray, lb: np.ndarray, parent: np.ndarray,
    opt: np.ndarray, state: np.ndarray, c2: float, bd: float, left: np.ndarray, li: int,
    o0: int, o1: int, o2: int, o3: int, ns: int,
) -> int:
    """Write a label (cost ``c2``, bound ``bd``, demand ``left``, parent ``li``, option, state) at
    ``n_pool``; the next free slot, or -1 when the pool is full."""
    if n_pool >= cap:
        return -1
    cost[n_pool] = c2
    need[n_pool, :] = left
    lb[n_pool] = c2 + bd
    parent[n_pool] = li
    opt[n_pool, 0] = o0
    opt[n_pool, 1] = o1
    opt[n_pool, 2] = o2
    opt[n_pool, 3] = o3
    state[n_pool] = ns
    return n_pool + 1


@njit(cache=True)
def advance(
    ci: int,
    front_ptr: np.ndarray,
    n_pool: int,
    cost: np.ndarray,
    need: np.ndarray,
    lb: np.ndarray,
    parent: np.ndarray,
    opt: np.ndarray,
    state: np.ndarray,
    best: np.ndarray,
    # problem
    col_x: np.ndarray,
    col_a: np.ndarray,
    col_dep: np.ndarray,
    last_req: int,
    seg_of: np.ndarray,
    seg_ptr: np.ndarray,
    depth: np.ndarray,
    give_full: np.ndarray,
    give_bot: np.ndarray,
    give_top: np.ndarray,
    pres: np.ndarray,
    h: float,
    # tables
    tseg: np.ndarray,
    hor_ptr: np.ndarray,
    hor_src: np.ndarray,
    hor_edges: np.ndarray,
    final: np.ndarray,
    # packing and bounds
    guard: np.ndarray,
    val: np.uint64,
    shift: np.uint64,
    wd: np.ndarray,
    sh: np.ndarray,
    close1: np.ndarray,
    togo: np.ndarray,
    rcap: int,
    lag: np.ndarray,
    prizes: np.ndarray,
    use_lag: bool,
    gtab: np.ndarray,
    gmem: np.ndarray,
    gcap: np.ndarray,
    gbase: np.ndarray,
    # limits
    beam: int,
    max_alive: int,
    max_work: int,
) -> tuple[int, int, int]:  # pragma: no cover - jitted
    """Move the labels of column ``ci`` (pool rows ``front_ptr[0] .. front_ptr[-1]``) to the next.

    ``best = [cost, label]`` of the best closed tour, updated. On return ``front_ptr`` holds the
    next column's labels by state. Returns ``(status, n_pool, work)``; on ``FULL`` (the pool
    arrays are too small) nothing is changed but the pool rows beyond the input labels.
    """
    K = tseg.shape[0]
    n = tseg.shape[2]
    nw = need.shape[1]
    cap = cost.shape[0]
    work = 0
    tmp = np.empty(nw, dtype=np.uint64)
    tmp2 = np.empty(nw, dtype=np.uint64)
    rr = np.empty(wd.shape[0], dtype=np.int64)
    wb = 2 + 2 * gtab.shape[0]  # a bound costs about this many comparisons
    a = col_a[ci]
    dep = col_dep[ci]
    for b in range(K):
        start = n_pool
        for s in range(n):
            for li in range(front_ptr[s], front_ptr[s + 1]):
                if work > max_work:
                    return WORK, start, work
                c0 = cost[li]
                nd0 = need[li]
                # NONE, T1, T2
                for code in range(3):
                    if code and not a:
                        break
                    ns = tseg[b, code, s]
                    c2 = c0 + (0.0 if code == 0 else h if code == 1 else 2.0 * h)
                    g = seg_of[ci, b]
                    if code and g >= 0:
                        satsub(nd0, give_full[g], guard, val, shift, tmp)
                    else:
                        tmp[:] = nd0
                    bd = bound(ci, b + 1, ns, tmp, close1, togo, rcap, wd, sh, val, lag, prizes, use_lag,
                               gtab, gmem, gcap, gbase, rr)
                    work += wb
                    if c2 + bd < best[0] - EPS:
                        n_pool = _keep(n_pool, cap, cost, need, lb, parent, opt, state, c2, bd, tmp, li,
                                       g if code else -1, code, 0, 0, ns)
                        if n_pool < 0:
                            return FULL, start, work
                g = seg_of[ci, b]
                if not a or g < 0:
                    continue
                lo, hi = seg_ptr[g], seg_ptr[g + 1]
                for i in range(lo, hi):
                    if not _any_and(nd0, pres[i]):
                        continue
                    # front reach to depth i
                    ns = tseg[b, 3, s]
                    c2 = c0 + 2.0 * depth[i]
                    satsub(nd0, give_bot[i], guard, val, shift, tmp)
                    bd = bound(ci, b + 1, ns, tmp, close1, togo, rcap, wd, sh, val, lag, prizes, use_lag,
                               gtab, gmem, gcap, gbase, rr)
                    work += wb
                    if c2 + bd < best[0] - EPS:
                        n_pool = _keep(n_pool, cap, cost, need, lb, parent, opt, state, c2, bd, tmp, li,
                                       g, 3, i - lo, 0, ns)
                        if n_pool < 0:
                            return FULL, start, work
                    # back reach to depth i
                    ns = tseg[b, 4, s]
                    c2 = c0 + 2.0 * (h - depth[i])
                    satsub(nd0, give_top[i], guard, val, shift, tmp)
                    bd = bound(ci, b + 1, ns, tmp, close1, togo, rcap, wd, sh, val, lag, prizes, use_lag,
                               gtab, gmem, gcap, gbase, rr)
                    work += wb
                    if c2 + bd < best[0] - EPS:
                        n_pool = _keep(n_pool, cap, cost, need, lb, parent, opt, state, c2, bd, tmp, li,
                                       g, 4, 0, i - lo, ns)
                        if n_pool < 0:
                            return FULL, start, work
                    # both: front to i, back to j > i
                    satsub(nd0, give_bot[i], guard, val, shift, tmp2)
                    cb = c0 + 2.0 * depth[i]
                    ns = tseg[b, 5, s]
                    for j in range(i + 1, hi):
                        if not _any_and(nd0, pres[j]):
                            continue
                        c2 = cb + 2.0 * (h - depth[j])
                        satsub(tmp2, give_top[j], guard, val, shift, tmp)
                        bd = bound(ci, b + 1, ns, tmp, close1, togo, rcap, wd, sh, val, lag, prizes, use_lag,
                                   gtab, gmem, gcap, gbase, rr)
                        work += wb
                        if c2 + bd < best[0] - EPS:
                            n_pool = _keep(n_pool, cap, cost, need, lb, parent, opt, state, c2, bd, tmp, li,
                                           g, 5, i - lo, j - lo, ns)
                            if n_pool < 0:
                                return FULL, start, work
        n_pool, w2 = _pareto(start, n_pool, state, cost, need, lb, parent, opt, n, guard, beam, front_ptr,
                             max_work - work)
        work += w2
        if n_pool < 0:
            return WORK, start, work
        if n_pool - start > max_alive:
            return TOO_MANY, n_pool, work
        if work > max_work:
            return WORK, n_pool, work
    # closed tours
    if ci >= last_req:
        for s in range(n):
            if final[dep, s]:
                for li in range(front_ptr[s], front_ptr[s + 1]):
                    if cost[li] < best[0] - EPS and _is_zero(need[li]):
                        best[0] = cost[li]
                        best[1] = li
    if ci == col_x.shape[0] - 1:
        return OK, n_pool, work
    dx = col_x[ci + 1] - col_x[ci]
    start = n_pool
    for ns in range(n):
        for m in range(hor_ptr[dep, ns], hor_ptr[dep, ns + 1]):
            s = hor_src[m]
            step = hor_edges[m] * dx
            if work > max_work:
                return WORK, start, work
            for li in range(front_ptr[s], front_ptr[s + 1]):
                c2 = cost[li] + step
                bd = bound(ci + 1, 0, ns, need[li], close1, togo, rcap, wd, sh, val, lag, prizes, use_lag,
                           gtab, gmem, gcap, gbase, rr)
                work += wb
                if c2 + bd < best[0] - EPS:
                    n_pool = _keep(n_pool, cap, cost, need, lb, parent, opt, state, c2, bd, need[li], li,
                                   -1, -1, 0, 0, ns)
                    if n_pool < 0:
                        return FULL, start, work
    n_pool, w2 = _pareto(start, n_pool, state, cost, need, lb, parent, opt, n, guard, beam, front_ptr,
                         max_work - work)
    work += w2
    if n_pool < 0:
        return WORK, start, work
    if n_pool - start > max_alive:
        return TOO_MANY, n_pool, work
    return OK, n_pool, work


@njit(cache=True)
def unit_to_go(
    col_x: np.ndarray, col_a: np.ndarray, col_dep: np.ndarray, last_req: int,
    seg_of: np.ndarray, seg_ptr: np.ndarray, depth: np.ndarray,
    units: np.ndarray, rcap: int, h: float,
    tseg: np.ndarray, hor_ptr: np.ndarray, hor_src: np.ndarray, hor_edges: np.ndarray, final: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - jitted
    """``(close1[ci, ph, s], togo[ci, ph, s, d, r])``: least cost to a closed tour from a node, and
    one that also takes ``r`` more units of demand ``d`` (``r`` up to ``rcap``).

    ``units[k, d]``: units of ``d`` at candidate depth ``k`` (capped at its demand). One backward
    sweep per demand over ``r``: a reach to any depth (or none, at no cost) in every segment, the
    other demands ignored: a lower bound for every label.
    """
    K = tseg.shape[0]
    n = tseg.shape[2]
    nd = units.shape[1]
    ncol = col_x.shape[0]
    R = rcap + 1
    togo = np.full((ncol, K + 1, n, nd, R), INF)
    nxt = np.full((n, nd, R), INF)
    for ci in range(ncol - 1, -1, -1):
        dep = col_dep[ci]
        v = np.full((n, nd, R), INF)
        if ci < ncol - 1:
            dx = col_x[ci + 1] - col_x[ci]
            for ns in range(n):
                for m in range(hor_ptr[dep, ns], hor_ptr[dep, ns + 1]):
                    s = hor_src[m]
                    step = hor_edges[m] * dx
                    for d in range(nd):
                        for r in range(R):
                            c = step + nxt[ns, d, r]
                            if c < v[s, d, r]:
                                v[s, d, r] = c
        if ci >= last_req:
            for s in range(n):
                if final[dep, s]:
                    for d in range(nd):
                        v[s, d, 0] = 0.0
        togo[ci, K] = v
        for b in range(K - 1, -1, -1):
            nv = np.full((n, nd, R), INF)
            g = seg_of[ci, b]
            for s in range(n):
                for code in range(6):
                    if code and not col_a[ci]:
                        break
                    ns = tseg[b, code, s]
                    if code <= 2:
                        c = 0.0 if code == 0 else h if code == 1 else 2.0 * h
                        for d in range(nd):
                            tot = 0
                            if code and g >= 0:
                                for k in range(seg_ptr[g], seg_ptr[g + 1]):
                                    tot += units[k, d]
                            for r in range(R):
                                r2 = max(0, r - tot)
                                x = c + v[ns, d, r2]
                                if x < nv[s, d, r]:
                                    nv[s, d, r] = x
                        continue
                    # reaches: none (cost 0) or to a depth of the segment
                    for d in range(nd):
                        for r in range(R):
                            x = v[ns, d, r]
                            if x < nv[s, d, r]:
                                nv[s, d, r] = x
                    if g < 0:
                        continue
                    lo, hi = seg_ptr[g], seg_ptr[g + 1]
                    for d in range(nd):
                        if code == 3 or code == 4:
                            for i in range(lo, hi):
                                if units[i, d] == 0:
                                    continue
                                tot = 0
                                if code == 3:
                                    for k in range(lo, i + 1):
                                        tot += units[k, d]
                                    c = 2.0 * depth[i]
                                else:
                                    for k in range(i, hi):
                                        tot += units[k, d]
                                    c = 2.0 * (h - depth[i])
                                for r in range(R):
                                    x = c + v[ns, d, max(0, r - tot)]
                                    if x < nv[s, d, r]:
                                        nv[s, d, r] = x
                        else:
                            for i in range(lo, hi):
                                if units[i, d] == 0:
                                    continue
                                tb = 0
                                for k in range(lo, i + 1):
                                    tb += units[k, d]
                                for j in range(i + 1, hi):
                                    if units[j, d] == 0:
                                        continue
                                    tt = 0
                                    for k in range(j, hi):
                                        tt += units[k, d]
                                    c = 2.0 * depth[i] + 2.0 * (h - depth[j])
                                    for r in range(R):
                                        x = c + v[ns, d, max(0, r - tb - tt)]
                                        if x < nv[s, d, r]:
                                            nv[s, d, r] = x
            v = nv
            togo[ci, b] = v
        nxt = togo[ci, 0]
    close1 = togo[:, :, :, 0, 0].copy()
    return close1, togo


@njit(cache=True)
def prize_to_go(
    col_x: np.ndarray, col_a: np.ndarray, col_dep: np.ndarray, last_req: int,
    seg_of: np.ndarray, seg_ptr: np.ndarray, depth: np.ndarray, pz: np.ndarray, h: float,
    tseg: np.ndarray, hor_ptr: np.ndarray, hor_src: np.ndarray, hor_edges: np.ndarray, final: np.ndarray,
) -> np.ndarray:  # pragma: no cover - jitted
    """``lag[ci, ph, s]``: least cost to a closed tour less the prize ``pz[k]`` of every depth it covers.

    The reaches of a split are chosen apart (a relaxation); closing early or going on for less both
    allowed. Any completion taking ``r_d`` units of each demand costs at least ``lag`` plus
    ``sum(prize_d * r_d)`` when ``pz[k]`` sums ``prize_d * min(stock, qty_d)`` over the faces at ``k``.
    """
    K = tseg.shape[0]
    n = tseg.shape[2]
    ncol = col_x.shape[0]
    lag = np.full((ncol, K + 1, n), INF)
    nxt = np.full(n, INF)
    for ci in range(ncol - 1, -1, -1):
        dep = col_dep[ci]
        v = np.full(n, INF)
        if ci < ncol - 1:
            dx = col_x[ci + 1] - col_x[ci]
            for ns in range(n):
                for m in range(hor_ptr[dep, ns], hor_ptr[dep, ns + 1]):
                    s = hor_src[m]
                    c = hor_edges[m] * dx + nxt[ns]
                    if c < v[s]:
                        v[s] = c
        if ci >= last_req:
            for s in range(n):
                if final[dep, s] and v[s] > 0.0:
                    v[s] = 0.0
        lag[ci, K] = v
        for b in range(K - 1, -1, -1):
            g = seg_of[ci, b]
            oc = np.zeros(6)
            oc[1] = h
            oc[2] = 2.0 * h
            if g >= 0:
                lo, hi = seg_ptr[g], seg_ptr[g + 1]
                total = 0.0
                for k in range(lo, hi):
                    total += pz[k]
                oc[1] = h - total
                oc[2] = 2.0 * h - total
                bot = 0.0
                acc = 0.0
                run = 0.0
                best_split = INF
                pt = np.empty(hi - lo)
                acc2 = 0.0
                for k in range(hi - 1, lo - 1, -1):
                    acc2 += pz[k]
                    pt[k - lo] = 2.0 * (h - depth[k]) - acc2
                top = 0.0
                for k in range(hi - lo):
                    if pt[k] < top:
                        top = pt[k]
                best_split = top
                for k in range(lo, hi):
                    acc += pz[k]
                    pbk = 2.0 * depth[k] - acc
                    if pbk < bot:
                        bot = pbk
                    # front reach strictly below back reach at k
                    if run + pt[k - lo] < best_split:
                        best_split = run + pt[k - lo]
                    if pbk < run:
                        run = pbk
                if run < best_split:
                    best_split = run
                oc[3] = bot
                oc[4] = top
                oc[5] = best_split
            nv = np.full(n, INF)
            for s in range(n):
                for code in range(6):
                    if code and not col_a[ci]:
                        break
                    c = 0.0 if code >= 3 and g < 0 else oc[code]
                    x = c + v[tseg[b, code, s]]
                    if x < nv[s]:
                        nv[s] = x
            v = nv
            lag[ci, b] = v
        nxt = lag[ci, 0]
    return lag


@njit(cache=True)
def group_to_go(
    col_x: np.ndarray, col_a: np.ndarray, col_dep: np.ndarray, last_req: int,
    seg_of: np.ndarray, seg_ptr: np.ndarray, depth: np.ndarray, pz: np.ndarray, gunits: np.ndarray,
    gcap: np.ndarray, gbase: np.ndarray, size: int, h: float,
    tseg: np.ndarray, hor_ptr: np.ndarray, hor_src: np.ndarray, hor_edges: np.ndarray, final: np.ndarray,
) -> np.ndarray:  # pragma: no cover - jitted
    """``tab[ci, ph, s, sig]``: least cost to a closed tour that takes ``sig``'s units of a group of
    demands (mixed radix: digit ``m`` is member ``m``'s missing units, ``gcap[m]`` at most, weight
    ``gbase[m]``) less the prize ``pz[k]`` of the other demands' units at every depth it covers.

    ``gunits[k, m]``: member ``m``'s units at depth row ``k``. Every reach of every segment is an
    option (and none); the group's demands are covered exactly, the others priced (a Lagrangian
    relaxation of their covering only). O(columns * options * states * size).
    """
    K = tseg.shape[0]
    n = tseg.shape[2]
    ncol = col_x.shape[0]
    M = gcap.shape[0]
    tab = np.full((ncol, K + 1, n, size), INF)
    nxt = np.full((n, size), INF)
    u = np.zeros(M, dtype=np.int64)
    for ci in range(ncol - 1, -1, -1):
        dep = col_dep[ci]
        v = np.full((n, size), INF)
        if ci < ncol - 1:
            dx = col_x[ci + 1] - col_x[ci]
            for ns in range(n):
                for m in range(hor_ptr[dep, ns], hor_ptr[dep, ns + 1]):
                    s = hor_src[m]
                    step = hor_edges[m] * dx
                    for q in range(size):
                        c = step + nxt[ns, q]
                        if c < v[s, q]:
                            v[s, q] = c
        if ci >= last_req:
            for s in range(n):
                if final[dep, s] and v[s, 0] > 0.0:
                    v[s, 0] = 0.0
        tab[ci, K] = v
        for b in range(K - 1, -1, -1):
            g = seg_of[ci, b]
            nv = np.full((n, size), INF)
            if not col_a[ci]:
                for s in range(n):
                    nv[s] = v[tseg[b, 0, s]]
                v = nv
                tab[ci, b] = v
                continue
            lo = seg_ptr[g] if g >= 0 else 0
            hi = seg_ptr[g + 1] if g >= 0 else 0
            nrow = hi - lo
            # reach from the front over fi rows, from the back over bj rows: cost less prizes, and the
            # group's missing units after it (subF[fi, q], subB[bj, q])
            cb = np.zeros(nrow + 1)
            ct = np.zeros(nrow + 1)
            subF = np.empty((nrow + 1, size), dtype=np.int64)
            subB = np.empty((nrow + 1, size), dtype=np.int64)
            for side in range(2):
                for m in range(M):
                    u[m] = 0
                acc = 0.0
                for k in range(nrow + 1):
                    if k:
                        row = lo + k - 1 if side == 0 else hi - k
                        acc += pz[row]
                        for m in range(M):
                            u[m] += gunits[row, m]
                    if side == 0:
                        cb[k] = (2.0 * depth[lo + k - 1] if k else 0.0) - acc
                    else:
                        ct[k] = (2.0 * (h - depth[hi - k]) if k else 0.0) - acc
                    for q in range(size):
                        rest = q
                        out = 0
                        for m in range(M - 1, -1, -1):
                            dig = rest // gbase[m]
                            rest -= dig * gbase[m]
                            dig -= u[m]
                            if dig > 0:
                                out += dig * gbase[m]
                        if side == 0:
                            subF[k, q] = out
                        else:
                            subB[k, q] = out
            for s in range(n):
                # none; traverse once or twice (every row: subF[nrow])
                ns = tseg[b, 0, s]
                for q in range(size):
                    if v[ns, q] < nv[s, q]:
                        nv[s, q] = v[ns, q]
                for code in (1, 2):
                    ns = tseg[b, code, s]
                    c = (h if code == 1 else 2.0 * h) + cb[nrow] - (2.0 * depth[hi - 1] if nrow else 0.0)
                    for q in range(size):
                        x = c + v[ns, subF[nrow, q]]
                        if x < nv[s, q]:
                            nv[s, q] = x
                ns3, ns4 = tseg[b, 3, s], tseg[b, 4, s]
                for k in range(nrow + 1):
                    for q in range(size):
                        x = cb[k] + v[ns3, subF[k, q]]
                        if x < nv[s, q]:
                            nv[s, q] = x
                        x = ct[k] + v[ns4, subB[k, q]]
                        if x < nv[s, q]:
                            nv[s, q] = x
            # both reaches, apart: the back one over at most nrow - fi rows (running minimum over bj)
            wk = np.full((nrow + 1, n, size), INF)
            for k in range(nrow + 1):
                for ns in range(n):
                    for q in range(size):
                        x = ct[k] + v[ns, subB[k, q]]
                        if k and wk[k - 1, ns, q] < x:
                            x = wk[k - 1, ns, q]
                        wk[k, ns, q] = x
            for s in range(n):
                ns5 = tseg[b, 5, s]
                for fi in range(nrow + 1):
                    for q in range(size):
                        x = cb[fi] + wk[nrow - fi, ns5, subF[fi, q]]
                        if x < nv[s, q]:
                            nv[s, q] = x
            v = nv
            tab[ci, b] = v
        nxt = tab[ci, 0]
    return tab


@njit(cache=True)
def prize_path(
    col_x: np.ndarray, col_a: np.ndarray, col_dep: np.ndarray, last_req: int,
    seg_of: np.ndarray, seg_ptr: np.ndarray, depth: np.ndarray, pz: np.ndarray, h: float,
    tseg: np.ndarray, hor_ptr: np.ndarray, hor_src: np.ndarray, hor_edges: np.ndarray, final: np.ndarray,
    lag: np.ndarray, empty: int,
) -> np.ndarray:  # pragma: no cover - jitted
    """The depth rows a least walk of :func:`prize_to_go` (table ``lag``) covers, as 0/1 per row.

    Forward from the empty state, each step the option whose cost plus the table's value is least
    (the same options and costs as the table's sweep): what a subgradient of the Lagrangian bound
    is read from. O(columns * (options + moves)).
    """
    K = tseg.shape[0]
    n = tseg.shape[2]
    ncol = col_x.shape[0]
    cov = np.zeros(depth.shape[0], dtype=np.int64)
    s = empty
    for ci in range(ncol):
        dep = col_dep[ci]
        for b in range(K):
            g = seg_of[ci, b]
            best_code, best_i, best_j = 0, -1, -1
            best_v = INF
            lo = seg_ptr[g] if g >= 0 else 0
            hi = seg_ptr[g + 1] if g >= 0 else 0
            nrow = hi - lo
            # a front reach over f rows, a back reach over b rows: cost less the prizes they cover
            front = np.zeros(nrow + 1)
            back = np.zeros(nrow + 1)
            acc = 0.0
            for k in range(1, nrow + 1):
                acc += pz[lo + k - 1]
                front[k] = 2.0 * depth[lo + k - 1] - acc
            acc = 0.0
            for k in range(1, nrow + 1):
                acc += pz[hi - k]
                back[k] = 2.0 * (h - depth[hi - k]) - acc
            for code in range(6):
                if code and not col_a[ci]:
                    break
                nxt = lag[ci, b + 1, tseg[b, code, s]]
                if code <= 2:
                    c = 0.0 if code == 0 else h + front[nrow] - (2.0 * depth[hi - 1] if nrow else 0.0)
                    if code == 2:
                        c += h
                    if c + nxt < best_v - 1e-9:
                        best_v = c + nxt
                        best_code, best_i, best_j = code, 0, 0
                    continue
                for fi in range(nrow + 1):
                    for bj in range(nrow + 1 - fi if code == 5 else 1):
                        if code == 3:
                            f_, b_, c = fi, 0, front[fi]
                        elif code == 4:
                            f_, b_, c = 0, fi, back[fi]
                        else:
                            f_, b_, c = fi, bj, front[fi] + back[bj]
                        if c + nxt < best_v - 1e-9:
                            best_v = c + nxt
                            best_code, best_i, best_j = code, f_, b_
            if best_code == 1 or best_code == 2:
                for k in range(lo, hi):
                    cov[k] = 1
            elif best_code >= 3:
                for k in range(lo, lo + best_i):
                    cov[k] = 1
                for k in range(hi - best_j, hi):
                    cov[k] = 1
            s = tseg[b, best_code, s]
        # close here, or move right
        if ci >= last_req and final[dep, s] and lag[ci, K, s] >= -1e-9:
            return cov
        if ci == ncol - 1:
            return cov
        dx = col_x[ci + 1] - col_x[ci]
        best_v = INF
        best_ns = -1
        for ns in range(n):
            for m in range(hor_ptr[dep, ns], hor_ptr[dep, ns + 1]):
                if hor_src[m] == s:
                    v = hor_edges[m] * dx + lag[ci + 1, 0, ns]
                    if v < best_v - 1e-9:
                        best_v = v
                        best_ns = ns
        if best_ns < 0:
            return cov
        s = best_ns
    return cov

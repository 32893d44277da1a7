"""Compiled kernels of the graph-layout TSP: Held-Karp and an iterated local search.

A tour is an int64 array of all nodes ``0..n-1`` with the depot ``0`` first;
the closing edge back to the depot is implicit. The distance matrix is the
symmetric shortest-path matrix of a graph layout. Functions are compiled on
first use and cached on disk (``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

EPS = 1e-9


@njit(cache=True)
def tour_length(d: np.ndarray, t: np.ndarray) -> float:
    """Closed length of tour ``t``: O(n)."""
    n = t.shape[0]
    total = 0.0
    for i in range(n - 1):
        total += d[t[i], t[i + 1]]
    return total + d[t[n - 1], t[0]]


@njit(cache=True)
def held_karp_table(d: np.ndarray) -> tuple[np.ndarray, float]:
    """Exact tour by the Held-Karp programme over stops ``1..n-1``: O(2^m m^2), m = n - 1."""
    n = d.shape[0]
    m = n - 1
    full = (1 << m) - 1
    cost = np.full((1 << m, m), np.inf)
    parent = np.full((1 << m, m), -1, dtype=np.int64)
    for j in range(m):
        cost[1 << j, j] = d[0, j + 1]
    for mask in range(1, full + 1):
        if mask & (mask - 1) == 0:
            continue
        for j in range(m):
            bit = 1 << j
            if not mask & bit:
                continue
            prev = mask ^ bit
            best = np.inf
            arg = -1
            for i in range(m):
                if prev & (1 << i):
                    c = cost[prev, i] + d[i + 1, j + 1]
                    if c < best:
                        best = c
                        arg = i
            cost[mask, j] = best
            parent[mask, j] = arg
    best = np.inf
    j = -1
    for k in range(m):
        c = cost[full, k] + d[k + 1, 0]
        if c < best:
            best = c
            j = k
    order = np.empty(m, dtype=np.int64)
    mask = full
    pos = m - 1
    while j >= 0:
        order[pos] = j + 1
        pos -= 1
        nxt = parent[mask, j]
        mask ^= 1 << j
        j = nxt
    return order, best


@njit(cache=True)
def nearest_neighbour(d: np.ndarray) -> np.ndarray:
    """Greedy tour from the depot, ties to the lower node: O(n^2)."""
    n = d.shape[0]
    t = np.empty(n, dtype=np.int64)
    used = np.zeros(n, dtype=np.bool_)
    t[0] = 0
    used[0] = True
    for k in range(1, n):
        last = t[k - 1]
        best = np.inf
        arg = -1
        for j in range(n):
            if not used[j] and d[last, j] < best:
                best = d[last, j]
                arg = j
        t[k] = arg
        used[arg] = True
    return t


@njit(cache=True)
def _two_opt_pass(d: np.ndarray, t: np.ndarray) -> bool:
    """One first-improvement sweep of 2-opt moves (segment reversals): O(n^2)."""
    n = t.shape[0]
    improved = False
    for i in range(n - 2):
        a = t[i]
        b = t[i + 1]
        dab = d[a, b]
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue
            c = t[j]
            e = t[(j + 1) % n]
            delta = d[a, c] + d[b, e] - dab - d[c, e]
            if delta < -EPS:
                lo = i + 1
                hi = j
                while lo < hi:
                    tmp = t[lo]
                    t[lo] = t[hi]
                    t[hi] = tmp
                    lo += 1
                    hi -= 1
                improved = True
                b = t[i + 1]
                dab = d[a, b]
    return improved


@njit(cache=True)
def _or_opt_pass(d: np.ndarray, t: np.ndarray, max_seg: int) -> bool:
    """One sweep of Or-opt moves: a run of 1..``max_seg`` stops moved elsewhere, either way round.

    O(n^2 max_seg) per sweep; the depot never moves.
    """
    n = t.shape[0]
    improved = False
    for seg in range(1, max_seg + 1):
        i = 1
        while i + seg - 1 <= n - 1:
            s0 = t[i]
            s1 = t[i + seg - 1]
            p = t[i - 1]
            q = t[(i + seg) % n]
            gain = d[p, s0] + d[s1, q] - d[p, q]
            best = -EPS
            best_k = -1
            best_rev = False
            for k in range(n):
                # insert between t[k] and t[k+1]; skip edges touching the run
                if k >= i - 1 and k <= i + seg - 1:
                    continue
                u = t[k]
                v = t[(k + 1) % n]
                duv = d[u, v]
                fwd = d[u, s0] + d[s1, v] - duv - gain
                if fwd < best:
                    best = fwd
                    best_k = k
                    best_rev = False
                rev = d[u, s1] + d[s0, v] - duv - gain
                if rev < best:
                    best = rev
                    best_k = k
                    best_rev = True
            if best_k >= 0:
                run = t[i: i + seg].copy()
                if best_rev:
                    run = run[::-1].copy()
                rest = np.empty(n - seg, dtype=np.int64)
                rest[:i] = t[:i]
                rest[i:] = t[i + seg:]
                u = t[best_k]
                pos = 0
                for r in range(n - seg):
                    if rest[r] == u:
                        pos = r
                        break
                t[: pos + 1] = rest[: pos + 1]
                t[pos + 1: pos + 1 + seg] = run
                t[pos + 1 + seg:] = rest[pos + 1:]
                improved = True
            else:
                i += 1
    return improved


@njit(cache=True)
def local_search(d: np.ndarray, t: np.ndarray) -> float:
    """2-opt and Or-opt (runs of 1-3) on ``t`` in place until neither improves; returns the length."""
    while True:
        a = _two_opt_pass(d, t)
        b = _or_opt_pass(d, t, 3)
        if not (a or b):
            break
    return tour_length(d, t)


@njit(cache=True)
def iterated_local_search(d: np.ndarray, start: np.ndarray, kicks: int, seed: int) -> tuple[np.ndarray, float]:
    """Local search, then ``kicks`` double-bridge perturbations each followed by local search.

    A kicked tour replaces the best when it is not longer (so plateaus are
    crossed). Deterministic for a given ``seed``. O(kicks * passes * n^2).
    """
    np.random.seed(seed)
    best = start.copy()
    best_len = local_search(d, best)
    n = best.shape[0]
    if n < 5:
        return best, best_len
    cur = best.copy()
    for _ in range(kicks):
        cur[:] = best
        # three cuts 1 <= p1 < p2 < p3 <= n-1 over the stops (the depot stays first)
        p1 = 1 + np.random.randint(0, n - 3)
        p2 = p1 + 1 + np.random.randint(0, n - p1 - 2)
        p3 = p2 + 1 + np.random.randint(0, n - p2 - 1)
        seg_a = best[p1:p2].copy()
        seg_b = best[p2:p3].copy()
        cur[p1: p1 + (p3 - p2)] = seg_b
        cur[p1 + (p3 - p2): p3] = seg_a
        length = local_search(d, cur)
        if length <= best_len + EPS:
            if length < best_len - EPS:
                best_len = length
            best[:] = cur
    return best, tour_length(d, best)


# --- branch and bound on the Held-Karp 1-tree bound ------------------------------------------
# Held & Karp (1970, 1971): the minimum 1-tree (a spanning tree on stops 1..n-1 plus the two
# cheapest depot edges) under node penalties pi is a lower bound on every tour; subgradient
# steps on pi tighten it. Branching after Volgenant & Jonker (1982) on a node of degree > 2.
# fix[i, j]: 0 free, 1 forced into the tour, -1 excluded.

BIG = 1e12


@njit(cache=True)
def _propagate(fix: np.ndarray) -> bool:
    """Degree rules on ``fix`` in place; False when no tour is left (O(n^2) per round)."""
    n = fix.shape[0]
    changed = True
    while changed:
        changed = False
        for i in range(n):
            forced = 0
            free = 0
            for j in range(n):
                if j != i:
                    if fix[i, j] == 1:
                        forced += 1
                    elif fix[i, j] == 0:
                        free += 1
            if forced > 2 or forced + free < 2:
                return False
            if free > 0 and (forced == 2 or forced + free == 2):
                val = -1 if forced == 2 else 1
                for j in range(n):
                    if j != i and fix[i, j] == 0:
                        fix[i, j] = val
                        fix[j, i] = val
                changed = True
    # forced edges must not close a cycle short of a full tour (union-find)
    root = np.arange(n)
    edges = 0
    for i in range(n):
        for j in range(i + 1, n):
            if fix[i, j] == 1:
                edges += 1
                a = i
                while root[a] != a:
                    a = root[a]
                b = j
                while root[b] != b:
                    b = root[b]
                if a == b:
                    if edges < n:
                        return False
                else:
                    root[a] = b
    return True


@njit(cache=True)
def _one_tree(d: np.ndarray, fix: np.ndarray, pi: np.ndarray, parent: np.ndarray, deg: np.ndarray,
              e0: np.ndarray) -> float:
    """Minimum 1-tree under penalties ``pi`` respecting ``fix``; its penalised value (inf: none).

    Prim's algorithm on stops 1..n-1 (forced edges first, by a -BIG key), then
    the two cheapest allowed depot edges. O(n^2).
    """
    n = d.shape[0]
    key = np.full(n, np.inf)
    in_tree = np.zeros(n, dtype=np.bool_)
    deg[:] = 0
    parent[:] = -1
    total = 0.0
    key[1] = 0.0
    for _ in range(n - 1):
        u = -1
        best = np.inf
        for v in range(1, n):
            if not in_tree[v] and key[v] < best:
                best = key[v]
                u = v
        if u < 0:
            return np.inf
        in_tree[u] = True
        p = parent[u]
        if p >= 0:
            total += d[u, p] + pi[u] + pi[p]
            deg[u] += 1
            deg[p] += 1
        for v in range(1, n):
            if not in_tree[v] and fix[u, v] >= 0:
                w = d[u, v] + pi[u] + pi[v]
                if fix[u, v] == 1:
                    w -= BIG
                if w < key[v]:
                    key[v] = w
                    parent[v] = u
    # two depot edges: forced ones, then the cheapest allowed
    e0[0] = -1
    e0[1] = -1
    k = 0
    for v in range(1, n):
        if fix[0, v] == 1:
            e0[k] = v
            k += 1
    while k < 2:
        best = np.inf
        arg = -1
        for v in range(1, n):
            if fix[0, v] == 0 and v != e0[0]:
                w = d[0, v] + pi[v]
                if w < best:
                    best = w
                    arg = v
        if arg < 0:
            return np.inf
        e0[k] = arg
        k += 1
    for k in range(2):
        v = e0[k]
        total += d[0, v] + pi[0] + pi[v]
        deg[0] += 1
        deg[v] += 1
    return total - 2.0 * pi.sum()


@njit(cache=True)
def _bound(d: np.ndarray, fix: np.ndarray, pi: np.ndarray, ub: float, cut: float, iters: int,
           parent: np.ndarray, deg: np.ndarray, e0: np.ndarray) -> tuple[float, bool]:
    """Subgradient ascent on ``pi`` (in place); the best bound, and whether its 1-tree is a tour.

    Stops early once the bound reaches ``cut`` (the node is pruned) or the
    1-tree is a tour. ``parent``, ``deg``, ``e0`` hold the 1-tree of the best bound.
    """
    n = d.shape[0]
    best = -np.inf
    best_pi = pi.copy()
    bp = parent.copy()
    bd = deg.copy()
    be = e0.copy()
    alpha = 2.0
    stall = 0
    period = max(5, n // 2)
    for _ in range(iters):
        val = _one_tree(d, fix, pi, parent, deg, e0)
        if val == np.inf:
            return np.inf, False
        if val > best + 1e-12:
            best = val
            best_pi[:] = pi
            bp[:] = parent
            bd[:] = deg
            be[:] = e0
            stall = 0
        else:
            stall += 1
            if stall >= period:
                alpha *= 0.5
                stall = 0
        norm = 0.0
        for i in range(n):
            norm += (deg[i] - 2) * (deg[i] - 2)
        if norm == 0:  # the 1-tree is a tour: its value is its length
            return val, True
        if best >= cut or alpha < 1e-4:
            break
        step = alpha * max(ub - val, 1e-9 * abs(ub) + 1e-12) / norm
        for i in range(n):
            pi[i] += step * (deg[i] - 2)
    pi[:] = best_pi
    parent[:] = bp
    deg[:] = bd
    e0[:] = be
    return best, False


@njit(cache=True)
def _tour_of_tree(parent: np.ndarray, e0: np.ndarray) -> np.ndarray:
    """The tour a 1-tree with every degree 2 is, from the depot."""
    n = parent.shape[0]
    adj = np.full((n, 2), -1, dtype=np.int64)
    for v in range(1, n):
        p = parent[v]
        if p >= 0:
            adj[v, 0 if adj[v, 0] < 0 else 1] = p
            adj[p, 0 if adj[p, 0] < 0 else 1] = v
    adj[0, 0] = e0[0]
    adj[0, 1] = e0[1]
    for k in range(2):
        v = e0[k]
        adj[v, 0 if adj[v, 0] < 0 else 1] = 0
    t = np.empty(n, dtype=np.int64)
    t[0] = 0
    prev = 0
    cur = e0[0]
    for k in range(1, n):
        t[k] = cur
        nxt = adj[cur, 0] if adj[cur, 0] != prev else adj[cur, 1]
        prev = cur
        cur = nxt
    return t


@njit(cache=True)
def _eliminate(d: np.ndarray, fix: np.ndarray, pi: np.ndarray, parent: np.ndarray, e0: np.ndarray,
               lb: float, cut: float) -> bool:
    """Exclude every free edge whose forced inclusion lifts the 1-tree bound to ``cut`` (in place).

    A stop-stop edge outside the 1-tree replaces the dearest free edge on the
    tree path between its ends; a depot edge replaces the dearer free depot
    edge (Volgenant & Jonker's reduced-cost test). O(n^2). True when any went.
    """
    n = d.shape[0]
    # tree adjacency over stops 1..n-1
    head = np.full(n, -1, dtype=np.int64)
    nxt = np.full(2 * n, -1, dtype=np.int64)
    to = np.empty(2 * n, dtype=np.int64)
    m = 0
    for v in range(1, n):
        p = parent[v]
        if p >= 1:
            to[m] = p
            nxt[m] = head[v]
            head[v] = m
            m += 1
            to[m] = v
            nxt[m] = head[p]
            head[p] = m
            m += 1
    changed = False
    best = np.empty(n)
    stack = np.empty(n, dtype=np.int64)
    seen = np.zeros(n, dtype=np.bool_)
    for src in range(1, n):
        # the dearest free tree edge on the path from src to every stop (-inf: none)
        seen[:] = False
        best[src] = -np.inf
        seen[src] = True
        top = 0
        stack[top] = src
        top += 1
        while top > 0:
            top -= 1
            u = stack[top]
            e = head[u]
            while e >= 0:
                v = to[e]
                if not seen[v]:
                    seen[v] = True
                    w = -np.inf if fix[u, v] == 1 else d[u, v] + pi[u] + pi[v]
                    best[v] = max(best[u], w)
                    stack[top] = v
                    top += 1
                e = nxt[e]
        for v in range(src + 1, n):
            if fix[src, v] != 0 or parent[v] == src or parent[src] == v or best[v] == -np.inf:
                continue
            if lb + d[src, v] + pi[src] + pi[v] - best[v] >= cut:
                fix[src, v] = -1
                fix[v, src] = -1
                changed = True
    # depot edges
    worst = -np.inf
    for k in range(2):
        v = e0[k]
        if fix[0, v] == 0:
            worst = max(worst, d[0, v] + pi[0] + pi[v])
    if worst > -np.inf:
        for v in range(1, n):
            if fix[0, v] == 0 and v != e0[0] and v != e0[1] and lb + d[0, v] + pi[0] + pi[v] - worst >= cut:
                fix[0, v] = -1
                fix[v, 0] = -1
                changed = True
    return changed


@njit(cache=True)
def branch_and_bound(d: np.ndarray, tour: np.ndarray, ub: float, grain: float, node_budget: int,
                     stack_fix: np.ndarray, stack_pi: np.ndarray, top: int) -> tuple[float, float, int, int, bool]:
    """Depth-first branch and bound from the open nodes ``stack_fix[:top]``/``stack_pi[:top]`` (in place).

    ``tour`` (length ``ub``) is replaced by any shorter tour found. ``grain``:
    every tour length is a multiple of it (0.0 when unknown), so a node whose
    bound exceeds ``ub - grain`` holds no shorter tour. Runs at most
    ``node_budget`` nodes, and stops when the stacks have no room for three
    more nodes; the caller resumes with the same (or grown) stacks.

    Returns ``(ub, bound of the first node of this call, nodes, top, lost)``:
    when the call starts from the root that bound is a lower bound on every
    tour; the search is finished when ``top == 0`` and not ``lost``.
    """
    n = d.shape[0]
    parent = np.empty(n, dtype=np.int64)
    deg = np.empty(n, dtype=np.int64)
    e0 = np.empty(2, dtype=np.int64)
    nodes = 0
    first_lb = -np.inf
    lost = False
    cap = stack_fix.shape[0]
    while top > 0 and nodes < node_budget and top + 3 <= cap:
        top -= 1
        fix = stack_fix[top].copy()
        pi = stack_pi[top].copy()
        nodes += 1
        tol = 1e-9 * max(1.0, abs(ub))
        cut = ub - grain + tol if grain > 0 else ub - tol
        iters = 30 + 3 * n if nodes > 1 or top > 0 else 100 + 10 * n
        lb, is_tour = _bound(d, fix, pi, ub, cut, iters, parent, deg, e0)
        if nodes == 1:
            first_lb = lb
        if lb == np.inf:
            continue
        if is_tour:
            if lb < ub - tol:
                t = _tour_of_tree(parent, e0)
                length = tour_length(d, t)
                if length < ub:
                    ub = length
                    tour[:] = t
            continue
        if lb >= cut:
            continue
        # edges whose inclusion would lift the bound past the cut cannot be in a better tour
        if _eliminate(d, fix, pi, parent, e0, lb, cut):
            # fewer free edges: bound the node again (its 1-tree may have changed) before branching
            if _propagate(fix):
                stack_fix[top] = fix
                stack_pi[top] = pi
                top += 1
            continue
        # branch on the stop of highest 1-tree degree (Volgenant & Jonker's three-way split)
        r = -1
        rd = 2
        for v in range(n):
            if deg[v] > rd:
                rd = deg[v]
                r = v
        nb = np.empty(n, dtype=np.int64)
        k = 0
        for v in range(n):
            if v == r:
                continue
            in_t = (v >= 1 and r >= 1 and (parent[v] == r or parent[r] == v)) or \
                (r == 0 and (e0[0] == v or e0[1] == v)) or (v == 0 and (e0[0] == r or e0[1] == r))
            if in_t and fix[r, v] == 0:
                nb[k] = v
                k += 1
        # the dearest free tree edges at r first (penalised cost): excluding them raises the bound most
        for x in range(1, k):
            y = x
            while y > 0 and d[r, nb[y]] + pi[nb[y]] > d[r, nb[y - 1]] + pi[nb[y - 1]]:
                tmp = nb[y]
                nb[y] = nb[y - 1]
                nb[y - 1] = tmp
                y -= 1
        forced = 0
        for v in range(n):
            if v != r and fix[r, v] == 1:
                forced += 1
        if k == 0:  # cannot happen with propagated fixes (r would have degree 2): no proof then
            lost = True
            continue
        a = nb[0]
        children = []
        c1 = fix.copy()
        c1[r, a] = -1
        c1[a, r] = -1
        children.append(c1)
        if forced == 1 or k == 1:
            c2 = fix.copy()
            c2[r, a] = 1
            c2[a, r] = 1
            children.append(c2)
        else:
            b = nb[1]
            c2 = fix.copy()
            c2[r, a] = 1
            c2[a, r] = 1
            c2[r, b] = -1
            c2[b, r] = -1
            children.append(c2)
            c3 = fix.copy()
            c3[r, a] = 1
            c3[a, r] = 1
            c3[r, b] = 1
            c3[b, r] = 1
            children.append(c3)
        for ci in range(len(children) - 1, -1, -1):
            c = children[ci]
            if _propagate(c):
                stack_fix[top] = c
                stack_pi[top] = pi
                top += 1
    return ub, first_lb, nodes, top, lost


# --- local search with neighbour lists and don't-look bits ------------------------------------
# The same 2-opt and Or-opt moves as above, but a stop only looks at its K nearest stops and
# only stops next to a changed edge are looked at again (Bentley 1992), so a kick of the
# iterated local search costs about K * (stops touched) steps instead of O(n^2).


@njit(cache=True)
def neighbour_lists(d: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` nearest other nodes of every node, nearest first: O(n^2 log n)."""
    n = d.shape[0]
    k = min(k, n - 1)
    out = np.empty((n, k), dtype=np.int64)
    for i in range(n):
        order = np.argsort(d[i])
        m = 0
        for j in order:
            if j != i:
                out[i, m] = j
                m += 1
                if m == k:
                    break
    return out


@njit(cache=True)
def _reverse_path(t: np.ndarray, pos: np.ndarray, u: int, v: int) -> None:
    """Reverse the path from ``u`` forward to ``v``; the complement instead if it holds the depot slot."""
    n = t.shape[0]
    i = pos[u]
    j = pos[v]
    if i == 0 or i > j:  # the path holds slot 0: reverse succ(v)..pred(u) instead
        i = j + 1
        j = (pos[u] - 1) % n
        if i > j:
            return
    while i < j:
        a = t[i]
        b = t[j]
        t[i] = b
        t[j] = a
        pos[b] = i
        pos[a] = j
        i += 1
        j -= 1


@njit(cache=True)
def _move_run(t: np.ndarray, pos: np.ndarray, start: int, length: int, u: int, rev: bool) -> None:
    """Move the run of ``length`` stops from slot ``start`` to just after stop ``u``."""
    n = t.shape[0]
    run = t[start: start + length].copy()
    if rev:
        run = run[::-1].copy()
    new = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        if start <= i < start + length:
            continue
        new[m] = t[i]
        m += 1
        if t[i] == u:
            for x in run:
                new[m] = x
                m += 1
    for i in range(n):
        t[i] = new[i]
        pos[new[i]] = i


@njit(cache=True)
def _improve_node(d: np.ndarray, nbr: np.ndarray, t: np.ndarray, pos: np.ndarray, a: int,
                  touched: np.ndarray) -> int:
    """Try 2-opt and Or-opt moves around stop ``a``; apply the first improving one.

    Returns how many nodes it wrote into ``touched`` (0: no improving move).
    """
    n = t.shape[0]
    k = nbr.shape[1]
    # 2-opt, both tour directions
    for direction in range(2):
        b = t[(pos[a] + 1) % n] if direction == 0 else t[(pos[a] - 1) % n]
        dab = d[a, b]
        for x in range(k):
            c = nbr[a, x]
            g1 = dab - d[a, c]
            if g1 <= EPS:
                break
            e = t[(pos[c] + 1) % n] if direction == 0 else t[(pos[c] - 1) % n]
            if c == b or e == a:
                continue
            if g1 + d[c, e] - d[b, e] > EPS:
                if direction == 0:  # a b ... c e -> a c ... b e
                    _reverse_path(t, pos, b, c)
                else:  # e c ... b a -> e b ... c a
                    _reverse_path(t, pos, c, b)
                touched[0] = a
                touched[1] = b
                touched[2] = c
                touched[3] = e
                return 4
    # Or-opt: the run of 1-3 stops starting at a, moved next to a neighbour of its ends
    i = pos[a]
    if i == 0:
        return 0
    for length in range(1, 4):
        if i + length - 1 > n - 1:
            break
        s1 = a
        s2 = t[i + length - 1]
        p = t[i - 1]
        q = t[(i + length) % n]
        gain = d[p, s1] + d[s2, q] - d[p, q]
        if gain <= EPS:
            continue
        for end in range(2):
            s = s1 if end == 0 else s2
            for x in range(k):
                c = nbr[s, x]
                if d[s, c] >= gain:
                    break
                pc = pos[c]
                if i <= pc < i + length:
                    continue
                for side in range(2):
                    u = c if side == 0 else t[(pc - 1) % n]
                    v = t[(pos[u] + 1) % n]
                    if i <= pos[u] < i + length or i <= pos[v] < i + length:
                        continue
                    duv = d[u, v]
                    fwd = gain - (d[u, s1] + d[s2, v] - duv)
                    rev = gain - (d[u, s2] + d[s1, v] - duv)
                    if fwd > EPS or rev > EPS:
                        _move_run(t, pos, i, length, u, rev > fwd)
                        touched[0] = p
                        touched[1] = q
                        touched[2] = u
                        touched[3] = v
                        touched[4] = s1
                        touched[5] = s2
                        return 6
    return 0


@njit(cache=True)
def _dlb_search(d: np.ndarray, nbr: np.ndarray, t: np.ndarray, pos: np.ndarray, queue: np.ndarray,
                active: np.ndarray, qlen: int) -> None:
    """Local search from the active stops in ``queue[:qlen]`` until none improves."""
    touched = np.empty(6, dtype=np.int64)
    while qlen > 0:
        qlen -= 1
        a = queue[qlen]
        active[a] = False
        m = _improve_node(d, nbr, t, pos, a, touched)
        if m:
            for r in range(-1, m):
                v = a if r < 0 else touched[r]
                if not active[v]:
                    active[v] = True
                    queue[qlen] = v
                    qlen += 1


@njit(cache=True)
def fast_ils(d: np.ndarray, start: np.ndarray, kicks: int, seed: int, k: int) -> tuple[np.ndarray, float]:
    """Iterated local search with ``k`` neighbours per stop and don't-look bits.

    Each kick is a double bridge whose three cuts lie within a window of at
    most 30 slots (a local kick keeps the repair cheap); a kicked tour
    replaces the best when it is not longer. Finished by the full-scan
    :func:`local_search`, so the tour is a local optimum of the complete
    2-opt and Or-opt neighbourhoods. Deterministic for a given ``seed``.
    """
    np.random.seed(seed)
    n = start.shape[0]
    nbr = neighbour_lists(d, k)
    best = start.copy()
    pos = np.empty(n, dtype=np.int64)
    for i in range(n):
        pos[best[i]] = i
    queue = np.empty(n, dtype=np.int64)
    active = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        queue[i] = best[n - 1 - i]
        active[best[n - 1 - i]] = True
    _dlb_search(d, nbr, best, pos, queue, active, n)
    best_len = tour_length(d, best)
    if n >= 8:
        cur = best.copy()
        cpos = pos.copy()
        for _ in range(kicks):
            cur[:] = best
            cpos[:] = pos
            span = min(n - 1, 30)
            p1 = 1 + np.random.randint(0, n - 3)
            hi = min(n - 1, p1 + span)
            if hi - p1 < 3:
                p1 = max(1, hi - 3)
            p2 = p1 + 1 + np.random.randint(0, hi - p1 - 2)
            p3 = p2 + 1 + np.random.randint(0, hi - p2 - 1)
            seg_a = best[p1:p2].copy()
            seg_b = best[p2:p3].copy()
            cur[p1: p1 + (p3 - p2)] = seg_b
            cur[p1 + (p3 - p2): p3] = seg_a
            for i in range(p1, p3):
                cpos[cur[i]] = i
            qlen = 0
            for slot in (p1 - 1, p1, p1 + (p3 - p2) - 1, p1 + (p3 - p2), p3 - 1, p3 % n):
                v = cur[slot]
                if not active[v]:
                    active[v] = True
                    queue[qlen] = v
                    qlen += 1
            _dlb_search(d, nbr, cur, cpos, queue, active, qlen)
            length = tour_length(d, cur)
            if length <= best_len + EPS:
                if length < best_len - EPS:
                    best_len = length
                best[:] = cur
                pos[:] = cpos
    local_search(d, best)
    return best, tour_length(d, best)

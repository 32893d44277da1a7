"""Compiled separation of the symmetric TSP's cutting planes, for :mod:`engine.routing.branch_cut`.

An LP point is a dense symmetric matrix ``w`` of edge values (``w[i, j]`` the
value of edge ``{i, j}``, zero diagonal). A cut is a node mask ``S`` (and, for a
blossom, a list of tooth edges): the subtour row ``x(E(S)) <= |S| - 1`` or the
blossom row ``x(E(H)) + x(T) <= |H| + (|T| - 1) / 2``.
Functions are compiled on first use and cached on disk (``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: The classic fractional 2-matching: triangles 0-1-2 and 3-4-5 at 1/2, joined by 0-3, 1-4, 2-5 at 1.
#: Its only violated row is the blossom with handle {0, 1, 2} (or {3, 4, 5}) and those three teeth.
PRISM = np.zeros((6, 6))
for _a, _b, _v in ((0, 1, 0.5), (1, 2, 0.5), (0, 2, 0.5), (3, 4, 0.5), (4, 5, 0.5), (3, 5, 0.5),
                   (0, 3, 1.0), (1, 4, 1.0), (2, 5, 1.0)):
    PRISM[_a, _b] = PRISM[_b, _a] = _v


@njit(cache=True)
def components(w: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, int]:
    """Connected components of the graph of edges with ``lo < w[i, j] < hi``: labels and count. O(n^2)."""
    n = w.shape[0]
    label = np.full(n, -1, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    count = 0
    for s in range(n):
        if label[s] >= 0:
            continue
        label[s] = count
        top = 0
        stack[top] = s
        top += 1
        while top > 0:
            top -= 1
            u = stack[top]
            for v in range(n):
                if label[v] < 0 and lo < w[u, v] < hi:
                    label[v] = count
                    stack[top] = v
                    top += 1
        count += 1
    return label, count


@njit(cache=True)
def min_cut_phases(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stoer & Wagner's minimum cut: the cut of every phase, its value and its shore (one side).

    The smallest value is the global minimum cut of ``w`` (Stoer & Wagner 1997);
    the other phases' cuts are further candidates, each a real cut of the graph.
    Returns ``values`` (n-1) and ``shores`` (n-1, n) boolean. O(n^3).
    """
    n = w.shape[0]
    a = w.copy()
    group = np.arange(n)  # the super-node each node is merged into
    alive = np.ones(n, dtype=np.bool_)
    values = np.empty(n - 1)
    shores = np.zeros((n - 1, n), dtype=np.bool_)
    conn = np.empty(n)
    added = np.empty(n, dtype=np.bool_)
    for phase in range(n - 1):
        conn[:] = 0.0
        added[:] = False
        first = -1
        for v in range(n):
            if alive[v]:
                first = v
                break
        added[first] = True
        for v in range(n):
            if alive[v]:
                conn[v] = a[first, v]
        prev = first
        last = first
        left = n - phase - 1
        for _ in range(left):
            best = -1.0
            nxt = -1
            for v in range(n):
                if alive[v] and not added[v] and conn[v] > best:
                    best = conn[v]
                    nxt = v
            added[nxt] = True
            prev = last
            last = nxt
            for v in range(n):
                if alive[v] and not added[v]:
                    conn[v] += a[nxt, v]
        values[phase] = conn[last]
        for v in range(n):
            shores[phase, v] = group[v] == last
        # merge last into prev
        for v in range(n):
            if group[v] == last:
                group[v] = prev
        for v in range(n):
            a[prev, v] += a[last, v]
            a[v, prev] = a[prev, v]
        a[prev, prev] = 0.0
        alive[last] = False
    return values, shores


@njit(cache=True)
def blossoms(w: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Violated blossoms by Padberg & Hong's heuristic: handles are components of the fractional edges.

    For each connected component ``H`` of the edges with ``eps < x < 1 - eps``,
    the teeth are the edges with ``x >= 1 - eps`` leaving ``H``; when they are
    an odd number (3 or more) of disjoint edges and the blossom row is violated
    by more than ``eps``, it is returned. Returns ``handles`` (k, n) boolean,
    ``teeth`` (k, n, 2) node pairs (-1 padded) and ``violation`` (k). O(n^2).
    """
    n = w.shape[0]
    label, count = components(w, eps, 1.0 - eps)
    handles = np.zeros((count, n), dtype=np.bool_)
    teeth = np.full((count, n, 2), -1, dtype=np.int64)
    viol = np.zeros(count)
    k = 0
    used = np.zeros(n, dtype=np.bool_)
    for c in range(count):
        size = 0
        for v in range(n):
            if label[v] == c:
                size += 1
        if size < 3:
            continue
        used[:] = False
        m = 0
        ok = True
        inside = 0.0
        tooth_sum = 0.0
        for u in range(n):
            if label[u] != c:
                continue
            for v in range(n):
                if v == u:
                    continue
                if label[v] == c:
                    if v > u:
                        inside += w[u, v]
                elif w[u, v] >= 1.0 - eps:
                    if used[u] or used[v]:
                        ok = False
                    used[u] = True
                    used[v] = True
                    teeth[k, m, 0] = u
                    teeth[k, m, 1] = v
                    tooth_sum += w[u, v]
                    m += 1
        if not ok or m < 3 or m % 2 == 0:
            teeth[k, :, :] = -1
            continue
        v_ = inside + tooth_sum - (size + (m - 1) / 2.0)
        if v_ > eps:
            for v in range(n):
                handles[k, v] = label[v] == c
            viol[k] = v_
            k += 1
        else:
            teeth[k, :, :] = -1
    return handles[:k], teeth[:k], viol[:k]

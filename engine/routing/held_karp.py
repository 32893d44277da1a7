"""Held-Karp: exact travelling-salesman tours over a distance matrix, for few stops.

Works on any layout (it only needs shortest-path distances), so it is both the
proven solver for short lists on graph layouts and the independent check of
the aisle DP in the tests. O(2^n n^2) time and O(2^n n) memory in the number of
stops ``n``; vectorised over the predecessor with numpy.
"""

from __future__ import annotations

import numpy as np

MAX_STOPS = 16  # 2^16 * 16 floats: about 8 MB of table


def held_karp(dist: np.ndarray) -> tuple[tuple[int, ...], float]:
    """An optimal closed tour from node 0 through every other node of ``dist``.

    Parameters
    ----------
    dist
        Square matrix of shortest-path distances; node 0 is the depot.

    Returns
    -------
    The visiting order of nodes ``1..n-1`` (depot excluded) and the tour length.

    Examples
    --------
    >>> d = np.array([[0, 1, 5], [1, 0, 1], [5, 1, 0]], dtype=float)
    >>> held_karp(d)
    ((2, 1), 7.0)
    """
    size = dist.shape[0]
    n = size - 1
    if n == 0:
        return (), 0.0
    if n > MAX_STOPS:
        raise ValueError(f"Held-Karp is limited to {MAX_STOPS} stops, got {n}")
    d = np.asarray(dist, dtype=np.float64)[1:, 1:]
    full = (1 << n) - 1
    # cost[mask, j]: shortest path from the depot through the stops of mask, ending at j
    cost = np.full((1 << n, n), np.inf)
    parent = np.full((1 << n, n), -1, dtype=np.int64)
    for j in range(n):
        cost[1 << j, j] = dist[0, j + 1]
    bits = [1 << j for j in range(n)]
    for mask in range(1, full + 1):
        if mask & (mask - 1) == 0:
            continue
        ends = [j for j in range(n) if mask & bits[j]]
        prev = np.array([mask ^ bits[j] for j in ends])
        # rows: ends j; cols: predecessor i
        cand = cost[prev, :] + d[:, ends].T
        arg = cand.argmin(axis=1)
        cost[mask, ends] = cand[np.arange(len(ends)), arg]
        parent[mask, ends] = arg
    total = cost[full, :] + dist[1:, 0]
    j = int(total.argmin())
    length = float(total[j])
    order = []
    mask = full
    while j >= 0:
        order.append(j + 1)
        mask, j = mask ^ bits[j], int(parent[mask, j])
    return tuple(reversed(order)), length

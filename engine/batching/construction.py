"""Start heuristics for order batching (de Koster, van der Poort & Wolters 1999).

- :func:`first_come` fills carts in release order (next fit): the practice baseline.
- :func:`seed_batches` opens a batch with the item touching the most keys
  (aisles) and adds the item needing the fewest extra keys: no route evaluation.
- :func:`savings_batches` is Clarke & Wright's savings algorithm as used for
  batching (the "CW(i)" variant of de Koster et al.): pair savings
  ``s(i, j) = c(i) + c(j) - c(i + j)`` from exact route lengths, merged in
  decreasing order while the merged batch fits a cart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from engine.batching.problem import BatchingProblem, RouteCache

EPS = 1e-9
#: Items counted per shared key when pairing neighbours (a popular aisle may hold thousands).
KEY_FANOUT = 1000
#: Savings trips scored per compiled call (and between two looks at the clock).
CHUNK = 64


def _fits(problem: BatchingProblem, count: int, w: float, v: float) -> bool:
    """``count`` totes (:meth:`BatchingProblem.tote_count`) of weight ``w`` and volume ``v`` fit a cart."""
    cart = problem.cart
    return count <= cart.totes and w <= cart.max_weight_kg + EPS and v <= cart.max_volume_l + EPS


def first_come(problem: BatchingProblem, order: Sequence[int] | None = None) -> list[list[int]]:
    """Next-fit batching in ``order`` (default: item index order). O(n).

    >>> from engine.model import CartSpec
    >>> p = BatchingProblem.build([(0,), (1,), (2,)], [(), (), ()], [1, 1, 1], [1, 1, 1], CartSpec(totes=2))
    >>> first_come(p)
    [[0, 1], [2]]
    """
    batches: list[list[int]] = []
    w = v = 0.0
    totes = 0
    for i in range(problem.n) if order is None else order:
        wi, vi, ti = float(problem.weight_kg[i]), float(problem.volume_l[i]), problem.tote_count((i,))
        if not batches or not _fits(problem, totes + ti, w + wi, v + vi):
            batches.append([])
            w = v = 0.0
            totes = 0
        batches[-1].append(i)
        w += wi
        v += vi
        totes += ti
    return batches


def seed_batches(problem: BatchingProblem) -> list[list[int]]:
    """Seed algorithm: seed = unbatched item with most keys; add the item adding fewest new keys.

    Ties go to the item sharing most keys, then the lowest index. O(n^2) key
    comparisons in the worst case, but candidates come from a key index, so it
    is near-linear when items are spread over many aisles.
    """
    left = set(range(problem.n))
    by_key: dict[int, set[int]] = {}
    for i, keys in enumerate(problem.keys):
        for k in keys:
            by_key.setdefault(k, set()).add(i)
    order = sorted(left, key=lambda i: (-len(problem.keys[i]), i))
    batches: list[list[int]] = []
    for seed in order:
        if seed not in left:
            continue
        batch, bkeys = [seed], set(problem.keys[seed])
        left.discard(seed)
        for k in problem.keys[seed]:
            by_key[k].discard(seed)
        w, v = float(problem.weight_kg[seed]), float(problem.volume_l[seed])
        while problem.tote_count(batch) < problem.cart.totes:
            shared: Counter[int] = Counter()
            for k in bkeys:
                shared.update(by_key.get(k, ()))
            pool = list(shared) if shared else sorted(left)[:64]
            best, best_key = -1, (np.inf, 0, 0)
            for i in pool:
                if not _fits(problem, problem.tote_count((*batch, i)), w + problem.weight_kg[i],
                             v + problem.volume_l[i]):
                    continue
                key = (len(problem.keys[i] - bkeys), -shared.get(i, 0), i)
                if key < best_key:
                    best, best_key = i, key
            if best < 0:
                break
            batch.append(best)
            bkeys |= problem.keys[best]
            left.discard(best)
            for k in problem.keys[best]:
                by_key[k].discard(best)
            w += float(problem.weight_kg[best])
            v += float(problem.volume_l[best])
        batches.append(batch)
    return batches


def neighbour_pairs(problem: BatchingProblem, k: int, by_rank: bool = False) -> list[tuple[int, int]]:
    """For each item the ``k`` items with the highest key Jaccard similarity; unique pairs.

    Items sharing no key are never paired (their saving is rarely positive on
    aisle layouts). Equal similarities go to the nearest item: by centroid
    distance when the problem has centroids, else by release rank; then to the
    lower index. The tie-break matters: when many items share the same keys
    (single-line orders, or order parts split by zone, all in one aisle) a
    lowest-index tie-break would give every item the same few partners, which
    fill one cart and leave the rest unpaired. Deterministic. Sorted by pair,
    or with ``by_rank`` by the neighbour's rank first (every item's nearest
    neighbour, then every second nearest, ...).

    A key shared by very many items (a popular aisle) is sampled: only the
    :data:`KEY_FANOUT` items nearest in index are counted for it, so that the
    cost stays O(n * KEY_FANOUT) instead of O(n^2) on big waves.
    """
    by_key: dict[int, list[int]] = {}
    for i, keys in enumerate(problem.keys):
        for key in keys:
            by_key.setdefault(key, []).append(i)
    lists = {key: np.asarray(m, dtype=np.int64) for key, m in by_key.items()}
    nkeys = np.array([len(keys) for keys in problem.keys], dtype=np.float64)
    cent = problem.centroid
    rank: dict[tuple[int, int], int] = {}
    for i, keys in enumerate(problem.keys):
        windows = []
        for key in keys:
            members = lists[key]
            if members.shape[0] > KEY_FANOUT:
                at = int(np.searchsorted(members, i))
                lo = max(0, min(at - KEY_FANOUT // 2, members.shape[0] - KEY_FANOUT))
                members = members[lo: lo + KEY_FANOUT]
            windows.append(members)
        if not windows:
            continue
        ids, shared = np.unique(np.concatenate(windows), return_counts=True)
        keep = ids != i
        ids, shared = ids[keep], shared[keep].astype(np.float64)
        if not ids.shape[0]:
            continue
        similarity = shared / (nkeys[i] + nkeys[ids] - shared)  # Jaccard of the key sets
        # then the nearest: by plan position when known, else by release rank
        near = ((cent[ids] - cent[i]) ** 2).sum(axis=1) if cent is not None else np.abs(ids - i)
        for r, j in enumerate(ids[np.lexsort((ids, near, -similarity))[:k]].tolist()):
            pair = (min(i, j), max(i, j))
            rank[pair] = min(r, rank.get(pair, r))
    if by_rank:
        return sorted(rank, key=lambda pq: (rank[pq], pq))
    return sorted(rank)


def aisle_sweep(problem: BatchingProblem, batches: Sequence[Sequence[int]]) -> list[list[int]]:
    """Next-fit merge of batches in the order of their smallest key (aisle): no route evaluation.

    Full batches stay as they are; the others are visited by ``(smallest key,
    largest key, first item)`` and merged into the open one while it fits. O(n log n).

    >>> from engine.model import CartSpec
    >>> p = BatchingProblem.build([(0,), (1,), (2,)], [(5,), (1,), (4,)], [1, 1, 1], [1, 1, 1], CartSpec(totes=2))
    >>> aisle_sweep(p, [[0], [1], [2]])
    [[1, 2], [0]]
    """
    def span(b: Sequence[int]) -> tuple[int, int, int]:
        keys = [k for i in b for k in problem.keys[i]] or [0]
        return (min(keys), max(keys), min(b))

    full = [list(b) for b in batches if problem.tote_count(b) >= problem.cart.totes]
    out: list[list[int]] = []
    w = v = 0.0
    for b in sorted((list(b) for b in batches if len(b) > 0 and problem.tote_count(b) < problem.cart.totes),
                    key=span):
        bw = float(sum(problem.weight_kg[i] for i in b))
        bv = float(sum(problem.volume_l[i] for i in b))
        if out and _fits(problem, problem.tote_count(out[-1]) + problem.tote_count(b), w + bw, v + bv):
            out[-1].extend(b)
            w, v = w + bw, v + bv
        else:
            out.append(list(b))
            w, v = bw, bv
    return full + [sorted(b) for b in out]


def savings_batches(
    problem: BatchingProblem, cache: RouteCache, neighbours: int, stop: Callable[[], bool] | None = None
) -> list[list[int]]:
    """Clarke-Wright savings batching (CW(i)) on the ``neighbours`` best pairs per item.

    Route evaluations: ``n`` singles plus one per candidate pair (``<= n * k``).
    Two batches merge when a pair joining them has the next-largest positive
    saving and the union fits a cart.

    ``stop`` (asked every :data:`CHUNK` evaluations, each chunk scored in one
    call) ends the scoring early on a big wave:
    pairs are scored nearest neighbour first for every item, then second
    nearest, and so on, so that an early stop still has each item's best pair;
    the merge uses the pairs scored. :func:`aisle_sweep` then fills the
    batches left part-empty (with ``k`` neighbours per item, many items in one
    aisle leave some carts part-full once their partners' carts are full).
    """
    n = problem.n
    stopped = False
    single: list[float] = []
    points = problem.points
    for lo in range(0, n, CHUNK):  # CHUNK trips scored in one call between two looks at the clock
        if stop is not None and stop():
            stopped = True
            break
        single.extend(cache.lengths([frozenset(points[i]) for i in range(lo, min(n, lo + CHUNK))]))
    scored: list[tuple[float, int, int]] = []
    pairs = [] if stopped else neighbour_pairs(problem, neighbours, by_rank=stop is not None)
    for lo in range(0, len(pairs), CHUNK):
        if stop is not None and stop():
            break
        chunk = pairs[lo: lo + CHUNK]
        joint = cache.lengths([frozenset(points[i] + points[j]) for i, j in chunk])
        for (i, j), c in zip(chunk, joint, strict=True):
            s = single[i] + single[j] - c
            if s > EPS:
                scored.append((-s, i, j))
    scored.sort()
    batch_of = list(range(n))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    weight = {i: float(problem.weight_kg[i]) for i in range(n)}
    volume = {i: float(problem.volume_l[i]) for i in range(n)}
    for _, i, j in scored:
        a, b = batch_of[i], batch_of[j]
        if a == b or not _fits(problem, problem.tote_count(members[a]) + problem.tote_count(members[b]),
                               weight[a] + weight[b], volume[a] + volume[b]):
            continue
        if a > b:
            a, b = b, a
        for x in members[b]:
            batch_of[x] = a
        members[a].extend(members.pop(b))
        weight[a] += weight.pop(b)
        volume[a] += volume.pop(b)
    out = [sorted(m) for _, m in sorted(members.items())]
    # Carts left part-full (their items' few neighbour pairs all went to other carts, or the
    # scoring stopped early) are merged along the aisles: joining two trips never walks further.
    return sorted(aisle_sweep(problem, out))

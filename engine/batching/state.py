"""The mutable search state of the batching solvers: who is in which batch.

Each batch keeps a count per point (so that removing an item drops exactly
the points no other item of the batch needs), its load, and its cost from the
shared :class:`RouteCache`. An index from key to batches finds the batches
that share aisles with an item in time proportional to those batches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from engine.batching.problem import BatchingProblem, RouteCache
from engine.batching.setpart import TripPool

EPS = 1e-9
#: Largest number of distinct keys for the dense batch x key counts (aisle keys always are).
DENSE_KEYS = 512


class BatchState:
    """Items assigned to batches; every operation keeps costs and indexes exact."""

    def __init__(self, problem: BatchingProblem, cache: RouteCache, batches: Sequence[Sequence[int]]) -> None:
        self.p = problem
        self.cache = cache
        self.batch_of = np.full(problem.n, -1, dtype=np.int64)
        self.members: list[set[int]] = []
        self.pcount: list[Counter[int]] = []
        self.weight: list[float] = []
        self.volume: list[float] = []
        self.cost: list[float] = []
        self.key_batches: dict[int, Counter[int]] = {}
        self.free: list[int] = []
        self.total = 0.0
        #: Where every feasible trip scored by an insertion is kept (the set-partitioning pool), if anywhere.
        self.seen: TripPool | None = None
        self._w: list[float] = problem.weight_kg.tolist()
        self._v: list[float] = problem.volume_l.tolist()
        self._unique = all(len(set(p)) == len(p) for p in problem.points)  # no point twice in an item
        # Few distinct keys (aisles): a batch x key count matrix ranks candidates in one numpy call.
        distinct = sorted({k for keys in problem.keys for k in keys})
        self._dense = len(distinct) <= DENSE_KEYS
        column = {k: c for c, k in enumerate(distinct)}
        self._cols = [np.array(sorted(column[k] for k in keys), dtype=np.int64) for keys in problem.keys]
        self._kcount = np.zeros((16, len(distinct)), dtype=np.int32)
        for items in batches:
            b = self.new_batch()
            for i in items:
                self._add(i, b)
            self._set_cost(b)  # one route evaluation per batch, not one per item

    # --- structure ------------------------------------------------------------------
    def new_batch(self) -> int:
        """An empty batch slot (reused when one is free)."""
        if self.free:
            return self.free.pop()
        if len(self.members) == self._kcount.shape[0]:
            self._kcount = np.concatenate([self._kcount, np.zeros_like(self._kcount)])
        self.members.append(set())
        self.pcount.append(Counter())
        self.weight.append(0.0)
        self.volume.append(0.0)
        self.cost.append(0.0)
        return len(self.members) - 1

    def points_of(self, b: int) -> frozenset[int]:
        return frozenset(self.pcount[b])

    def points_with(self, b: int, add: Iterable[int] = (), remove: Iterable[int] = ()) -> frozenset[int]:
        """Point set of batch ``b`` after adding and removing items (not applied)."""
        count = self.pcount[b]
        points = self.p.points
        remove = tuple(remove)
        if not remove:  # an insertion (the hot path): the batch's points copied in C
            return frozenset(count).union(*(points[i] for i in add))
        if len(remove) == 1 and self._unique:  # one item out (a removal or a swap): set operations in C
            gone = [q for q in points[remove[0]] if count.get(q, 0) <= 1]
            out = frozenset(count).difference(gone) if gone else frozenset(count)
            return out.union(*(points[i] for i in add)) if add else out
        pts = set(count)  # only the removed items' points are looked at
        drop: Counter[int] = Counter()
        for j in remove:
            drop.update(points[j])
        for q, c in drop.items():
            if count.get(q, 0) <= c:
                pts.discard(q)
        for i in add:
            pts.update(points[i])
        return frozenset(pts)

    def fits(self, b: int, add: Sequence[int] = (), remove: Sequence[int] = ()) -> bool:
        cart = self.p.cart
        p = self.p
        if p.totes is None:  # one tote per item: counting members is enough (the hot path)
            if len(self.members[b]) + len(add) - len(remove) > cart.totes:
                return False
        elif p.tote_count(self.members[b]) + p.tote_count(add) - p.tote_count(remove) > cart.totes:
            return False
        wl, vl = self._w, self._v  # Python floats: numpy scalar indexing dominated this hot path
        wa = va = wr = vr = 0.0  # summed as sum() would, in order
        for i in add:
            wa += wl[i]
            va += vl[i]
        for j in remove:
            wr += wl[j]
            vr += vl[j]
        return (self.weight[b] + wa - wr <= cart.max_weight_kg + EPS
                and self.volume[b] + va - vr <= cart.max_volume_l + EPS)

    def _set_cost(self, b: int) -> None:
        new = self.cache(self.points_of(b))
        self.total += new - self.cost[b]
        self.cost[b] = new

    def insert(self, i: int, b: int) -> None:
        self._add(i, b)
        self._set_cost(b)

    def _add(self, i: int, b: int) -> None:
        self.batch_of[i] = b
        self.members[b].add(i)
        self.pcount[b].update(self.p.points[i])
        self.weight[b] += self._w[i]
        self.volume[b] += self._v[i]
        if self._dense:
            self._kcount[b, self._cols[i]] += 1
            return
        for k in self.p.keys[i]:
            self.key_batches.setdefault(k, Counter())[b] += 1

    def remove(self, i: int) -> int:
        """Take item ``i`` out of its batch; returns that batch."""
        b = int(self.batch_of[i])
        self.batch_of[i] = -1
        self.members[b].discard(i)
        count = self.pcount[b]
        count.subtract(self.p.points[i])
        for q in self.p.points[i]:
            if count[q] <= 0:
                del count[q]
        self.weight[b] -= self._w[i]
        self.volume[b] -= self._v[i]
        if self._dense:
            self._kcount[b, self._cols[i]] -= 1
        else:
            for k in self.p.keys[i]:
                kb = self.key_batches[k]
                kb[b] -= 1
                if kb[b] <= 0:
                    del kb[b]
        if not self.members[b]:
            self.weight[b] = self.volume[b] = 0.0
            self.free.append(b)
        self._set_cost(b)
        return b

    def move(self, i: int, b: int) -> None:
        self.remove(i)
        if b in self.free:
            self.free.remove(b)
        self.insert(i, b)

    # --- evaluation -----------------------------------------------------------------
    def insertion_delta(self, i: int, b: int, points: frozenset[int] | None = None) -> float:
        """Added route length when item ``i`` joins batch ``b`` (capacity not checked).

        ``points``, when given, is ``points_with(b, add=(i,))`` already built.
        With :attr:`seen` set, the trip scored is kept there (callers ask only for trips that fit).
        """
        c = self.cache(self.points_with(b, add=(i,)) if points is None else points)
        if self.seen is not None:
            self.seen.add((*self.members[b], i), c)
        return c - self.cost[b]

    def removal_gain(self, i: int) -> float:
        b = int(self.batch_of[i])
        return self.cost[b] - self.cache(self.points_with(b, remove=(i,)))

    def candidates(self, i: int, k: int, exclude: int = -1) -> list[int]:
        """Up to ``k`` non-empty batches sharing most keys with item ``i`` (ties: lower id).

        O(batches * keys of i) in numpy when keys are few (aisles), else
        proportional to the batches sharing a key, through the key index.
        """
        if self._dense:
            cols = self._cols[i]
            nb = len(self.members)
            # Keys shared (not items sharing them), as the key index counts.
            dense = np.count_nonzero(self._kcount[:nb][:, cols], axis=1)
            if 0 <= exclude < nb:
                dense[exclude] = 0
            ids = np.flatnonzero(dense)
            ids = ids[np.lexsort((ids, -dense[ids]))[:k]]
            return [int(b) for b in ids]
        overlap: Counter[int] = Counter()
        for key in self.p.keys[i]:
            kb = self.key_batches.get(key)
            if kb:
                overlap.update(kb.keys())
        overlap.pop(exclude, None)
        ranked = sorted(overlap.items(), key=lambda t: (-t[1], t[0]))
        return [b for b, _ in ranked[:k]]

    def shared_keys(self, i: int, batches: Sequence[int]) -> list[int]:
        """Keys of item ``i`` that each of ``batches`` holds, as :meth:`candidates` ranks them."""
        if self._dense:
            rows = self._kcount[np.asarray(batches, dtype=np.int64)][:, self._cols[i]]
            return [int(c) for c in np.count_nonzero(rows, axis=1)]
        none: Counter[int] = Counter()
        at = [self.key_batches.get(key, none) for key in self.p.keys[i]]
        return [sum(1 for kb in at if kb[b] > 0) for b in batches]

    def best_insertion(self, i: int, k: int, allow_new: bool = True) -> tuple[float, int]:
        """Cheapest feasible batch for item ``i`` among candidates; ``-1`` means a new batch."""
        best_delta, best_b = np.inf, -1
        fitting = [b for b in self.candidates(i, k) if self.fits(b, (i,))]
        sets = [self.points_with(b, add=(i,)) for b in fitting]
        alone = frozenset(self.p.points[i])
        self.cache.prefetch([*sets, alone])  # one compiled call for every trip scored below
        for b, pts in zip(fitting, sets, strict=True):
            d = self.insertion_delta(i, b, pts)
            if d < best_delta - EPS:
                best_delta, best_b = d, b
        if allow_new or best_b < 0:
            d = self.cache(alone)
            if d < best_delta - EPS:
                best_delta, best_b = d, -1
        return float(best_delta), best_b

    def place(self, i: int, b: int) -> int:
        """Insert item ``i`` into batch ``b`` (``-1``: a new batch); returns the batch."""
        if b < 0:
            b = self.new_batch()
        elif b in self.free:
            self.free.remove(b)
        self.insert(i, b)
        return b

    # --- snapshots ------------------------------------------------------------------
    def batches(self) -> tuple[tuple[int, ...], ...]:
        """Non-empty batches, each sorted, ordered by first item."""
        out = [tuple(sorted(m)) for m in self.members if m]
        out.sort()
        return tuple(out)

    def recomputed_total(self) -> float:
        return float(sum(self.cache(self.points_of(b)) for b, m in enumerate(self.members) if m))

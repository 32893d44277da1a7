"""The gap-deepening enumeration's branch and bound against brute force and the static search."""

from __future__ import annotations

import numpy as np
import pytest

from engine.batching import pricing
from engine.batching.colgen import deepening_search
from engine.batching.coversearch import cover_search

from .test_colgen import _every_trip_priced


@pytest.mark.parametrize("seed", [31, 32, 33, 35])
def test_cover_search_finds_the_cheapest_partition(seed: int) -> None:
    problem, trips, lengths, ptr, items, best, m = _every_trip_priced(seed)
    z, duals, _ = m.solve()
    for rc, zz in ((np.zeros(len(trips)), 0.0), (np.maximum(m.reduced_costs(duals), 0.0), z)):
        picked, cost, complete, _ = cover_search(problem.n, ptr, items, lengths, rc, zz, 1e9, 1e-6, 10**7)
        assert complete and cost == pytest.approx(best)
        assert sorted(i for k in picked for i in trips[int(k)]) == list(range(problem.n))
        # Nothing cheaper than the optimum: a search cut off at it finds nothing, and says so.
        none, _, complete, _ = cover_search(problem.n, ptr, items, lengths, rc, zz, best, 1e-6, 10**7)
        assert complete and none.shape[0] == 0
        # Cut off just above it: the same cost as the static search.
        got = cover_search(problem.n, ptr, items, lengths, rc, zz, best + 0.5, 1e-6, 10**7)
        ref = pricing.partition_search(problem.n, ptr, items, lengths, rc, zz, best + 0.5, 1e-6, 10**7)
        assert got[2] and ref[2] and got[1] == pytest.approx(ref[1])
    *_, complete, nodes = cover_search(problem.n, ptr, items, lengths, np.zeros(len(trips)), 0.0, 1e9, 1e-6, 2)
    assert not complete and nodes == 2


@pytest.mark.parametrize("seed", [31, 34])
def test_cover_search_under_deepening_finds_and_proves_the_cheapest_partition(seed: int) -> None:
    problem, trips, lengths, ptr, items, best, m = _every_trip_priced(seed)
    z, duals, _ = m.solve()
    rc = np.maximum(m.reduced_costs(duals), 0.0)
    picked, cost, complete, _, floor = deepening_search(problem.n, ptr, items, lengths, rc, z, 1e9, 1e-6, False,
                                                        None, search=cover_search)
    assert complete and cost == pytest.approx(best)
    assert sorted(i for k in picked for i in trips[int(k)]) == list(range(problem.n))
    assert floor is None or z - 1e-6 <= floor <= best + 1e-6


def test_cover_search_over_a_subset_of_the_columns_is_the_best_over_them() -> None:
    # Columns dropped (as the enumeration drops those of larger reduced cost): the best over the rest.
    problem, trips, lengths, *_, m = _every_trip_priced(36)
    z, duals, _ = m.solve()
    rc = np.maximum(m.reduced_costs(duals), 0.0)
    keep = [k for k in range(len(trips)) if rc[k] <= np.quantile(rc, 0.6) or len(trips[k]) == 1]
    sub = [trips[k] for k in keep]
    sptr = np.zeros(len(sub) + 1, np.int64)
    np.cumsum([len(t) for t in sub], out=sptr[1:])
    sitems = np.array([i for t in sub for i in t], np.int64)
    got = cover_search(problem.n, sptr, sitems, lengths[keep], rc[keep], z, 1e9, 1e-6, 10**7)
    ref = pricing.partition_search(problem.n, sptr, sitems, lengths[keep], rc[keep], z, 1e9, 1e-6, 10**7)
    assert got[2] and ref[2] and got[1] == pytest.approx(ref[1])

"""Chunks of a plan's batches for renderers side by side: the split, and what a chunk carries."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

import pytest

from engine.publish.chunks import chunk_bounds


def _weight(weights: Sequence[int], bounds: Sequence[tuple[int, int]]) -> int:
    return max(sum(weights[a:b]) for a, b in bounds)


def _best_split(weights: Sequence[int], cap: int) -> int:
    """Brute force: the lightest heaviest chunk over every split into at most ``cap`` contiguous chunks."""
    n = len(weights)
    return min(_weight(weights, list(itertools.pairwise((0, *cuts, n))))
               for m in range(1, min(cap, n) + 1) for cuts in itertools.combinations(range(1, n), m - 1))


def _check_split(weights: Sequence[int], cap: int, bounds: Sequence[tuple[int, int]]) -> None:
    assert len(bounds) == min(cap, len(weights))
    assert [a for a, _ in bounds] == [0, *(b for _, b in bounds[:-1])] and bounds[-1][1] == len(weights)
    assert all(b > a for a, b in bounds)  # never an empty chunk


def test_chunks_balance_pick_rows_not_batch_count() -> None:
    # by count (3 + 3) the first chunk would hold 11 rows; by rows the heavy batch goes alone
    assert chunk_bounds([9, 1, 1, 1, 1, 1], 2) == [(0, 1), (1, 6)]
    assert chunk_bounds([1, 1, 1, 1, 1, 9], 2) == [(0, 5), (5, 6)]
    assert chunk_bounds([4, 4, 4, 4], 1) == [(0, 4)]
    assert chunk_bounds([], 8) == []
    with pytest.raises(ValueError, match="cap"):
        chunk_bounds([1], 0)


def test_chunks_are_the_best_contiguous_split_within_the_cap() -> None:
    rng = random.Random(7)
    for _ in range(300):
        weights = [rng.choice((0, 1, 1, 2, 3, 5, 8, 13)) for _ in range(rng.randint(1, 9))]
        cap = rng.randint(1, 10)
        bounds = chunk_bounds(weights, cap)
        _check_split(weights, cap, bounds)
        assert _weight(weights, bounds) == _best_split(weights, cap), (weights, cap, bounds)


def test_fewer_batches_than_the_cap_give_one_chunk_per_batch() -> None:
    # the fill alone would put 1 + 1 (under the heaviest, 5) together: every batch still gets its chunk
    assert chunk_bounds([1, 1, 5], 8) == [(0, 1), (1, 2), (2, 3)]
    assert chunk_bounds([0, 0, 0], 3) == [(0, 1), (1, 2), (2, 3)]


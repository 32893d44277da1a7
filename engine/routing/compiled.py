"""Exact route lengths on rectangular layouts through the compiled programme.

The entry points behind :func:`engine.routing.route_length`,
:func:`engine.routing.route_lengths` and :func:`engine.routing.solve` for
layouts of up to :data:`~engine.routing.tables.MAX_BLOCKS` blocks, and
:class:`RouteScorer`, the form the batching optimiser calls: a fixed table of
pick points, scored by subsets of indices.

Everything here is exact and proven (the same programme as
:mod:`engine.routing.aisle_dp`, swept in :mod:`engine.routing.kernel`).
The kernel module (and numba, about 1-2 s to import) loads on first use, so
code that never routes optimally on a rectangular layout does not pay for it.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import numpy as np

from engine.layout.rectangular import RectangularLayout, RectPoint
from engine.routing import aisle_dp
from engine.routing.tables import MAX_BLOCKS, CompiledTables, compiled_tables

__all__ = ["MAX_BLOCKS", "RouteScorer", "optimal_length", "optimal_lengths", "optimal_tour", "warm_up"]


def _geometry(layout: RectangularLayout) -> tuple[float, float]:
    """``(h, pitch)``: cross-aisle to cross-aisle distance along an aisle, aisle spacing."""
    return layout.block_depth_m + layout.cross_aisle_width_m, layout.aisle_pitch_m


def _rows(points: Sequence[RectPoint]) -> np.ndarray:
    """Points as a float array of ``(aisle, block, slot, x, y)`` rows."""
    # fromiter over the flattened tuples is about 3x faster than np.array on tuples
    return np.fromiter(itertools.chain.from_iterable(points), np.float64, 5 * len(points)).reshape(-1, 5)


def _tables_args(t: CompiledTables) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    return t.seg, t.hor_ptr, t.hor_src, t.hor_edges, t.final, t.empty


def _checked(value: float) -> float:
    if value != value:  # NaN: the kernel refused a point
        raise ValueError("route points must be pick points of the layout (block 1..K, aisle >= 1)")
    return value


def optimal_length(layout: RectangularLayout, points: Sequence[RectPoint], depot_x: float) -> float:
    """Length of an optimal tour through ``points`` (any order, duplicates allowed).

    O(n log n + aisles * (K * states + moves)); ``layout.blocks <= MAX_BLOCKS``.

    Examples
    --------
    >>> lay = RectangularLayout("t", blocks=1, aisles=3, slots_per_side=10,
    ...     slot_length_m=1.0, aisle_pitch_m=3.0, cross_aisle_width_m=2.0)
    >>> optimal_length(lay, [lay.point("A03-B1-S002-L")], 0.0)
    17.0
    """
    from engine.routing import kernel

    h, pitch = _geometry(layout)
    tables = _tables_args(compiled_tables(layout.blocks))
    # one compiled entry point for single and batch calls: each entry point links
    # its own copy of the sweep, which is what a cold numba cache has to compile
    offsets = np.array([0, len(points)], dtype=np.int64)
    value = kernel.lengths_of_rows(_rows(points), offsets, h, pitch, float(depot_x), *tables)[0]
    return _checked(float(value))


def optimal_lengths(
    layout: RectangularLayout, point_sets: Iterable[Sequence[RectPoint]], depot_x: float
) -> np.ndarray:
    """Optimal tour lengths of many point sets in one compiled call (float64 array).

    Examples
    --------
    >>> lay = RectangularLayout("t", blocks=1, aisles=3, slots_per_side=10,
    ...     slot_length_m=1.0, aisle_pitch_m=3.0, cross_aisle_width_m=2.0)
    >>> optimal_lengths(lay, [[lay.point("A03-B1-S002-L")], []], 0.0).tolist()
    [17.0, 0.0]
    """
    from engine.routing import kernel

    sets = [s if isinstance(s, Sequence) else tuple(s) for s in point_sets]
    offsets = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in sets], out=offsets[1:])
    rows = _rows(list(itertools.chain.from_iterable(sets)))
    h, pitch = _geometry(layout)
    out = kernel.lengths_of_rows(
        rows, offsets, h, pitch, float(depot_x), *_tables_args(compiled_tables(layout.blocks))
    )
    if np.isnan(out).any():
        _checked(float("nan"))
    return out


def optimal_tour(
    layout: RectangularLayout, points: Sequence[RectPoint], depot_x: float
) -> tuple[tuple[RectPoint, ...], float]:
    """An optimal stop order and its length, rebuilt from the sweep's argmin path.

    The chosen vertical options and horizontal edges form an Euler multigraph;
    the stops are the first visits along an Euler circuit of it from the depot.
    O(aisles * K * states) memory for the back pointers.

    Examples
    --------
    >>> lay = RectangularLayout("t", blocks=1, aisles=3, slots_per_side=10,
    ...     slot_length_m=1.0, aisle_pitch_m=3.0, cross_aisle_width_m=2.0)
    >>> stops, length = optimal_tour(lay, [lay.point("A03-B1-S002-L"), lay.point("A01-B1-S009-L")], 0.0)
    >>> [p.aisle for p in stops], length
    ([1, 3], 36.0)
    """
    from engine.routing import kernel

    pts = list(dict.fromkeys(points))
    if not pts:
        return (), 0.0
    t = compiled_tables(layout.blocks)
    h, pitch = _geometry(layout)
    rows = _rows(pts)
    if not kernel.rows_valid(rows, layout.blocks):
        _checked(float("nan"))
    best, ci, s, prev, choice = kernel.tour_of_rows(rows, h, pitch, float(depot_x), *_tables_args(t))
    cols, _ = aisle_dp.build_columns(layout, pts, depot_x)
    if len(cols) != prev.shape[0]:  # pragma: no cover - both follow the same column rules
        raise RuntimeError("compiled and reference columns differ")
    K = layout.blocks
    vertical: dict[tuple[int, int], int] = {}
    horizontal: dict[int, tuple[int, ...]] = {}
    ci, s = int(ci), int(s)
    while True:
        for b in range(K - 1, -1, -1):
            vertical[ci, b] = int(choice[ci, b, s])
            s = int(prev[ci, b, s])
        if ci == 0:
            break
        ci -= 1
        move = int(choice[ci, K, s])
        horizontal[ci] = tuple(t.hor_mult[move].tolist())
        s = int(prev[ci, K, s])
    return aisle_dp._first_visits(layout, cols, vertical, horizontal), float(best)


class RouteScorer:
    """Exact optimal route lengths of subsets of a fixed table of pick points.

    Built once per layout, depot and point table (e.g. the pick positions of a
    wave's orders); each call then scores a set of point *indices* in one
    compiled call, without re-deriving positions, aisles or per-aisle extremes.
    Same lengths as :func:`engine.routing.route_length` with ``optimal``.

    Parameters
    ----------
    layout
        A rectangular layout with at most ``MAX_BLOCKS`` blocks.
    points
        The point table (pick points of ``layout``); indices refer to it.
    zone_id
        The zone whose depot starts and ends every route (None: the layout's).

    Notes
    -----
    Construction is O(n log n) in the table size, plus once per process and
    block count the compiled tables (milliseconds up to three blocks, 0.2 s for
    four, 1.5 s for five) and once per process the first compiled call (numba
    import and the kernel loaded from its on-disk cache: 0.5-2 s; on a new
    checkout the kernel compiles first, 10-40 s once, then it is cached).
    A length costs O(m log m + aisles spanned * (K * states + moves)) for m
    indices, states being 6, 24, 112, 568, 3,032 for K = 1..5: for 30 picks on
    25 aisles a median of 0.02, 0.04, 0.13 and 0.64 ms for K = 1..4 per single
    call, 0.012, 0.028, 0.11 and 0.64 ms per set in :meth:`lengths` batches
    (13-36x less than the reference; ``benchmarks/results/sprp.md``). Duplicate
    indices (or two indices of one position) are harmless. Instances pickle,
    so worker processes can share one.

    Examples
    --------
    >>> lay = RectangularLayout("t", blocks=2, aisles=4, slots_per_side=5,
    ...     slot_length_m=1.0, aisle_pitch_m=3.0, cross_aisle_width_m=2.0)
    >>> scorer = RouteScorer(lay, [lay.point("A01-B2-S001-L"), lay.point("A04-B1-S001-L")])
    >>> scorer.length([0]), scorer.length(frozenset({0, 1}))
    (17.0, 35.0)
    >>> scorer.lengths([[0], [1], [0, 1], []]).tolist()
    [17.0, 21.0, 35.0, 0.0]
    """

    __slots__ = ("_aisle", "_args", "_block", "_lengths", "_rank", "_rel", "depot_x", "layout", "size")

    def __init__(self, layout: RectangularLayout, points: Sequence[RectPoint], zone_id: str | None = None) -> None:
        if not isinstance(layout, RectangularLayout):
            raise TypeError("RouteScorer needs a RectangularLayout")
        if layout.blocks > MAX_BLOCKS:
            raise ValueError(f"RouteScorer covers 1..{MAX_BLOCKS} blocks; use route_length for {layout.blocks}")
        from engine.routing import kernel

        self._lengths = kernel.lengths_of_indices
        rows = _rows(list(points))
        if not kernel.rows_valid(rows, layout.blocks):
            raise ValueError("route points must be pick points of the layout (block 1..K, aisle >= 1)")
        h, pitch = _geometry(layout)
        self.layout = layout
        self.depot_x = float(layout.depot(zone_id).x)
        self.size = rows.shape[0]
        rel_all = rows[:, 4] - (rows[:, 1] - 1.0) * h
        order = np.lexsort((rel_all, rows[:, 1], rows[:, 0]))
        aisle = rows[order, 0].astype(np.int64)
        block = rows[order, 1].astype(np.int64)
        rel = rel_all[order]
        rank = np.empty(self.size, dtype=np.int64)
        rank[order] = np.arange(self.size, dtype=np.int64)
        for arr in (aisle, block, rel, rank):
            arr.flags.writeable = False
        self._aisle, self._block, self._rel, self._rank = aisle, block, rel, rank
        self._args = (h, pitch, self.depot_x, *_tables_args(compiled_tables(layout.blocks)))

    def kernel_args(self) -> tuple[Any, ...]:
        """``(rank, aisle, block, rel, h, pitch, depot_x, *tables)``: what compiled callers of
        :func:`engine.routing.kernel.sweep` need (``rank[i]`` is point ``i``'s row in the sorted
        ``aisle``/``block``/``rel``; read-only arrays)."""
        return (self._rank, self._aisle, self._block, self._rel, *self._args)

    def length(self, indices: Collection[int] | np.ndarray) -> float:
        """Optimal route length through the points at ``indices`` (0 for none).

        ``indices`` may be a numpy integer array, a list, a tuple or a frozenset.
        Raises ``IndexError`` for an index outside the table.
        """
        idx = _index_array(indices)
        offsets = np.array([0, idx.shape[0]], dtype=np.int64)
        out = self._lengths(idx, offsets, self._rank, self._aisle, self._block, self._rel, *self._args)
        value = float(out[0])
        if value != value:
            raise IndexError(f"a point index is outside 0..{self.size - 1}")
        return value

    def lengths(self, index_sets: Iterable[Collection[int] | np.ndarray]) -> np.ndarray:
        """Optimal route lengths of many index sets in one compiled call (float64 array)."""
        sets = list(index_sets)
        offsets = np.zeros(len(sets) + 1, dtype=np.int64)
        if not any(isinstance(s, np.ndarray) for s in sets):  # one flat copy (the batching search's hot path)
            offsets[1:] = np.fromiter(itertools.accumulate(len(s) for s in sets), dtype=np.int64, count=len(sets))
            flat = np.fromiter(itertools.chain.from_iterable(sets), dtype=np.int64, count=int(offsets[-1]))
            return self._score(flat, offsets)
        arrays = [_index_array(s) for s in sets]
        np.cumsum([a.shape[0] for a in arrays], out=offsets[1:])
        flat = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)
        return self._score(flat, offsets)

    def lengths_flat(self, indices: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Lengths of the sets ``indices[offsets[i]:offsets[i + 1]]`` (CSR form, no copying).

        ``indices`` and ``offsets`` are int64 arrays; ``offsets`` starts at 0, is
        non-decreasing and ends at ``len(indices)``.
        """
        idx = np.ascontiguousarray(indices, dtype=np.int64)
        off = np.ascontiguousarray(offsets, dtype=np.int64)
        if off.ndim != 1 or off.shape[0] < 1 or off[0] != 0 or off[-1] != idx.shape[0] or (np.diff(off) < 0).any():
            raise ValueError("offsets must run from 0 to len(indices), non-decreasing")
        return self._score(idx, off)

    def _score(self, idx: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        out = self._lengths(idx, offsets, self._rank, self._aisle, self._block, self._rel, *self._args)
        if np.isnan(out).any():
            raise IndexError(f"a point index is outside 0..{self.size - 1}")
        return out


def _index_array(indices: Collection[int] | np.ndarray) -> np.ndarray:
    if isinstance(indices, np.ndarray):
        return np.ascontiguousarray(indices, dtype=np.int64).reshape(-1)
    return np.fromiter(indices, dtype=np.int64, count=len(indices))


_WARM: list[bool] = []


def warm_up() -> None:
    """Load every kernel of this module now (from numba's on-disk cache; compiled first on a new checkout).

    A tiny two-block layout through each entry point: the kernels' signatures do
    not depend on the layout's size. Once per process; a plan against the clock
    calls this before it shares out its time budget (:mod:`engine.wave.warm`).
    """
    if _WARM:
        return
    lay = RectangularLayout("warm", blocks=2, aisles=3, slots_per_side=4, slot_length_m=1.0, aisle_pitch_m=3.0,
                            cross_aisle_width_m=2.0)
    pts = [lay.point("A01-B1-S002-L"), lay.point("A03-B2-S003-R")]
    scorer = RouteScorer(lay, pts)
    scorer.length([0, 1])
    scorer.lengths([[0], [0, 1]])
    optimal_length(lay, pts, 0.0)
    optimal_lengths(lay, [pts, pts[:1]], 0.0)
    optimal_tour(lay, pts, 0.0)
    _WARM.append(True)

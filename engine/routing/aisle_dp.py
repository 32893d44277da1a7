"""Exact picker routing on rectangular layouts: a dynamic programme over aisles.

The tour is a closed walk on the aisle graph: one vertex where each cross aisle
meets each pick aisle (a *column*), vertical edges along the aisles of every
block, horizontal edges along the cross aisles. An optimal walk uses every edge
at most twice, so it is an even, connected multigraph that covers each pick and
the depot. The programme sweeps the columns left to right, as Ratliff &
Rosenthal (1983) do for one block and Roodbergen & de Koster (2001) for two.

The state at a column is, for each of its ``K + 1`` junction vertices, whether
its degree so far is zero, odd or even and positive, and which vertices belong
to the same connected component of the partial tour (components are labelled in
order of first appearance). For ``K = 1`` these are Ratliff & Rosenthal's
equivalence classes; for ``K = 2`` those of Roodbergen & de Koster; for any
``K`` the same rules hold (the column DP of Pansart, Catusse & Cambazard 2018),
so one implementation serves every block count, exact and proven.

A column is processed in two phases: the vertical choice in each block segment
(none, traverse once, traverse twice, enter from the front and return, from the
back, or from both sides leaving the largest gap between picks), then the
horizontal multiplicities (0, 1 or 2) to the next column, fixed by parity except
for the choice between 0 and 2. A component that receives no horizontal edge is
closed: allowed only as the last step, when it is the whole tour.

A depot between two aisles is a column of its own with no vertical edges. Only
columns between the outermost pick aisles (widened to the aisles around the
depot) are swept: clamping any walk to that band never lengthens it.

Complexity: O(columns * states * options); the number of states depends on
``K`` only (6 boundary states for one block, a few dozen for two), so the
programme is linear in the number of aisles. For ``K >= 3`` the state count
grows fast (hundreds to thousands), which is why :func:`solve_tour` takes a
deadline.

This module is the reference: plain Python, the definition of the states and
moves, and the oracle of the tests. The hot paths (``route_length``,
``route_lengths``, ``RouteScorer`` and ``solve`` up to five blocks) run the same
programme compiled: :mod:`engine.routing.tables` turns these rules into integer
arrays once per block count and :mod:`engine.routing.kernel` sweeps them in
numba, 10-90x faster; beyond five blocks this module serves directly.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from engine.layout.rectangular import RectangularLayout, RectPoint

# Vertical options for one block segment of one column.
NONE, T1, T2, BOT, TOP, SPLIT = range(6)
# (degree added at the front vertex, at the back vertex, joins the two)
_EFFECT: tuple[tuple[int, int, bool], ...] = (
    (0, 0, False),
    (1, 1, True),
    (2, 2, True),
    (2, 0, False),
    (0, 2, False),
    (2, 2, False),
)
FINAL = -1  # a horizontal transition that closes the one component: the tour is done

State = tuple[int, ...]  # per junction: 0, or (component label << 1) | odd
Move = tuple[int, int, tuple[int, ...]]  # (horizontal edges, next state or FINAL, multiplicities)


class DeadlineExceededError(RuntimeError):
    """The exact programme ran past its time limit."""


def _canonical(st: Sequence[int]) -> State:
    """Relabel components 1, 2, ... in order of first appearance."""
    labels: dict[int, int] = {}
    out = []
    for v in st:
        if v == 0:
            out.append(0)
        else:
            lab = labels.setdefault(v >> 1, len(labels) + 1)
            out.append((lab << 1) | (v & 1))
    return tuple(out)


class _Tables:
    """Transition tables of the programme for one block count, filled lazily.

    States are interned to integers; ``seg[b][sid][option]`` is the state after a
    vertical option in segment ``b`` and ``hor[req][sid]`` lists the horizontal
    moves ``(edges, next state or FINAL, multiplicities)``; ``req`` says the
    column's front vertex is the depot and must be visited.
    """

    def __init__(self, blocks: int) -> None:
        self.blocks = blocks
        self.ids: dict[State, int] = {}
        self.states: list[State] = []
        self.seg: list[list[list[int] | None]] = [[] for _ in range(blocks)]
        self.hor: list[list[list[Move] | None]] = [[], []]
        self.empty = self.intern((0,) * (blocks + 1))
        self._dense: _Dense | None = None

    def intern(self, st: State) -> int:
        sid = self.ids.get(st)
        if sid is None:
            sid = len(self.states)
            self.ids[st] = sid
            self.states.append(st)
            for seg_rows in self.seg:
                seg_rows.append(None)
            for hor_rows in self.hor:
                hor_rows.append(None)
        return sid

    def seg_row(self, b: int, sid: int) -> list[int]:
        """Next state for each vertical option in segment ``b`` (vertices b, b+1)."""
        row = self.seg[b][sid]
        if row is not None:
            return row
        base = self.states[sid]
        row = []
        for add_lo, add_hi, join in _EFFECT:
            st = list(base)
            fresh = max((v >> 1 for v in st), default=0) + 1
            for v, add in ((b, add_lo), (b + 1, add_hi)):
                if add == 0:
                    continue
                if st[v] == 0:
                    st[v] = (fresh << 1) | (add & 1)
                    fresh += 1
                else:
                    st[v] ^= add & 1
            if join:
                keep, drop = st[b] >> 1, st[b + 1] >> 1
                if keep != drop:
                    st = [((keep << 1) | (v & 1)) if v and v >> 1 == drop else v for v in st]
            row.append(self.intern(_canonical(st)))
        self.seg[b][sid] = row
        return row

    def hor_row(self, req: int, sid: int) -> list[Move]:
        """Horizontal moves to the next column from a state after the verticals."""
        row = self.hor[req][sid]
        if row is not None:
            return row
        st = self.states[sid]
        labels = {v >> 1 for v in st if v}
        fresh0 = max(labels, default=0) + 1
        choices = [(1,) if v & 1 else (0, 2) for v in st]
        row = []
        for m in itertools.product(*choices):
            if req and st[0] == 0 and m[0] == 0:
                continue  # the depot must be on the tour
            out = []
            kept = set()
            fresh = fresh0
            for v, mk in zip(st, m, strict=True):
                if mk == 0:
                    out.append(0)
                    continue
                if v:
                    lab = v >> 1
                    kept.add(lab)
                else:
                    lab = fresh
                    fresh += 1
                out.append((lab << 1) | (mk & 1))
            if kept != labels:
                # Some component gets no edge to the right: it is closed.
                if sum(m) == 0 and len(labels) == 1:
                    row.append((0, FINAL, m))
                continue
            row.append((sum(m), self.intern(_canonical(out)), m))
        self.hor[req][sid] = row
        return row


    def dense(self) -> _Dense:
        """Complete tables as flat lists (for the hot path; built once per block count)."""
        if self._dense is None:
            frontier = list(range(len(self.states)))
            while frontier:  # close the state space under every move
                sid = frontier.pop()
                before = len(self.states)
                for b in range(self.blocks):
                    self.seg_row(b, sid)
                for req in (0, 1):
                    self.hor_row(req, sid)
                frontier.extend(range(before, len(self.states)))
            n = len(self.states)
            seg = tuple(
                tuple(tuple(self.seg_row(b, s)[code] for s in range(n)) for code in range(len(_EFFECT)))
                for b in range(self.blocks)
            )
            hor = []
            final = []
            for req in (0, 1):
                groups: dict[int, list[tuple[int, int]]] = {}
                closing = []
                for s in range(n):
                    for edges, ns, _m in self.hor_row(req, s):
                        if ns == FINAL:
                            closing.append(s)
                        else:
                            groups.setdefault(edges, []).append((s, ns))
                hor.append(tuple((e, tuple(pairs)) for e, pairs in sorted(groups.items())))
                final.append(tuple(closing))
            self._dense = _Dense(n, self.empty, seg, (hor[0], hor[1]), (final[0], final[1]))
        return self._dense


@dataclass(frozen=True, slots=True)
class _Dense:
    """``seg[b][code][sid]`` next state; ``hor[req]`` groups ``(edges, ((sid, next), ...))``;
    ``final[req]`` the states that may close the tour."""

    n: int
    empty: int
    seg: tuple[tuple[tuple[int, ...], ...], ...]
    hor: tuple[
        tuple[tuple[int, tuple[tuple[int, int], ...]], ...],
        tuple[tuple[int, tuple[tuple[int, int], ...]], ...],
    ]
    final: tuple[tuple[int, ...], tuple[int, ...]]


_TABLES: dict[int, _Tables] = {}


def _tables(blocks: int) -> _Tables:
    t = _TABLES.get(blocks)
    if t is None:
        t = _TABLES[blocks] = _Tables(blocks)
    return t


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the sweep: an aisle (or the depot between aisles).

    ``options[b]`` are the vertical options ``(code, cost)`` of block segment
    ``b``; ``picks[b]`` are that segment's points, front to back.
    """

    x: float
    aisle: int  # 0 for a depot column between aisles
    depot: bool
    options: tuple[tuple[tuple[int, float], ...], ...]
    picks: tuple[tuple[RectPoint, ...], ...]


DENSE_MAX_BLOCKS = 4  # beyond, the full state space is too big to tabulate up front
_ONLY_NONE: tuple[tuple[int, float], ...] = ((NONE, 0.0),)


def _segment_options(rel: Sequence[float], h: float) -> tuple[tuple[int, float], ...]:
    """Vertical options of a segment of length ``h`` with picks at ``rel`` (sorted)."""
    if not rel:
        return ((NONE, 0.0), (T1, h), (T2, 2.0 * h))
    opts = [(T1, h), (T2, 2.0 * h), (BOT, 2.0 * rel[-1]), (TOP, 2.0 * (h - rel[0]))]
    if len(rel) > 1:
        gap = max(b - a for a, b in itertools.pairwise(rel))
        opts.append((SPLIT, 2.0 * (h - gap)))
    return tuple(opts)


def build_columns(
    layout: RectangularLayout, points: Sequence[RectPoint], depot_x: float
) -> tuple[list[Column], int]:
    """The columns to sweep and the index of the last one that must be visited.

    O(n log n) in the number of points.
    """
    K = layout.blocks
    pitch = layout.aisle_pitch_m
    h = float(layout.cross_aisle_y(1))
    by_aisle: dict[int, list[list[RectPoint]]] = {}
    for p in points:
        segs = by_aisle.get(p.aisle)
        if segs is None:
            segs = by_aisle[p.aisle] = [[] for _ in range(K)]
        segs[p.block - 1].append(p)
    f = depot_x / pitch + 1.0
    depot_aisle = round(f)
    on_aisle = abs(f - depot_aisle) < 1e-9
    lo_d, hi_d = (depot_aisle, depot_aisle) if on_aisle else (math.floor(f), math.ceil(f))
    lo = min([lo_d, *by_aisle])
    hi = max([hi_d, *by_aisle])
    empty = _segment_options((), h)
    cols: list[Column] = []
    last_req = 0
    for a in range(lo, hi + 1):
        if not on_aisle and a == hi_d:
            cols.append(Column(depot_x, 0, True, (_ONLY_NONE,) * K, ((),) * K))
            last_req = max(last_req, len(cols) - 1)
        segs = by_aisle.get(a)
        is_depot = on_aisle and a == depot_aisle
        if segs is None:
            cols.append(Column(layout.aisle_x(a), a, is_depot, (empty,) * K, ((),) * K))
        else:
            opts = []
            picks = []
            for b, seg in enumerate(segs):
                seg.sort(key=lambda p: p.y)
                y0 = float(layout.cross_aisle_y(b))
                opts.append(_segment_options([p.y - y0 for p in seg], h) if seg else empty)
                picks.append(tuple(seg))
            cols.append(Column(layout.aisle_x(a), a, is_depot, tuple(opts), tuple(picks)))
        if segs is not None or is_depot:
            last_req = len(cols) - 1
    return cols, last_req


def _sweep(
    layout: RectangularLayout, points: Sequence[RectPoint], depot_x: float
) -> tuple[list[tuple[float, int, tuple[tuple[tuple[int, float], ...], ...]]], int]:
    """Columns as ``(x, is_depot, options per segment)`` and the last required index.

    The lean twin of :func:`build_columns` for the hot path. O(n log n).
    """
    K = layout.blocks
    pitch = layout.aisle_pitch_m
    h = layout.block_depth_m + layout.cross_aisle_width_m
    by_seg: dict[tuple[int, int], list[float]] = {}
    for p in points:
        key = (p[0], p[1])
        y = p[4] - (p[1] - 1) * h
        lst = by_seg.get(key)
        if lst is None:
            by_seg[key] = [y]
        else:
            lst.append(y)
    f = depot_x / pitch + 1.0
    depot_aisle = round(f)
    on_aisle = abs(f - depot_aisle) < 1e-9
    lo_d, hi_d = (depot_aisle, depot_aisle) if on_aisle else (math.floor(f), math.ceil(f))
    aisles = [a for a, _b in by_seg]
    lo = min(lo_d, *aisles)
    hi = max(hi_d, *aisles)
    empty = _segment_options((), h)
    none_col = (_ONLY_NONE,) * K
    cols: list[tuple[float, int, tuple[tuple[tuple[int, float], ...], ...]]] = []
    last_req = 0
    for a in range(lo, hi + 1):
        if not on_aisle and a == hi_d:
            cols.append((depot_x, 1, none_col))
            last_req = len(cols) - 1
        required = on_aisle and a == depot_aisle
        opts = []
        for b in range(1, K + 1):
            rel = by_seg.get((a, b))
            if rel is None:
                opts.append(empty)
            else:
                required = True
                if len(rel) > 1:
                    rel.sort()
                opts.append(_segment_options(rel, h))
        cols.append(((a - 1) * pitch, int(on_aisle and a == depot_aisle), tuple(opts)))
        if required:
            last_req = len(cols) - 1
    return cols, last_req


def optimal_length(layout: RectangularLayout, points: Sequence[RectPoint], depot_x: float) -> float:
    """Length of an optimal tour through ``points`` from the depot at ``depot_x``.

    The value only, without the stop order: the reference for the compiled
    :func:`engine.routing.compiled.optimal_length`. O(aisles * states) for a
    fixed block count, over flat transition lists built once per block count
    (6 states for one block, 24 for two, 112 for three, 568 for four).

    Examples
    --------
    >>> lay = RectangularLayout("t", blocks=1, aisles=3, slots_per_side=10,
    ...     slot_length_m=1.0, aisle_pitch_m=3.0, cross_aisle_width_m=2.0)
    >>> optimal_length(lay, [lay.point("A03-B1-S002-L")], 0.0)
    17.0
    """
    if not points:
        return 0.0
    if layout.blocks > DENSE_MAX_BLOCKS:
        return solve_tour(layout, points, depot_x, with_stops=False)[1]
    cols, last_req = _sweep(layout, points, depot_x)
    d = _tables(layout.blocks).dense()
    inf = math.inf
    n = d.n
    cost = [inf] * n
    cost[d.empty] = 0.0
    best = inf
    last = len(cols) - 1
    for ci, (x, dep, segopts) in enumerate(cols):
        for segb, opts in zip(d.seg, segopts, strict=True):
            if opts is _ONLY_NONE:
                continue
            new = [inf] * n
            for code, oc in opts:
                for c, ns in zip(cost, segb[code], strict=True):
                    v = c + oc
                    if v < new[ns]:
                        new[ns] = v
            cost = new
        if ci >= last_req:
            for s in d.final[dep]:
                if cost[s] < best:
                    best = cost[s]
        if ci == last:
            break
        gap = cols[ci + 1][0] - x
        new = [inf] * n
        for edges, pairs in d.hor[dep]:
            add = edges * gap
            for s, ns in pairs:
                v = cost[s] + add
                if v < new[ns]:
                    new[ns] = v
        cost = new
    return best


def solve_tour(
    layout: RectangularLayout,
    points: Sequence[RectPoint],
    depot_x: float,
    deadline: float | None = None,
    *,
    with_stops: bool = True,
) -> tuple[tuple[RectPoint, ...], float]:
    """An optimal stop order (first visits along an optimal closed walk) and its length.

    Raises :class:`DeadlineExceededError` when ``time.monotonic()`` passes ``deadline``
    (checked once per column). With ``with_stops=False`` only the length is
    returned (the stop tuple is empty).

    Examples
    --------
    >>> lay = RectangularLayout("t", blocks=1, aisles=3, slots_per_side=10,
    ...     slot_length_m=1.0, aisle_pitch_m=3.0, cross_aisle_width_m=2.0)
    >>> stops, length = solve_tour(lay, [lay.point("A03-B1-S002-L"), lay.point("A01-B1-S009-L")], 0.0)
    >>> [p.aisle for p in stops], length
    ([1, 3], 36.0)
    """
    if not points:
        return (), 0.0
    cols, last_req = build_columns(layout, points, depot_x)
    t = _tables(layout.blocks)
    inf = math.inf
    best = inf
    best_at: tuple[int, int] | None = None
    cur: dict[int, float] = {t.empty: 0.0}
    # back[ci][b][state] = (previous state, option code) for each segment b, and
    # hback[ci][state] = (previous state, horizontal multiplicities)
    back: list[list[dict[int, tuple[int, int]]]] = []
    hback: list[dict[int, tuple[int, tuple[int, ...]]]] = []
    n = len(cols)
    for ci, col in enumerate(cols):
        if deadline is not None and time.monotonic() > deadline:
            raise DeadlineExceededError(f"exact routing passed its time limit at column {ci} of {n}")
        steps: list[dict[int, tuple[int, int]]] = []
        for b, opts in enumerate(col.options):
            nxt: dict[int, float] = {}
            bp: dict[int, tuple[int, int]] = {}
            for sid, c in cur.items():
                row = t.seg_row(b, sid)
                for code, oc in opts:
                    ns = row[code]
                    v = c + oc
                    if v < nxt.get(ns, inf):
                        nxt[ns] = v
                        bp[ns] = (sid, code)
            cur = nxt
            steps.append(bp)
        last = ci == n - 1
        gap = 0.0 if last else cols[ci + 1].x - col.x
        nxt = {}
        hbp: dict[int, tuple[int, tuple[int, ...]]] = {}
        for sid, c in cur.items():
            for edges, ns, m in t.hor_row(col.depot, sid):
                if ns == FINAL:
                    if ci >= last_req and c < best:
                        best, best_at = c, (ci, sid)
                    continue
                if last:
                    continue
                v = c + edges * gap
                if v < nxt.get(ns, inf):
                    nxt[ns] = v
                    hbp[ns] = (sid, m)
        cur = nxt
        back.append(steps)
        hback.append(hbp)
    if best_at is None:  # pragma: no cover - every pick list has a tour
        raise RuntimeError("no tour found")
    if not with_stops:
        return (), best
    # Walk the back pointers: the vertical options and horizontal edges chosen.
    K = layout.blocks
    ci, sid = best_at
    vertical: dict[tuple[int, int], int] = {}
    horizontal: dict[int, tuple[int, ...]] = {}
    while True:
        for b in range(K - 1, -1, -1):
            sid, code = back[ci][b][sid]
            vertical[ci, b] = code
        if ci == 0:
            break
        ci -= 1
        sid, m = hback[ci][sid]
        horizontal[ci] = m
    stops = _first_visits(layout, cols, vertical, horizontal)
    return stops, best


def _first_visits(
    layout: RectangularLayout,
    cols: Sequence[Column],
    vertical: dict[tuple[int, int], int],
    horizontal: dict[int, tuple[int, ...]],
) -> tuple[RectPoint, ...]:
    """Stops in order of first visit along an Euler circuit of the chosen edges.

    Hierholzer's algorithm on integer vertex ids (junction ``(ci, k)`` is
    ``ci * (K + 1) + k``, picks follow): O(edges), deterministic.
    """
    J = layout.blocks + 1
    points: list[RectPoint] = []
    ends: list[int] = []  # edge e joins ends[2e] and ends[2e + 1]
    adj: list[list[int]] = [[] for _ in range(len(cols) * J)]

    def vertex(p: RectPoint) -> int:
        points.append(p)
        adj.append([])
        return len(cols) * J + len(points) - 1

    def add(u: int, v: int) -> None:
        adj[u].append(len(ends) >> 1)
        adj[v].append(len(ends) >> 1)
        ends.extend((u, v))

    depot = -1
    for ci, col in enumerate(cols):
        if col.depot:
            depot = ci * J
        for b, picks in enumerate(col.picks):
            code = vertical.get((ci, b), NONE)
            if code == NONE:
                continue
            chain = [ci * J + b, *(vertex(p) for p in picks), ci * J + b + 1]
            legs = list(itertools.pairwise(chain))
            if code == T1:
                used = legs
            elif code == T2:
                used = legs * 2
            elif code == BOT:
                used = legs[: len(picks)] * 2
            elif code == TOP:
                used = legs[1:] * 2
            else:  # SPLIT: both ends, leaving the largest gap between picks unwalked
                gaps = [q.y - p.y for p, q in itertools.pairwise(picks)]
                cut = 1 + gaps.index(max(gaps))
                used = (legs[:cut] + legs[cut + 1 :]) * 2
            for u, v in used:
                add(u, v)
        for k, mk in enumerate(horizontal.get(ci, ())):
            for _ in range(mk):
                add(ci * J + k, (ci + 1) * J + k)
    if depot < 0:  # pragma: no cover - build_columns always has a depot column
        raise RuntimeError("no depot column")
    used_edge = bytearray(len(ends) >> 1)
    nxt = [0] * len(adj)
    stack = [depot]
    circuit: list[int] = []  # vertices as they are popped: the circuit, backwards
    while stack:
        u = stack[-1]
        row = adj[u]
        i = nxt[u]
        while i < len(row) and used_edge[row[i]]:
            i += 1
        nxt[u] = i
        if i == len(row):
            circuit.append(stack.pop())
            continue
        e = row[i]
        used_edge[e] = 1
        stack.append(ends[2 * e] if ends[2 * e + 1] == u else ends[2 * e + 1])
    base = len(cols) * J
    seen = dict.fromkeys(points[v - base] for v in reversed(circuit) if v >= base)
    return tuple(seen)

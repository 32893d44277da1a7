"""Exact face choice and route by labels over the aisle programme (rectangular layouts).

The sweep of :mod:`engine.routing.aisle_dp` carries, besides the programme's state at a
column, what is still missing of each demand: a *label* is ``(cost, need)`` where ``need``
packs every demand's missing units into 64-bit words (a field of ``W`` bits per demand, its
top bit a guard, so that "take these units" is one saturating subtraction a word and "needs
no more than" one comparison a word). At a block segment a label may take the programme's
options with any reach: traverse (every face of the segment), enter from the front to a
candidate depth, from the back, or from both; only depths holding a face of a demand the
label still needs are tried. Labels at the same state are kept only when no other is both
cheaper and needs no more (dominance), and dropped when their cost plus a lower bound on
what the missing demands still cost reaches the best trip known (``upper`` first, then
every closed tour). A closing state whose label needs nothing is a trip; the cheapest is
optimal, proven, since only dominated or bounded labels were dropped.

The bound, per node: the largest over missing demands of the least cost to a closed tour
that takes that demand's missing units (every other demand ignored), and, with ``prizes``,
a Lagrangian bound (the least cost to a closed tour less a prize per unit covered, plus the
prizes of the missing units). Both are backward sweeps of the programme.

The sweep itself is compiled (:mod:`engine.routing.face_kernel`); this module builds its
arrays and reads the clock between columns. Complexity: O(columns * labels * options) plus
the dominance checks, O(labels of a state squared) per step, with at most ``max_labels``
labels alive (beyond, :func:`solve_labels` gives up and the caller falls back); demands
sharing a face are not handled here (their stock is shared), nor are more than
:data:`MAX_DEMANDS` demands.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from engine.layout.rectangular import RectangularLayout, RectPoint
from engine.routing.tables import compiled_tables

__all__ = ["MAX_DEMANDS", "Columns", "Problem", "columns", "prepare", "root_bound", "solve_labels", "warm_up"]

#: Most demands the labels track (one bit field each; beyond, the caller uses the programme).
MAX_DEMANDS = 200
#: Entries of the per-unit cost-to-go table (columns x phases x states x demands x units) kept;
#: beyond, it tracks only whether a demand still misses units (a weaker bound).
MAX_TOGO = 4_000_000
#: Most combinations of missing units in one exact group of the Lagrangian bound, and most groups.
GROUP_SIZE = 256
GROUPS = 4
#: Most labels held at once (made in one step included; about 100 bytes each: some 50 MB).
MAX_POOL = 1 << 19
#: Sweep operations a second assumed before the first column is timed.
_RATE0 = 2e6


@dataclass(frozen=True, slots=True)
class Columns:
    """The sweep's columns as the compiled kernel builds them: ``(x, aisle or 0, is depot)``."""

    cols: tuple[tuple[float, int, int], ...]
    col_of: dict[int, int]  # aisle -> column index
    depot_col: int


def columns(layout: RectangularLayout, aisles: Sequence[int], depot_x: float) -> Columns:
    """Columns from the outermost of ``aisles`` and the depot's aisle(s); a depot between aisles
    is a column of its own (as :func:`engine.routing.kernel.sweep` has it)."""
    pitch = layout.aisle_pitch_m
    f = depot_x / pitch + 1.0
    depot_aisle = math.floor(f + 0.5)
    on_aisle = abs(f - depot_aisle) < 1e-9
    lo_d, hi_d = (depot_aisle, depot_aisle) if on_aisle else (math.floor(f), math.ceil(f))
    lo, hi = min(lo_d, *aisles), max(hi_d, *aisles)
    cols: list[tuple[float, int, int]] = []
    for a in range(lo, hi + 1):
        if not on_aisle and a == hi_d:
            cols.append((depot_x, 0, 1))
        cols.append(((a - 1) * pitch, a, int(on_aisle and a == depot_aisle)))
    col_of = {a: ci for ci, (_, a, _) in enumerate(cols) if a}
    return Columns(tuple(cols), col_of, next(ci for ci, c in enumerate(cols) if c[2]))


@dataclass(frozen=True, slots=True)
class _Packing:
    """Where each demand's field lives: ``W`` bits, ``per`` fields a word, ``nw`` words."""

    W: int
    per: int
    nw: int

    def word(self, d: int) -> int:
        return d // self.per

    def shift(self, d: int) -> int:
        return self.W * (d % self.per)

    def pack(self, units: dict[int, int], caps: Sequence[int]) -> np.ndarray:
        out = np.zeros(self.nw, dtype=np.uint64)
        for d, u in units.items():
            out[self.word(d)] |= np.uint64(min(u, caps[d]) << self.shift(d))
        return out


@dataclass(slots=True)
class Problem:
    """The arrays of one label search (built once, reused by every pass over the same trip)."""

    W: int  # bits per demand field
    faces_at: list[list[int]]  # per global depth row: the faces there
    seg_rows: list[tuple[int, int]]  # per segment: its depth rows lo..hi
    args: tuple[Any, ...]  # the problem's arrays for face_kernel.advance
    need0: np.ndarray
    guard: np.ndarray
    n_states: int
    empty: int
    ncol: int
    togo_args: tuple[Any, ...]
    pz_units: np.ndarray  # per depth row and demand: units min(stock, qty) there
    wd: np.ndarray
    sh: np.ndarray
    val: np.uint64
    close1: np.ndarray
    togo: np.ndarray
    rcap: int
    lag_cache: dict[tuple[float, ...], Any]


def prepare(
    layout: RectangularLayout,
    points: Sequence[RectPoint],
    stock: Sequence[int],
    demands: Sequence[tuple[int, Sequence[int]]],
    depot_x: float,
) -> Problem:
    """The kernel's arrays for one trip: columns, segments, packed units, the cost-to-go table."""
    from engine.routing import face_kernel as fk

    K = layout.blocks
    t = compiled_tables(K)
    h = layout.block_depth_m + layout.cross_aisle_width_m
    nd = len(demands)
    qty = [q for q, _ in demands]
    W = max(qty).bit_length() + 1
    per = 64 // W
    pk = _Packing(W, per, -(-nd // per))
    owner: dict[int, int] = {}
    for d, (_, fs) in enumerate(demands):
        for f in fs:
            owner[f] = d
    used = sorted(owner)
    cols = columns(layout, [points[f].aisle for f in used], depot_x)
    ncol = len(cols.cols)

    def rel(f: int) -> float:
        return points[f].y - (points[f].block - 1) * h

    # Unit demands: of a demand's faces in one segment only the shallowest and deepest matter
    # (a reach covering one between covers one of them too).
    by_seg: dict[tuple[int, int], dict[float, list[int]]] = {}
    extremes: dict[tuple[int, int, int], list[int]] = {}
    for f in used:
        p = points[f]
        key = (cols.col_of[p.aisle], p.block - 1)
        if qty[owner[f]] == 1:
            extremes.setdefault((*key, owner[f]), []).append(f)
        else:
            by_seg.setdefault(key, {}).setdefault(rel(f), []).append(f)
    for (ci, b, _d), fs in extremes.items():
        fs.sort(key=lambda f: (rel(f), f))
        for f in sorted({fs[0], fs[-1]}):
            by_seg.setdefault((ci, b), {}).setdefault(rel(f), []).append(f)
    seg_of = np.full((ncol, K), -1, dtype=np.int64)
    seg_ptr = [0]
    depth: list[float] = []
    faces_at: list[list[int]] = []
    full, bot, top, pres, units_rows = [], [], [], [], []
    seg_rows: list[tuple[int, int]] = []
    vals = (1 << (W - 1)) - 1
    for key in sorted(by_seg):
        at = by_seg[key]
        seg_of[key] = len(seg_rows)
        lo = len(depth)
        depths = sorted(at)
        per_depth = []
        for dp in depths:
            fs = sorted(at[dp])
            u: dict[int, int] = {}
            for f in fs:
                u[owner[f]] = u.get(owner[f], 0) + stock[f]
            per_depth.append(u)
            depth.append(dp)
            faces_at.append(fs)
            pm = np.zeros(pk.nw, dtype=np.uint64)
            for d in u:
                pm[pk.word(d)] |= np.uint64(vals << pk.shift(d))
            pres.append(pm)
            units_rows.append([min(u.get(d, 0), qty[d]) for d in range(nd)])
        acc: dict[int, int] = {}
        for u in per_depth:
            for d, q in u.items():
                acc[d] = acc.get(d, 0) + q
            bot.append(pk.pack(acc, qty))
        full.append(pk.pack(acc, qty))
        acc = {}
        tops = []
        for u in reversed(per_depth):
            for d, q in u.items():
                acc[d] = acc.get(d, 0) + q
            tops.append(pk.pack(acc, qty))
        top.extend(reversed(tops))
        seg_rows.append((lo, len(depth)))
        seg_ptr.append(len(depth))
    nw = pk.nw
    guard = np.zeros(nw, dtype=np.uint64)
    need0 = np.zeros(nw, dtype=np.uint64)
    for d in range(nd):
        guard[pk.word(d)] |= np.uint64(1 << (pk.shift(d) + W - 1))
        need0[pk.word(d)] |= np.uint64(qty[d] << pk.shift(d))
    col_x = np.array([c[0] for c in cols.cols], dtype=np.float64)
    col_a = np.array([c[1] for c in cols.cols], dtype=np.int64)
    col_dep = np.array([c[2] for c in cols.cols], dtype=np.int64)
    seg_ptr_a = np.array(seg_ptr, dtype=np.int64)
    depth_a = np.array(depth, dtype=np.float64)

    def stack(rows: list[np.ndarray]) -> np.ndarray:
        return np.array(rows, dtype=np.uint64).reshape(len(rows), nw)

    units = np.array(units_rows, dtype=np.int64).reshape(len(depth), nd)
    tab = (t.seg.astype(np.int64), t.hor_ptr.astype(np.int64), t.hor_src.astype(np.int64),
           t.hor_edges.astype(np.float64), t.final.astype(np.int64))
    last_req = cols.depot_col
    rcap = max(qty)
    while rcap > 1 and ncol * (K + 1) * t.n_states * nd * (rcap + 1) > MAX_TOGO:
        rcap //= 2
    geo = (col_x, col_a, col_dep, last_req, seg_of, seg_ptr_a, depth_a)
    close1, togo = fk.unit_to_go(*geo, units, rcap, h, *tab)
    wd = np.array([pk.word(d) for d in range(nd)], dtype=np.int64)
    sh = np.array([pk.shift(d) for d in range(nd)], dtype=np.int64)
    args = (*geo, stack(full), stack(bot), stack(top), stack(pres), h, *tab)
    return Problem(W, faces_at, seg_rows, args, need0, guard, t.n_states, t.empty, ncol, (*geo,),
                   units, wd, sh, np.uint64(vals), close1, togo, rcap, {})


def prize_table(prob: Problem, prizes: Sequence[float], h: float) -> np.ndarray:
    """The Lagrangian cost-to-go of :func:`face_kernel.prize_to_go` for these prizes (kept per problem)."""
    from engine.routing import face_kernel as fk

    key = tuple(float(p) for p in prizes)
    got = prob.lag_cache.get(key)
    if got is None:
        pz = prob.pz_units @ np.asarray(key, dtype=np.float64)
        tab = prob.args[-5:]
        sweep: Any = fk.prize_to_go  # a numba dispatcher: mypy cannot count starred arguments
        got = prob.lag_cache[key] = sweep(*prob.togo_args, pz, h, *tab)
    return got


def group_tables(prob: Problem, prizes: Sequence[float], h: float, groups: int) -> tuple[np.ndarray, ...]:
    """``(gtab, gmem, gcap, gbase)`` for :func:`face_kernel.bound`: up to ``groups`` groups of demands
    covered exactly inside the Lagrangian bound (kept per problem and prizes).

    Demands by ``prize x units`` (the relaxation's price of covering them), largest first, fill
    groups of at most :data:`GROUP_SIZE` combinations of missing units (a demand's units capped to
    fit: requiring fewer is still a bound).
    """
    from engine.routing import face_kernel as fk

    key = (*(float(p) for p in prizes), -1.0, float(groups))
    got = prob.lag_cache.get(key)
    if got is not None:
        return cast(tuple[np.ndarray, ...], got)
    nd = prob.wd.shape[0]
    qty = [(int(prob.need0[prob.wd[d]]) >> int(prob.sh[d])) & int(prob.val) for d in range(nd)]
    order = sorted(range(nd), key=lambda d: (-prizes[d] * qty[d], d))
    members: list[list[tuple[int, int]]] = []
    cur: list[tuple[int, int]] = []
    size = 1
    for d in order:
        if len(members) == groups or prizes[d] <= 0:
            break
        cap = min(qty[d], prob.rcap)
        while cap > 1 and size * (cap + 1) > GROUP_SIZE:
            cap -= 1
        if size * (cap + 1) > GROUP_SIZE:
            members.append(cur)
            cur, size = [], 1
            if len(members) == groups:
                break
            cap = min(qty[d], prob.rcap)
            while cap > 1 and cap + 1 > GROUP_SIZE:
                cap -= 1
        cur.append((d, cap))
        size *= cap + 1
    if cur and len(members) < groups:
        members.append(cur)
    ng = len(members)
    mmax = max((len(g) for g in members), default=1)
    sizes = [int(np.prod([c + 1 for _, c in g])) for g in members]
    t = prob.togo.shape
    gtab = np.zeros((ng, t[0], t[1], t[2], max(sizes, default=1)))
    gmem = np.full((ng, mmax), -1, dtype=np.int64)
    gcap = np.zeros((ng, mmax), dtype=np.int64)
    gbase = np.zeros((ng, mmax), dtype=np.int64)
    pr = np.asarray(prizes, dtype=np.float64)
    tab = prob.args[-5:]
    sweep: Any = fk.group_to_go
    for g, mem in enumerate(members):
        ids = [d for d, _ in mem]
        caps = np.array([c for _, c in mem], dtype=np.int64)
        base = np.cumprod(np.concatenate(([1], caps[:-1] + 1))).astype(np.int64)
        other = pr.copy()
        other[ids] = 0.0
        pz = prob.pz_units @ other
        gunits = np.ascontiguousarray(prob.pz_units[:, ids])
        gtab[g, ..., : sizes[g]] = sweep(*prob.togo_args, pz, gunits, caps, base, sizes[g], h, *tab)
        gmem[g, : len(ids)] = ids
        gcap[g, : len(ids)] = caps
        gbase[g, : len(ids)] = base
    out = (gtab, gmem, gcap, gbase)
    prob.lag_cache[key] = out
    return out


def subgradient_prizes(prob: Problem, h: float, upper: float, iterations: int = 80,
                       deadline: float = math.inf) -> tuple[list[float], float]:
    """Prizes for the Lagrangian bound by subgradient ascent, and the best bound reached.

    Each step sweeps :func:`face_kernel.prize_to_go` and reads the least walk
    (:func:`face_kernel.prize_path`): a demand it covers short raises its prize, one covered over
    lowers it (Polyak steps towards ``upper``, halved after 5 steps without a better bound).
    Starts from each demand's own bound per unit. O(iterations) sweeps; any result is a valid
    set of prizes, the bound approaches the linear relaxation's.
    """
    from engine.routing import face_kernel as fk

    nd = prob.wd.shape[0]
    e = prob.empty
    q = np.array([(int(prob.need0[prob.wd[d]]) >> int(prob.sh[d])) & int(prob.val) for d in range(nd)],
                 dtype=np.float64)
    own = np.array([float(prob.togo[0, 0, e, d, min(int(q[d]), prob.rcap)]) for d in range(nd)])
    pi = np.where(np.isfinite(own), own, 0.0) / np.maximum(q, 1.0) / max(1, nd) * 4.0
    tab = prob.args[-5:]
    sweep: Any = fk.prize_to_go
    path: Any = fk.prize_path
    best_pi, best_l = pi.copy(), -math.inf
    theta, stall = 2.0, 0
    for _ in range(iterations):
        if time.monotonic() > deadline:
            break
        pz = prob.pz_units @ pi
        lag = sweep(*prob.togo_args, pz, h, *tab)
        val = float(lag[0, 0, e]) + float(pi @ q)
        if val > best_l + 1e-9:
            best_l, best_pi, stall = val, pi.copy(), 0
        else:
            stall += 1
            if stall >= 5:
                theta, stall = theta / 2.0, 0
        cov = path(*prob.togo_args, pz, h, *tab, lag, e)
        g = q - cov.astype(np.float64) @ prob.pz_units
        norm = float(g @ g)
        if norm <= 0.0 or theta < 1e-3:
            break
        target = upper if math.isfinite(upper) else 1.05 * abs(best_l) + 1.0
        pi = np.maximum(0.0, pi + theta * max(target - val, 1e-6) / norm * g)
    prob.lag_cache.pop(tuple(float(p) for p in best_pi), None)
    return [float(p) for p in best_pi], best_l


def root_bound(prob: Problem, prizes: Sequence[float] | None, h: float) -> float:
    """A proven lower bound on every walk of the problem: the labels' bound at the start.

    The larger of the per-demand bound (the hardest demand alone) and, with ``prizes``, the
    Lagrangian one (for the linear relaxation's duals: about the relaxation's value).
    """
    e = prob.empty
    out = float(prob.close1[0, 0, e])
    owed = 0.0
    for d in range(prob.wd.shape[0]):
        r = (int(prob.need0[prob.wd[d]]) >> int(prob.sh[d])) & int(prob.val)
        out = max(out, float(prob.togo[0, 0, e, d, min(r, prob.rcap)]))
        owed += (prizes[d] if prizes is not None else 0.0) * r
    if prizes is not None and any(p > 0 for p in prizes):
        out = max(out, float(prize_table(prob, list(prizes), h)[0, 0, e]) + owed)
    return out


def solve_labels(
    layout: RectangularLayout,
    points: Sequence[RectPoint],
    stock: Sequence[int],
    demands: Sequence[tuple[int, Sequence[int]]],
    depot_x: float,
    upper: float,
    deadline: float,
    max_labels: int = 200000,
    beam: int | None = None,
    prizes: Sequence[float] | None = None,
    max_work: int | None = None,
    prepared: Problem | None = None,
    groups: int = 0,
) -> tuple[float, list[int]] | None:
    """The cheapest walk covering every demand, if cheaper than ``upper``; exact.

    ``demands`` are ``(units, faces)`` over faces no two demands share; ``points[f]`` and
    ``stock[f]`` describe face ``f``. Returns ``(length, covered faces)`` of the best walk
    shorter than ``upper`` (``(upper, [])`` when none is: ``upper`` is then optimal), or
    None when the labels outgrow ``max_labels``, the work (labels made and compared)
    ``max_work``, or the deadline passes (``max_work`` bounds the work without a clock). With
    ``beam`` only that many labels per state survive each step (least cost plus bound): a
    heuristic, fast, and the walk it returns is real but not proven shortest. ``prizes`` (per
    demand and missing unit, e.g. the duals of the covering rows of the programme's linear
    relaxation) add a Lagrangian bound, valid for any non-negative prizes, strong for good ones;
    ``groups`` more such bounds, each with a few demands covered exactly (:func:`group_tables`).
    ``prepared``: the arrays of :func:`prepare` for the same arguments, to reuse.
    """
    from engine.routing import face_kernel as fk

    prob = prepared if prepared is not None else prepare(layout, points, stock, demands, depot_x)
    h = layout.block_depth_m + layout.cross_aisle_width_m
    nd = len(demands)
    use_lag = prizes is not None and any(p > 0 for p in prizes)
    prize_a = np.asarray(prizes if use_lag else [0.0] * nd, dtype=np.float64)
    lag = prize_table(prob, prize_a.tolist(), h) if use_lag else np.zeros((1, 1, 1))
    grp = (group_tables(prob, prize_a.tolist(), h, groups) if use_lag and groups else
           (np.zeros((0, 1, 1, 1, 1)), np.zeros((0, 1), dtype=np.int64), np.zeros((0, 1), dtype=np.int64),
            np.zeros((0, 1), dtype=np.int64)))
    nw = prob.need0.shape[0]
    cap = 1 << 14
    cost = np.empty(cap)
    need = np.empty((cap, nw), dtype=np.uint64)
    lb = np.empty(cap)
    parent = np.empty(cap, dtype=np.int64)
    opt = np.empty((cap, 4), dtype=np.int64)
    state = np.empty(cap, dtype=np.int64)
    cost[0], need[0], lb[0], parent[0], state[0] = 0.0, prob.need0, 0.0, -1, prob.empty
    opt[0] = (-1, -1, 0, 0)
    n = prob.n_states
    front = np.zeros(n + 1, dtype=np.int64)
    front[prob.empty + 1:] = 1
    n_pool = 1
    best = np.array([upper, -1.0])
    packing = (prob.guard, prob.val, np.uint64(prob.W - 1), prob.wd, prob.sh, prob.close1, prob.togo, prob.rcap,
               lag, prize_a, use_lag, *grp)
    advance: Any = fk.advance  # a numba dispatcher: mypy cannot count starred arguments
    work_left = max_work if max_work is not None else 1 << 62
    clocked = math.isfinite(deadline)
    rate = _RATE0
    for ci in range(prob.ncol):
        saved, n0 = front.copy(), n_pool
        floor = 1000
        while True:
            cap_work = work_left
            if clocked:
                now = time.monotonic()
                room = int((deadline - now) * rate)  # the work the time left allows, at the rate measured
                if now >= deadline or (floor > 1000 and floor > room):
                    return None  # (a column cut short needs more work than the time left: it would overrun)
                cap_work = min(cap_work, max(floor, int(0.7 * room)))
            t0 = time.monotonic() if clocked else 0.0
            status, n_pool, work = advance(ci, front, n_pool, cost, need, lb, parent, opt, state, best,
                                           *prob.args, *packing, beam or 0, max_labels, cap_work)
            work_left -= work
            if clocked:
                dt = time.monotonic() - t0
                if dt > 1e-3 and work > 1000:
                    rate = max(1e5, work / dt)
            if status == fk.FULL:
                if cap >= MAX_POOL:
                    return None
                cap = 2 * cap
                cost, need, lb, parent, opt, state = (
                    np.concatenate([a, np.empty((cap - a.shape[0], *a.shape[1:]), dtype=a.dtype)])
                    for a in (cost, need, lb, parent, opt, state))
            elif status == fk.WORK and cap_work < work_left:
                floor = 2 * max(floor, cap_work)  # the clock's share cut the column short: again, with more
            else:
                break  # done, or out of labels or of work
            front[:] = saved
            n_pool = n0
        if status != fk.OK:
            return None
    if best[1] < 0:
        return upper, []
    covered: set[int] = set()
    li = int(best[1])
    while li >= 0:
        g, code, i, j = (int(v) for v in opt[li])
        if g >= 0 and code > 0:
            lo, hi = prob.seg_rows[g]
            rows = (range(lo, hi) if code in (1, 2) else range(lo, lo + i + 1) if code == 3
                    else range(lo + j, hi) if code == 4 else [*range(lo, lo + i + 1), *range(lo + j, hi)])
            for r in rows:
                covered.update(prob.faces_at[r])
        li = int(parent[li])
    return float(best[0]), sorted(covered)


_WARM: list[bool] = []


def warm_up() -> None:
    """Load the compiled kernels now (numba's disk cache, about a second, once per process).

    :func:`engine.routing.faces.solve_faces` calls this before it reads the clock, so a first
    search does not spend its time limit loading code.
    """
    if _WARM:
        return
    lay = RectangularLayout("warm", blocks=1, aisles=2, slots_per_side=4, slot_length_m=1.0,
                            aisle_pitch_m=3.0, cross_aisle_width_m=2.0)
    pts = [lay.point("A01-B1-S002-L"), lay.point("A02-B1-S003-R")]
    subgradient_prizes(prepare(lay, pts, [1, 2], [(2, [0, 1])], 0.0), 11.0, 20.0, iterations=2)
    from engine.routing.compiled import RouteScorer

    RouteScorer(lay, pts).lengths([[0], [0, 1]])  # the ruin and recreate search's kernel
    for prizes in (None, [1.0]):
        solve_labels(lay, pts, [1, 2], [(2, [0, 1])], 0.0, math.inf, math.inf, beam=2, prizes=prizes)
        solve_labels(lay, pts, [1, 2], [(2, [0, 1])], 0.0, math.inf, time.monotonic() + 60.0, prizes=prizes,
                     groups=1 if prizes else 0)
    _WARM.append(True)

"""Exact face choice and route by labels over the aisle programme (rectangular layouts).

The sweep of :mod:`engine.routing.aisle_dp` carries, besides the programme's state at a
column, what is still missing of each demand: a *label* is ``(cost, need)`` where ``need``
packs every demand's missing units into one integer (a field of ``W`` bits per demand, its
top bit a guard, so that "take these units" is one saturating subtraction and "needs no
more than" one comparison over all fields at once). At a block segment a label may take
the programme's options with any reach: traverse (every face of the segment), enter from
the front to a candidate depth, from the back, or from both; only depths holding a face of
a demand the label still needs are tried. Labels at the same state are kept only when no
other is both cheaper and needs no more (dominance), and dropped when their cost plus a
lower bound on what the missing demands still cost reaches the best trip known (the
greedy trip first, then every closed tour). A closing state whose label needs nothing is a
trip; the cheapest is optimal, proven, since only dominated or bounded labels were dropped.

The bound: a missing demand's cheapest face to the right of the column costs at least
twice the horizontal distance to it plus the cheapest way into its segment
(``min(2 * depth, 2 * (h - depth), h)``); the largest of these over missing demands.

Complexity: O(columns * labels * options) with at most ``max_labels`` labels alive (beyond,
:func:`solve_labels` gives up and the caller falls back); demands sharing a face are not
handled here (their stock is shared), nor are more than :data:`MAX_DEMANDS` demands.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np

from engine.layout.rectangular import RectangularLayout, RectPoint
from engine.routing.tables import CompiledTables, compiled_tables

__all__ = ["MAX_DEMANDS", "Columns", "columns", "solve_labels"]

#: Most demands the labels track (one bit field each; beyond, the caller uses the programme).
MAX_DEMANDS = 200
_EPS = 1e-9


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


@dataclass(slots=True)
class _Seg:
    depths: list[float]
    faces_at: list[list[int]]  # faces at each depth
    pres: list[int]  # per depth: value bits of the demands with a face there
    bot: list[int]  # per depth i: units the faces at depths <= i give (packed, capped)
    top: list[int]  # per depth j: units the faces at depths >= j give
    full: int


# A label: (cost, need, parent label, option) with option (column, segment, code, i, j) or None.
Label = tuple[float, int, "Label | None", "tuple[int, int, int, int, int] | None"]


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
) -> tuple[float, list[int]] | None:
    """The cheapest walk covering every demand, if cheaper than ``upper``; exact.

    ``demands`` are ``(units, faces)`` over faces no two demands share; ``points[f]`` and
    ``stock[f]`` describe face ``f``. Returns ``(length, covered faces)`` of the best walk
    shorter than ``upper`` (``(upper, [])`` when none is: ``upper`` is then optimal), or
    None when the labels outgrow ``max_labels``, the work (labels compared for dominance)
    ``max_work``, or the deadline passes (``max_work`` bounds the work without a clock). With ``beam`` only
    that many labels per state survive each step (least cost plus bound): a heuristic, fast,
    and the walk it returns is real but not proven shortest. ``prizes`` (per demand and
    missing unit, e.g. the duals of the covering rows of the programme's linear relaxation)
    add a Lagrangian bound: the least cost to go when every covered unit earns its prize, plus
    the prizes of what is missing; valid for any non-negative prizes, strong for good ones.
    """
    K = layout.blocks
    t = compiled_tables(K)
    h = layout.block_depth_m + layout.cross_aisle_width_m
    nd = len(demands)
    W = max(q for q, _ in demands).bit_length() + 1
    val = (1 << (W - 1)) - 1
    guard = sum(1 << (W * d + W - 1) for d in range(nd))
    vmask = [val << (W * d) for d in range(nd)]
    need0 = sum(q << (W * d) for d, (q, _) in enumerate(demands))
    owner: dict[int, int] = {}
    for d, (_, fs) in enumerate(demands):
        for f in fs:
            owner[f] = d
    used = sorted(owner)
    cols = columns(layout, [points[f].aisle for f in used], depot_x)
    ncol = len(cols.cols)

    def rel(f: int) -> float:
        return points[f].y - (points[f].block - 1) * h

    def pack(units: dict[int, int]) -> int:
        return sum(min(u, demands[d][0]) << (W * d) for d, u in units.items())

    # Unit demands: of a demand's faces in one segment only the shallowest and deepest matter
    # (a reach covering one between covers one of them too).
    by_seg: dict[tuple[int, int], dict[float, list[int]]] = {}
    extremes: dict[tuple[int, int, int], list[int]] = {}
    for f in used:
        p = points[f]
        key = (cols.col_of[p.aisle], p.block - 1)
        if demands[owner[f]][0] == 1:
            extremes.setdefault((*key, owner[f]), []).append(f)
        else:
            by_seg.setdefault(key, {}).setdefault(rel(f), []).append(f)
    for (ci, b, _d), fs in extremes.items():
        fs.sort(key=lambda f: (rel(f), f))
        for f in {fs[0], fs[-1]}:
            by_seg.setdefault((ci, b), {}).setdefault(rel(f), []).append(f)
    segs: dict[tuple[int, int], _Seg] = {}
    for key, at in by_seg.items():
        depths = sorted(at)
        faces_at = [sorted(at[dp]) for dp in depths]
        per = [{owner[f]: 0 for f in fs} for fs in faces_at]
        for i, fs in enumerate(faces_at):
            for f in fs:
                per[i][owner[f]] += stock[f]
        pres = [sum(vmask[d] for d in u) for u in per]
        bot: list[int] = []
        acc: dict[int, int] = {}
        for u in per:
            for d, q in u.items():
                acc[d] = acc.get(d, 0) + q
            bot.append(pack(acc))
        top_rev: list[int] = []
        acc = {}
        for u in reversed(per):
            for d, q in u.items():
                acc[d] = acc.get(d, 0) + q
            top_rev.append(pack(acc))
        segs[key] = _Seg(depths, faces_at, pres, bot, top_rev[::-1], bot[-1])

    last_req = cols.depot_col
    togo = _cost_to_go(t, cols, segs, demands, owner, points, h, last_req)
    inf = math.inf
    order_cache: dict[tuple[int, int, int], list[tuple[float, int]]] = {}
    lagr = None
    tables: list[list[float]] = []
    cbits = cmask = 0
    if prizes is not None and W <= 12 and any(p > 0 for p in prizes):
        lagr = _prize_to_go(t, cols, segs, demands, owner, stock, prizes, h, last_req)
        per_chunk = max(1, 8 // W)
        cbits = per_chunk * W
        cmask = (1 << cbits) - 1
        for k in range(0, nd, per_chunk):
            fields = range(k, min(nd, k + per_chunk))
            tables.append([sum(prizes[d] * ((v >> ((d - k) * W)) & val) for d in fields)
                           for v in range(1 << cbits)])

    def owed(need: int) -> float:
        """Sum over demands of prize x missing units."""
        total = 0.0
        for tab in tables:
            total += tab[need & cmask]
            need >>= cbits
        return total

    def bound(ci: int, phase: int, s: int, need: int) -> float:
        """Least cost from node (ci, phase, s) to a closed tour covering what ``need`` misses."""
        v1, v0 = togo[ci][phase]
        if need == 0:
            return float(v1[s])
        lb = float(lagr[ci][phase][s]) + owed(need) if lagr is not None else -inf
        rows = order_cache.get((ci, phase, s))
        if rows is None:
            col = v0[:, s]
            idx = np.argsort(-col, kind="stable")
            rows = order_cache[(ci, phase, s)] = [(float(col[d]), vmask[d]) for d in idx.tolist()]
        for v, m in rows:
            if need & m:
                return max(v, float(v1[s]), lb)
        return max(float(v1[s]), lb)  # pragma: no cover - need is nonzero

    best_cost = upper
    best_label: Label | None = None
    alive = 0
    work = 0
    work_cap = max_work if max_work is not None else math.inf

    def add(bucket: dict[int, dict[int, Label]], s: int, lab: Label) -> None:
        d = bucket.get(s)
        if d is None:
            bucket[s] = {lab[1]: lab}
            return
        o = d.get(lab[1])
        if o is None or lab[0] < o[0] - _EPS:
            d[lab[1]] = lab

    def pareto(bucket: dict[int, dict[int, Label]], ci: int, phase: int) -> dict[int, list[Label]]:
        """Per state, the labels no other is both cheaper than and needs no more than;
        with ``beam``, only the ``beam`` of least cost plus bound."""
        nonlocal alive, work
        out: dict[int, list[Label]] = {}
        alive = 0
        for st in sorted(bucket):
            if time.monotonic() > deadline:
                return {}
            kept: list[Label] = []
            needs: list[int] = []
            for lab in sorted(bucket[st].values(), key=lambda lb: (lb[0], lb[1])):
                ng = lab[1] | guard
                work += len(needs) + 1
                if work > work_cap:
                    return out  # the caller gives up
                if any(((ng - kn) & guard) == guard for kn in needs):
                    continue
                kept.append(lab)
                needs.append(lab[1])
            if beam is not None and len(kept) > beam:
                kept.sort(key=lambda lb: (lb[0] + bound(ci, phase, st, lb[1]), lb[1]))
                del kept[beam:]
            out[st] = kept
            alive += len(kept)
        return out

    def satsub(need: int, give: int) -> int:
        r = (need | guard) - give
        ok = r & guard
        return r & ((ok >> (W - 1)) * val)

    cur: dict[int, list[Label]] = {t.empty: [(0.0, need0, None, None)]}
    alive = 1
    for ci, (x, a, dep) in enumerate(cols.cols):
        if time.monotonic() > deadline:
            return None
        if a:
            for b in range(K):
                seg = segs.get((ci, b))
                row = t.seg[b]
                r0, r1, r2, r3, r4, r5 = (row[c] for c in range(6))
                nxt: dict[int, dict[int, Label]] = {}
                for s in sorted(cur):
                    if time.monotonic() > deadline:
                        return None
                    for k, lab in enumerate(cur[s]):
                        if k & 255 == 255 and (work > work_cap or time.monotonic() > deadline):
                            return None
                        cost, need = lab[0], lab[1]
                        ns = int(r0[s])
                        if cost + bound(ci, b + 1, ns, need) < best_cost - _EPS:
                            add(nxt, ns, lab)
                        for code, rr, extra in ((1, r1, h), (2, r2, 2.0 * h)):
                            c2 = cost + extra
                            n2 = satsub(need, seg.full) if seg is not None else need
                            ns = int(rr[s])
                            if c2 + bound(ci, b + 1, ns, n2) < best_cost - _EPS:
                                add(nxt, ns, (c2, n2, lab, (ci, b, code, 0, 0)))
                        if seg is None:
                            continue
                        useful = [i for i, pm in enumerate(seg.pres) if need & pm]
                        work += 1 + len(useful) * (len(useful) + 3) // 2
                        for i in useful:
                            c2 = cost + 2.0 * seg.depths[i]
                            n2 = satsub(need, seg.bot[i])
                            ns = int(r3[s])
                            if c2 + bound(ci, b + 1, ns, n2) < best_cost - _EPS:
                                add(nxt, ns, (c2, n2, lab, (ci, b, 3, i, 0)))
                            c2 = cost + 2.0 * (h - seg.depths[i])
                            n2 = satsub(need, seg.top[i])
                            ns = int(r4[s])
                            if c2 + bound(ci, b + 1, ns, n2) < best_cost - _EPS:
                                add(nxt, ns, (c2, n2, lab, (ci, b, 4, 0, i)))
                        for x1, i in enumerate(useful):
                            nb = satsub(need, seg.bot[i])
                            cb = cost + 2.0 * seg.depths[i]
                            for j in useful[x1 + 1:]:
                                c2 = cb + 2.0 * (h - seg.depths[j])
                                n2 = satsub(nb, seg.top[j])
                                ns = int(r5[s])
                                if c2 + bound(ci, b + 1, ns, n2) < best_cost - _EPS:
                                    add(nxt, ns, (c2, n2, lab, (ci, b, 5, i, j)))
                cur = pareto(nxt, ci, b + 1)
                if alive > max_labels or work > work_cap or time.monotonic() > deadline:
                    return None
        if ci >= last_req:
            for s in sorted(cur):
                if t.final[dep, s]:
                    for lab in cur[s]:
                        if lab[1] == 0 and lab[0] < best_cost - _EPS:
                            best_cost, best_label = lab[0], lab
        if ci == ncol - 1:
            break
        dx = cols.cols[ci + 1][0] - x
        ptr, src, edges = t.hor_ptr[dep], t.hor_src, t.hor_edges
        nxt = {}
        for ns in range(t.n_states):
            for m in range(int(ptr[ns]), int(ptr[ns + 1])):
                labs = cur.get(int(src[m]))
                if labs is None:
                    continue
                step = float(edges[m]) * dx
                for lab in labs:
                    c2 = lab[0] + step
                    if c2 + bound(ci + 1, 0, ns, lab[1]) < best_cost - _EPS:
                        add(nxt, ns, (c2, lab[1], lab, None))
        cur = pareto(nxt, ci + 1, 0)
        if alive > max_labels or work > work_cap or time.monotonic() > deadline:
            return None
    if best_label is None:
        return upper, []
    covered: set[int] = set()
    lab_: Label | None = best_label
    while lab_ is not None:
        opt = lab_[3]
        if opt is not None:
            ci, b, code, i, j = opt
            seg = segs.get((ci, b))
            if seg is not None:
                n = len(seg.depths)
                idx = (range(n) if code in (1, 2) else range(i + 1) if code == 3 else range(j, n) if code == 4
                       else [*range(i + 1), *range(j, n)])
                for k in idx:
                    covered.update(seg.faces_at[k])
        lab_ = lab_[2]
    return best_cost, sorted(cast(set[int], covered))


def _cost_to_go(
    t: CompiledTables,
    cols: Columns,
    segs: dict[tuple[int, int], _Seg],
    demands: Sequence[tuple[int, Sequence[int]]],
    owner: dict[int, int],
    points: Sequence[RectPoint],
    h: float,
    last_req: int,
) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """Per node ``(column, phase)``: the least cost to a closed tour, ``(close[s], cover[d, s])``.

    ``close[s]``: from state ``s``, any closed tour; ``cover[d, s]``: one that also reaches a face
    of demand ``d`` (in this column's remaining segments or beyond). A relaxation of the labels'
    walks (a demand alone, reaches from zero up): a lower bound. One backward sweep of the
    programme, vectorised over demands: O(columns * (K * 6 + moves)) array operations.
    """
    K = t.seg.shape[0]
    n = t.n_states
    nd = len(demands)
    inf = math.inf
    ncol = len(cols.cols)
    # per segment and demand: the cheapest reach from the front and from the back that covers it
    reach: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for key, seg in segs.items():
        lo = np.full(nd, inf)
        hi = np.full(nd, -inf)
        for depth, fs in zip(seg.depths, seg.faces_at, strict=True):
            for f in fs:
                d = owner[f]
                lo[d] = min(lo[d], depth)
                hi[d] = max(hi[d], depth)
        present = np.isfinite(lo)
        reach[key] = (present, np.where(present, 2.0 * lo, inf), np.where(present, 2.0 * (h - hi), inf))
    out: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(ncol)]
    nxt1 = np.full(n, inf)
    nxt0 = np.full((nd, n), inf)
    for ci in range(ncol - 1, -1, -1):
        x, a, dep = cols.cols[ci]
        # after the verticals: close here, or move right
        v1 = np.full(n, inf)
        v0 = np.full((nd, n), inf)
        if ci < ncol - 1:
            dx = cols.cols[ci + 1][0] - x
            ptr = t.hor_ptr[dep]
            for ns in range(n):
                lo_m, hi_m = int(ptr[ns]), int(ptr[ns + 1])
                if lo_m == hi_m or not math.isfinite(nxt1[ns]):
                    continue
                for m in range(lo_m, hi_m):
                    s = int(t.hor_src[m])
                    step = float(t.hor_edges[m]) * dx
                    if step + nxt1[ns] < v1[s]:
                        v1[s] = step + nxt1[ns]
                    np.minimum(v0[:, s], step + nxt0[:, ns], out=v0[:, s])
        if ci >= last_req:
            closing = t.final[dep].astype(bool)
            v1[closing] = 0.0
        phases = [(v1, v0)]
        if a:
            for b in range(K - 1, -1, -1):
                row = t.seg[b]
                seg_key = (ci, b)
                n1 = np.full(n, inf)
                n0 = np.full((nd, n), inf)
                codes = ((0, 0.0), (1, h), (2, 2.0 * h))
                info = reach.get(seg_key)
                for code, cost in codes:
                    r = row[code]
                    np.minimum(n1, cost + v1[r], out=n1)
                    if code and info is not None:
                        cover = np.where(info[0][:, None], cost + v1[r][None, :], cost + v0[:, r])
                        np.minimum(n0, cover, out=n0)
                    else:
                        np.minimum(n0, cost + v0[:, r], out=n0)
                if info is not None:
                    present, cb, ct = info
                    for code in (3, 4, 5):
                        r = row[code]
                        np.minimum(n1, v1[r], out=n1)  # a reach covering nothing: zero length at least
                        np.minimum(n0, v0[:, r], out=n0)
                        c = cb if code == 3 else ct if code == 4 else np.minimum(cb, ct)
                        np.minimum(n0, c[:, None] + v1[r][None, :], out=n0)
                v1, v0 = n1, n0
                phases.append((v1, v0))
        else:
            phases.extend([(v1, v0)] * K)
        out[ci] = phases[::-1]
        nxt1, nxt0 = v1, v0
    del points
    return out


def _prize_to_go(
    t: CompiledTables,
    cols: Columns,
    segs: dict[tuple[int, int], _Seg],
    demands: Sequence[tuple[int, Sequence[int]]],
    owner: dict[int, int],
    stock: Sequence[int],
    prizes: Sequence[float],
    h: float,
    last_req: int,
) -> list[list[np.ndarray]]:
    """Per node: the least cost to a closed tour, less the prize of every unit it covers.

    Covering a face of demand ``d`` earns ``prizes[d] * min(stock, units of d)``; reaches from
    zero up and the two reaches of a split chosen apart (a relaxation). Any completion that
    covers ``r_d`` missing units of every ``d`` therefore costs at least this plus
    ``sum(prizes[d] * r_d)``. One backward sweep: O(columns * (K * 6 + moves)).
    """
    K = t.seg.shape[0]
    n = t.n_states
    inf = math.inf
    ncol = len(cols.cols)
    opt: dict[tuple[int, int], tuple[float, float, float, float, float]] = {}  # T1 .. SPLIT, prizes off
    for key, seg in segs.items():
        pz = [sum(prizes[owner[f]] * min(stock[f], demands[owner[f]][0]) for f in fs) for fs in seg.faces_at]
        total = sum(pz)
        k = len(pz)
        # reach from the front to depth i: 2 d_i less the prizes up to i; from the back to j alike
        pb, acc = [], 0.0
        for depth, p in zip(seg.depths, pz, strict=True):
            acc += p
            pb.append(2.0 * depth - acc)
        pt, acc = [0.0] * k, 0.0
        for i in range(k - 1, -1, -1):
            acc += pz[i]
            pt[i] = 2.0 * (h - seg.depths[i]) - acc
        bot, top = min(0.0, *pb), min(0.0, *pt)
        split, run = top, 0.0  # the front reach below the back one (either may be empty)
        for j in range(k):
            split = min(split, run + pt[j])
            run = min(run, pb[j])
        split = min(split, run)
        opt[key] = (h - total, 2.0 * h - total, bot, top, split)
    out: list[list[np.ndarray]] = [[] for _ in range(ncol)]
    nxt = np.full(n, inf)
    for ci in range(ncol - 1, -1, -1):
        x, a, dep = cols.cols[ci]
        v = np.full(n, inf)
        if ci < ncol - 1:
            dx = cols.cols[ci + 1][0] - x
            ptr = t.hor_ptr[dep]
            for ns in range(n):
                if not math.isfinite(nxt[ns]):
                    continue
                for m in range(int(ptr[ns]), int(ptr[ns + 1])):
                    s = int(t.hor_src[m])
                    c = float(t.hor_edges[m]) * dx + nxt[ns]
                    if c < v[s]:
                        v[s] = c
        if ci >= last_req:
            closing = t.final[dep].astype(bool)
            v[closing] = np.minimum(v[closing], 0.0)  # closing here, or (prizes) going on for less
        phases = [v]
        if a:
            for b in range(K - 1, -1, -1):
                row = t.seg[b]
                o = opt.get((ci, b))
                costs = ((0, 0.0), (1, h), (2, 2.0 * h)) if o is None else (
                    (0, 0.0), (1, o[0]), (2, o[1]), (3, o[2]), (4, o[3]), (5, o[4]))
                nv = np.full(n, inf)
                for code, c in costs:
                    np.minimum(nv, c + v[row[code]], out=nv)
                v = nv
                phases.append(v)
        else:
            phases.extend([v] * K)
        out[ci] = phases[::-1]
        nxt = v
    return out

"""Classic picker-routing heuristics on rectangular layouts (multi-block definitions).

All five follow the block-by-block frame of Roodbergen & de Koster (2001,
"Routing methods for warehouses with multiple cross aisles"):

1. The picker starts at the *first pick aisle*: the left-most aisle holding a
   pick, or the right-most one when that is nearer to the depot (the sweep is
   then mirrored).
2. It walks up the first pick aisle to the front cross aisle of the *farthest
   block* holding a pick, picking on the way.
3. Blocks are then served from the farthest to the front one. In the farthest
   block the picker starts and ends on its front cross aisle; in every other
   block it starts on the back cross aisle, at the sub-aisle end (left-most or
   right-most sub-aisle with picks) nearer to where it stands, and ends on the
   front cross aisle. A block without picks is crossed down the aisle the
   picker stands in.
4. From the front cross aisle of block 1 the picker walks back to the depot.

How a block's sub-aisles (``s_1 .. s_k`` in visiting order) are served:

- ``s-shape``: each sub-aisle is traversed entirely; when that would leave the
  picker on the wrong cross aisle, the last one is entered and left from the
  front instead.
- ``return``: sub-aisles are entered and left from the front cross aisle; in a
  non-farthest block the first one is traversed down to get there.
- ``largest-gap`` / ``midpoint``: a loop. In the farthest block ``s_1`` is
  traversed up and ``s_k`` down; in other blocks only ``s_k`` is traversed
  down. The other sub-aisles are served from the back on the way out and from
  the front on the way back, leaving out their largest gap between picks or
  cross aisles (``largest-gap``) or splitting at their middle (``midpoint``).
  A farthest block with one sub-aisle is a return from the front.
- ``combined``: each sub-aisle either traversed entirely or entered and left
  from the side the picker is on, chosen by a two-state dynamic programme
  per block (picker on the front or back cross aisle), ending on the front.

With one block these are the textbook single-block heuristics. The reported
length of any of them is the SPEC length of its stop order, which is never
more than the length of the walk described here.

Complexity: O(n log n) in the number of picks.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

from engine.layout.rectangular import RectangularLayout, RectPoint
from engine.model import RoutingMethod

Sub = list[RectPoint]  # the picks of one sub-aisle, front to back


def heuristic_stops(
    layout: RectangularLayout,
    points: Sequence[RectPoint],
    method: RoutingMethod,
    depot_x: float,
) -> tuple[RectPoint, ...]:
    """The stop order of a heuristic routing ``method`` from the depot at ``depot_x``.

    Examples
    --------
    >>> lay = RectangularLayout("t", blocks=1, aisles=3, slots_per_side=10,
    ...     slot_length_m=1.0, aisle_pitch_m=3.0, cross_aisle_width_m=2.0)
    >>> pts = [lay.point(i) for i in ("A01-B1-S009-L", "A02-B1-S002-L", "A03-B1-S005-R")]
    >>> [(p.aisle, p.slot) for p in heuristic_stops(lay, pts, RoutingMethod.S_SHAPE, 0.0)]
    [(1, 9), (2, 2), (3, 5)]
    """
    if not points:
        return ()
    serve = _BLOCK_RULES.get(method)
    if serve is None:
        raise ValueError(f"{method} is not a heuristic routing method")
    h = float(layout.cross_aisle_y(1))
    left = min(p.aisle for p in points)
    right = max(p.aisle for p in points)
    mirrored = abs(layout.aisle_x(right) - depot_x) < abs(depot_x - layout.aisle_x(left))

    def col(a: int) -> int:  # aisle index in sweep order
        return layout.aisles + 1 - a if mirrored else a

    subs: dict[tuple[int, int], Sub] = {}
    for p in sorted(set(points), key=lambda p: p.y):
        subs.setdefault((col(p.aisle), p.block), []).append(p)
    far = max(b for _c, b in subs)
    first = min(c for c, _b in subs)
    stops: list[RectPoint] = []
    for b in range(1, far):  # up the first pick aisle
        stops += subs.pop((first, b), [])
    at = first
    for b in range(far, 0, -1):
        cols = sorted(c for c, bb in subs if bb == b)
        if b < far and cols and abs(cols[-1] - at) < abs(at - cols[0]):
            cols.reverse()
        if not cols:
            continue  # cross the empty block down the aisle the picker is in
        y0 = float(layout.cross_aisle_y(b - 1))
        at = serve([subs[c, b] for c in cols], cols, b == far, h, y0, stops)
    return tuple(stops)


def _up(sub: Sub) -> list[RectPoint]:
    return list(sub)


def _down(sub: Sub) -> list[RectPoint]:
    return sub[::-1]


def _s_shape(seq: list[Sub], cols: list[int], farthest: bool, h: float, y0: float, out: list[RectPoint]) -> int:
    at_front = farthest
    for i, sub in enumerate(seq):
        if i == len(seq) - 1 and at_front:
            out += _up(sub)  # enter from the front and return
        else:
            out += _up(sub) if at_front else _down(sub)
            at_front = not at_front
    return cols[-1]


def _return(seq: list[Sub], cols: list[int], farthest: bool, h: float, y0: float, out: list[RectPoint]) -> int:
    rest = seq
    if not farthest:
        out += _down(seq[0])
        rest = seq[1:]
    for sub in rest:
        out += _up(sub)
    return cols[-1]


def _split_largest_gap(sub: Sub, h: float, y0: float) -> int:
    """How many picks are served from the front when the largest gap is left out."""
    ys = [0.0, *(p.y - y0 for p in sub), h]
    gaps = [b - a for a, b in itertools.pairwise(ys)]
    return gaps.index(max(gaps))


def _split_midpoint(sub: Sub, h: float, y0: float) -> int:
    return sum(1 for p in sub if p.y - y0 <= h / 2)


def _loop(split: Callable[[Sub, float, float], int]) -> Callable[..., int]:
    def serve(seq: list[Sub], cols: list[int], farthest: bool, h: float, y0: float, out: list[RectPoint]) -> int:
        if farthest and len(seq) == 1:
            out += _up(seq[0])
            return cols[0]
        inner = range(1, len(seq) - 1) if farthest else range(len(seq) - 1)
        if farthest:
            out += _up(seq[0])
        cut = {i: split(seq[i], h, y0) for i in inner}
        for i in inner:
            out += _down(seq[i][cut[i] :])
        out += _down(seq[-1])
        at = cols[-1]
        for i in reversed(inner):
            if cut[i]:
                out += _up(seq[i][: cut[i]])
                at = cols[i]
        return at

    return serve


def _combined(seq: list[Sub], cols: list[int], farthest: bool, h: float, y0: float, out: list[RectPoint]) -> int:
    # best[side] = (cost, choices) with the picker on the front (0) or back (1) cross aisle
    inf = math.inf
    best: list[tuple[float, tuple[str, ...]]] = [(0.0, ()), (inf, ())] if farthest else [(inf, ()), (0.0, ())]
    for sub in seq:
        reach_front = 2.0 * (sub[-1].y - y0)
        reach_back = 2.0 * (h - (sub[0].y - y0))
        (cf, pf), (cb, pb) = best
        # stay on a side with a return, or cross with a traversal (prefer traversal on ties)
        front = min((cb + h, (*pb, "down")), (cf + reach_front, (*pf, "front")), key=lambda t: t[0])
        back = min((cf + h, (*pf, "up")), (cb + reach_back, (*pb, "back")), key=lambda t: t[0])
        best = [front, back]
    for sub, how in zip(seq, best[0][1], strict=True):
        out += _up(sub) if how in ("up", "front") else _down(sub)
    return cols[-1]


_BLOCK_RULES: dict[RoutingMethod, Callable[..., int]] = {
    RoutingMethod.S_SHAPE: _s_shape,
    RoutingMethod.RETURN: _return,
    RoutingMethod.LARGEST_GAP: _loop(_split_largest_gap),
    RoutingMethod.MIDPOINT: _loop(_split_midpoint),
    RoutingMethod.COMBINED: _combined,
}

"""Extreme-point placement heuristic (Crainic, Perboli & Tadei, 2008), vectorised.

Units are placed one at a time, in a chosen sort order, at one of the *extreme
points* of the partial packing: the corners a placed block leaves free, projected
back along the axes onto the nearest block or wall. Each unit takes the best
(point, orientation) pair under a merit function among those that stay inside the
box and overlap nothing. Several sort orders and merits make the strategies the
box-selection search tries in turn.

Cost: one placement evaluates ``m`` points times ``k <= 6`` orientations; the
candidates are ranked by merit first and checked for collision against the ``n``
placed blocks in merit order, a chunk at a time, so a step is usually
``O(m k log(m k) + 32 n)`` numpy work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from engine.packing.geometry import EPS, PieceType

_CHUNK = 32


class Merit(StrEnum):
    """How the next unit's position is chosen among feasible candidates."""

    #: lowest z, then y, then x, then the flattest orientation
    BOTTOM_LEFT = "bottom-left"
    #: smallest bounding box of everything placed so far, then bottom-left
    COMPACT = "compact"


SortKey = Callable[[PieceType], tuple[float, ...]]


def _volume_first(p: PieceType) -> tuple[float, ...]:
    return (-p.padded_volume_cm3, -p.weight_kg)


def _longest_first(p: PieceType) -> tuple[float, ...]:
    return (-float(p.extents.max()), -p.padded_volume_cm3)


def _base_first(p: PieceType) -> tuple[float, ...]:
    e = np.sort(p.extents[0])
    return (-float(e[1] * e[2]), -p.padded_volume_cm3)


def _heavy_first(p: PieceType) -> tuple[float, ...]:
    return (-p.weight_kg, -p.padded_volume_cm3)


@dataclass(frozen=True, slots=True)
class Strategy:
    """A sort order of the units and a merit for their positions.

    Fragile units always come after the others (so they end on top), unless
    ``fragile_last`` is off, which only the last-resort strategy does.
    """

    name: str
    key: SortKey
    merit: Merit
    fragile_last: bool = True
    #: try first the orientations in which the most units of the type would fit the
    #: box as a grid (keeps identical flat items in stacks side by side)
    grid: bool = False

    def order(self, units: Sequence[PieceType]) -> list[int]:
        """Unit indices in placing order; ties keep the input order (stable)."""
        if self.fragile_last:
            return sorted(range(len(units)), key=lambda i: (units[i].fragile, *self.key(units[i])))
        return sorted(range(len(units)), key=lambda i: self.key(units[i]))


STRATEGIES: tuple[Strategy, ...] = (
    Strategy("volume/bottom-left", _volume_first, Merit.BOTTOM_LEFT),
    Strategy("volume/compact", _volume_first, Merit.COMPACT),
    Strategy("base/bottom-left", _base_first, Merit.BOTTOM_LEFT),
    Strategy("longest/compact", _longest_first, Merit.COMPACT),
    Strategy("heavy/bottom-left", _heavy_first, Merit.BOTTOM_LEFT),
    Strategy("base/compact", _base_first, Merit.COMPACT),
    Strategy("volume/bottom-left/any", _volume_first, Merit.BOTTOM_LEFT, fragile_last=False),
    Strategy("grid/volume/bottom-left", _volume_first, Merit.BOTTOM_LEFT, grid=True),
)


def grid_orientations(ext: np.ndarray, dims: np.ndarray) -> np.ndarray:
    """Indices of the orientations that fit the most copies of a block into ``dims`` as a grid.

    >>> grid_orientations(np.array([[21.0, 14.8, 3.2], [14.8, 21.0, 3.2]]), np.array([30.0, 23.0, 24.0])).tolist()
    [1]
    """
    counts = np.floor((dims + EPS) / ext).prod(axis=1)
    return np.flatnonzero(counts == counts.max())


@dataclass(frozen=True, slots=True)
class Placed:
    """One placed unit: its index in the input, padded corner and orientation index."""

    unit: int
    lo: tuple[float, float, float]
    orient: int


class _Space:
    """Mutable state of one box being filled: placed blocks and extreme points."""

    def __init__(self, dims: np.ndarray, capacity: int) -> None:
        self.dims = dims
        self.lo = np.empty((capacity, 3))
        self.hi = np.empty((capacity, 3))
        self.pad = np.empty(capacity)  # padding of each placed block (0 unless fragile)
        self.n = 0
        self.blocks: list[tuple[tuple[float, float, float], tuple[float, float, float]]] = []
        self.pts: list[tuple[float, float, float]] = [(0.0, 0.0, 0.0)]
        self.points = np.zeros((1, 3))
        self.limits = tuple(float(d) - EPS for d in dims)
        self.room = dims + EPS
        self.room_t = tuple(float(v) for v in self.room)
        self.bbox = np.zeros(3)

    def best(self, ext: np.ndarray, merit: Merit, pad: float = 0.0) -> tuple[np.ndarray, int] | None:
        """Best feasible (corner, orientation index) for a block with orientations ``ext``.

        ``pad`` is the block's padding; padded blocks of two fragile units may
        overlap by the smaller padding (:func:`~engine.packing.geometry.overlap_allowance`).
        """
        if self.n == 0:
            # empty box: the only point is the origin; same choice as below, without numpy
            rx, ry, rz = self.room_t
            fit = [(o, e) for o, e in enumerate(ext.tolist()) if e[0] <= rx and e[1] <= ry and e[2] <= rz]
            if not fit:
                return None
            compact = merit is Merit.COMPACT
            o = min(fit, key=lambda t: ((t[1][0] * t[1][1] * t[1][2]) if compact else 0.0, t[1][2], t[0]))[0]
            return np.zeros(3), o
        pts = self.points
        his = pts[:, None, :] + ext[None, :, :]
        inside = (his <= self.room).all(axis=2)
        pi, oi = np.nonzero(inside)
        if len(pi) == 0:
            return None
        clo = pts[pi]
        chi = his[pi, oi]
        if merit is Merit.COMPACT:
            bb = np.maximum(chi, self.bbox)
            order = np.lexsort((chi[:, 2] - clo[:, 2], clo[:, 0], clo[:, 1], clo[:, 2], bb.prod(axis=1)))
        else:
            order = np.lexsort((chi[:, 2] - clo[:, 2], clo[:, 0], clo[:, 1], clo[:, 2]))
        if self.n == 0:
            j = order[0]
            return clo[j], int(oi[j])
        plo = self.lo[: self.n]
        phi = self.hi[: self.n]
        # fragile pairs: padded blocks may overlap by the padding
        allow = (np.minimum(self.pad[: self.n], pad) + EPS)[None, :, None] if pad > 0 else EPS
        for s in range(0, len(order), _CHUNK):
            idx = order[s : s + _CHUNK]
            a, b = clo[idx], chi[idx]
            hit = (
                ((a[:, None, :] < phi[None, :, :] - allow) & (plo[None, :, :] < b[:, None, :] - allow))
                .all(axis=2)
                .any(axis=1)
            )
            free = np.flatnonzero(~hit)
            if len(free):
                j = idx[free[0]]
                return clo[j], int(oi[j])
        return None

    def put(self, lo: np.ndarray, hi: np.ndarray, pad: float = 0.0) -> None:
        """Add a block and update the extreme points.

        Plain Python on purpose: a handful of points and blocks per call, where
        numpy's per-call overhead costs more than the loops (``O(n + m log m)``).
        """
        self.lo[self.n] = lo
        self.hi[self.n] = hi
        self.pad[self.n] = pad
        self.n += 1
        self.bbox = np.maximum(self.bbox, hi)
        x0, y0, z0 = (float(v) for v in lo)
        x1, y1, z1 = (float(v) for v in hi)
        self.blocks.append(((x0, y0, z0), (x1, y1, z1)))
        # the classic six projections: each new corner slides back along one of the
        # two axes it did not grow on, to the nearest block face (or the wall at 0);
        # unrolled, one pass over the blocks
        e = EPS
        t0 = t1 = t2 = t3 = t4 = t5 = 0.0
        for (bx0, by0, bz0), (bx1, by1, bz1) in self.blocks:
            # corner (x1, y0, z0) along y, then along z
            if bx0 <= x1 + e and x1 < bx1 - e:
                if t0 < by1 <= y0 + e and bz0 <= z0 + e and z0 < bz1 - e:
                    t0 = by1
                if t1 < bz1 <= z0 + e and by0 <= y0 + e and y0 < by1 - e:
                    t1 = bz1
            # corner (x0, y1, z0) along x, then along z
            if by0 <= y1 + e and y1 < by1 - e:
                if t2 < bx1 <= x0 + e and bz0 <= z0 + e and z0 < bz1 - e:
                    t2 = bx1
                if t3 < bz1 <= z0 + e and bx0 <= x0 + e and x0 < bx1 - e:
                    t3 = bz1
            # corner (x0, y0, z1) along x, then along y
            if bz0 <= z1 + e and z1 < bz1 - e:
                if t4 < bx1 <= x0 + e and by0 <= y0 + e and y0 < by1 - e:
                    t4 = bx1
                if t5 < by1 <= y0 + e and bx0 <= x0 + e and x0 < bx1 - e:
                    t5 = by1
        new = (
            (x1, y0, z0), (x0, y1, z0), (x0, y0, z1),
            (x1, t0, z0), (x1, y0, t1), (t2, y1, z0), (x0, y1, t3), (t4, y0, z1), (x0, t5, z1),
        )
        # another fragile unit may start one padding short of this one's far faces
        near = ((x1 - pad, y0, z0), (x0, y1 - pad, z0), (x0, y0, z1 - pad)) if pad > 0 else ()
        L, W, H = self.limits
        keep = set()
        for p in (*self.pts, *new):
            px, py, pz = p
            if px < L and py < W and pz < H and not (
                x0 - EPS <= px < x1 - EPS and y0 - EPS <= py < y1 - EPS and z0 - EPS <= pz < z1 - EPS
            ):
                keep.add(p)
        for r in near:  # inside the new padded block on purpose
            if r[0] < L and r[1] < W and r[2] < H:
                keep.add(r)
        self.pts = sorted(keep)
        self.points = np.array(self.pts, dtype=float).reshape(-1, 3)


def place(
    units: Sequence[PieceType],
    dims: np.ndarray,
    payload_kg: float,
    strategy: Strategy,
    *,
    fill: bool = False,
) -> list[Placed] | None:
    """Place units into one box with the extreme-point heuristic.

    Parameters
    ----------
    units
        Units to place (padded extents).
    dims
        Inner box dimensions ``(L, W, H)`` in cm.
    payload_kg
        Weight the contents may have.
    strategy
        Sort order and merit.
    fill
        ``False``: all units must go in, else ``None`` is returned.
        ``True``: units that do not fit (space or weight) are skipped and the
        placed subset is returned (used to fill cartons one by one).

    Returns
    -------
    list of Placed or None
        In placing order.

    Examples
    --------
    >>> from engine.model import Sku
    >>> from engine.packing.geometry import piece_type
    >>> from engine.packing.params import PackingParams
    >>> t = piece_type(Sku("a", 2, 2, 2, 1.0), PackingParams())
    >>> len(place([t] * 8, np.array([4.0, 4.0, 4.0]), 10.0, STRATEGIES[0]))
    8
    >>> place([t] * 9, np.array([4.0, 4.0, 4.0]), 10.0, STRATEGIES[0]) is None
    True
    """
    space = _Space(dims, len(units))
    out: list[Placed] = []
    weight = 0.0
    failed: set[int] = set()  # piece types that found no room (space only shrinks)
    grid_cache: dict[int, np.ndarray] = {}
    for i in strategy.order(units):
        u = units[i]
        if weight + u.weight_kg > payload_kg + EPS or id(u) in failed:
            if fill:
                continue
            return None
        spot = None
        if strategy.grid:
            pref = grid_cache.get(id(u))
            if pref is None:
                pref = grid_cache[id(u)] = grid_orientations(u.extents, dims)
            spot = space.best(u.extents[pref], strategy.merit, u.pad)
            if spot is not None:
                spot = (spot[0], int(pref[spot[1]]))
        if spot is None:
            spot = space.best(u.extents, strategy.merit, u.pad)
        if spot is None:
            if fill:
                failed.add(id(u))
                continue
            return None
        lo, o = spot
        space.put(lo, lo + u.extents[o], u.pad)
        weight += u.weight_kg
        out.append(Placed(i, (float(lo[0]), float(lo[1]), float(lo[2])), o))
    return out



def place_one(unit: PieceType, dims: np.ndarray) -> list[Placed] | None:
    """One unit at the origin in its flattest orientation that fits, or ``None``.

    >>> from engine.model import Sku
    >>> from engine.packing.geometry import piece_type
    >>> from engine.packing.params import PackingParams
    >>> t = piece_type(Sku("a", 1, 2, 3, 1.0), PackingParams())
    >>> t.extents[place_one(t, np.array([3.0, 3.0, 3.0]))[0].orient].tolist()
    [2.0, 3.0, 1.0]
    """
    room = [float(d) + EPS for d in dims]
    ext = unit.extents.tolist()
    fitting = [(e[2], o) for o, e in enumerate(ext) if e[0] <= room[0] and e[1] <= room[1] and e[2] <= room[2]]
    if not fitting:
        return None
    return [Placed(0, (0.0, 0.0, 0.0), min(fitting)[1])]


def place_pair(units: Sequence[PieceType], dims: np.ndarray) -> list[Placed] | None:
    """Exact placement of two units, or ``None`` when no placement exists.

    Two disjoint boxes are always separated along some axis, so two units fit
    exactly when, for some pair of allowed orientations and some axis, each fits
    the box across the other two axes and their extents along it add up (less
    the padding two fragile units may share) to at most the box. Side by side
    is tried before stacked, flat orientations first; the first unit (the
    non-fragile, larger one) goes at the origin. ``O(36 * 3)``; weight is the
    caller's.

    >>> from engine.model import Sku
    >>> from engine.packing.geometry import piece_type
    >>> from engine.packing.params import PackingParams
    >>> t = piece_type(Sku("a", 4, 3, 4, 1.0), PackingParams())
    >>> [p.lo for p in place_pair([t, t], np.array([4.0, 6.0, 4.0]))]
    [(0.0, 0.0, 0.0), (0.0, 3.0, 0.0)]
    >>> place_pair([t, t], np.array([4.0, 5.0, 5.0])) is None
    True
    """
    first, second = sorted(range(2), key=lambda i: (units[i].fragile, -units[i].padded_volume_cm3, i))
    u, v = units[first], units[second]
    allow = min(u.pad, v.pad)
    room = [float(d) + EPS for d in dims]
    ou = sorted(enumerate(u.extents.tolist()), key=lambda t: (t[1][2], t[0]))
    ov = sorted(enumerate(v.extents.tolist()), key=lambda t: (t[1][2], t[0]))
    for h in range(3):
        a, b = (k for k in range(3) if k != h)
        for i, eu in ou:
            if eu[a] > room[a] or eu[b] > room[b] or eu[h] > room[h]:
                continue
            for j, ev in ov:
                if ev[a] <= room[a] and ev[b] <= room[b] and eu[h] + ev[h] - allow <= room[h]:
                    lo = [0.0, 0.0, 0.0]
                    lo[h] = eu[h] - allow
                    return [Placed(first, (0.0, 0.0, 0.0), i), Placed(second, (lo[0], lo[1], lo[2]), j)]
    return None

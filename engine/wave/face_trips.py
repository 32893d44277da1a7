"""Batching with scattered storage: every trip scored with its best faces, chosen with its route.

When a SKU sits at several faces, the length of a trip depends on which faces it takes its
units from. Here the batching search (:func:`engine.batching.solve`) prices each trip it looks
at with the faces that make that trip shortest, so that moves are compared on the trips they
really make, and the faces are not re-chosen after the search on batches built for other faces.

How: every order line of a SKU with several faces open to the group becomes a *token* (a point
index from :data:`TOKEN_BASE` on) instead of the point release gave it; lines of SKUs with one
face keep their point. The route cost of a set of indices is then, when it holds tokens, the
shortest trip through its points that also takes its tokens' units from faces of their SKUs:
:func:`engine.routing.faces.quick_faces` (work-bounded labels, proven in most cases, the same
answer for the same trip: cached per trip content). Sets without tokens are scored by the
group's usual (compiled) scorer, so waves without a choice of faces pay nothing.

Stock is shared by the trips of a wave, yet each trip is priced alone. Every trip's choice is
feasible together with every other's, whatever the batches, because a trip may use:

- a face holding at least the group's whole demand of its SKU (*open* face) without limit:
  all trips together never take more than that demand;
- any other face (*contested*) only up to the units release gave the trip's own lines there
  (their *quota*): the quotas of one face sum to what release took there, within its stock.

Release's own faces therefore always remain a choice, and a trip is never priced above its
release faces. After the search each trip's faces are chosen again on the same terms by
:func:`engine.routing.faces.solve_faces` (exact, proven where it can), kept only where shorter
than the search's choice, and charged to the stock ledger; where contested faces hold units
release left unassigned, each trip may then move to them in trip order from the ledger (only if
its route gets shorter; stock is never exceeded, as in :func:`engine.wave.allocation.choose_faces`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.batching import BatchingProblem, RouteCache
from engine.layout import Layout
from engine.model import CartSpec
from engine.routing.faces import FaceChoice, FaceDemand, FaceProblem, quick_faces
from engine.wave.allocation import StockLedger, Take, choose_faces, draw_units
from engine.wave.parts import Part, _Points

#: Point indices of tokens start here (far above any point table).
TOKEN_BASE = 1 << 40
#: Largest group (parts) whose trips are scored with their best faces; beyond, moves are scored on
#: release's faces and the faces are re-chosen after the search (each scoring costs milliseconds).
MAX_PARTS = 400
#: Under face scoring the batching lists every feasible trip only when there are at most this many.
ENUMERATE_LIMIT = 300


@dataclass(frozen=True, slots=True)
class _Token:
    """One order line of a SKU with several faces: units, and its quota at contested faces."""

    sku: str
    qty: int
    quota: tuple[tuple[str, int], ...]  # (contested face, units release gave this line there)


class FaceTrips:
    """Trip costs with each trip's best faces for one group of parts; see the module docstring.

    Build with :meth:`build` (``None`` when no SKU of the group has several faces open to it).
    ``problem`` and ``cache`` replace the group's batching problem and route cost; :meth:`finish`
    gives the final takes of the batches the search returned.
    """

    def __init__(self, layout: Layout, zone_id: str | None, parts: Sequence[Part], points: _Points,
                 stock: dict[tuple[str, str], int], open_faces: dict[str, tuple[str, ...]],
                 contested: dict[str, tuple[str, ...]], base: RouteCache, cart: CartSpec) -> None:
        self.layout, self.zone_id, self.parts, self.pts = layout, zone_id, list(parts), points
        self.stock, self.open, self.contested = stock, open_faces, contested
        self.base = base
        self.tokens: list[_Token] = []
        self.unproven = 0
        self.choices: dict[frozenset[int], FaceChoice] = {}
        self._reserved: dict[tuple[str, str], int] | None = None
        multi = set(open_faces) | set(contested)
        item_points: list[list[int]] = []
        keys: list[list[int]] = []
        centroid: list[tuple[float, float]] | None = []
        for p in parts:
            own = sorted({points.of(t.location_id) for t in p.takes if t.sku not in multi})
            near = set(own)
            by_sku: dict[str, list[Take]] = {}
            for t in p.takes:
                if t.sku in multi:
                    by_sku.setdefault(t.sku, []).append(t)
                    near.add(points.of(t.location_id))
            toks = []
            for sku in sorted(by_sku):
                ts = by_sku[sku]
                quota: dict[str, int] = {}
                for t in ts:
                    if t.location_id in contested[sku]:
                        quota[t.location_id] = quota.get(t.location_id, 0) + t.qty
                toks.append(TOKEN_BASE + len(self.tokens))
                self.tokens.append(_Token(sku, sum(t.qty for t in ts), tuple(sorted(quota.items()))))
            item_points.append([*own, *toks])
            # neighbourhood keys and plan position from release's faces: where the part most likely picks
            keys.append(sorted({points.key(i) for i in near}))
            xy = [points.xy(i) for i in sorted(near)]
            if centroid is not None and all(c is not None for c in xy):
                cs = [c for c in xy if c is not None]
                centroid.append((sum(c[0] for c in cs) / len(cs), sum(c[1] for c in cs) / len(cs)))
            else:
                centroid = None
        self.problem = BatchingProblem.build(item_points, keys, [p.weight_kg for p in parts],
                                             [p.volume_l for p in parts], cart, centroid,
                                             [p.tote_count for p in parts])
        self.cache = RouteCache(self._cost, self._costs)

    @classmethod
    def build(cls, layout: Layout, zone_id: str | None, parts: Sequence[Part], points: _Points,
              ledger: StockLedger, allowed: Callable[[str], bool], base: RouteCache,
              cart: CartSpec) -> FaceTrips | None:
        """From the group's parts and the ledger after release (their takes still charged)."""
        demand: dict[str, int] = {}
        stock: dict[tuple[str, str], int] = {}
        for p in parts:
            for t in p.takes:
                demand[t.sku] = demand.get(t.sku, 0) + t.qty
                stock[(t.sku, t.location_id)] = stock.get((t.sku, t.location_id), 0) + t.qty
        open_faces: dict[str, tuple[str, ...]] = {}
        contested: dict[str, tuple[str, ...]] = {}
        for sku, need in demand.items():
            locs = []
            for loc in ledger.faces.get(sku, ()):
                have = ledger.left.get((sku, loc), 0) + stock.get((sku, loc), 0)
                if have > 0 and allowed(loc):
                    stock[(sku, loc)] = have
                    locs.append(loc)
            if len(locs) < 2:
                continue
            open_faces[sku] = tuple(loc for loc in locs if stock[(sku, loc)] >= need)
            contested[sku] = tuple(loc for loc in locs if stock[(sku, loc)] < need)
        if not open_faces:
            return None
        return cls(layout, zone_id, parts, points, stock, open_faces, contested, base, cart)

    # --- costs ----------------------------------------------------------------------------------
    def face_problem(self, key: frozenset[int]) -> tuple[FaceProblem, list[tuple[str, str]]]:
        """The trip of point set ``key`` as a face problem, and each face's ``(sku, location)``.

        Points are faces of one unit with a demand of one (``sku`` empty); per token SKU one
        demand, its units the tokens' sum, over its open faces and its contested faces within
        the tokens' quotas.
        """
        pts = self.pts.points
        faces: list[tuple[str, str]] = []
        points: list[object] = []
        stock: list[int] = []
        demands: list[FaceDemand] = []
        need: dict[str, int] = {}
        quota: dict[str, dict[str, int]] = {}
        for k in sorted(key):
            if k < TOKEN_BASE:
                demands.append(FaceDemand(1, (len(faces),)))
                faces.append(("", ""))
                points.append(pts[k])
                stock.append(1)
                continue
            tok = self.tokens[k - TOKEN_BASE]
            need[tok.sku] = need.get(tok.sku, 0) + tok.qty
            q = quota.setdefault(tok.sku, {})
            for loc, u in tok.quota:
                q[loc] = q.get(loc, 0) + u
        for sku in sorted(need):
            idx = []
            for loc in self.open[sku]:
                idx.append(len(faces))
                faces.append((sku, loc))
                points.append(pts[self.pts.of(loc)])
                stock.append(min(need[sku], self.stock[(sku, loc)]))
            for loc in self.contested[sku]:
                u = min(need[sku], quota[sku].get(loc, 0))
                if u > 0:
                    idx.append(len(faces))
                    faces.append((sku, loc))
                    points.append(pts[self.pts.of(loc)])
                    stock.append(u)
            demands.append(FaceDemand(need[sku], tuple(idx)))
        return FaceProblem(tuple(points), tuple(stock), tuple(demands)), faces

    def _cost(self, key: frozenset[int]) -> float:
        if not key or max(key) < TOKEN_BASE:
            return self.base(key)
        problem, _ = self.face_problem(key)
        choice = quick_faces(self.layout, problem, self.zone_id)
        if not choice.route.proven:
            self.unproven += 1
        self.choices[key] = choice
        return choice.route.length_m

    def _costs(self, sets: Sequence[frozenset[int]]) -> list[float]:
        plain = [s for s in sets if not s or max(s) < TOKEN_BASE]
        known = dict(zip(plain, self.base.lengths(plain), strict=True)) if plain else {}
        return [known[s] if s in known else self._cost(s) for s in sets]

    # --- the final faces ------------------------------------------------------------------------
    def finish(self, trips: Sequence[Sequence[int]], ledger: StockLedger,
               solve: Callable[[FaceProblem], FaceChoice] | None,
               rechoose: Callable[[FaceProblem], FaceChoice] | None,
               point_of: Callable[[str], object], allowed: Callable[[str], bool]) -> list[tuple[Part, ...]]:
        """The batches of ``trips`` (item indices) with their final takes, charged to ``ledger``.

        ``ledger`` is the stock after release (the group's takes still charged): they are given
        back, then each trip takes its faces. ``solve`` (None: keep the search's choice) chooses
        each trip's faces again on the search's terms; ``rechoose`` (None: skip) then lets each trip
        move to units of contested faces release left unassigned, in trip order.
        """
        for p in self.parts:
            for t in p.takes:
                ledger.give_back(t)
        out: list[tuple[Part, ...]] = []
        for trip in trips:
            key = self.problem.trip_points(trip)
            members = [self.parts[i] for i in trip]
            if not key or max(key) < TOKEN_BASE:
                for p in members:
                    for t in p.takes:
                        ledger.take_at(t)
                out.append(tuple(members))
                continue
            problem, faces = self.face_problem(key)
            if key not in self.choices:
                self._cost(key)
            choice = self.choices[key]
            if solve is not None and not choice.route.proven:
                again = solve(problem)
                if again.route.length_m < choice.route.length_m - 1e-9:
                    choice = again
            new = self._takes(members, choice, faces)
            for p in new:
                for t in p.takes:
                    ledger.take_at(t)
            out.append(tuple(new))
        if rechoose is not None:  # only once every trip holds its units: no move takes another trip's quota
            out = [tuple(self._move(list(m), ledger, rechoose, point_of, allowed)) if self._slack(m) else m
                   for m in out]
        return out

    def _takes(self, members: Sequence[Part], choice: FaceChoice, faces: Sequence[tuple[str, str]]) -> list[Part]:
        """The parts' takes: single-face lines as release gave them, token lines from the chosen units."""
        import dataclasses

        units: dict[str, dict[str, int]] = {}
        for _d, f, q in sorted(choice.takes, key=lambda x: (x[0], x[1])):
            sku, loc = faces[f]
            if sku:
                units.setdefault(sku, {})
                units[sku][loc] = units[sku].get(loc, 0) + q
        out = []
        for p in members:
            new: list[Take] = []
            for t in p.takes:
                if t.sku not in units:
                    new.append(t)
            for sku in sorted({t.sku for t in p.takes if t.sku in units}):
                new.extend(draw_units(units[sku], p.order_id, sku, sum(t.qty for t in p.takes if t.sku == sku)))
            out.append(dataclasses.replace(p, takes=tuple(new)))
        return out

    def _slack(self, members: Sequence[Part]) -> bool:
        """Whether a contested face of the trip's SKUs holds units no quota reserved."""
        if self._reserved is None:
            self._reserved = {}
            for tok in self.tokens:
                for loc, u in tok.quota:
                    self._reserved[(tok.sku, loc)] = self._reserved.get((tok.sku, loc), 0) + u
        reserved = self._reserved
        skus = {t.sku for p in members for t in p.takes if t.sku in self.contested}
        return any(self.stock[(sku, loc)] > reserved.get((sku, loc), 0) for sku in skus for loc in self.contested[sku])

    def _move(self, members: list[Part], ledger: StockLedger, rechoose: Callable[[FaceProblem], FaceChoice],
              point_of: Callable[[str], object], allowed: Callable[[str], bool]) -> list[Part]:
        """The trip's faces chosen again from everything the ledger has left; kept only if shorter."""
        import dataclasses

        before = [list(p.takes) for p in members]
        lengths: list[float] = []

        def solve(problem: FaceProblem) -> FaceChoice:
            choice = rechoose(problem)
            lengths.append(choice.route.length_m)
            return choice

        after = choose_faces(before, ledger, point_of, solve, allowed)
        old = self.base(frozenset(self.pts.of(t.location_id) for ts in before for t in ts))
        new = self.base(frozenset(self.pts.of(t.location_id) for ts in after for t in ts))
        if new < old - 1e-9:
            return [dataclasses.replace(p, takes=tuple(ts)) for p, ts in zip(members, after, strict=True)]
        for ts in after:
            for t in ts:
                ledger.give_back(t)
        for ts in before:
            for t in ts:
                ledger.take_at(t)
        return members

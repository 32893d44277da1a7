"""Stock allocation: which pick face serves which order line.

A SKU may sit at several faces. Release takes stock in rank order from the
faces nearest the depot (:class:`StockLedger`); after batching, each batch's
faces are chosen again from the stock left, batch by batch:

- :func:`choose_faces` (rectangular layouts, optimal routing): the faces of the
  whole batch chosen together with its route by
  :func:`engine.routing.faces.solve_faces` (exact), a line split over faces
  where one face lacks units;
- :func:`rechoose_faces` (elsewhere): each line moved to the face that makes
  the batch's route shortest given every other line.

Either way stock is never exceeded: a batch gives its units back before it
takes again, so every batch can at least take what release gave it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from engine.model import StockRecord
from engine.routing.faces import FaceChoice, FaceDemand, FaceProblem


@dataclass(frozen=True, slots=True)
class Take:
    """Units of one SKU taken from one pick face for one order."""

    order_id: str
    sku: str
    location_id: str
    qty: int


class StockLedger:
    """Units left per (SKU, face); faces of a SKU in preference order.

    >>> led = StockLedger([StockRecord("A", "L2", 5), StockRecord("A", "L1", 2)], {"L1": 1.0, "L2": 9.0}.get)
    >>> led.take("o1", "A", 4)
    [Take(order_id='o1', sku='A', location_id='L1', qty=2), Take(order_id='o1', sku='A', location_id='L2', qty=2)]
    >>> led.available("A")
    3
    """

    def __init__(self, stock: Iterable[StockRecord], preference: Callable[[str], float | None]) -> None:
        self.left: dict[tuple[str, str], int] = {}
        faces: dict[str, list[str]] = {}
        for r in stock:
            if r.qty <= 0:
                continue
            key = (r.sku, r.location_id)
            if key not in self.left:
                faces.setdefault(r.sku, []).append(r.location_id)
            self.left[key] = self.left.get(key, 0) + r.qty
        self.faces: dict[str, tuple[str, ...]] = {
            s: tuple(sorted(locs, key=lambda loc: (preference(loc) or 0.0, loc))) for s, locs in faces.items()
        }
        self.total: dict[str, int] = {}
        for (s, _), q in self.left.items():
            self.total[s] = self.total.get(s, 0) + q

    def available(self, sku: str) -> int:
        return self.total.get(sku, 0)

    def can_serve(self, quantities: Mapping[str, int]) -> str | None:
        """None when every SKU has enough units left, else a detail naming the first short SKU."""
        for sku, qty in sorted(quantities.items()):
            have = self.available(sku)
            if have < qty:
                return f"SKU {sku!r}: {qty} ordered, {have} left in stock"
        return None

    def take(self, order_id: str, sku: str, qty: int) -> list[Take]:
        """Take ``qty`` units from the preferred faces; the caller checked availability."""
        out: list[Take] = []
        for loc in self.faces.get(sku, ()):
            if qty == 0:
                break
            have = self.left[(sku, loc)]
            if have <= 0:
                continue
            q = min(have, qty)
            self.left[(sku, loc)] = have - q
            self.total[sku] -= q
            qty -= q
            out.append(Take(order_id, sku, loc, q))
        if qty:
            raise ValueError(f"not enough stock of {sku!r} for order {order_id!r}")
        return out

    def give_back(self, take: Take) -> None:
        self.left[(take.sku, take.location_id)] += take.qty
        self.total[take.sku] += take.qty

    def take_at(self, take: Take) -> None:
        """Take exactly ``take`` (its face must hold enough)."""
        key = (take.sku, take.location_id)
        if self.left.get(key, 0) < take.qty:
            raise ValueError(f"face {take.location_id} holds {self.left.get(key, 0)} of {take.sku}, need {take.qty}")
        self.left[key] -= take.qty
        self.total[take.sku] -= take.qty


def rechoose_faces(
    takes: Sequence[Take],
    ledger: StockLedger,
    point_of: Callable[[str], int],
    route: Callable[[frozenset[int]], float],
    allowed: Callable[[str], bool] | None = None,
) -> list[Take]:
    """Move lines of one batch to the faces that shorten its route most.

    Each take whose SKU has another face is given back and taken again at the
    face minimising the batch's route length given every other take (its own
    face is a candidate, so the route never gets longer). One pass, in the given
    order; O(T * F) route evaluations for T takes and F faces per SKU.
    ``allowed`` limits the faces (e.g. to the batch's zone).

    >>> led = StockLedger([StockRecord("A", "far", 9), StockRecord("A", "near", 9)], {"far": 1.0, "near": 2.0}.get)
    >>> t = led.take("o", "A", 3)
    >>> pos = {"far": 10, "near": 1, "x": 2}
    >>> [x.location_id for x in rechoose_faces([*t, Take("o", "B", "x", 1)], led, pos.__getitem__,
    ...                                        lambda pts: float(max(pts)))]
    ['near', 'x']
    """
    current = list(takes)
    for idx, take in enumerate(current):
        faces = ledger.faces.get(take.sku, ())
        if len(faces) < 2:
            continue
        others = frozenset(point_of(t.location_id) for j, t in enumerate(current) if j != idx)
        ledger.give_back(take)
        best, best_cost = take, route(others | {point_of(take.location_id)})
        for loc in faces:
            if loc == take.location_id or ledger.left[(take.sku, loc)] < take.qty:
                continue
            if allowed is not None and not allowed(loc):
                continue
            cost = route(others | {point_of(loc)})
            if cost < best_cost - 1e-9:
                best, best_cost = Take(take.order_id, take.sku, loc, take.qty), cost
        ledger.take_at(best)
        current[idx] = best
    return current


def choose_faces(
    parts: Sequence[Sequence[Take]],
    ledger: StockLedger,
    point_of: Callable[[str], Hashable],
    solve: Callable[[FaceProblem], FaceChoice],
    allowed: Callable[[str], bool] | None = None,
) -> list[list[Take]]:
    """The takes of one batch's parts, their faces chosen together with the batch's route.

    The batch gives back its units; per SKU its demand is the batch's units and its faces
    those with stock left (and ``allowed``); ``solve`` (e.g. :func:`~engine.routing.faces.solve_faces`
    on the layout) chooses the faces, and the units of each face go to the parts' lines in
    order (face order: the ledger's preference), a line split where a face runs out. The
    ledger is charged exactly those takes. If the problem cannot be built (a face the batch
    held is no longer allowed) the batch keeps its takes. O(lines + faces) plus ``solve``.

    >>> led = StockLedger([StockRecord("A", "far", 9), StockRecord("A", "near", 1)], {"far": 1.0, "near": 2.0}.get)
    >>> t = led.take("o", "A", 3)
    >>> def nearest(p: FaceProblem) -> FaceChoice:  # stands in for solve_faces: "near" first
    ...     from engine.routing import Route, RoutingMethod
    ...     order = sorted(p.demands[0].faces, key=lambda f: p.points[f] != "near")
    ...     takes, need = [], p.demands[0].qty
    ...     for f in order:
    ...         q = min(need, p.stock[f]); need -= q
    ...         if q: takes.append((0, f, q))
    ...     return FaceChoice(tuple(takes), Route((), 0.0, True, RoutingMethod.OPTIMAL), 0.0)
    >>> [(x.location_id, x.qty) for x in choose_faces([t], led, str, nearest)[0]]
    [('far', 2), ('near', 1)]
    >>> led.left
    {('A', 'far'): 7, ('A', 'near'): 0}
    """
    held = [t for p in parts for t in p]
    for t in held:
        ledger.give_back(t)
    total: dict[str, int] = {}
    for t in held:
        total[t.sku] = total.get(t.sku, 0) + t.qty
    faces: list[tuple[str, str]] = []
    demands: list[FaceDemand] = []
    skus = sorted(total)
    for sku in skus:
        idx = []
        for loc in ledger.faces.get(sku, ()):
            if ledger.left[(sku, loc)] > 0 and (allowed is None or allowed(loc)):
                idx.append(len(faces))
                faces.append((sku, loc))
        demands.append(FaceDemand(total[sku], tuple(idx)))
    try:
        problem = FaceProblem(tuple(point_of(loc) for _, loc in faces), tuple(ledger.left[f] for f in faces),
                              tuple(demands))
    except ValueError:
        for t in held:
            ledger.take_at(t)
        return [list(p) for p in parts]
    choice = solve(problem)
    units: dict[str, dict[str, int]] = {sku: {} for sku in skus}  # in the ledger's face order
    for _d, f, q in sorted(choice.takes, key=lambda x: (x[0], x[1])):
        sku, loc = faces[f]
        units[sku][loc] = units[sku].get(loc, 0) + q
    out: list[list[Take]] = []
    for p in parts:
        new: list[Take] = []
        for t in p:
            new.extend(draw_units(units[t.sku], t.order_id, t.sku, t.qty))
        for t in new:
            ledger.take_at(t)
        out.append(new)
    return out


def draw_units(pool: dict[str, int], order_id: str, sku: str, need: int) -> list[Take]:
    """Takes of ``need`` units of ``sku`` for ``order_id`` from ``pool`` (units per face, in
    the order faces are drawn from), which loses them; a face emptied leaves the pool.

    Raises
    ------
    RuntimeError
        The pool holds fewer than ``need`` units: a face choice that did not take every unit asked.
    """
    out: list[Take] = []
    for loc in list(pool):
        if need == 0:
            break
        q = min(need, pool[loc])
        need -= q
        pool[loc] -= q
        if pool[loc] == 0:
            del pool[loc]
        out.append(Take(order_id, sku, loc, q))
    if need:  # pragma: no cover - a face choice takes every unit asked
        raise RuntimeError(f"face choice left {need} units of {sku!r} for order {order_id!r}")
    return out

"""Pack reports and returns judged against the plan: the scanned cartons of an order, an RMA.

:func:`check_pack` compares what a pack station scanned with the planned cartons;
:func:`check_return` an RMA with what was shipped. Like :mod:`engine.intake_3pl.reports`
(which parses the events both read) nothing here touches the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from engine.intake_3pl.reports import ReportEvent
from engine.packing.result import Carton
from engine.packing.verify import verify_pack


def carton_id(order_id: str, carton_no: int) -> str:
    """The id of an order's planned carton, as the pack-station list prints it.

    >>> carton_id("O-17", 2)
    'O-17-2'
    """
    return f"{order_id}-{carton_no}"


def scanned_cartons(events: Iterable[ReportEvent]) -> dict[str, dict[str, int]]:
    """Carton id → SKU → units scanned, from the ``packed`` rows of one order."""
    out: dict[str, dict[str, int]] = {}
    for e in events:
        units = out.setdefault(e.carton_id, {})
        units[e.sku] = units.get(e.sku, 0) + e.qty
    return out


def _units(per_sku: Mapping[str, int]) -> str:
    return ", ".join(f"{sku} x{n}" for sku, n in sorted(per_sku.items()))


@dataclass(frozen=True, slots=True)
class PackVerdict:
    """A pack report against the planned cartons of one order, carton by carton.

    ``missing`` / ``extra`` / ``wrong`` map a planned carton id to the SKU
    counts :func:`engine.packing.verify_pack` found; ``unknown`` are scanned
    carton ids the plan does not have (with their units), ``wrong_box`` the
    cartons reported in another box than planned (reported box id),
    ``short_mismatch`` why the units missing from a short-picked order's
    cartons are not its short units.
    """

    missing: Mapping[str, Mapping[str, int]]
    extra: Mapping[str, Mapping[str, int]]
    wrong: Mapping[str, Mapping[str, int]]
    unknown: Mapping[str, Mapping[str, int]]
    wrong_box: Mapping[str, str]
    short_mismatch: str = ""

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.wrong or self.unknown or self.wrong_box
                    or self.short_mismatch)

    def describe(self) -> str:
        """One line naming every difference, carton by carton ("" when ok)."""
        parts = [f"carton {c}: missing {_units(u)}" for c, u in sorted(self.missing.items())]
        parts += [f"carton {c}: extra {_units(u)}" for c, u in sorted(self.extra.items())]
        parts += [f"carton {c}: wrong {_units(u)}" for c, u in sorted(self.wrong.items())]
        parts += [f"carton {c}: not a planned carton ({_units(u)})" for c, u in sorted(self.unknown.items())]
        parts += [f"carton {c}: box {b!r} is not the planned box" for c, b in sorted(self.wrong_box.items())]
        parts += [self.short_mismatch] if self.short_mismatch else []
        return "; ".join(parts)


def check_pack(planned: Mapping[str, Carton], scanned: Mapping[str, Mapping[str, int]],
               boxes: Mapping[str, str] | None = None, short: Mapping[str, int] | None = None) -> PackVerdict:
    """Check a scanned carton set against an order's planned cartons.

    Parameters
    ----------
    planned
        Carton id (:func:`carton_id`) → the planned :class:`engine.packing.result.Carton`.
    scanned
        Carton id → SKU → units scanned into it (:func:`scanned_cartons`).
    boxes
        Carton id → box id the packer reported (optional; empty ids are not checked).
    short
        SKU → units reported short at the pick (optional). A short-picked order
        packs when the units missing from its planned cartons are exactly the
        short ones, SKU by SKU: the rest go in the planned cartons as planned
        (a subset of a packing that fits still fits), and a planned carton
        left empty is not used.

    Every planned carton is compared with what was scanned into it by
    :func:`engine.packing.verify_pack`; a planned carton nobody scanned has
    all its units missing. O(units).

    Examples
    --------
    >>> from engine.packing.result import Carton, Placement
    >>> c = Carton(1, "M", (Placement("A", 0, 0, 0, 1, 1, 1), Placement("B", 1, 0, 0, 1, 1, 1)), 1.0, 1.0)
    >>> check_pack({"O1-1": c}, {"O1-1": {"A": 1, "B": 1}}).ok
    True
    >>> check_pack({"O1-1": c}, {"O1-1": {"A": 2}, "X": {"B": 1}}).describe()
    'carton O1-1: missing B x1; carton O1-1: extra A x1; carton X: not a planned carton (B x1)'
    >>> check_pack({"O1-1": c}, {"O1-1": {"A": 1}}, short={"B": 1}).ok
    True
    >>> check_pack({"O1-1": c}, {"O1-1": {"A": 1}}, short={"A": 1}).describe()
    'carton O1-1: missing B x1; short reported A x1, missing from the cartons B x1'
    """
    missing: dict[str, Mapping[str, int]] = {}
    extra: dict[str, Mapping[str, int]] = {}
    wrong: dict[str, Mapping[str, int]] = {}
    for cid, carton in planned.items():
        chk = verify_pack([carton], dict(scanned.get(cid, {})))
        if chk.missing:
            missing[cid] = dict(chk.missing)
        if chk.extra:
            extra[cid] = dict(chk.extra)
        if chk.wrong:
            wrong[cid] = dict(chk.wrong)
    unknown = {cid: dict(u) for cid, u in scanned.items() if cid not in planned}
    wrong_box = {cid: b for cid, b in (boxes or {}).items() if b and cid in planned and planned[cid].box_id != b}
    shorts = {sku: q for sku, q in (short or {}).items() if q > 0}
    note = ""
    if shorts:
        gone: dict[str, int] = defaultdict(int)
        for units in missing.values():
            for sku, q in units.items():
                gone[sku] += q
        if dict(gone) == shorts:
            missing = {}  # exactly the units nobody found on the shelf
        else:
            note = f"short reported {_units(shorts)}, missing from the cartons {_units(gone) or 'nothing'}"
    return PackVerdict(missing, extra, wrong, unknown, wrong_box, note)


# --- returns ------------------------------------------------------------------------
def check_return(returned: Mapping[str, int], shipped: Mapping[str, int],
                 returned_before: Mapping[str, int]) -> str:
    """Why an RMA cannot apply ("" when it can): units beyond what shipped.

    ``returned`` is SKU → units on this RMA, ``shipped`` SKU → units the
    order shipped, ``returned_before`` SKU → units of earlier RMAs.

    >>> check_return({"A": 2}, {"A": 3}, {"A": 1})
    ''
    >>> check_return({"A": 2, "Z": 1}, {"A": 3}, {"A": 2})
    'A: 4 units returned, 3 shipped; Z: 1 units returned, 0 shipped'
    """
    bad = []
    for sku, qty in sorted(returned.items()):
        total = returned_before.get(sku, 0) + qty
        if total > shipped.get(sku, 0):
            bad.append(f"{sku}: {total} units returned, {shipped.get(sku, 0)} shipped")
    return "; ".join(bad)

"""Independent checks of packed cartons, and of what a packer scanned into them.

:func:`carton_violations` re-checks a carton from the contract alone (SPEC
section 5 and the packing rules) and shares no code with the packer, so tests can
hold the packer to it. :func:`verify_pack` compares a plan with the units scanned
at the pack station; an order counts as packed only when it returns ``ok``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from engine.model import Box, HoldReason, Sku
from engine.packing.result import Carton, PackResult

#: Tolerance in cm and kg, the same as the contract's checker.
TOL = 1e-6


def _overlap(a0: Sequence[float], a1: Sequence[float], b0: Sequence[float], b1: Sequence[float]) -> bool:
    return all(a0[k] < b1[k] - TOL and b0[k] < a1[k] - TOL for k in range(3))


def unit_fits_box(sku: Sku, box: Box, padding_cm: float) -> bool:
    """Whether one unit of ``sku`` fits the empty ``box`` on its own."""
    if sku.weight_kg + box.tare_kg > box.max_weight_kg + TOL:
        return False
    g = 2 * padding_cm if sku.fragile else 0.0
    d = sku.dims_cm
    if sku.upright:
        orients = [(d[0], d[1], d[2]), (d[1], d[0], d[2])]
    else:
        orients = [(d[i], d[j], d[3 - i - j]) for i in range(3) for j in range(3) if i != j]
    return any(all(o[k] + g <= box.dims_cm[k] + TOL for k in range(3)) for o in orients)


def carton_violations(
    carton: Carton, box: Box, skus: Mapping[str, Sku], padding_cm: float
) -> list[str]:
    """Every rule a carton breaks, as sentences; empty when it is valid.

    Checks: the box id, each unit's extents are its own dimensions after a
    rotation (``upright`` units keep their height vertical), every unit (with
    padding if fragile) lies inside the box, no body enters another body or a
    fragile unit's padding, the gross weight is within ``max_weight_kg``, and the
    carton's weight is reported right. ``O(n^2)`` in the units of the carton.
    """
    bad: list[str] = []
    name = f"carton {carton.carton_no} ({box.box_id})"
    if carton.box_id != box.box_id:
        bad.append(f"{name}: box id {carton.box_id!r} is not {box.box_id!r}")
    inner = box.dims_cm
    weight = box.tare_kg
    bodies: list[tuple[tuple[float, ...], tuple[float, ...], str]] = []
    shells: list[tuple[tuple[float, ...], tuple[float, ...]]] = []
    for p in carton.placements:
        sku = skus[p.sku]
        ext = (p.dx_cm, p.dy_cm, p.dz_cm)
        if sorted(ext) != sorted(sku.dims_cm):
            bad.append(f"{name}: {p.sku} has extents {ext}, not its own {sku.dims_cm}")
        if sku.upright and abs(p.dz_cm - sku.height_cm) > TOL:
            bad.append(f"{name}: upright {p.sku} is tipped over")
        g = padding_cm if sku.fragile else 0.0
        lo = (p.x_cm, p.y_cm, p.z_cm)
        hi = (p.x_cm + p.dx_cm, p.y_cm + p.dy_cm, p.z_cm + p.dz_cm)
        slo = tuple(v - g for v in lo)
        shi = tuple(v + g for v in hi)
        if any(slo[k] < -TOL or shi[k] > inner[k] + TOL for k in range(3)):
            bad.append(f"{name}: {p.sku} at {lo} (padding included) is outside the box")
        bodies.append((lo, hi, p.sku))
        shells.append((slo, shi))
        weight += sku.weight_kg
    for i in range(len(bodies)):
        for j in range(i + 1, len(bodies)):
            (a0, a1, sa), (b0, b1, sb) = bodies[i], bodies[j]
            if _overlap(shells[i][0], shells[i][1], b0, b1) or _overlap(shells[j][0], shells[j][1], a0, a1):
                bad.append(f"{name}: units {i + 1} ({sa}) and {j + 1} ({sb}) overlap or break padding")
    if weight > box.max_weight_kg + TOL:
        bad.append(f"{name}: gross weight {weight:.3f} kg exceeds {box.max_weight_kg} kg")
    if abs(weight - carton.weight_kg) > 1e-6 * max(1.0, weight):
        bad.append(f"{name}: reported weight {carton.weight_kg} is not {weight}")
    return bad


def result_violations(
    result: PackResult,
    quantities: Mapping[str, int],
    skus: Mapping[str, Sku],
    boxes: Sequence[Box],
    padding_cm: float,
) -> list[str]:
    """Every rule a whole order's result breaks; empty when it is valid.

    A packed order has each ordered unit exactly once and valid cartons numbered
    1..K; a held order is held as ``no_box_fits`` only if some unit fits no box.
    """
    by_id = {b.box_id: b for b in boxes}
    bad: list[str] = []
    if result.hold is not None:
        if result.cartons:
            bad.append(f"order {result.order_id}: held but has cartons")
        if result.hold.reason == HoldReason.NO_BOX_FITS and all(
            any(unit_fits_box(skus[s], b, padding_cm) for b in boxes) for s, q in quantities.items() if q > 0
        ):
            bad.append(f"order {result.order_id}: held as no_box_fits but every unit fits some box")
        return bad
    numbers = [c.carton_no for c in result.cartons]
    if numbers != list(range(1, len(numbers) + 1)):
        bad.append(f"order {result.order_id}: carton numbers {numbers} are not 1..K")
    packed: Counter[str] = Counter()
    for c in result.cartons:
        if not c.placements:
            bad.append(f"order {result.order_id}: carton {c.carton_no} is empty")
        box = by_id.get(c.box_id)
        if box is None:
            bad.append(f"order {result.order_id}: unknown box {c.box_id!r}")
            continue
        bad.extend(f"order {result.order_id}: {v}" for v in carton_violations(c, box, skus, padding_cm))
        packed.update(p.sku for p in c.placements)
    want = Counter({s: q for s, q in quantities.items() if q > 0})
    if packed != want:
        bad.append(f"order {result.order_id}: packed {dict(packed)} but ordered {dict(want)}")
    return bad


@dataclass(frozen=True, slots=True)
class PackCheck:
    """Scanned units against the plan of one order.

    ``missing``: planned units not scanned; ``extra``: planned SKUs scanned more
    often than planned; ``wrong``: scanned SKUs the plan does not contain at all.
    """

    missing: Mapping[str, int]
    extra: Mapping[str, int]
    wrong: Mapping[str, int]

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.wrong)


def verify_pack(plan_cartons: Iterable[Carton], scanned: Mapping[str, int] | Iterable[str]) -> PackCheck:
    """Compare units scanned at the pack station with the planned cartons.

    Parameters
    ----------
    plan_cartons
        The cartons of one order (``PackResult.cartons``).
    scanned
        Units scanned: a mapping SKU -> quantity, or one SKU per scan.

    Examples
    --------
    >>> from engine.packing.result import Placement
    >>> c = Carton(1, "B", (Placement("a", 0, 0, 0, 1, 1, 1), Placement("b", 1, 0, 0, 1, 1, 1)), 1.0, 1.0)
    >>> verify_pack([c], ["a", "b"]).ok
    True
    >>> chk = verify_pack([c], {"a": 2, "z": 1})
    >>> dict(chk.missing), dict(chk.extra), dict(chk.wrong)
    ({'b': 1}, {'a': 1}, {'z': 1})
    """
    plan = Counter(p.sku for c in plan_cartons for p in c.placements)
    if isinstance(scanned, Mapping):
        seen: Counter[str] = Counter()
        for sku, qty in scanned.items():
            if qty < 0:
                raise ValueError(f"negative scanned quantity for {sku}")
            seen[sku] += qty
    else:
        seen = Counter(scanned)
    missing = {s: q - seen[s] for s, q in sorted(plan.items()) if seen[s] < q}
    extra = {s: seen[s] - q for s, q in sorted(plan.items()) if seen[s] > q}
    wrong = {s: q for s, q in sorted(seen.items()) if s not in plan and q > 0}
    return PackCheck(missing=missing, extra=extra, wrong=wrong)

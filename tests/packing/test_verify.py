"""The independent checker catches each kind of broken carton, and pack verification."""

from __future__ import annotations

from engine.model import Box, Hold, HoldReason, Sku
from engine.packing import Carton, PackResult, Placement, carton_violations, result_violations, verify_pack

SKUS = {
    "a": Sku("a", 4, 2, 1, 1.0),
    "u": Sku("u", 2, 2, 5, 1.0, upright=True),
    "f": Sku("f", 2, 2, 2, 0.5, fragile=True),
}
BOX = Box("B", 10, 10, 10, 5.0, 1.0, tare_kg=0.5)


def _carton(*ps: Placement, weight: float | None = None) -> Carton:
    w = BOX.tare_kg + sum(SKUS[p.sku].weight_kg for p in ps) if weight is None else weight
    return Carton(1, "B", ps, w, 1.0)


def test_valid_carton_passes() -> None:
    c = _carton(Placement("a", 0, 0, 0, 4, 2, 1), Placement("a", 0, 0, 1, 2, 1, 4), Placement("f", 7, 7, 7, 2, 2, 2))
    assert carton_violations(c, BOX, SKUS, 1.0) == []


def test_each_rule_is_caught() -> None:
    cases = {
        "overlap": _carton(Placement("a", 0, 0, 0, 4, 2, 1), Placement("a", 3, 1, 0, 4, 2, 1)),
        "outside": _carton(Placement("a", 7, 0, 0, 4, 2, 1)),
        "not its own": _carton(Placement("a", 0, 0, 0, 4, 2, 2)),
        "tipped": _carton(Placement("u", 0, 0, 0, 5, 2, 2)),
        "outside the box": _carton(Placement("f", 0, 0, 0, 2, 2, 2)),  # padding through the wall
        "break padding": _carton(Placement("f", 3, 3, 3, 2, 2, 2), Placement("a", 5.5, 3, 3, 4, 2, 1)),
        "exceeds": _carton(*[Placement("a", 0, 0, z, 4, 2, 1) for z in range(5)]),
        "reported weight": _carton(Placement("a", 0, 0, 0, 4, 2, 1), weight=9.0),
    }
    for words, carton in cases.items():
        found = carton_violations(carton, BOX, SKUS, 1.0)
        assert any(words in v for v in found), (words, found)


def test_two_fragile_paddings_may_overlap() -> None:
    c = _carton(Placement("f", 1, 1, 1, 2, 2, 2), Placement("f", 4, 1, 1, 2, 2, 2))  # 1 cm apart, pad 1
    assert carton_violations(c, BOX, SKUS, 1.0) == []
    assert carton_violations(c, BOX, SKUS, 1.5) != []


def test_result_rules() -> None:
    good = PackResult("o", (_carton(Placement("a", 0, 0, 0, 4, 2, 1)),), 1.0)
    assert result_violations(good, {"a": 1}, SKUS, [BOX], 1.0) == []
    assert result_violations(good, {"a": 2}, SKUS, [BOX], 1.0) != []
    false_hold = PackResult("o", (), 0.0, Hold("o", HoldReason.NO_BOX_FITS, "a"))
    assert any("every unit fits" in v for v in result_violations(false_hold, {"a": 1}, SKUS, [BOX], 1.0))


def test_verify_pack_reports_missing_extra_and_wrong() -> None:
    a0, a1 = Placement("a", 0, 0, 0, 4, 2, 1), Placement("a", 0, 0, 1, 4, 2, 1)
    plan = [_carton(a0, a1, Placement("u", 5, 5, 0, 2, 2, 5))]
    assert verify_pack(plan, {"a": 2, "u": 1}).ok
    assert verify_pack(plan, ["u", "a", "a"]).ok
    chk = verify_pack(plan, ["a", "a", "a", "f"])
    assert not chk.ok
    assert dict(chk.missing) == {"u": 1} and dict(chk.extra) == {"a": 1} and dict(chk.wrong) == {"f": 1}

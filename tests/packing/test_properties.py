"""Property test: every packing of random orders is valid, and holds are never false."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.model import Box, HoldReason, Sku
from engine.packing import PackingParams, result_violations, solve
from engine.packing.verify import unit_fits_box

dim = st.integers(min_value=1, max_value=30).map(lambda v: v / 2)


@st.composite
def instances(draw):
    n = draw(st.integers(1, 4))
    skus = {
        f"s{i}": Sku(
            f"s{i}", draw(dim), draw(dim), draw(dim),
            draw(st.integers(1, 40)) / 4, fragile=draw(st.booleans()), upright=draw(st.booleans()),
        )
        for i in range(n)
    }
    boxes = [
        Box(f"b{j}", draw(dim) + 5, draw(dim) + 5, draw(dim) + 3, draw(st.integers(2, 30)),
            draw(st.integers(1, 20)) / 2, tare_kg=draw(st.sampled_from([0.0, 0.5])))
        for j in range(draw(st.integers(1, 4)))
    ]
    qty = {s: draw(st.integers(0, 4)) for s in skus}
    pad = draw(st.sampled_from([0.0, 0.5, 1.0]))
    return skus, boxes, qty, pad


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_packing_is_valid_and_holds_are_true(inst) -> None:
    skus, boxes, qty, pad = inst
    params = PackingParams(fragile_padding_cm=pad, time_limit_per_order_s=0.05)
    r = solve("o", qty, skus, boxes, params)
    assert result_violations(r, qty, skus, boxes, pad) == []
    some_unit_fits_nowhere = any(
        q > 0 and not any(unit_fits_box(skus[s], b, pad) for b in boxes) for s, q in qty.items()
    )
    if r.hold is not None:
        assert r.hold.reason == HoldReason.NO_BOX_FITS and some_unit_fits_nowhere
    else:
        assert not some_unit_fits_nowhere
        assert r.cost == sum(c.cost for c in r.cartons)

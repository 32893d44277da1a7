"""Property tests: every packing of random orders is valid, holds are never false, bounds never cut."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.model import Box, HoldReason, Sku
from engine.packing import PackingParams, result_violations, solve
from engine.packing.bounds import may_fit_one_box
from engine.packing.exact import Status, exact_place
from engine.packing.extreme_points import place_pair
from engine.packing.geometry import piece_type
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


@st.composite
def small_sets(draw):
    pad = draw(st.sampled_from([0.0, 0.5, 1.0]))
    params = PackingParams(fragile_padding_cm=pad)
    kinds = [
        piece_type(Sku(f"s{i}", draw(dim), draw(dim), draw(dim), 0.1,
                       fragile=draw(st.booleans()), upright=draw(st.booleans())), params)
        for i in range(draw(st.integers(1, 2)))
    ]
    units = [kinds[draw(st.integers(0, len(kinds) - 1))] for _ in range(draw(st.integers(2, 4)))]
    dims = np.array([draw(dim) + 2, draw(dim) + 2, draw(dim) + 1])
    return units, dims


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_sets())
def test_bounds_never_reject_what_cp_sat_packs(inst) -> None:
    units, dims = inst
    status, _, _ = exact_place(units, dims, time_limit_s=2.0, seed=0)
    length, width, height = (float(v) for v in dims)
    box = Box("B", length, width, height, 100.0, 1.0)
    if status is Status.FEASIBLE:
        assert may_fit_one_box(units, box)
    if len(units) == 2 and status is not Status.UNKNOWN:
        # two units are decided exactly in closed form
        assert (place_pair(units, dims) is not None) == (status is Status.FEASIBLE)

"""The instance generator: seeded, realistic in shape, and readable by the SPEC readers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from engine.io.config import read_wave_config
from engine.io.layout import read_layout
from engine.io.tables import read_boxes, read_inventory, read_orders, read_skus
from engine.model import Method
from engine.synth import SynthParams, generate, render_instance, write_instance

PARAMS = SynthParams(blocks=3, aisles=12, slots_per_side=20, skus=300, orders=250, zones=3, slotting="abc")


def test_same_seed_same_files_other_seed_other_files() -> None:
    a, b, c = (render_instance(generate(PARAMS, seed=s)) for s in (1, 1, 2))
    assert a == b
    assert a["orders.csv"] != c["orders.csv"]


def test_orders_are_mostly_small_and_mostly_captured_with_skewed_popularity() -> None:
    inst = generate(PARAMS, seed=4)
    sizes = Counter(len(o.lines) for o in inst.orders)
    assert sum(sizes[k] for k in range(1, 5)) / len(inst.orders) > 0.8
    statuses = Counter(o.payment_status for o in inst.orders)
    assert statuses["captured"] / len(inst.orders) > 0.8 and len(statuses) > 1
    lines = Counter(ln.sku for o in inst.orders for ln in o.lines)
    top = sum(q for _, q in lines.most_common(len(inst.skus) // 10))
    assert top / sum(lines.values()) > 0.3  # the top 10 % of SKUs carry far more than 10 % of lines
    assert all(o.ship_by is not None and o.ship_by > o.created_at and o.carrier for o in inst.orders)


def test_abc_slotting_puts_popular_skus_near_the_depot() -> None:
    inst = generate(SynthParams(blocks=1, aisles=20, slots_per_side=20, skus=300, orders=600, slotting="abc",
                                multi_face_share=0.0), seed=5)
    lay = inst.layout
    lines = Counter(ln.sku for o in inst.orders for ln in o.lines)
    dist = {r.sku: lay.distance(lay.depot(), lay.point(r.location_id)) for r in inst.stock}
    ranked = [s for s, _ in lines.most_common()]
    head, tail = ranked[:30], ranked[-30:]
    assert sum(dist[s] for s in head) < sum(dist[s] for s in tail)


def test_written_files_read_back_through_the_spec_readers(tmp_path: Path) -> None:
    inst = generate(PARAMS, seed=6)
    paths = write_instance(inst, tmp_path)
    lay = read_layout(paths["layout"])
    assert lay.kind == "rectangular" and len(lay.zones) == 3
    skus = read_skus(paths["skus"])
    assert len(skus.skus) == len(inst.skus) and not skus.warnings
    stock = read_inventory(paths["inventory"], lay.has_location)
    assert not stock.warnings and len(stock.stock) == len(inst.stock)
    orders = read_orders(paths["orders"], skus.skus.keys())
    assert len(orders.orders) == len(inst.orders) and not orders.held
    assert len(read_boxes(paths["boxes"]).boxes) == len(inst.boxes)
    assert read_wave_config(paths["wave"]).method is Method.BATCH


def test_params_are_validated() -> None:
    with pytest.raises(ValueError):
        SynthParams(blocks=1, aisles=2, slots_per_side=2, skus=100)
    with pytest.raises(ValueError):
        SynthParams(slotting="alphabetical")

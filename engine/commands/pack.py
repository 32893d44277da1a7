"""``pickwave pack``: cartonize every order of a file (SPEC section 6).

Reads skus, boxes and orders (and the wave config for ``fragile_padding_cm`` and
``seed``), packs each order with :func:`engine.packing.pack_orders`, and writes
``cartons.csv`` and ``held.csv`` into ``--out``. Orders held at intake (invalid
rows, unknown SKUs) and orders with a unit that fits no box go to ``held.csv``;
every other order is in ``cartons.csv``. Payment status is not looked at here:
this command answers "how would these orders be packed", releasing is ``plan``'s job.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
from pathlib import Path

from engine.io.config import read_wave_config
from engine.io.tables import read_boxes, read_orders, read_skus
from engine.model import Hold
from engine.packing import pack_orders, packing_params, write_cartons_csv, write_held_csv
from engine.packing.result import PackResult
from engine.publish.storage import local_folder

log = logging.getLogger(__name__)


def _write_atomically(out: Path, results: list[PackResult], holds: list[Hold]) -> None:
    """Write both files next to their targets, then rename: never half a result."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=".pack-") as tmp:
        t = Path(tmp)
        write_cartons_csv(t / "cartons.csv", results)
        write_held_csv(t / "held.csv", holds)
        for name in ("cartons.csv", "held.csv"):
            os.replace(t / name, out / name)


def run_pack(args: argparse.Namespace) -> int:
    """Handle ``pickwave pack --skus S --boxes B --orders O --out DIR [--config W]``."""
    out = local_folder(args.out)
    config = read_wave_config(getattr(args, "config", None))
    sku_table = read_skus(args.skus)
    box_table = read_boxes(args.boxes)
    orders_in = read_orders(args.orders, known_skus=set(sku_table.skus), rejected_skus=sku_table.rejected)
    params = packing_params(config)
    orders = [(o.order_id, o.quantities()) for o in orders_in.orders]
    results = pack_orders(orders, sku_table.skus, box_table.boxes, params)
    holds = list(orders_in.held) + [r.hold for r in results if r.hold is not None]
    holds.sort(key=lambda h: h.order_id)
    packed = [r for r in results if r.hold is None]
    _write_atomically(out, packed, holds)
    cartons = sum(len(r.cartons) for r in packed)
    cost = sum(r.cost for r in packed)
    print(f"packed {len(packed)} orders into {cartons} cartons (cost {cost:.2f}); held {len(holds)}")
    print(f"wrote {out / 'cartons.csv'} and {out / 'held.csv'}")
    return 0

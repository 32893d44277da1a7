"""``pickwave wave list`` and ``pickwave wave show``: the committed waves, read from the store."""

from __future__ import annotations

import argparse
import json

from engine.commands.common import store_url
from engine.errors import InputError, Problem
from engine.store import open_store


def run_wave_list(args: argparse.Namespace) -> int:
    """Every committed wave, newest first: id, when, orders, batches, distance, where the files are."""
    with open_store(store_url(args)) as store:
        waves = store.list_waves()
    if args.json:
        print(json.dumps([w.to_json() for w in waves], indent=1, sort_keys=True))
        return 0
    print("wave_id,created_at,created_by,orders,held,batches,distance_m,publish_state,out")
    for w in waves:
        print(f"{w.wave_id},{w.created_at.isoformat()},{w.created_by},{w.orders},{w.held},{w.batches},"
              f"{w.distance_m:.1f},{w.publish_state},{w.out}")
    return 0


def run_wave_show(args: argparse.Namespace) -> int:
    """One wave: its counts, its config, and where its orders are now."""
    with open_store(store_url(args)) as store:
        w = store.wave_summary(args.wave_id)
    if w is None:
        raise InputError([Problem(args.wave_id, "no such wave in the store (`pickwave wave list` lists them)")])
    if args.json:
        print(json.dumps(w.to_json(), indent=1, sort_keys=True))
        return 0
    print(f"wave {w.wave_id}: committed {w.created_at.isoformat()} by {w.created_by}; {w.publish_state} in {w.out}")
    print(f"  {w.orders} orders released, {w.held} held; {w.batches} batches, {w.picks} picks, {w.cartons} cartons, "
          f"{w.distance_m:.1f} m")
    print("  orders now: " + ", ".join(f"{n} {s}" for s, n in sorted(w.statuses.items())))
    print(f"  method {w.config.get('method')}, max_orders {w.config.get('max_orders')}, "
          f"routing {w.config.get('routing')}")
    return 0

"""Task functions of the ``wave_planning`` DAG: plan, per-batch work, publish, notify.

Each function takes JSON-able arguments and returns a JSON-able summary, so a
DAG task is one call. Together they are one transaction in steps:

1. :func:`plan_task` claims the releasable orders, plans the wave and stages
   the plan's files under ``<out>/_staging/<wave_id>/``, then rolls back (it
   releases nothing and holds no lock afterwards).
2. :func:`route_batch_task` / :func:`pack_batch_task`, one per batch (mapped):
   the printable sheet with its route map, and the pack-station list with the
   check that the cartons hold exactly what the batch picks.
3. :func:`publish_task` claims again and, inside one store transaction, copies
   the staged files to ``<out>/<wave_id>/`` (each atomically) and commits the
   wave (allocations, picks, cartons, the ``release`` moves, outbox rows). The
   store refuses a plan that no longer fits the claim, and nothing is released.
   ``manifest.json`` is written last, after COMMIT: a 3PL takes a wave folder
   with a manifest as complete.
4. :func:`relay_outbox_task` copies unsent store outbox rows to the file outbox.

The wave id comes from the run (:func:`wave_id_for_run`), so a rerun of the same
logical date finds its wave committed and changes nothing, and writes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime

from engine.io.config import config_from_mapping, config_to_mapping
from engine.io.layout import parse_layout
from engine.publish.outbox import OutboxMessage, safe_name, write_outbox
from engine.publish.picklists import BatchInfo, PickRow, format_picklists_json, parse_picklists_csv
from engine.publish.sheet import location_xy, render_batch_sheet, route_svg, walking_path
from engine.publish.storage import exists, join, read_text, walk_files, write_atomic

log = logging.getLogger(__name__)

ACTOR = "airflow"
#: Files of SPEC section 5 a staged plan holds.
PLAN_FILES = ("picklists.csv", "batches.csv", "cartons.csv", "held.csv", "summary.json")


def wave_id_for_run(logical_date: str, prefix: str = "W") -> str:
    """The wave id of a scheduled run: ``W-`` and the logical date to the minute (UTC).

    >>> wave_id_for_run("2026-03-01T06:15:00+00:00")
    'W-20260301T0615'
    """
    ts = datetime.fromisoformat(logical_date)
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC)
    return f"{prefix}-{ts:%Y%m%dT%H%M}"


def staging_url(out_url: str, wave_id: str) -> str:
    return join(out_url, "_staging", wave_id)


def wave_url(out_url: str, wave_id: str) -> str:
    return join(out_url, wave_id)


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# --- 1. plan ----------------------------------------------------------------------------
def plan_task(store_url: str, out_url: str, config: Mapping[str, object], wave_id: str) -> dict[str, object]:
    """Claim, plan and stage one wave; returns ``{wave_id, published, batches}``.

    ``published`` is true (and nothing is planned) when the wave is already in
    the store. ``batches`` lists the batch ids the mapped tasks expand over.
    """
    from engine.orchestration.store_ops import store_for
    from engine.wave import WaveProblem, plan_wave, render_plan

    cfg = config_from_mapping(dict(config), "dag params")
    with store_for(store_url).claim_releasable(cfg, wave_id, by=ACTOR) as c:
        if c.already_committed:
            return {"wave_id": wave_id, "published": True, "batches": []}
        cat = c.catalog
        problem = WaveProblem.build(cat.layout, cat.skus, cat.stock, cat.boxes, c.orders, c.held, cfg, wave_id)
        plan = plan_wave(problem)
        # leaving the block rolls the claim back: publish claims again and the store checks the plan
    stage = staging_url(out_url, wave_id)
    for name, text in render_plan(plan).items():
        write_atomic(join(stage, name), text)
    write_atomic(join(stage, "layout.yaml"), cat.layout_yaml)
    log.info("wave %s planned: %d batches staged at %s", wave_id, len(plan.batches), stage)
    return {"wave_id": wave_id, "published": False, "batches": [b.batch_id for b in plan.batches]}


# --- 2. per batch (mapped) ---------------------------------------------------------------
def _staged_picks(stage: str, batch_id: str) -> list[PickRow]:
    rows = parse_picklists_csv(read_text(join(stage, "picklists.csv")), join(stage, "picklists.csv"))
    return [r for r in rows if r.batch_id == batch_id]


def _batch_info(stage: str, batch_id: str) -> BatchInfo:
    for row in _csv_rows(read_text(join(stage, "batches.csv"))):
        if row["batch_id"] == batch_id:
            return BatchInfo(batch_id, row["zone"], float(row["distance_m"]))
    raise KeyError(f"batch {batch_id!r} is not in the staged plan {stage}")


def route_batch_task(out_url: str, wave_id: str, batch_id: str) -> dict[str, object]:
    """Render one batch's printable sheet with its route map; check its distance.

    The route length recomputed on the layout from the sheet's stops must
    equal ``batches.csv``'s ``distance_m`` (SPEC section 5, 1e-6 relative), so a
    sheet never shows a walk other than the one planned.
    """
    stage = staging_url(out_url, wave_id)
    layout = parse_layout(read_text(join(stage, "layout.yaml")))
    info = _batch_info(stage, batch_id)
    picks = _staged_picks(stage, batch_id)
    stops: dict[int, str] = {}
    for p in picks:
        stops.setdefault(p.stop, p.location_id)
    locations = [stops[k] for k in sorted(stops)]
    zone = info.zone or None
    length = layout.route_length([layout.point(loc) for loc in locations], zone)
    if abs(length - info.distance_m) > 1e-6 * max(1.0, length):
        raise ValueError(f"batch {batch_id}: route of the stops is {length} m, the plan says {info.distance_m} m")
    path = walking_path(layout, locations, zone)
    marks = [(n, location_xy(layout, stops[n])) for n in sorted(stops)]
    html = render_batch_sheet(wave_id, info, picks, route_svg(path, marks))
    write_atomic(join(stage, "sheets", f"{safe_name(batch_id)}.html"), html)
    return {"batch_id": batch_id, "stops": len(locations), "distance_m": round(length, 6)}


def pack_batch_task(out_url: str, wave_id: str, batch_id: str) -> dict[str, object]:
    """The pack-station list of one batch, after checking its cartons against its picks.

    For every order the batch serves whole (not split over batches), the units
    per SKU in its cartons must equal the units picked; a mismatch fails the
    task before anything is published.
    """
    stage = staging_url(out_url, wave_id)
    picks = _staged_picks(stage, batch_id)
    all_picks = parse_picklists_csv(read_text(join(stage, "picklists.csv")))
    batches_of: dict[str, set[str]] = defaultdict(set)
    picked: dict[tuple[str, str], int] = defaultdict(int)
    for p in all_picks:
        batches_of[p.order_id].add(p.batch_id)
        picked[(p.order_id, p.sku)] += p.qty
    orders = {p.order_id: p.tote for p in picks}
    packed: dict[tuple[str, str], int] = defaultdict(int)
    cartons: dict[tuple[str, int], tuple[str, int]] = {}
    for row in _csv_rows(read_text(join(stage, "cartons.csv"))):
        oid = row["order_id"]
        if oid not in orders:
            continue
        packed[(oid, row["sku"])] += 1
        key = (oid, int(row["carton_no"]))
        box, units = cartons.get(key, (row["box_id"], 0))
        cartons[key] = (box, units + 1)
    for oid in orders:
        want = {sku: q for (o, sku), q in picked.items() if o == oid}
        got = {sku: q for (o, sku), q in packed.items() if o == oid}
        if want != got:
            raise ValueError(f"order {oid}: cartons hold {got}, the picks are {want}")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(("wave_id", "batch_id", "order_id", "tote", "carton_no", "box_id", "units", "other_batches"))
    for (oid, no), (box, units) in sorted(cartons.items()):
        others = ";".join(sorted(batches_of[oid] - {batch_id}))
        w.writerow((wave_id, batch_id, oid, orders[oid], no, box, units, others))
    write_atomic(join(stage, "packing", f"{safe_name(batch_id)}.csv"), buf.getvalue())
    return {"batch_id": batch_id, "orders": len(orders), "cartons": len(cartons)}


# --- 3. publish ------------------------------------------------------------------------
def _release_from_stage(stage: str) -> object:
    from engine.model import Hold, HoldReason
    from engine.store import PackedCarton, ReleasedBatch, ReleasedPick, WaveRelease

    batches = tuple(ReleasedBatch(r["batch_id"], r["zone"], float(r["distance_m"]))
                    for r in _csv_rows(read_text(join(stage, "batches.csv"))))
    picks = tuple(ReleasedPick(p.batch_id, p.order_id, p.sku, p.location_id, p.qty)
                  for p in parse_picklists_csv(read_text(join(stage, "picklists.csv"))))
    units: dict[tuple[str, int, str], int] = defaultdict(int)
    for r in _csv_rows(read_text(join(stage, "cartons.csv"))):
        units[(r["order_id"], int(r["carton_no"]), r["box_id"])] += 1
    cartons = tuple(PackedCarton(o, n, b, u) for (o, n, b), u in sorted(units.items()))
    held = tuple(Hold(r["order_id"], HoldReason(r["reason"]), r["detail"])
                 for r in _csv_rows(read_text(join(stage, "held.csv"))))
    return WaveRelease(batches, picks, cartons, held)


def publish_task(store_url: str, out_url: str, config: Mapping[str, object], wave_id: str) -> dict[str, object]:
    """Publish the staged wave and release its orders, all or nothing.

    Returns ``{wave_id, out, released, already_published}``. A wave already in
    the store is left alone: no file is written again and no order moves.
    """
    from engine.orchestration.store_ops import store_for
    from engine.store import WaveRelease

    cfg = config_from_mapping(dict(config), "dag params")
    stage, final = staging_url(out_url, wave_id), wave_url(out_url, wave_id)
    with store_for(store_url).claim_releasable(cfg, wave_id, by=ACTOR) as c:
        if c.already_committed:
            return {"wave_id": wave_id, "out": final, "released": 0, "already_published": True}
        release = _release_from_stage(stage)
        assert isinstance(release, WaveRelease)
        files = [f for f in walk_files(stage) if f != "layout.yaml"]
        for rel in files:
            write_atomic(join(final, rel), read_text(join(stage, rel)))
        picks = parse_picklists_csv(read_text(join(stage, "picklists.csv")))
        infos = [BatchInfo(b.batch_id, b.zone, b.distance_m or 0.0) for b in release.batches]
        write_atomic(join(final, "picklists.json"), format_picklists_json(wave_id, picks, infos))
        report = c.commit(release, out=final)
    manifest = {"wave_id": wave_id, "released": list(report.released),
                "files": sorted([*files, "picklists.json"]), "config": config_to_mapping(cfg)}
    write_atomic(join(final, "manifest.json"), json.dumps(manifest, indent=1, sort_keys=True, default=str) + "\n")
    log.info("wave %s published to %s: %d orders released", wave_id, final, len(report.released))
    return {"wave_id": wave_id, "out": final, "released": len(report.released),
            "already_published": report.already_committed}


# --- 4. notify --------------------------------------------------------------------------
def relay_outbox_task(store_url: str, outbox_url: str) -> dict[str, object]:
    """Copy unsent store outbox rows to the file outbox and mark them sent.

    A file per message (``<topic>/<key>.json``, write-once), so a crash between
    writing and marking only means the next run finds the file and skips it.
    """
    from engine.orchestration.store_ops import store_for

    store = store_for(store_url)
    rows = store.outbox(unsent=True)
    written = 0
    for _id, topic, key, payload_json in rows:
        payload = {k: str(v) for k, v in json.loads(payload_json).items()}
        msg = OutboxMessage(f"{topic}-{key}", topic, payload.pop("order_id", ""), payload)
        written += write_outbox(outbox_url, [msg])
    store.mark_sent([r[0] for r in rows])
    return {"relayed": len(rows), "written": written}


def is_published(out_url: str, wave_id: str) -> bool:
    """True once the wave's ``manifest.json`` exists (the 3PL's signal to take the wave)."""
    return exists(join(wave_url(out_url, wave_id), "manifest.json"))

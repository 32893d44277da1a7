"""Task functions of the ``wave_planning`` DAG: plan, per-batch work, publish, notify.

Each function takes JSON-able arguments and returns a JSON-able summary, so a
DAG task is one call. Together they are one transaction in steps:

1. :func:`prepare_task` claims the releasable orders, releases and splits
   the wave into independent groups (:func:`engine.wave.prepare_wave`) and
   stages them (``_wave/prep.pickle``), then rolls back (it releases nothing
   and holds no lock afterwards); :func:`plan_group_task`, one per group
   (mapped), batches and routes its group (``_wave/group-<k>.pickle``);
   :func:`assemble_task` builds the plan and stages the plan's files under
   ``<out>/_staging/<wave_id>/`` (:func:`plan_task` is the three in one call). Besides the SPEC files it
   stages one folder per batch, ``_batches/<batch>/`` (``batch.json``,
   ``picks.csv``, ``cartons.csv``), so a mapped task reads only its batch.
   With no releasable order it plans nothing and says so (``empty``).
2. :func:`route_batch_task` / :func:`pack_batch_task`, one per batch (mapped):
   the printable sheet with its route map, and the pack-station list (with
   the carton ids a pack report names) after checking that the cartons hold
   exactly what the batch's orders pick.
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
import pickle
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from engine.intake_3pl.reports import carton_id
from engine.io.config import config_from_mapping, config_to_mapping
from engine.io.layout import parse_layout
from engine.publish.outbox import OutboxMessage, safe_name, write_outbox
from engine.publish.picklists import BatchInfo, PickRow, format_picklists_json, parse_picklists_csv
from engine.publish.sheet import location_xy, render_batch_sheet, route_svg, walking_path
from engine.publish.storage import exists, join, read_bytes, read_text, walk_files, write_atomic

if TYPE_CHECKING:
    from engine.model import Box, Sku
    from engine.store import WaveRelease
    from engine.wave import WavePrep

log = logging.getLogger(__name__)

ACTOR = "airflow"
#: Files of SPEC section 5 a staged plan holds.
PLAN_FILES = ("picklists.csv", "batches.csv", "cartons.csv", "held.csv", "summary.json")
#: Staged files only the DAG's own tasks read; never published.
PRIVATE = ("layout.yaml", "_batches/", "_wave/")
#: Columns of the pack-station list ``packing/<batch>.csv``.
PACKING_COLUMNS = ("wave_id", "batch_id", "order_id", "tote", "carton_no", "carton_id", "box_id", "units",
                   "other_batches")


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


def batch_url(stage: str, batch_id: str) -> str:
    """The staged folder of one batch (what its mapped tasks read)."""
    return join(stage, "_batches", safe_name(batch_id))


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _csv_text(header: list[str], rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def split_by_batch(files: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Batch id → the staged files of that batch, from a rendered plan (SPEC section 5 texts).

    ``picks.csv`` holds the ``picklists.csv`` rows of every order the batch
    serves, its own and those orders' rows in other batches (so the pack check
    sees whole orders); ``cartons.csv`` the ``cartons.csv`` rows of those
    orders; ``batch.json`` the batch's ``batches.csv`` row. O(rows).
    """
    picks = _csv_rows(files["picklists.csv"])
    cartons = _csv_rows(files["cartons.csv"])
    pick_header = files["picklists.csv"].splitlines()[0].split(",")
    carton_header = files["cartons.csv"].splitlines()[0].split(",")
    orders_of: dict[str, set[str]] = defaultdict(set)
    for p in picks:
        orders_of[p["batch_id"]].add(p["order_id"])
    out: dict[str, dict[str, str]] = {}
    for b in _csv_rows(files["batches.csv"]):
        bid, mine = b["batch_id"], orders_of[b["batch_id"]]
        out[bid] = {
            "batch.json": json.dumps({"batch_id": bid, "zone": b["zone"], "distance_m": float(b["distance_m"])},
                                     sort_keys=True) + "\n",
            "picks.csv": _csv_text(pick_header, [p for p in picks if p["order_id"] in mine]),
            "cartons.csv": _csv_text(carton_header, [c for c in cartons if c["order_id"] in mine]),
        }
    return out


# --- 1. plan: prepare, plan each group (mapped), assemble -------------------------------
def prep_url(stage: str) -> str:
    """The staged :class:`engine.wave.WavePrep` (a pickle only this DAG's tasks write and read)."""
    return join(stage, "_wave", "prep.pickle")


def group_url(stage: str, index: int) -> str:
    """The staged :class:`engine.wave.GroupPlan` of group ``index``."""
    return join(stage, "_wave", f"group-{index:04d}.pickle")


def prepare_task(store_url: str, out_url: str, config: Mapping[str, object], wave_id: str) -> dict[str, object]:
    """Claim, release and split one wave; returns ``{wave_id, published, empty, groups}``.

    Stages the :class:`engine.wave.WavePrep` (:func:`prep_url`) and
    ``layout.yaml``; ``groups`` lists the group indices the mapped
    :func:`plan_group_task` expands over. ``published`` is true (and nothing is
    planned) when the wave is already in the store; ``empty`` is true (and
    nothing is staged) when no order is releasable. The claim is rolled back.
    """
    from engine.orchestration.store_ops import store_for
    from engine.wave import WaveProblem, prepare_wave

    cfg = config_from_mapping(dict(config), "dag params")
    with store_for(store_url).claim_releasable(cfg, wave_id, by=ACTOR) as c:
        if c.already_committed:
            return {"wave_id": wave_id, "published": True, "empty": False, "groups": []}
        if not c.orders:
            log.info("wave %s: no releasable order; nothing planned", wave_id)
            return {"wave_id": wave_id, "published": False, "empty": True, "groups": []}
        cat = c.catalog
        problem = WaveProblem.build(cat.layout, cat.skus, cat.stock, cat.boxes, c.orders, c.held, cfg, wave_id)
        prep = prepare_wave(problem)
        # leaving the block rolls the claim back: publish claims again and the store checks the plan
    stage = staging_url(out_url, wave_id)
    write_atomic(prep_url(stage), pickle.dumps(prep, protocol=pickle.HIGHEST_PROTOCOL))
    write_atomic(join(stage, "layout.yaml"), cat.layout_yaml)
    log.info("wave %s prepared: %d parts in %d groups", wave_id, len(prep.parts), len(prep.groups))
    return {"wave_id": wave_id, "published": False, "empty": False, "groups": list(range(len(prep.groups)))}


def _read_prep(stage: str) -> WavePrep:
    prep = pickle.loads(read_bytes(prep_url(stage)))  # written by prepare_task of this wave only
    from engine.wave import WavePrep

    if not isinstance(prep, WavePrep):
        raise TypeError(f"{prep_url(stage)} holds a {type(prep).__name__}, not a WavePrep")
    return prep


def plan_group_task(out_url: str, wave_id: str, index: int) -> dict[str, object]:
    """Batch, re-choose faces and route group ``index`` of the staged wave (one mapped instance).

    Reads the staged prep, writes :func:`group_url`; a retry writes the same plan
    again (with ``max_iterations`` set, the same bytes' worth of plan).
    """
    from engine.wave import plan_group

    stage = staging_url(out_url, wave_id)
    group = plan_group(_read_prep(stage), index)
    write_atomic(group_url(stage, index), pickle.dumps(group, protocol=pickle.HIGHEST_PROTOCOL))
    return {"wave_id": wave_id, "group": index, "batches": len(group.batches), "runtime_s": round(group.runtime_s, 3)}


def assemble_task(out_url: str, prepared: Mapping[str, object]) -> dict[str, object]:
    """The plan from the staged prep and group plans, staged as files; ``{wave_id, published, empty, batches}``.

    Stages the SPEC section 5 files and one folder per batch (see the module
    notes). A wave already published or empty passes through, writing nothing.
    """
    from engine.wave import GroupPlan, assemble_plan, render_plan

    wave_id = str(prepared["wave_id"])
    if prepared["published"] or prepared["empty"]:
        return {"wave_id": wave_id, "published": prepared["published"], "empty": prepared["empty"], "batches": []}
    stage = staging_url(out_url, wave_id)
    prep = _read_prep(stage)
    groups = [pickle.loads(read_bytes(group_url(stage, k))) for k in range(len(prep.groups))]
    if not all(isinstance(g, GroupPlan) for g in groups):
        raise TypeError(f"{stage}: a staged group plan is not a GroupPlan")
    plan = assemble_plan(prep, groups)
    files = render_plan(plan)
    for name, text in files.items():
        write_atomic(join(stage, name), text)
    for bid, own in split_by_batch(files).items():
        for name, text in own.items():
            write_atomic(join(batch_url(stage, bid), name), text)
    log.info("wave %s planned: %d batches staged at %s", wave_id, len(plan.batches), stage)
    return {"wave_id": wave_id, "published": False, "empty": False, "batches": [b.batch_id for b in plan.batches]}


def plan_task(store_url: str, out_url: str, config: Mapping[str, object], wave_id: str) -> dict[str, object]:
    """Claim, plan and stage one wave in one call; returns ``{wave_id, published, empty, batches}``.

    :func:`prepare_task`, :func:`plan_group_task` for each group, then
    :func:`assemble_task`: what the DAG's ``plan``, mapped ``plan_group`` and
    ``assemble`` tasks do, in this process.
    """
    prepared = prepare_task(store_url, out_url, config, wave_id)
    for k in prepared["groups"]:  # type: ignore[attr-defined]
        plan_group_task(out_url, wave_id, int(k))
    return assemble_task(out_url, prepared)


# --- 2. per batch (mapped) ---------------------------------------------------------------
def _batch_picks(stage: str, batch_id: str) -> tuple[PickRow, ...]:
    """The staged pick rows of the orders ``batch_id`` serves (its own and their other batches')."""
    url = join(batch_url(stage, batch_id), "picks.csv")
    return parse_picklists_csv(read_text(url), url)


def _batch_info(stage: str, batch_id: str) -> BatchInfo:
    url = join(batch_url(stage, batch_id), "batch.json")
    if not exists(url):
        raise KeyError(f"batch {batch_id!r} is not in the staged plan {stage}")
    doc = json.loads(read_text(url))
    return BatchInfo(batch_id, str(doc["zone"]), float(doc["distance_m"]))


def route_batch_task(out_url: str, wave_id: str, batch_id: str) -> dict[str, object]:
    """Render one batch's printable sheet with its route map; check its distance.

    The route length recomputed on the layout from the sheet's stops must
    equal ``batches.csv``'s ``distance_m`` (SPEC section 5, 1e-6 relative), so a
    sheet never shows a walk other than the one planned.
    """
    stage = staging_url(out_url, wave_id)
    layout = parse_layout(read_text(join(stage, "layout.yaml")))
    info = _batch_info(stage, batch_id)
    picks = [p for p in _batch_picks(stage, batch_id) if p.batch_id == batch_id]
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

    For every order the batch serves, the units per SKU in its cartons must
    equal the units picked for it over the whole wave; a mismatch fails the
    task before anything is published. Each row names the ``carton_id`` a
    pack report must use (:func:`engine.intake_3pl.carton_id`) and the other
    batches the order's units come from. Reads only the batch's staged folder.
    """
    stage = staging_url(out_url, wave_id)
    all_picks = _batch_picks(stage, batch_id)
    picks = [p for p in all_picks if p.batch_id == batch_id]
    batches_of: dict[str, set[str]] = defaultdict(set)
    picked: dict[tuple[str, str], int] = defaultdict(int)
    for p in all_picks:
        batches_of[p.order_id].add(p.batch_id)
        picked[(p.order_id, p.sku)] += p.qty
    orders = {p.order_id: p.tote for p in picks}
    packed: dict[tuple[str, str], int] = defaultdict(int)
    cartons: dict[tuple[str, int], tuple[str, int]] = {}
    for row in _csv_rows(read_text(join(batch_url(stage, batch_id), "cartons.csv"))):
        oid = row["order_id"]
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
    w.writerow(PACKING_COLUMNS)
    for (oid, no), (box, units) in sorted(cartons.items()):
        others = ";".join(sorted(batches_of[oid] - {batch_id}))
        w.writerow((wave_id, batch_id, oid, orders[oid], no, carton_id(oid, no), box, units, others))
    write_atomic(join(stage, "packing", f"{safe_name(batch_id)}.csv"), buf.getvalue())
    return {"batch_id": batch_id, "orders": len(orders), "cartons": len(cartons)}


# --- 3. publish ------------------------------------------------------------------------
def release_from_files(files: Mapping[str, str], skus: Mapping[str, Sku], boxes: Sequence[Box]) -> WaveRelease:
    """The store's view of a rendered plan (SPEC section 5 texts); pure.

    Cartons carry their placements and their gross weight: the SKU weights of
    their units plus the box's tare, so a label prints the real weight.
    """
    from engine.model import Hold, HoldReason
    from engine.store import PackedCarton, PackedUnit, ReleasedBatch, ReleasedPick, WaveRelease

    tare = {b.box_id: b.tare_kg for b in boxes}
    batches = tuple(ReleasedBatch(r["batch_id"], r["zone"], float(r["distance_m"]))
                    for r in _csv_rows(files["batches.csv"]))
    picks = tuple(ReleasedPick(p.batch_id, p.order_id, p.sku, p.location_id, p.qty)
                  for p in parse_picklists_csv(files["picklists.csv"]))
    units: dict[tuple[str, int, str], list[PackedUnit]] = defaultdict(list)
    for r in _csv_rows(files["cartons.csv"]):
        units[(r["order_id"], int(r["carton_no"]), r["box_id"])].append(PackedUnit(
            r["sku"], *(float(r[k]) for k in ("x_cm", "y_cm", "z_cm", "dx_cm", "dy_cm", "dz_cm"))))
    cartons = tuple(PackedCarton(o, n, b, len(u), tare.get(b, 0.0) + sum(skus[x.sku].weight_kg for x in u), tuple(u))
                    for (o, n, b), u in sorted(units.items()))
    held = tuple(Hold(r["order_id"], HoldReason(r["reason"]), r["detail"]) for r in _csv_rows(files["held.csv"]))
    return WaveRelease(batches, picks, cartons, held)


def publish_task(store_url: str, out_url: str, config: Mapping[str, object], wave_id: str) -> dict[str, object]:
    """Publish the staged wave and release its orders, all or nothing.

    Returns ``{wave_id, out, released, already_published, empty}``. A wave
    already in the store is left alone: no file is written again and no order
    moves. With no releasable order nothing is committed or written
    (``empty``): an empty wave is skipped, not published.
    """
    from engine.orchestration.store_ops import store_for

    cfg = config_from_mapping(dict(config), "dag params")
    stage, final = staging_url(out_url, wave_id), wave_url(out_url, wave_id)
    with store_for(store_url).claim_releasable(cfg, wave_id, by=ACTOR) as c:
        if c.already_committed:
            return {"wave_id": wave_id, "out": final, "released": 0, "already_published": True, "empty": False}
        if not c.orders:
            return {"wave_id": wave_id, "out": final, "released": 0, "already_published": False, "empty": True}
        release = release_from_files({n: read_text(join(stage, n)) for n in PLAN_FILES if n != "summary.json"},
                                     c.catalog.skus, c.catalog.boxes)
        files = [f for f in walk_files(stage) if not f.startswith(PRIVATE)]
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
            "already_published": report.already_committed, "empty": False}


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

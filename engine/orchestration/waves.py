"""Task functions of the ``wave_planning`` DAG: plan, per-chunk work, publish, notify.

Each function takes JSON-able arguments and returns a JSON-able summary, so a
DAG task is one call. Together they are one transaction in steps:

1. :func:`prepare_task` claims the releasable orders, releases and splits
   the wave into independent groups (:func:`engine.wave.prepare_wave`) and
   stages them (``_wave/prep.pickle``), then rolls back (it releases nothing
   and holds no lock afterwards); :func:`plan_group_task`, one per group
   (mapped), batches and routes its group (``_wave/group-<k>.pickle``);
   :func:`assemble_task` builds the plan and stages the plan's files under
   ``<out>/_staging/<wave_id>/`` (:func:`plan_task` is the three in one call). Besides the SPEC files it
   splits the batches into a few contiguous chunks (:func:`chunk_bounds`, at most
   :func:`engine.orchestration.settings.map_chunks`) and stages one folder per
   chunk, ``_chunks/<k>/`` (``batches.json``, ``picks.csv``, ``cartons.csv``),
   so a mapped task reads only its chunk. Chunks, not batches, because a big
   wave has over 10 000 batches: more mapped instances than Airflow's
   ``[core] max_map_length`` (1024 by default) allows, each paying seconds of
   task start-up. With no releasable order it plans nothing and says so (``empty``).
2. :func:`route_chunk_task` / :func:`pack_chunk_task`, one per chunk (mapped),
   for each batch of the chunk: the printable sheet with its route map, and the
   pack-station list (with the carton ids a pack report names) after checking
   that the cartons hold exactly what the batch's orders pick.
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

import bisect
import csv
import heapq
import io
import itertools
import json
import logging
import pickle
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from engine.intake_3pl.reports import carton_id
from engine.io.config import config_from_mapping, config_to_mapping
from engine.io.ids import id_problem
from engine.io.layout import parse_layout
from engine.publish.outbox import OutboxMessage, safe_name, write_outbox
from engine.publish.picklists import BatchInfo, PickRow, format_picklists_json, parse_picklists_csv
from engine.publish.sheet import location_xy, render_batch_sheet, route_svg, walking_path
from engine.publish.storage import exists, join, publish_staged, read_bytes, read_text, walk_files, write_atomic

if TYPE_CHECKING:
    from engine.layout import Layout
    from engine.model import Box, Sku
    from engine.store import WaveRelease
    from engine.wave import WavePrep

log = logging.getLogger(__name__)

ACTOR = "airflow"
#: Files of SPEC section 5 a staged plan holds.
PLAN_FILES = ("picklists.csv", "batches.csv", "cartons.csv", "held.csv", "summary.json")
#: Staged files only the DAG's own tasks read; never published.
PRIVATE = ("layout.yaml", "_chunks/", "_wave/", "_batches/", "_publish/")  # _batches/: staged by older builds
#: Where :func:`publish_task` stages the published files (manifest included) before COMMIT.
PUBLISH_DIR = "_publish"
#: A batch's fixed cost in pick rows when balancing chunks: a route sheet costs about 0.5 ms per
#: batch (its walk, its map) and 0.04 ms per pick row (measured on a 10,302-batch plan).
BATCH_ROWS = 12
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


def _checked(wave_id: str) -> str:
    """``wave_id`` when it can name a folder (:func:`engine.io.ids.check_id`), else ValueError."""
    why = id_problem(wave_id, "wave_id", file_name=True)
    if why is not None:
        raise ValueError(f"wave id {why}")
    return wave_id


def staging_url(out_url: str, wave_id: str) -> str:
    return join(out_url, "_staging", _checked(wave_id))


def wave_url(out_url: str, wave_id: str) -> str:
    return join(out_url, _checked(wave_id))


def chunk_url(stage: str, chunk: int) -> str:
    """The staged folder of chunk ``chunk`` (what its mapped route and pack tasks read)."""
    return join(stage, "_chunks", f"{chunk:04d}")


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _csv_lists(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def chunk_bounds(weights: Sequence[int], cap: int) -> list[tuple[int, int]]:
    """Split items, in order, into ``min(cap, len(weights))`` contiguous non-empty chunks, evenly by weight.

    The heaviest chunk is as light as any such split allows (the chunks run
    side by side, so the heaviest sets the wall time): a binary search on that
    weight, each step a greedy left-to-right fill. When fewer chunks than
    allowed suffice, the heaviest chunks of two or more items are halved until
    there are ``min(cap, len(weights))``: more instances for the workers,
    never a heavier chunk. O(n log W + c log n) for n items of total weight W
    and c chunks.

    Parameters
    ----------
    weights
        Non-negative weight of each item (here: a batch's pick rows).
    cap
        Most chunks, >= 1.

    Returns
    -------
    list of (start, stop)
        Index ranges in order, together covering ``range(len(weights))``.

    >>> chunk_bounds([9, 1, 1, 1, 1, 1], 2)
    [(0, 1), (1, 6)]
    >>> chunk_bounds([3, 1, 1], 8)
    [(0, 1), (1, 2), (2, 3)]
    """
    if cap < 1:
        raise ValueError(f"cap must be >= 1, got {cap}")
    if any(w < 0 for w in weights):
        raise ValueError("weights must be >= 0")
    n = len(weights)
    if n == 0:
        return []
    want = min(cap, n)
    prefix = list(itertools.accumulate(weights, initial=0))

    def fill(limit: int) -> list[int]:
        """Chunk starts of the greedy fill: the fewest chunks of weight <= ``limit`` (>= max weight)."""
        starts, load = [0], 0
        for i, w in enumerate(weights):
            if load + w > limit and i > starts[-1]:
                starts.append(i)
                load = 0
            load += w
        return starts

    lo, hi = max(weights), prefix[-1]
    while lo < hi:
        mid = (lo + hi) // 2
        if len(fill(mid)) <= want:
            hi = mid
        else:
            lo = mid + 1
    starts = fill(lo)
    done: list[tuple[int, int]] = []
    heap: list[tuple[int, int, int]] = []  # (-weight, start, stop): heaviest first, then leftmost
    for a, b in zip(starts, [*starts[1:], n], strict=True):
        if b - a > 1:
            heap.append((prefix[a] - prefix[b], a, b))
        else:
            done.append((a, b))
    heapq.heapify(heap)
    for _ in range(want - len(starts)):  # heap is non-empty: fewer chunks than items means one has two
        _, a, b = heapq.heappop(heap)
        half = (prefix[a] + prefix[b]) / 2
        mid = bisect.bisect_left(prefix, half, a + 1, b)
        cut = min((m for m in (mid - 1, mid) if a < m < b),
                  key=lambda m: max(prefix[m] - prefix[a], prefix[b] - prefix[m]))
        for x, y in ((a, cut), (cut, b)):
            if y - x > 1:
                heapq.heappush(heap, (prefix[x] - prefix[y], x, y))
            else:
                done.append((x, y))
    return sorted(done + [(a, b) for _, a, b in heap])


def split_by_chunk(files: Mapping[str, str], cap: int) -> list[dict[str, str]]:
    """The staged files of each chunk of a rendered plan's batches (SPEC section 5 texts); pure.

    The batches of ``batches.csv``, in plan order, are cut by
    :func:`chunk_bounds` weighted by their pick rows plus :data:`BATCH_ROWS`, at
    most ``cap`` chunks.
    Per chunk: ``batches.json``, its batch rows (``batch_id``, ``zone``,
    ``distance_m``) in plan order; ``picks.csv``, the ``picklists.csv`` rows of
    every order any of its batches serves, also those orders' rows in batches
    of other chunks (so the pack check sees whole orders); ``cartons.csv``,
    those orders' ``cartons.csv`` rows. Rows keep the plan files' order.
    O(rows + staged rows): each file is read once, indexed by order id.

    Returns
    -------
    list of dict
        Chunk ``k``'s file name -> text at index ``k``; ``[]`` for a plan with no batch.
    """
    pick_header, *picks = csv.reader(io.StringIO(files["picklists.csv"]))
    carton_header, *cartons = csv.reader(io.StringIO(files["cartons.csv"]))
    batches = _csv_rows(files["batches.csv"])
    p_batch, p_order = pick_header.index("batch_id"), pick_header.index("order_id")
    c_order = carton_header.index("order_id")
    rows_of = Counter(p[p_batch] for p in picks)
    bounds = chunk_bounds([rows_of[b["batch_id"]] + BATCH_ROWS for b in batches], cap)
    chunk_of = {b["batch_id"]: k for k, (lo, hi) in enumerate(bounds) for b in batches[lo:hi]}
    chunks_of: dict[str, list[int]] = defaultdict(list)  # order -> the chunks whose batches serve it
    for p in picks:
        k, ks = chunk_of[p[p_batch]], chunks_of[p[p_order]]
        if k not in ks:  # an order spans a handful of batches at most
            ks.append(k)
    own_picks: list[list[list[str]]] = [[] for _ in bounds]
    own_cartons: list[list[list[str]]] = [[] for _ in bounds]
    for p in picks:
        for k in chunks_of[p[p_order]]:
            own_picks[k].append(p)
    for c in cartons:
        for k in chunks_of.get(c[c_order], ()):
            own_cartons[k].append(c)
    out: list[dict[str, str]] = []
    for k, (lo, hi) in enumerate(bounds):
        rows = [{"batch_id": b["batch_id"], "zone": b["zone"], "distance_m": float(b["distance_m"])}
                for b in batches[lo:hi]]
        out.append({
            "batches.json": json.dumps(rows, sort_keys=True) + "\n",
            "picks.csv": _csv_lists(pick_header, own_picks[k]),
            "cartons.csv": _csv_lists(carton_header, own_cartons[k]),
        })
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
    :func:`plan_group_task` expands over; a time-limited wave shares its search
    time for :func:`engine.orchestration.settings.group_workers` of them at
    once. ``published`` is true (and nothing is
    planned) when the wave is already in the store; ``empty`` is true (and
    nothing is staged) when no order is releasable. The claim is rolled back.
    """
    from engine.orchestration.settings import group_workers
    from engine.orchestration.store_ops import store_for
    from engine.wave import WaveProblem, prepare_wave

    cfg = config_from_mapping(dict(config), "dag params")
    sharing = group_workers()
    finish_unpublished(store_url)
    with store_for(store_url).claim_releasable(cfg, wave_id, by=ACTOR) as c:
        if c.already_committed:
            return {"wave_id": wave_id, "published": True, "empty": False, "groups": []}
        if not c.orders:
            log.info("wave %s: no releasable order; nothing planned", wave_id)
            return {"wave_id": wave_id, "published": False, "empty": True, "groups": []}
        cat = c.catalog
        problem = WaveProblem.build(cat.layout, cat.skus, cat.stock, cat.boxes, c.orders, c.held, cfg, wave_id)
        prep = prepare_wave(problem, group_workers=sharing)
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
    """The plan from the staged prep and group plans, staged as files.

    Returns ``{wave_id, published, empty, batches, chunks}``: the batch ids in
    plan order and the chunk indices the mapped route/pack tasks expand over.
    Stages the SPEC section 5 files and one folder per chunk of batches
    (:func:`split_by_chunk`, at most :func:`engine.orchestration.settings.map_chunks`
    chunks, read now: at run time). A wave already published or empty passes
    through, writing nothing.
    """
    from engine.orchestration.settings import map_chunks
    from engine.wave import GroupPlan, assemble_plan, render_plan

    wave_id = str(prepared["wave_id"])
    if prepared["published"] or prepared["empty"]:
        return {"wave_id": wave_id, "published": prepared["published"], "empty": prepared["empty"], "batches": [],
                "chunks": []}
    cap = map_chunks()  # before the heavy work, so a bad setting fails fast
    stage = staging_url(out_url, wave_id)
    prep = _read_prep(stage)
    groups = [pickle.loads(read_bytes(group_url(stage, k))) for k in range(len(prep.groups))]
    if not all(isinstance(g, GroupPlan) for g in groups):
        raise TypeError(f"{stage}: a staged group plan is not a GroupPlan")
    plan = assemble_plan(prep, groups)
    files = render_plan(plan)
    for name, text in files.items():
        write_atomic(join(stage, name), text)
    chunks = split_by_chunk(files, cap)
    for k, own in enumerate(chunks):
        for name, text in own.items():
            write_atomic(join(chunk_url(stage, k), name), text)
    log.info("wave %s planned: %d batches in %d chunks staged at %s", wave_id, len(plan.batches), len(chunks), stage)
    return {"wave_id": wave_id, "published": False, "empty": False, "batches": [b.batch_id for b in plan.batches],
            "chunks": list(range(len(chunks)))}


def plan_task(store_url: str, out_url: str, config: Mapping[str, object], wave_id: str) -> dict[str, object]:
    """Claim, plan and stage one wave in one call; returns ``{wave_id, published, empty, batches, chunks}``.

    :func:`prepare_task`, :func:`plan_group_task` for each group, then
    :func:`assemble_task`: what the DAG's ``plan``, mapped ``plan_group`` and
    ``assemble`` tasks do, in this process.
    """
    prepared = prepare_task(store_url, out_url, config, wave_id)
    for k in prepared["groups"]:  # type: ignore[attr-defined]
        plan_group_task(out_url, wave_id, int(k))
    return assemble_task(out_url, prepared)


# --- 2. per chunk of batches (mapped) ---------------------------------------------------
def _read_chunk(stage: str, chunk: int) -> tuple[tuple[BatchInfo, ...], tuple[PickRow, ...]]:
    """The staged chunk's batches (plan order) and the pick rows of every order they serve."""
    folder = chunk_url(stage, chunk)
    url = join(folder, "batches.json")
    if not exists(url):
        raise KeyError(f"chunk {chunk} is not in the staged plan {stage}")
    infos = tuple(BatchInfo(str(d["batch_id"]), str(d["zone"]), float(d["distance_m"]))
                  for d in json.loads(read_text(url)))
    picks_url = join(folder, "picks.csv")
    return infos, parse_picklists_csv(read_text(picks_url), picks_url)


def _by_batch(picks: Sequence[PickRow]) -> dict[str, list[PickRow]]:
    """Batch id -> its pick rows, in file (walking) order; O(rows)."""
    out: dict[str, list[PickRow]] = defaultdict(list)
    for p in picks:
        out[p.batch_id].append(p)
    return out


def _route_sheet(layout: Layout, wave_id: str, info: BatchInfo, picks: Sequence[PickRow]) -> tuple[str, int, float]:
    """One batch's printable sheet (HTML), its stop count and route length, after checking the length.

    ``picks`` are the batch's own rows in walking order. The route length
    recomputed on the layout from the stops must equal ``batches.csv``'s
    ``distance_m`` (SPEC section 5, 1e-6 relative), so a sheet never shows a
    walk other than the one planned.
    """
    stops: dict[int, str] = {}
    for p in picks:
        stops.setdefault(p.stop, p.location_id)
    locations = [stops[k] for k in sorted(stops)]
    zone = info.zone or None
    length = layout.route_length([layout.point(loc) for loc in locations], zone)
    if abs(length - info.distance_m) > 1e-6 * max(1.0, length):
        raise ValueError(f"batch {info.batch_id}: route of the stops is {length} m, the plan says {info.distance_m} m")
    path = walking_path(layout, locations, zone)
    marks = [(n, location_xy(layout, stops[n])) for n in sorted(stops)]
    return render_batch_sheet(wave_id, info, picks, route_svg(path, marks)), len(locations), length


def route_chunk_task(out_url: str, wave_id: str, chunk: int) -> dict[str, object]:
    """Render the printable sheet ``sheets/<batch>.html`` of every batch of one chunk, each checked.

    Reads only ``layout.yaml`` and the chunk's staged folder, each once. A
    batch whose stops route to another length than planned fails the task
    (see :func:`_route_sheet`). Returns ``{chunk, batches, stops, distance_m}``
    (totals over the chunk's batches).
    """
    stage = staging_url(out_url, wave_id)
    infos, picks = _read_chunk(stage, chunk)
    layout = parse_layout(read_text(join(stage, "layout.yaml")))
    own = _by_batch(picks)
    stops, distance = 0, 0.0
    for info in infos:
        html, n, length = _route_sheet(layout, wave_id, info, own.get(info.batch_id, []))
        write_atomic(join(stage, "sheets", f"{safe_name(info.batch_id)}.html"), html)
        stops, distance = stops + n, distance + length
    return {"chunk": chunk, "batches": len(infos), "stops": stops, "distance_m": round(distance, 6)}


@dataclass(frozen=True, slots=True)
class _OrderBook:
    """Per order of a chunk: units picked and packed per SKU, its cartons, the batches it is picked in."""

    picked: Mapping[str, Counter[str]]
    packed: Mapping[str, Counter[str]]
    #: order -> carton_no -> (box_id, units)
    cartons: Mapping[str, Mapping[int, tuple[str, int]]]
    batches: Mapping[str, frozenset[str]]

    @classmethod
    def build(cls, picks: Sequence[PickRow], carton_rows: Sequence[Mapping[str, str]]) -> _OrderBook:
        """Index the chunk's pick rows and ``cartons.csv`` rows by order; O(rows)."""
        picked: dict[str, Counter[str]] = defaultdict(Counter)
        batches: dict[str, set[str]] = defaultdict(set)
        for p in picks:
            batches[p.order_id].add(p.batch_id)
            picked[p.order_id][p.sku] += p.qty
        packed: dict[str, Counter[str]] = defaultdict(Counter)
        cartons: dict[str, dict[int, tuple[str, int]]] = defaultdict(dict)
        for row in carton_rows:
            oid, no = row["order_id"], int(row["carton_no"])
            packed[oid][row["sku"]] += 1
            box, units = cartons[oid].get(no, (row["box_id"], 0))
            cartons[oid][no] = (box, units + 1)
        return cls(dict(picked), dict(packed), dict(cartons), {o: frozenset(b) for o, b in batches.items()})


def _packing_list(wave_id: str, batch_id: str, picks: Sequence[PickRow], book: _OrderBook) -> tuple[str, int, int]:
    """One batch's pack-station list (CSV text), its order and carton counts, after checking its cartons.

    ``picks`` are the batch's own rows; ``book`` holds its orders whole. For
    every order the batch serves, the units per SKU in its cartons must equal
    the units picked for it over the whole wave, else :class:`ValueError`.
    Each row names the ``carton_id`` a pack report must use
    (:func:`engine.intake_3pl.carton_id`) and the other batches the order's
    units come from.
    """
    orders = {p.order_id: p.tote for p in picks}
    for oid in orders:
        want, got = dict(book.picked.get(oid, {})), dict(book.packed.get(oid, {}))
        if want != got:
            raise ValueError(f"order {oid}: cartons hold {got}, the picks are {want}")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(PACKING_COLUMNS)
    n = 0
    for oid in sorted(orders):
        others = ";".join(sorted(book.batches[oid] - {batch_id}))
        for no, (box, units) in sorted(book.cartons.get(oid, {}).items()):
            w.writerow((wave_id, batch_id, oid, orders[oid], no, carton_id(oid, no), box, units, others))
            n += 1
    return buf.getvalue(), len(orders), n


def pack_chunk_task(out_url: str, wave_id: str, chunk: int) -> dict[str, object]:
    """Write the pack-station list ``packing/<batch>.csv`` of every batch of one chunk, cartons checked.

    Reads only the chunk's staged folder, each file once; a batch whose
    orders' cartons differ from their picks fails the task before anything is
    published (see :func:`_packing_list`). Returns ``{chunk, batches, orders,
    cartons}``, summed over the chunk's batches (an order picked in two of
    them counts, with its cartons, on both lists).
    """
    stage = staging_url(out_url, wave_id)
    infos, picks = _read_chunk(stage, chunk)
    book = _OrderBook.build(picks, _csv_rows(read_text(join(chunk_url(stage, chunk), "cartons.csv"))))
    own = _by_batch(picks)
    orders = cartons = 0
    for info in infos:
        text, n_orders, n_cartons = _packing_list(wave_id, info.batch_id, own.get(info.batch_id, []), book)
        write_atomic(join(stage, "packing", f"{safe_name(info.batch_id)}.csv"), text)
        orders, cartons = orders + n_orders, cartons + n_cartons
    return {"chunk": chunk, "batches": len(infos), "orders": orders, "cartons": cartons}


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

    Returns ``{wave_id, out, released, already_published, empty}``. Every file
    the wave publishes (``manifest.json`` included) is staged under
    ``_staging/<wave_id>/_publish/`` first; the store commits the wave with
    that location, then the files move to ``<out>/<wave_id>/`` (the manifest
    last) and the wave is marked published. A task killed after COMMIT is
    finished by its retry, or by the next run of any wave (:func:`finish_unpublished`).
    A wave already published is left alone: no file is written again and no
    order moves. With no releasable order nothing is committed or written
    (``empty``): an empty wave is skipped, not published.
    """
    from engine.orchestration.store_ops import store_for

    cfg = config_from_mapping(dict(config), "dag params")
    stage, final = staging_url(out_url, wave_id), wave_url(out_url, wave_id)
    store = store_for(store_url)
    finish_unpublished(store_url)
    with store.claim_releasable(cfg, wave_id, by=ACTOR) as c:
        if c.already_committed:
            return {"wave_id": wave_id, "out": final, "released": 0, "already_published": True, "empty": False}
        if not c.orders:
            return {"wave_id": wave_id, "out": final, "released": 0, "already_published": False, "empty": True}
        release = release_from_files({n: read_text(join(stage, n)) for n in PLAN_FILES if n != "summary.json"},
                                     c.catalog.skus, c.catalog.boxes)
        pub = join(stage, PUBLISH_DIR)
        files = [f for f in walk_files(stage) if not f.startswith(PRIVATE)]
        for rel in files:
            write_atomic(join(pub, rel), read_text(join(stage, rel)))
        picks = parse_picklists_csv(read_text(join(stage, "picklists.csv")))
        infos = [BatchInfo(b.batch_id, b.zone, b.distance_m or 0.0) for b in release.batches]
        write_atomic(join(pub, "picklists.json"), format_picklists_json(wave_id, picks, infos))
        released = sorted({p.order_id for p in release.picks})  # what the commit releases (or it refuses)
        manifest = {"wave_id": wave_id, "released": released,
                    "files": sorted([*files, "picklists.json"]), "config": config_to_mapping(cfg)}
        write_atomic(join(pub, "manifest.json"), json.dumps(manifest, indent=1, sort_keys=True, default=str) + "\n")
        report = c.commit(release, out=final, staged=pub)
    if not report.already_committed:
        publish_staged(pub, final)
        store.mark_published(wave_id)
    log.info("wave %s published to %s: %d orders released", wave_id, final, len(report.released))
    return {"wave_id": wave_id, "out": final, "released": len(report.released),
            "already_published": report.already_committed, "empty": False}


def finish_unpublished(store_url: str) -> list[str]:
    """Publish the files of every wave committed but not published (a task or run killed after COMMIT).

    Any run calls this first (:func:`prepare_task`, :func:`publish_task`, and
    ``pickwave wave run``), so a stranded wave is finished by whatever runs
    next, and says so in the log. Returns the ids of the waves finished.
    """
    from engine.orchestration.store_ops import store_for

    done = []
    for wave, ok in store_for(store_url).finish_publishing(lambda w: publish_staged(w.staged, w.out)):
        if ok:
            log.warning("wave %s: committed by an earlier run that stopped before publishing; its files "
                        "(%d orders released) are now in %s", wave.wave_id, len(wave.released), wave.out)
            done.append(wave.wave_id)
        else:
            log.error("wave %s is committed (%d orders released) but its staged files at %s are not reachable; "
                      "its files are not in %s yet", wave.wave_id, len(wave.released), wave.staged, wave.out)
    return done


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

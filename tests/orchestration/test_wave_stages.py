"""The wave_planning tasks through staged files: prepare -> plan_group (any order) -> assemble -> route/pack chunks."""

from __future__ import annotations

import csv
import io
import itertools
import json
import pickle
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import pytest

from engine.io.tables import read_boxes, read_inventory, read_orders, read_skus
from engine.orchestration.settings import DEFAULT_MAP_CHUNKS, MAP_CHUNKS_ENV, map_chunks
from engine.orchestration.waves import (
    BATCH_ROWS,
    assemble_task,
    chunk_bounds,
    chunk_url,
    pack_chunk_task,
    plan_group_task,
    plan_task,
    prep_url,
    prepare_task,
    route_chunk_task,
    staging_url,
)
from engine.publish.outbox import safe_name
from engine.publish.storage import join, read_bytes, read_text, walk_files
from engine.store import CatalogInput, open_store
from engine.synth import SynthParams, generate
from engine.synth.generate import write_instance

PARAMS = {"method": "zone", "max_iterations": 40, "seed": 2, "time_limit_s": 20,
          "cart": {"totes": 4, "max_weight_kg": 40, "max_volume_l": 120}}


def _seed(url: str, folder: Path) -> None:
    inst = generate(SynthParams(blocks=1, aisles=9, slots_per_side=10, skus=60, orders=40, zones=3), seed=5)
    paths = write_instance(inst, folder)
    skus = read_skus(paths["skus"])
    with open_store(url) as store:
        store.import_catalog(CatalogInput(paths["layout"].read_text(), "layout.yaml", skus.skus,
                                          read_inventory(paths["inventory"]).stock, read_boxes(paths["boxes"]).boxes))
        store.import_orders(read_orders(paths["orders"], skus.skus.keys()), file="orders.csv")


def _staged(out: str) -> dict[str, str]:
    stage = staging_url(out, "W-Z")
    files = {f: read_text(join(stage, f)) for f in walk_files(stage) if not f.startswith("_wave/")}
    summary = json.loads(files["summary.json"])
    summary.pop("runtime_s")
    files["summary.json"] = json.dumps(summary, sort_keys=True)
    return files


def test_mapped_groups_in_any_order_stage_the_plan_of_one_call(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    _seed(url, tmp_path / "in")
    one, split = (tmp_path / "one").as_uri(), (tmp_path / "split").as_uri()
    whole = plan_task(url, one, PARAMS, "W-Z")
    prepared = prepare_task(url, split, PARAMS, "W-Z")
    assert prepared["groups"] == [0, 1, 2]  # one group per zone
    for k in (2, 0, 1, 0):  # any order; a retried instance rewrites its group
        assert plan_group_task(split, "W-Z", k)["group"] == k
    assert assemble_task(split, prepared) == whole
    assert _staged(split) == _staged(one)
    assert {f.split("/")[0] for f in walk_files(staging_url(split, "W-Z"))} >= {"_wave", "_chunks", "layout.yaml"}


def test_time_limited_groups_share_the_budget_for_the_workers_running_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    _seed(url, tmp_path / "in")
    timed = {k: v for k, v in PARAMS.items() if k != "max_iterations"}
    limits = {}
    for workers in ("", "3"):  # unset: one at a time; 3 zone groups on 3 workers at once
        monkeypatch.setenv("PICKWAVE_GROUP_WORKERS", workers)
        out = (tmp_path / f"out{workers}").as_uri()
        prepare_task(url, out, timed, "W-T")
        prep = pickle.loads(read_bytes(prep_url(staging_url(out, "W-T"))))
        limits[workers] = [p.time_limit_s for p in prep.params]
    one, three = limits[""], limits["3"]
    assert len(one) == 3 and sum(one) < 20  # one at a time: the shares add up to the budget
    assert all(t3 > t1 for t1, t3 in zip(one, three, strict=True))  # at once: each searches longer
    assert max(three) < 20  # ... and none runs past the budget
    monkeypatch.setenv("PICKWAVE_GROUP_WORKERS", "two")
    with pytest.raises(ValueError, match="PICKWAVE_GROUP_WORKERS must be a positive integer"):
        prepare_task(url, out, timed, "W-T")


def test_published_or_empty_waves_pass_through_assemble(tmp_path: Path) -> None:
    out = (tmp_path / "out").as_uri()
    for flags in ({"published": True, "empty": False}, {"published": False, "empty": True}):
        done = assemble_task(out, {"wave_id": "W-Z", "groups": [], **flags})
        assert done == {"wave_id": "W-Z", "batches": [], "chunks": [], **flags}
    assert not (tmp_path / "out").exists()


# --- chunks of batches for the mapped route/pack tasks -----------------------------------
def _weight(weights: Sequence[int], bounds: Sequence[tuple[int, int]]) -> int:
    return max(sum(weights[a:b]) for a, b in bounds)


def _best_split(weights: Sequence[int], cap: int) -> int:
    """Brute force: the lightest heaviest chunk over every split into at most ``cap`` contiguous chunks."""
    n = len(weights)
    return min(_weight(weights, list(itertools.pairwise((0, *cuts, n))))
               for m in range(1, min(cap, n) + 1) for cuts in itertools.combinations(range(1, n), m - 1))


def _check_split(weights: Sequence[int], cap: int, bounds: Sequence[tuple[int, int]]) -> None:
    assert len(bounds) == min(cap, len(weights))
    assert [a for a, _ in bounds] == [0, *(b for _, b in bounds[:-1])] and bounds[-1][1] == len(weights)
    assert all(b > a for a, b in bounds)  # never an empty chunk


def test_chunks_balance_pick_rows_not_batch_count() -> None:
    # by count (3 + 3) the first chunk would hold 11 rows; by rows the heavy batch goes alone
    assert chunk_bounds([9, 1, 1, 1, 1, 1], 2) == [(0, 1), (1, 6)]
    assert chunk_bounds([1, 1, 1, 1, 1, 9], 2) == [(0, 5), (5, 6)]
    assert chunk_bounds([4, 4, 4, 4], 1) == [(0, 4)]
    assert chunk_bounds([], 8) == []
    with pytest.raises(ValueError, match="cap"):
        chunk_bounds([1], 0)


def test_chunks_are_the_best_contiguous_split_within_the_cap() -> None:
    rng = random.Random(7)
    for _ in range(300):
        weights = [rng.choice((0, 1, 1, 2, 3, 5, 8, 13)) for _ in range(rng.randint(1, 9))]
        cap = rng.randint(1, 10)
        bounds = chunk_bounds(weights, cap)
        _check_split(weights, cap, bounds)
        assert _weight(weights, bounds) == _best_split(weights, cap), (weights, cap, bounds)


def test_fewer_batches_than_the_cap_give_one_chunk_per_batch() -> None:
    # the fill alone would put 1 + 1 (under the heaviest, 5) together: every batch still gets its chunk
    assert chunk_bounds([1, 1, 5], 8) == [(0, 1), (1, 2), (2, 3)]
    assert chunk_bounds([0, 0, 0], 3) == [(0, 1), (1, 2), (2, 3)]


def test_chunk_count_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MAP_CHUNKS_ENV, raising=False)
    assert map_chunks() == DEFAULT_MAP_CHUNKS == 8
    monkeypatch.setenv(MAP_CHUNKS_ENV, " 3 ")
    assert map_chunks() == 3
    monkeypatch.setenv(MAP_CHUNKS_ENV, "")
    assert map_chunks() == DEFAULT_MAP_CHUNKS
    for bad in ("0", "-2", "2.5", "eight"):
        monkeypatch.setenv(MAP_CHUNKS_ENV, bad)
        with pytest.raises(ValueError, match=f"PICKWAVE_MAP_CHUNKS must be a positive integer.*{bad}"):
            map_chunks()


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The 3-zone synthetic store; planning only stages files (the claim rolls back), so tests share it."""
    folder = tmp_path_factory.mktemp("chunks")
    url = f"sqlite:///{folder / 'store.db'}"
    _seed(url, folder / "in")
    return url


def _csv_dicts(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _plan_chunked(monkeypatch: pytest.MonkeyPatch, url: str, out: str, chunks: int) -> dict[str, object]:
    monkeypatch.setenv(MAP_CHUNKS_ENV, str(chunks))  # read by assemble when it runs
    return plan_task(url, out, PARAMS, "W-Z")


def test_assemble_stages_whole_orders_per_chunk(store_url: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    out = str(tmp_path / "out")
    planned = _plan_chunked(monkeypatch, store_url, out, 3)
    assert planned["chunks"] == [0, 1, 2]
    stage = staging_url(out, "W-Z")
    picks = _csv_dicts(read_text(join(stage, "picklists.csv")))
    cartons = _csv_dicts(read_text(join(stage, "cartons.csv")))
    plan_batches = _csv_dicts(read_text(join(stage, "batches.csv")))
    assert planned["batches"] == [b["batch_id"] for b in plan_batches]
    rows_of: dict[str, int] = defaultdict(int)
    for p in picks:
        rows_of[p["batch_id"]] += 1
    weights = [rows_of[b["batch_id"]] + BATCH_ROWS for b in plan_batches]
    staged, split_orders = [], 0
    for k in planned["chunks"]:  # type: ignore[attr-defined]
        folder = chunk_url(stage, k)
        mine = json.loads(read_text(join(folder, "batches.json")))
        staged.append(mine)
        ids = {b["batch_id"] for b in mine}
        orders = {p["order_id"] for p in picks if p["batch_id"] in ids}
        own = _csv_dicts(read_text(join(folder, "picks.csv")))
        assert own == [p for p in picks if p["order_id"] in orders]  # whole orders, plan order
        assert _csv_dicts(read_text(join(folder, "cartons.csv"))) == [c for c in cartons if c["order_id"] in orders]
        split_orders += any(p["batch_id"] not in ids for p in own)
    assert split_orders  # some order is picked in two chunks: its rows are staged with both
    # contiguous, in plan order, every batch once, with its batches.csv row
    assert [b for chunk in staged for b in chunk] == [
        {"batch_id": b["batch_id"], "zone": b["zone"], "distance_m": float(b["distance_m"])} for b in plan_batches]
    bounds, start = [], 0
    for chunk in staged:
        bounds.append((start, start + len(chunk)))
        start += len(chunk)
    _check_split(weights, 3, bounds)
    assert _weight(weights, bounds) == _best_split(weights, 3)  # balanced by pick rows + a per-batch cost


def test_few_batches_one_chunk_each_and_a_bad_setting_fails(store_url: str, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    out = str(tmp_path / "out")
    planned = _plan_chunked(monkeypatch, store_url, out, 1000)
    batches = planned["batches"]
    assert isinstance(batches, list) and 1 < len(batches) < 1000
    assert planned["chunks"] == list(range(len(batches)))
    stage = staging_url(out, "W-Z")
    for k, bid in enumerate(batches):
        assert [b["batch_id"] for b in json.loads(read_text(join(chunk_url(stage, k), "batches.json")))] == [bid]
    monkeypatch.setenv(MAP_CHUNKS_ENV, "0")
    with pytest.raises(ValueError, match="PICKWAVE_MAP_CHUNKS"):
        plan_task(store_url, str(tmp_path / "bad"), PARAMS, "W-Z")


def _route_and_pack(out: str, planned: dict[str, object]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Run every chunk's route and pack task; the sheets and pack-station lists written, by file name."""
    routed = packed = 0
    for k in planned["chunks"]:  # type: ignore[attr-defined]
        r, p = route_chunk_task(out, "W-Z", k), pack_chunk_task(out, "W-Z", k)
        assert r["chunk"] == p["chunk"] == k and r["batches"] == p["batches"]
        routed += int(r["batches"])  # type: ignore[call-overload]
        packed += int(p["batches"])  # type: ignore[call-overload]
    batches = planned["batches"]
    assert isinstance(batches, list) and routed == packed == len(batches)  # each batch done exactly once
    stage = Path(staging_url(out, "W-Z"))
    return ({f.name: f.read_bytes() for f in (stage / "sheets").iterdir()},
            {f.name: f.read_bytes() for f in (stage / "packing").iterdir()})


def test_chunk_outputs_are_the_per_batch_outputs(store_url: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # one chunk per batch stages exactly what the per-batch tasks read; any chunking must write the same files
    per_batch = _plan_chunked(monkeypatch, store_url, str(tmp_path / "each"), 1000)
    sheets, packing = _route_and_pack(str(tmp_path / "each"), per_batch)
    batches = per_batch["batches"]
    assert isinstance(batches, list)
    assert set(sheets) == {f"{safe_name(b)}.html" for b in batches}
    assert set(packing) == {f"{safe_name(b)}.csv" for b in batches}
    for n in (1, 3, DEFAULT_MAP_CHUNKS):
        out = str(tmp_path / f"c{n}")
        planned = _plan_chunked(monkeypatch, store_url, out, n)
        assert planned["batches"] == batches and len(planned["chunks"]) == n  # type: ignore[arg-type]
        assert _route_and_pack(out, planned) == (sheets, packing), n
    # and the lists say what the plan says: each batch's orders' cartons, the orders' other batches
    stage = staging_url(str(tmp_path / "each"), "W-Z")
    picks = _csv_dicts(read_text(join(stage, "picklists.csv")))
    cartons = _csv_dicts(read_text(join(stage, "cartons.csv")))
    batches_of: dict[str, set[str]] = defaultdict(set)
    for p in picks:
        batches_of[p["order_id"]].add(p["batch_id"])
    assert any(len(b) > 1 for b in batches_of.values())  # orders split over batches are in this plan
    for bid in batches:
        rows = _csv_dicts(packing[f"{safe_name(bid)}.csv"].decode())
        orders = {p["order_id"] for p in picks if p["batch_id"] == bid}
        assert {(r["order_id"], r["carton_no"]) for r in rows} == {
            (c["order_id"], c["carton_no"]) for c in cartons if c["order_id"] in orders}
        for r in rows:
            assert r["batch_id"] == bid and r["other_batches"] == ";".join(sorted(batches_of[r["order_id"]] - {bid}))
        assert f"<title>W-Z {bid}</title>" in sheets[f"{safe_name(bid)}.html"].decode()


def test_chunk_tasks_check_routes_and_cartons(store_url: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    out = str(tmp_path / "out")
    planned = _plan_chunked(monkeypatch, store_url, out, 2)
    folder = Path(chunk_url(staging_url(out, "W-Z"), 1))
    batches = json.loads((folder / "batches.json").read_text())
    batches[-1]["distance_m"] += 5.0
    (folder / "batches.json").write_text(json.dumps(batches))
    with pytest.raises(ValueError, match=f"batch {batches[-1]['batch_id']}: route of the stops"):
        route_chunk_task(out, "W-Z", 1)
    lines = (folder / "cartons.csv").read_text().splitlines(keepends=True)
    (folder / "cartons.csv").write_text("".join(lines[:-1]))  # one unit missing from a carton
    with pytest.raises(ValueError, match="cartons hold"):
        pack_chunk_task(out, "W-Z", 1)
    with pytest.raises(KeyError, match="chunk 2 is not in the staged plan"):
        pack_chunk_task(out, "W-Z", 2)
    assert planned["chunks"] == [0, 1]

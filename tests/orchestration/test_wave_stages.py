"""The wave_planning task functions: staged typed objects between tasks, chunks cut from the plan, the same files."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import pytest

from engine.io.tables import read_boxes, read_inventory, read_orders, read_skus
from engine.orchestration.settings import DEFAULT_MAP_CHUNKS, MAP_CHUNKS_ENV, map_chunks
from engine.orchestration.waves import (
    assemble_task,
    chunk_url,
    plan_group_task,
    plan_task,
    plan_url,
    prep_url,
    prepare_task,
    publish_url,
    render_chunk_task,
    staging_url,
)
from engine.publish import PlanChunk, chunk_bounds, plan_files, render_wave
from engine.publish.chunks import BATCH_ROWS
from engine.publish.storage import read_bytes, walk_files
from engine.publish.wave import without_volatile
from engine.store import CatalogInput, open_store
from engine.synth import SynthParams, generate
from engine.synth.generate import write_instance
from engine.wave import Plan
from tests.publish.test_chunks import _best_split, _check_split, _weight

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


def _plan(out: str, wave: str = "W-Z") -> Plan:
    plan = pickle.loads(read_bytes(plan_url(staging_url(out, wave))))
    assert isinstance(plan, Plan)
    return plan


def _files(plan: Plan) -> dict[str, str]:
    return {n: without_volatile(n, t) for n, t in plan_files(plan).items()}


def _chunk(out: str, k: int) -> tuple[PlanChunk, object]:
    chunk, layout = pickle.loads(read_bytes(chunk_url(staging_url(out, "W-Z"), k)))
    return chunk, layout


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
    assert _files(_plan(split)) == _files(_plan(one))
    # only typed objects are staged between tasks: no file of the wave is written and read back
    assert {f.split("/")[0] for f in walk_files(staging_url(split, "W-Z"))} == {"_wave"}


def test_without_a_wave_id_the_claim_names_the_wave(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    _seed(url, tmp_path / "in")
    out = (tmp_path / "out").as_uri()
    prepared = prepare_task(url, out, PARAMS)
    again = prepare_task(url, (tmp_path / "again").as_uri(), PARAMS)
    assert str(prepared["wave_id"]).startswith("W-") and prepared["wave_id"] == again["wave_id"]


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
    """The 3-zone synthetic store; planning only stages (the claim rolls back), so tests share it."""
    folder = tmp_path_factory.mktemp("chunks")
    url = f"sqlite:///{folder / 'store.db'}"
    _seed(url, folder / "in")
    return url


def _plan_chunked(monkeypatch: pytest.MonkeyPatch, url: str, out: str, chunks: int) -> dict[str, object]:
    monkeypatch.setenv(MAP_CHUNKS_ENV, str(chunks))  # read by assemble when it runs
    return plan_task(url, out, PARAMS, "W-Z")


def test_assemble_cuts_the_plan_into_chunks_of_whole_orders(store_url: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    out = str(tmp_path / "out")
    planned = _plan_chunked(monkeypatch, store_url, out, 3)
    assert planned["chunks"] == [0, 1, 2]
    plan = _plan(out)
    assert planned["batches"] == [b.batch_id for b in plan.batches]
    chunks = [_chunk(out, k)[0] for k in range(3)]
    assert [b for c in chunks for b in c.batches] == list(plan.batches)  # contiguous, plan order, each once
    split_orders = 0
    for c in chunks:
        ids = {b.batch_id for b in c.batches}
        assert set(c.orders) == {p.order_id for b in c.batches for p in b.picks}
        for oid, o in c.orders.items():  # whole orders: every batch and unit of the wave
            assert set(o.batches) == {b.batch_id for b in plan.batches if any(p.order_id == oid for p in b.picks)}
            assert sum(o.picked.values()) == sum(p.qty for b in plan.batches for p in b.picks if p.order_id == oid)
            split_orders += not set(o.batches) <= ids
    assert split_orders  # some order is picked in two chunks: both carry it
    weights = [len(b.picks) + BATCH_ROWS for b in plan.batches]
    bounds, start = [], 0
    for c in chunks:
        bounds.append((start, start + len(c.batches)))
        start += len(c.batches)
    _check_split(weights, 3, bounds)
    assert bounds == chunk_bounds(weights, 3)
    assert _weight(weights, bounds) == _best_split(weights, 3)  # balanced by pick rows + a per-batch cost


def test_few_batches_one_chunk_each_and_a_bad_setting_fails(store_url: str, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    out = str(tmp_path / "out")
    planned = _plan_chunked(monkeypatch, store_url, out, 1000)
    batches = planned["batches"]
    assert isinstance(batches, list) and 1 < len(batches) < 1000
    assert planned["chunks"] == list(range(len(batches)))
    for k, bid in enumerate(batches):
        assert [b.batch_id for b in _chunk(out, k)[0].batches] == [bid]
    monkeypatch.setenv(MAP_CHUNKS_ENV, "0")
    with pytest.raises(ValueError, match="PICKWAVE_MAP_CHUNKS"):
        plan_task(store_url, str(tmp_path / "bad"), PARAMS, "W-Z")


def _render(out: str, planned: dict[str, object]) -> dict[str, bytes]:
    """Run every chunk's render task; the files they staged, by name."""
    done = 0
    for k in planned["chunks"]:  # type: ignore[attr-defined]
        r = render_chunk_task(out, "W-Z", k)
        assert r["chunk"] == k
        done += int(r["batches"])  # type: ignore[call-overload]
    assert done == len(planned["batches"])  # type: ignore[arg-type]  # each batch rendered exactly once
    pub = Path(publish_url(staging_url(out, "W-Z")))
    return {str(f.relative_to(pub)): f.read_bytes() for f in pub.rglob("*") if f.is_file()}


def test_any_chunking_renders_the_files_of_the_one_process_road(store_url: str, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    first = _plan_chunked(monkeypatch, store_url, str(tmp_path / "c1"), 1)
    plan = _plan(str(tmp_path / "c1"))
    layout = _chunk(str(tmp_path / "c1"), 0)[1]
    whole = {n: t.encode() for n, t in render_wave(plan, layout).items()  # type: ignore[arg-type]
             if n.startswith(("sheets/", "packing/"))}
    assert len(whole) == 2 * len(plan.batches)
    assert _render(str(tmp_path / "c1"), first) == whole
    for n in (3, DEFAULT_MAP_CHUNKS, 1000):
        out = str(tmp_path / f"c{n}")
        planned = _plan_chunked(monkeypatch, store_url, out, n)
        assert planned["batches"] == first["batches"]
        assert _render(out, planned) == whole, n


def test_render_checks_routes_and_cartons(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = str(tmp_path / "out")
    planned = _plan_chunked(monkeypatch, store_url, out, 2)
    url = chunk_url(staging_url(out, "W-Z"), 1)
    chunk, layout = _chunk(out, 1)
    last = chunk.batches[-1]
    longer = replace(chunk, batches=(*chunk.batches[:-1], replace(last, distance_m=last.distance_m + 5.0)))
    Path(url).write_bytes(pickle.dumps((longer, layout)))
    with pytest.raises(ValueError, match=f"batch {last.batch_id}: route of the stops"):
        render_chunk_task(out, "W-Z", 1)
    oid = last.picks[0].order_id
    order = chunk.orders[oid]
    first, *rest = order.cartons.cartons
    lighter = replace(order.cartons, cartons=(replace(first, placements=first.placements[:-1]), *rest))
    short = replace(chunk, orders={**chunk.orders, oid: replace(order, cartons=lighter)})
    Path(url).write_bytes(pickle.dumps((short, layout)))
    with pytest.raises(ValueError, match="cartons hold"):
        render_chunk_task(out, "W-Z", 1)
    with pytest.raises(KeyError, match="chunk 2 is not in the staged plan"):
        render_chunk_task(out, "W-Z", 2)
    assert planned["chunks"] == [0, 1]

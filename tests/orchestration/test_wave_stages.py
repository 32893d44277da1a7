"""The wave_planning tasks' plan stages through staged files: prepare -> plan_group (any order) -> assemble."""

from __future__ import annotations

import json
from pathlib import Path

from engine.io.tables import read_boxes, read_inventory, read_orders, read_skus
from engine.orchestration.waves import assemble_task, plan_group_task, plan_task, prepare_task, staging_url
from engine.publish.storage import join, read_text, walk_files
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
    assert {f.split("/")[0] for f in walk_files(staging_url(split, "W-Z"))} >= {"_wave", "_batches", "layout.yaml"}


def test_published_or_empty_waves_pass_through_assemble(tmp_path: Path) -> None:
    out = (tmp_path / "out").as_uri()
    for flags in ({"published": True, "empty": False}, {"published": False, "empty": True}):
        done = assemble_task(out, {"wave_id": "W-Z", "groups": [], **flags})
        assert done == {"wave_id": "W-Z", "batches": [], **flags}
    assert not (tmp_path / "out").exists()

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.dags.conftest import REPO

pytestmark = pytest.mark.airflow

WHEN = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
PARAMS = {"time_limit_s": 2, "max_iterations": 50, "seed": 3}


def _dag():  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO / "dags")).dags["wave_planning"]


def _run(monkeypatch: pytest.MonkeyPatch, store_url: str, out: str) -> str:
    monkeypatch.setenv("PICKWAVE_DB_URL", store_url)
    monkeypatch.setenv("PICKWAVE_OUTPUT_URL", out)
    dr = _dag().test(logical_date=WHEN, run_conf=PARAMS)
    return str(dr.state)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_wave_planning_end_to_end_and_rerun(airflow_db: Path, store_url: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.store import open_store

    out = tmp_path / "waves"
    assert _run(monkeypatch, store_url, out.as_uri()) == "success"
    wave = out / "W-20260302T0600"
    for name in ("picklists.csv", "picklists.json", "batches.csv", "cartons.csv", "held.csv", "summary.json",
                 "manifest.json"):
        assert (wave / name).is_file(), name
    picks = list(csv.DictReader(io.StringIO((wave / "picklists.csv").read_text())))
    batches = {r["batch_id"] for r in picks}
    assert {p.stem for p in (wave / "sheets").glob("*.html")} == batches
    assert {p.stem for p in (wave / "packing").glob("*.csv")} == batches
    released = set(json.loads((wave / "manifest.json").read_text())["released"])
    assert released == {r["order_id"] for r in picks} and len(released) == 11
    held = {r["order_id"]: r["reason"] for r in csv.DictReader(io.StringIO((wave / "held.csv").read_text()))}
    assert held == {"O012": "unpaid"}
    with open_store(store_url) as store:
        status = {o.order_id: o.status for o in store.list_orders()}
        assert {o for o, s in status.items() if s == "released"} == released
        assert status["O012"] == "pending_payment"
        events_before = len(store.events())
    outbox = out / "outbox" / "wave_released"
    assert len(list(outbox.glob("*.json"))) == 1

    # the same logical date again: same wave id, nothing released or written twice
    before = _snapshot(out)
    assert _run(monkeypatch, store_url, out.as_uri()) == "success"
    assert _snapshot(out) == before
    with open_store(store_url) as store:
        assert len(store.events()) == events_before
        assert [e for e in store.events() if e.action == "release"].__len__() == 11


def test_publish_to_memory_filesystem(store_url: str, tmp_path: Path) -> None:
    """The task functions write through fsspec: the in-memory filesystem works like a folder."""
    import fsspec

    from engine.orchestration.waves import pack_batch_task, plan_task, publish_task, route_batch_task

    if not store_url.startswith("sqlite"):
        pytest.skip("the store dialect does not matter here")
    out = "memory://pickwave-e2e"
    planned = plan_task(store_url, out, PARAMS, "W-MEM")
    for b in planned["batches"]:  # type: ignore[attr-defined]
        route_batch_task(out, "W-MEM", b)
        pack_batch_task(out, "W-MEM", b)
    res = publish_task(store_url, out, PARAMS, "W-MEM")
    assert res["released"] == 11
    fs = fsspec.filesystem("memory")
    assert fs.exists("/pickwave-e2e/W-MEM/manifest.json")
    assert not [p for p in fs.find("/pickwave-e2e") if ".tmp-" in p]
    again = publish_task(store_url, out, PARAMS, "W-MEM")
    assert again["already_published"] is True and again["released"] == 0

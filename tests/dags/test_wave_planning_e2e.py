"""wave_planning end to end with ``dag.test()``: publish, rerun, determinism, the store Connection, empty waves.

One Airflow metadata DB per session (``airflow_db`` in conftest); each
``dag.test()`` costs a few seconds, so the SQLite first run is shared by the
tests of this module.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.dags.conftest import REPO, seed_store

pytestmark = [pytest.mark.airflow, pytest.mark.slow]

WHEN = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
#: A fixed iteration budget: the plan depends on inputs and seed only, never on the clock.
PARAMS = {"time_limit_s": 2, "max_iterations": 50, "seed": 3}
#: The SPEC section 5 files that must be byte-identical between two plannings of the same inputs.
SAME_BYTES = ("picklists.csv", "batches.csv", "cartons.csv", "held.csv")


def _dag():  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO / "dags")).dags["wave_planning"]


def _run(mp: pytest.MonkeyPatch, store_url: str | None, out: str, when: datetime = WHEN) -> str:
    if store_url is not None:
        mp.setenv("PICKWAVE_DB_URL", store_url)
    mp.setenv("PICKWAVE_OUTPUT_URL", out)
    dr = _dag().test(logical_date=when, run_conf=PARAMS)
    return str(dr.state)


def wave_dir(out: Path) -> Path:
    """The one wave folder the runs published under ``out`` (named by engine.wave.ids.wave_id)."""
    (folder,) = [p for p in out.iterdir() if p.is_dir() and p.name.startswith("W-")]
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _summary_without_runtime(path: Path) -> dict[str, object]:
    doc = json.loads(path.read_text())
    doc.pop("runtime_s")
    return dict(doc)


@pytest.fixture(scope="module")
def first_run(airflow_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One run of the DAG on a fresh seeded SQLite store: ``(store_url, out folder)``."""
    base = tmp_path_factory.mktemp("first-run")
    url = f"sqlite:///{base / 'store.db'}"
    seed_store(url, base / "inputs")
    with pytest.MonkeyPatch.context() as mp:
        assert _run(mp, url, (base / "waves").as_uri()) == "success"
    yield url, base / "waves"


def _check_published(url: str, out: Path) -> None:
    from engine.store import open_store

    wave = wave_dir(out)
    assert json.loads((wave / "summary.json").read_text())["wave_id"] == wave.name
    for name in (*SAME_BYTES, "picklists.json", "summary.json", "manifest.json"):
        assert (wave / name).is_file(), name
    assert not (wave / "_chunks").exists() and not (wave / "layout.yaml").exists()  # staging stays private
    picks = list(csv.DictReader(io.StringIO((wave / "picklists.csv").read_text())))
    batches = {r["batch_id"] for r in picks}
    assert {p.stem for p in (wave / "sheets").glob("*.html")} == batches
    assert {p.stem for p in (wave / "packing").glob("*.csv")} == batches
    released = set(json.loads((wave / "manifest.json").read_text())["released"])
    assert released == {r["order_id"] for r in picks} and len(released) == 11
    held = {r["order_id"]: r["reason"] for r in csv.DictReader(io.StringIO((wave / "held.csv").read_text()))}
    assert held == {"O012": "unpaid"}
    with open_store(url) as store:
        status = {o.order_id: o.status for o in store.list_orders()}
    assert {o for o, s in status.items() if s == "released"} == released
    assert status["O012"] == "pending_payment"
    assert len(list((out / "outbox" / "wave_released").glob("*.json"))) == 1


def test_end_to_end_and_rerun_writes_nothing(first_run: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.store import open_store

    url, out = first_run
    _check_published(url, out)
    wave = wave_dir(out)
    # plan staged the prep, each mapped plan_group its group, assemble the plan and its chunks: typed objects
    # private to the run, never published
    staged = out / "_staging" / wave.name / "_wave"
    assert (staged / "prep.pickle").is_file() and list(staged.glob("group-*.pickle"))
    assert (staged / "plan.pickle").is_file() and 1 < len(list(staged.glob("chunk-*.pickle"))) <= 8
    assert not (wave / "_wave").exists()
    with open_store(url) as store:
        events_before = len(store.events())
    before = _snapshot(out)
    assert _run(monkeypatch, url, out.as_uri()) == "success"
    assert _snapshot(out) == before
    with open_store(url) as store:
        assert len(store.events()) == events_before
        assert sum(e.action == "release" for e in store.events()) == 11


def test_fresh_store_through_the_connection_plans_the_same_bytes(
        first_run: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same logical date, same inputs, fixed max_iterations, a fresh store: the same files, byte for byte.

    The fresh store is named only by the ``pickwave_store`` Airflow Connection
    (``AIRFLOW_CONN_PICKWAVE_STORE``); ``PICKWAVE_DB_URL`` points at the first
    run's store, where this wave is already committed. So new files appear only
    if the Connection wins.
    """
    url_a, out_a = first_run
    url_b = f"sqlite:///{tmp_path / 'fresh.db'}"
    seed_store(url_b, tmp_path / "inputs")
    conn = {"conn_type": "generic", "extra": {"sqlalchemy_url": url_b}}
    monkeypatch.setenv("AIRFLOW_CONN_PICKWAVE_STORE", json.dumps(conn))
    out_b = tmp_path / "waves"
    assert _run(monkeypatch, url_a, out_b.as_uri()) == "success"
    _check_published(url_b, out_b)
    a, b = wave_dir(out_a), wave_dir(out_b)
    assert a.name == b.name  # the same claim gets the same id
    for name in SAME_BYTES:
        assert (b / name).read_bytes() == (a / name).read_bytes(), name
    assert _summary_without_runtime(b / "summary.json") == _summary_without_runtime(a / "summary.json")


def test_store_url_prefers_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.orchestration.settings import store_url

    monkeypatch.setenv("PICKWAVE_DB_URL", "sqlite:///from-env.db")
    monkeypatch.delenv("AIRFLOW_CONN_PICKWAVE_STORE", raising=False)
    assert store_url() == "sqlite:///from-env.db"
    monkeypatch.setenv("AIRFLOW_CONN_PICKWAVE_STORE", json.dumps(
        {"conn_type": "generic", "extra": {"sqlalchemy_url": "sqlite:///from-conn.db"}}))
    assert store_url() == "sqlite:///from-conn.db"


def test_no_releasable_order_skips_the_wave(airflow_db: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Every order already in a wave: the run succeeds, ``publish`` is skipped, nothing is written."""
    from engine.orchestration.waves import plan_task, publish_task, render_chunk_task
    from engine.store import open_store

    url = f"sqlite:///{tmp_path / 'store.db'}"
    seed_store(url, tmp_path / "inputs")
    out = tmp_path / "waves"
    planned = plan_task(url, str(out), PARAMS, "W-FIRST")
    with pytest.raises(FileNotFoundError, match="rendered files are not staged"):
        publish_task(url, str(out), PARAMS, "W-FIRST")  # a chunk not rendered: nothing is published
    assert not (out / "W-FIRST").exists()
    for k in planned["chunks"]:  # type: ignore[attr-defined]
        render_chunk_task(str(out), "W-FIRST", k)
    assert publish_task(url, str(out), PARAMS, "W-FIRST")["released"] == 11
    with open_store(url) as store:
        events = len(store.events())
    later = datetime(2026, 3, 2, 6, 15, tzinfo=UTC)
    assert _run(monkeypatch, url, out.as_uri(), later) == "success"
    assert wave_dir(out).name == "W-FIRST"  # no other wave folder
    assert plan_task(url, str(out), PARAMS, "W-X") == {"wave_id": "W-X", "published": False, "empty": True,
                                                       "batches": [], "chunks": []}
    with open_store(url) as store:
        assert len(store.events()) == events
        assert {e.wave_id for e in store.events()} <= {None, "W-FIRST"}


def test_publish_to_memory_filesystem(tmp_path: Path) -> None:
    """The task functions write through fsspec: the in-memory filesystem works like a folder."""
    import fsspec

    from engine.orchestration.waves import plan_task, publish_task, render_chunk_task

    url = f"sqlite:///{tmp_path / 'store.db'}"
    seed_store(url, tmp_path / "inputs")
    out = "memory://pickwave-e2e"
    planned = plan_task(url, out, PARAMS, "W-MEM")
    for k in planned["chunks"]:  # type: ignore[attr-defined]
        render_chunk_task(out, "W-MEM", k)
    res = publish_task(url, out, PARAMS, "W-MEM")
    assert res["released"] == 11
    fs = fsspec.filesystem("memory")
    assert fs.exists("/pickwave-e2e/W-MEM/manifest.json")
    assert not [p for p in fs.find("/pickwave-e2e") if ".tmp-" in p]
    packing = fs.cat(next(p for p in fs.find("/pickwave-e2e/W-MEM/packing"))).decode()
    assert packing.splitlines()[0].split(",")[5] == "carton_id"
    again = publish_task(url, out, PARAMS, "W-MEM")
    assert again["already_published"] is True and again["released"] == 0
    fs.rm("/pickwave-e2e", recursive=True)


@pytest.mark.postgres
def test_end_to_end_on_postgresql(airflow_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from tests.dags.conftest import pg_database

    base = os.environ.get("PICKWAVE_TEST_PG_URL")
    if not base:
        pytest.skip("PICKWAVE_TEST_PG_URL not set")
    with pg_database(base, "pickwave_airflow_test") as url:
        seed_store(url, tmp_path / "inputs")
        out = tmp_path / "waves"
        assert _run(monkeypatch, url, out.as_uri()) == "success"
        _check_published(url, out)
        before = _snapshot(out)
        assert _run(monkeypatch, url, out.as_uri()) == "success"
        assert _snapshot(out) == before

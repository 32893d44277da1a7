"""``kill -9`` of real processes at every stage of ``wave run``, then a plain rerun; SQLite and PostgreSQL.

After the rerun the store and the published folder must agree: every
committed wave is published (its folder complete, nothing left staged), every
released order is in exactly one wave's ``picklists.csv`` and that wave is the
one the store names, no order is released twice or lost, and no process of the
killed run is left behind. A second test kills ``pickwave plan`` while its
worker processes run and checks that they die with it.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from engine.cli import main
from engine.store import open_store
from engine.synth import SynthParams, generate, write_instance
from tests.store import samples
from tests.store.conftest import db_url, pg_url  # noqa: F401  (fixtures: SQLite, and PostgreSQL when configured)

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("search", "staging", "commit", "move")
#: What a stage leaves committed before the rerun: nothing before COMMIT, the wave after it.
COMMITTED = {"search": False, "staging": False, "commit": True, "move": True}


def session_pids(sid: int) -> list[int]:
    """Live processes of session ``sid`` (the killed run and anything it started)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[3]) == sid:
            out.append(int(entry.name))
    return out


def wait_gone(sid: int, timeout_s: float = 15.0) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        left = session_pids(sid)
        if not left:
            return []
        time.sleep(0.1)
    return session_pids(sid)


def released_in_files(waves: Path) -> Counter[str]:
    """Order id -> how many published wave folders pick it."""
    seen: Counter[str] = Counter()
    for folder in waves.iterdir():
        if folder.name.startswith("."):
            continue
        with open(folder / "picklists.csv", newline="") as f:
            seen.update({r["order_id"] for r in csv.DictReader(f)})
    return seen


@pytest.fixture
def shop(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: F811
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PICKWAVE_DB_URL", db_url)
    monkeypatch.delenv("PICKWAVE_OUTPUT_URL", raising=False)
    f = samples.write_catalog(tmp_path)
    assert main(["-q", "catalog", "import", "--layout", str(f["layout"]), "--skus", str(f["skus"]),
                 "--inventory", str(f["inventory"]), "--boxes", str(f["boxes"])]) == 0
    (tmp_path / "orders.csv").write_text(samples.ORDERS, encoding="utf-8")
    assert main(["-q", "orders", "import", "orders.csv"]) == 0
    (tmp_path / "wave.yaml").write_text("time_limit_s: 5\nmax_iterations: 20\n")
    return tmp_path


@pytest.mark.parametrize("stage", STAGES)
def test_kill_at_every_stage_then_rerun(stage: str, shop: Path, db_url: str,  # noqa: F811
                                        capsys: pytest.CaptureFixture[str]) -> None:
    ready = shop / "ready"
    env = {**os.environ, "PICKWAVE_DB_URL": db_url, "PYTHONPATH": str(ROOT)}
    run = subprocess.Popen([sys.executable, "-m", "tests.hostile.wave_worker", stage, str(ready), "--config",
                            "wave.yaml", "--wave-id", "W-KILLED"], cwd=shop, env=env, start_new_session=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not ready.exists():
        assert run.poll() is None, run.communicate()
        assert time.monotonic() < deadline, "the run never reached the stage"
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=30)
    assert wait_gone(run.pid) == [], "processes of the killed run are still alive"

    with open_store(db_url) as store:
        state = store.publish_state("W-KILLED")
        before = {o.order_id: o.status for o in store.list_orders()}
    assert (state == "staged") is COMMITTED[stage] and (state is None) is not COMMITTED[stage]
    assert ("released" in before.values()) is COMMITTED[stage]

    capsys.readouterr()
    assert main(["-q", "wave", "run", "--config", "wave.yaml"]) == 0
    said = capsys.readouterr().out
    assert ("wave W-KILLED: committed by an earlier run that stopped before publishing" in said) is COMMITTED[stage]

    waves = shop / "waves"
    with open_store(db_url) as store:
        after = store.list_orders()
        assert store.publish_state("W-KILLED") == ("published" if COMMITTED[stage] else None)
    in_files = released_in_files(waves)
    released = {o.order_id: o.wave_id for o in after if o.status == "released"}
    assert set(in_files) == set(released), "store and published folders disagree"
    assert all(n == 1 for n in in_files.values()), f"an order is in two waves: {in_files}"
    for oid, wid in released.items():
        with open(waves / wid / "picklists.csv", newline="") as f:
            assert oid in {r["order_id"] for r in csv.DictReader(f)}
    assert {o.order_id for o in after} >= set(before), "an order was lost"
    assert set(released) == {"O1", "O4"}  # what one clean run releases from the sample (O8 is short)
    for folder in waves.iterdir():
        assert not folder.name.startswith("."), f"staging left behind: {folder.name}"
        assert (folder / "summary.json").is_file()


def test_killing_plan_kills_its_workers(tmp_path: Path) -> None:
    inst = generate(SynthParams(orders=1500), seed=11)
    p = write_instance(inst, tmp_path / "in")
    cmd = [sys.executable, "-m", "engine.cli", "-q", "plan", "--layout", str(p["layout"]), "--skus", str(p["skus"]),
           "--inventory", str(p["inventory"]), "--orders", str(p["orders"]), "--boxes", str(p["boxes"]),
           "--config", str(p["wave"]), "--out", str(tmp_path / "out"), "--workers", "2", "--time-limit", "120"]
    run = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(session_pids(run.pid)) < 2:  # the planner and at least one worker
        assert run.poll() is None, "plan ended before starting workers"
        assert time.monotonic() < deadline, "no worker process seen"
        time.sleep(0.05)
    workers = [pid for pid in session_pids(run.pid) if pid != run.pid]
    os.kill(run.pid, signal.SIGKILL)  # what a timeout or an Airflow task kill does: the parent only
    run.wait(timeout=30)
    assert wait_gone(run.pid) == [], f"workers {workers} outlived the killed plan"


def test_dag_publish_killed_after_commit_then_retried(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    """The DAG's publish task killed after COMMIT: Airflow's retry finishes publishing, releases nothing twice."""
    from engine.orchestration.waves import is_published, plan_task, publish_task, render_chunk_task
    from tests.orchestration.test_order_life import PARAMS, seed_store

    seed_store(db_url, tmp_path / "inputs")
    out = str(tmp_path / "out")
    planned = plan_task(db_url, out, PARAMS, "W-DAG")
    for k in planned["chunks"]:  # type: ignore[attr-defined]
        render_chunk_task(out, "W-DAG", k)
    ready = tmp_path / "ready"
    run = subprocess.Popen([sys.executable, "-m", "tests.hostile.wave_worker", "dag-commit", str(ready), db_url, out,
                            "W-DAG"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not ready.exists():
        assert run.poll() is None, run.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=30)
    assert wait_gone(run.pid) == []
    with open_store(db_url) as store:
        assert store.publish_state("W-DAG") == "staged"
        released = {o.order_id for o in store.list_orders() if o.status == "released"}
    assert released and not is_published(out, "W-DAG")
    retry = publish_task(db_url, out, PARAMS, "W-DAG")  # what Airflow's retry runs
    assert retry["already_published"] is True and is_published(out, "W-DAG")
    with open_store(db_url) as store:
        assert store.publish_state("W-DAG") == "published"
        assert {o.order_id for o in store.list_orders() if o.status == "released"} == released
    with open(Path(out) / "W-DAG" / "picklists.csv", newline="") as f:
        assert {r["order_id"] for r in csv.DictReader(f)} == released

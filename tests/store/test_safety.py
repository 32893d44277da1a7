"""Two wave runs at once, and a run killed before COMMIT, in real processes.

PostgreSQL: ``FOR UPDATE SKIP LOCKED`` on orders and locked stock rows;
SQLite: one writer at a time (``BEGIN IMMEDIATE``). Both must never release
an order twice nor leave half a wave.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.io.tables import parse_orders
from engine.model import WaveConfig
from engine.store import Store
from engine.store.schema import AllocationRow, BatchRow, EventRow, PickRow, WaveRow
from tests.store.conftest import sample_catalog
from tests.store.samples import naive_release

REPO = Path(__file__).resolve().parents[2]
N = 12


def many_orders(store: Store) -> None:
    store.import_catalog(sample_catalog())
    rows = "".join(f"C{i:02d},S4,1,2026-11-20T08:{i:02d}:00Z,captured\n" for i in range(N))
    store.import_orders(parse_orders("order_id,sku,qty,created_at,payment_status\n" + rows, "many.csv"),
                        file="many.csv")


def worker(url: str, tmp: Path, name: str, max_orders: int, hold_s: float, kill: bool = False) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "tests.store.worker", url, str(tmp / "go"), str(tmp / f"{name}.ready"),
            str(max_orders), str(hold_s)] + (["kill"] if kill else [])
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def count(store: Store, table: type) -> int:
    with Session(store.engine) as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


@pytest.mark.slow
def test_two_concurrent_runs_never_release_an_order_twice(store: Store, db_url: str, tmp_path: Path) -> None:
    many_orders(store)
    procs = [worker(db_url, tmp_path, name, N // 2, 1.0) for name in ("a", "b")]
    (tmp_path / "go").touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    a, b = (set(r["released"]) for r in results)
    assert results[0]["wave_id"] != results[1]["wave_id"]
    assert not a & b, f"released twice: {a & b}"
    assert a | b == {f"C{i:02d}" for i in range(N)} and len(a) == len(b) == N // 2
    released = {o.order_id: o.wave_id for o in store.list_orders("released")}
    assert len(released) == N
    with Session(store.engine) as s:
        assert s.scalar(select(func.sum(AllocationRow.qty))) == N
        per_order = s.execute(select(EventRow.order_id, func.count()).where(EventRow.action == "release")
                              .group_by(EventRow.order_id)).all()
    assert len(per_order) == N and all(n == 1 for _, n in per_order)


@pytest.mark.slow
def test_run_killed_before_commit_leaves_nothing_half_done(store: Store, db_url: str, tmp_path: Path) -> None:
    many_orders(store)
    before = (store.list_orders(), len(store.events()), store.outbox(), store.stock())
    p = worker(db_url, tmp_path, "k", N, 0.0, kill=True)
    (tmp_path / "go").touch()
    deadline = time.monotonic() + 60
    while not (tmp_path / "k.ready").exists():
        assert p.poll() is None, p.communicate()[1]
        assert time.monotonic() < deadline, "worker never reached its commit"
        time.sleep(0.02)
    # Every row of the wave is written (flushed) now; only COMMIT is missing.
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    assert p.returncode == -signal.SIGKILL
    assert (store.list_orders(), len(store.events()), store.outbox(), store.stock()) == before
    for table in (WaveRow, BatchRow, PickRow, AllocationRow):
        assert count(store, table) == 0
    # The locks died with the process: the next run releases everything.
    with store.claim_releasable(WaveConfig()) as claim:
        report = claim.commit(naive_release(claim))
    assert len(report.released) == N

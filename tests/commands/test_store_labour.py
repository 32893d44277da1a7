"""``wave run`` with ``labour:``: the store records each released order's promised completion."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.cli import main
from tests.store import samples


def test_wave_run_records_promises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "shop.db"
    monkeypatch.setenv("PICKWAVE_DB_URL", f"sqlite:///{db}")
    monkeypatch.delenv("PICKWAVE_OUTPUT_URL", raising=False)
    f = samples.write_catalog(tmp_path)
    assert main(["catalog", "import", "--layout", str(f["layout"]), "--skus", str(f["skus"]),
                 "--inventory", str(f["inventory"]), "--boxes", str(f["boxes"])]) == 0
    (tmp_path / "orders.csv").write_text(samples.ORDERS, encoding="utf-8")
    assert main(["orders", "import", "orders.csv"]) == 0
    (tmp_path / "wave.yaml").write_text(
        "time_limit_s: 2\nmax_iterations: 50\nlabour: {pickers: 2, start: '2026-11-26T08:00:00Z'}\n"
        "carriers: [{id: UPS, departs: ['12:00', '17:30'], timezone: America/New_York}]\n", encoding="utf-8")
    assert main(["wave", "run", "--config", "wave.yaml", "--wave-id", "W-L", "--out", "out"]) == 0
    with open(tmp_path / "out" / "promises.csv", newline="", encoding="utf-8") as fh:
        promised = {r["order_id"]: r for r in csv.DictReader(fh)}
    assert promised and (tmp_path / "out" / "schedule.csv").exists()
    eng = sa.create_engine(f"sqlite:///{db}")
    with eng.connect() as c:
        rows = dict(c.execute(sa.text("select order_id, promised_at from orders where status = 'released'")).all())
    assert set(rows) == set(promised)
    assert all(v is not None for v in rows.values())

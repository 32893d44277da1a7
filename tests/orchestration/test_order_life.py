"""A whole order life through the task functions, each step in the store's event log."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from engine.orchestration.fulfilment import (
    delivered_followups_task,
    ingest_reports_task,
    process_return,
    ship_packed_task,
)
from engine.orchestration.waves import pack_batch_task, plan_task, publish_task, route_batch_task
from engine.publish.outbox import read_outbox
from tests.dags.conftest import seed_store

PARAMS = {"time_limit_s": 2, "max_iterations": 30, "seed": 1}


@pytest.fixture
def wave(tmp_path: Path) -> tuple[str, Path, list[dict[str, str]]]:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    seed_store(url, tmp_path / "inputs")
    out = tmp_path / "out"
    planned = plan_task(url, str(out), PARAMS, "W-LIFE")
    for b in planned["batches"]:  # type: ignore[attr-defined]
        route_batch_task(str(out), "W-LIFE", b)
        pack_batch_task(str(out), "W-LIFE", b)
    publish_task(url, str(out), PARAMS, "W-LIFE")
    picks = list(csv.DictReader(io.StringIO((out / "W-LIFE" / "picklists.csv").read_text())))
    return url, out, picks


def _status(url: str, oid: str) -> str:
    from engine.store import open_store

    with open_store(url) as store:
        return {o.order_id: o.status for o in store.list_orders()}[oid]


def test_full_order_life(wave: tuple[str, Path, list[dict[str, str]]], tmp_path: Path) -> None:
    from engine.store import open_store

    url, out, picks = wave
    oid = picks[0]["order_id"]
    mine = [p for p in picks if p["order_id"] == oid]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    lines = ["event,order_id,sku,qty,carton_id"]
    lines += [f"picked,{oid},{p['sku']},{p['qty']}," for p in mine]
    lines += [f"packed,{oid},,,C-1"]
    (inbox / "progress-1.csv").write_text("\n".join(lines) + "\n")
    assert ingest_reports_task(url, str(inbox))["applied"] == len(mine) + 1
    assert _status(url, oid) == "packed"
    assert ship_packed_task(url, str(out))["shipped"] == 1
    label = json.loads((out / "labels" / f"{oid}.json").read_text())
    assert (out / "labels" / f"{oid}.zpl").read_text().startswith("^XA")
    shipped = read_outbox(str(out / "outbox"), "shipped")
    assert [m.fields["tracking_number"] for m in shipped] == [label["tracking_number"]]
    (inbox / "progress-2.jsonl").write_text(json.dumps({"event": "delivered", "order_id": oid}) + "\n")
    ingest_reports_task(url, str(inbox))
    assert _status(url, oid) == "delivered"
    assert delivered_followups_task(url, str(out / "outbox")) == {"followups": 1}
    assert delivered_followups_task(url, str(out / "outbox")) == {"followups": 0}  # once per order
    with open_store(url) as store:
        before = {(s.sku, s.location_id): s.qty for s in store.stock(available=False)}
    res = process_return(url, "RMA-1", oid, "restock", refund=True, reason="damaged box")
    assert res["refund_status"] == "refunded" and res["units"] == sum(int(p["qty"]) for p in mine)
    assert process_return(url, "RMA-1", oid, "restock", refund=True)["already"] is True
    with open_store(url) as store:
        after = {(s.sku, s.location_id): s.qty for s in store.stock(available=False)}
        actions = [e.action for e in store.events(oid)]
    for p in mine:
        key = (p["sku"], p["location_id"])
        assert after[key] - before[key] >= int(p["qty"])
    assert actions[-7:] == ["release", "confirm_pick", "pack", "ship", "deliver", "return", "refund"]
    assert _status(url, oid) == "refunded"


def test_contradicting_reports_are_quarantined_and_files_apply_once(
        wave: tuple[str, Path, list[dict[str, str]]], tmp_path: Path) -> None:
    url, _out, picks = wave
    oid, sku, qty = picks[0]["order_id"], picks[0]["sku"], int(picks[0]["qty"])
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    text = (f"event,order_id,sku,qty\npicked,{oid},{sku},{qty + 5}\npicked,{oid},NOPE,1\npicked,ZZZ,{sku},1\n"
            f"picked,{oid},{sku},1\n")
    (inbox / "bad.csv").write_text(text)
    res = ingest_reports_task(url, str(inbox))
    assert res["applied"] == 1 and res["quarantined"] == 3
    q = [json.loads(x) for x in (inbox / "quarantine" / "bad.csv.jsonl").read_text().splitlines()]
    assert [r["reason"] for r in q] == ["over_plan", "wrong_sku", "unknown_order"]
    assert not (inbox / "bad.csv").exists()
    # the same bytes dropped again: nothing applied twice
    (inbox / "bad.csv").write_text(text)
    assert ingest_reports_task(url, str(inbox))["skipped"] == 1

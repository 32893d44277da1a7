import doctest
import json

import engine.intake_3pl.reports as reports
from engine.carriers import adapter_for
from engine.intake_3pl import (
    Disposition,
    EventKind,
    Reason,
    carton_id,
    check_events,
    check_pack,
    check_return,
    order_complete,
    parse_report,
    scanned_cartons,
)
from engine.packing.result import Carton, Placement

PLANNED = {"O1": {"S1": 3, "S2": 1}, "O2": {"S1": 1}}


def _ok(carrier: str, number: str) -> bool:
    return adapter_for(carrier).is_valid_tracking(number)


def test_doctests() -> None:
    assert doctest.testmod(reports).failed == 0


def test_csv_and_jsonl_give_the_same_events() -> None:
    csv_text = (
        "event,order_id,sku,qty,carton_id,carrier,tracking_number,at\n"
        "pick_confirmed,O1,S1,3,,,,2026-01-05T10:00:00Z\n"
        "short_pick,O1,S2,1,,,,\n"
        "packed,O1,S1,3,O1-1,,,\n"
        "shipped,O1,,,,UPS,1Z12345E0205271688,\n"
    )
    rows = [
        {"event": "picked", "order_id": "O1", "sku": "S1", "qty": 3, "at": "2026-01-05T10:00:00Z"},
        {"event": "short", "order_id": "O1", "sku": "S2", "qty": 1},
        {"event": "packed", "order_id": "O1", "sku": "S1", "qty": 3, "carton_id": "O1-1"},
        {"event": "shipped", "order_id": "O1", "carrier": "ups", "tracking_number": "1Z12345E0205271688"},
    ]
    a = parse_report(csv_text, "r.csv")
    b = parse_report("\n".join(json.dumps(r) for r in rows) + "\n", "r.jsonl")
    assert not a.rejected and not b.rejected
    strip = [(e.kind, e.order_id, e.sku, e.qty, e.carton_id, e.carrier, e.tracking_number, e.at) for e in a.events]
    assert strip == [(e.kind, e.order_id, e.sku, e.qty, e.carton_id, e.carrier, e.tracking_number, e.at)
                     for e in b.events]
    assert [e.kind for e in a.events] == list(EventKind)[:4]


def test_bad_rows_are_rejected_with_field_and_row() -> None:
    text = ("event,order_id,sku,qty,carrier,tracking_number\n"
            "picked,O1,S1,-1,,\n" "teleported,O1,S1,1,,\n" "shipped,O1,,,ups,\n" "picked,,S1,1,,\n")
    rep = parse_report(text, "r.csv")
    assert rep.events == ()
    assert [(q.row, q.reason) for q in rep.rejected] == [(n, Reason.INVALID) for n in (2, 3, 4, 5)]
    assert "qty" in rep.rejected[0].detail and "unknown event" in rep.rejected[1].detail
    bad_json = parse_report('{"event": "picked"\n[1]\n', "r.jsonl")
    assert [q.detail.split(":")[0] for q in bad_json.rejected] == ["not JSON", "not a JSON object"]


def test_contradictions_are_quarantined_not_applied() -> None:
    text = ("event,order_id,sku,qty,carrier,tracking_number\n"
            "picked,O1,S1,2,,\n"       # ok
            "picked,O1,S9,1,,\n"       # wrong SKU
            "picked,O1,S1,2,,\n"       # 4 > 3 planned
            "picked,O404,S1,1,,\n"     # unknown order
            "picked,O1,S1,1,,\n"       # ok: 3 of 3
            "shipped,O2,,,dhl,123\n")  # bad tracking
    checked = check_events(parse_report(text, "r.csv").events, PLANNED, {}, _ok)
    assert [e.row for e in checked.accepted] == [2, 6]
    assert [(q.row, q.reason) for q in checked.quarantined] == [
        (3, Reason.WRONG_SKU), (4, Reason.OVER_PLAN), (5, Reason.UNKNOWN_ORDER), (7, Reason.BAD_TRACKING)]
    assert checked.reported == {("O1", "S1"): 3}


def test_earlier_reports_count_towards_the_plan() -> None:
    ev = parse_report("event,order_id,sku,qty\nshort,O1,S1,1\n", "r.csv").events
    assert check_events(ev, PLANNED, {("O1", "S1"): 3}).quarantined[0].reason is Reason.OVER_PLAN
    assert not order_complete(PLANNED["O1"], {("O1", "S1"): 3}, "O1")
    assert order_complete(PLANNED["O1"], {("O1", "S1"): 3, ("O1", "S2"): 1}, "O1")


def _carton(no: int, box: str, *skus: str) -> Carton:
    return Carton(no, box, tuple(Placement(s, float(i), 0, 0, 1, 1, 1) for i, s in enumerate(skus)), 1.0, 1.0)


def test_returned_rows_parse_with_rma_disposition_and_refund() -> None:
    text = ("event,order_id,sku,qty,rma_id,disposition,refund\n"
            "returned,O1,S1,2,RMA-7,restock,1\n" "return,O1,S2,1,RMA-7,SCRAP,0\n"
            "returned,O1,S1,1,,restock,1\n" "returned,O1,S1,1,RMA-8,keep,1\n" "returned,O1,S1,1,RMA-9,scrap,maybe\n")
    rep = parse_report(text, "rma.csv")
    assert [(e.kind, e.rma_id, e.sku, e.qty, e.disposition, e.refund) for e in rep.events] == [
        (EventKind.RETURNED, "RMA-7", "S1", 2, Disposition.RESTOCK, True),
        (EventKind.RETURNED, "RMA-7", "S2", 1, Disposition.SCRAP, False)]
    assert [q.detail.split(":")[0] for q in rep.rejected] == ["rma_id", "disposition", "refund"]
    # returns are judged against what shipped, not against the pick plan
    assert len(check_events(rep.events, {}, {}).accepted) == 2


def test_packed_rows_need_carton_sku_and_qty() -> None:
    rep = parse_report("event,order_id,sku,qty,carton_id\npacked,O1,S1,2,O1-1\npacked,O1,S1,2,\npacked,O1,,1,O1-1\n",
                       "p.csv")
    assert [e.carton_id for e in rep.events] == ["O1-1"]
    assert [q.detail.split(":")[0] for q in rep.rejected] == ["carton_id", "sku"]


def test_check_pack_carton_by_carton() -> None:
    plan = {carton_id("O1", 1): _carton(1, "M", "S1", "S1", "S2"), carton_id("O1", 2): _carton(2, "L", "S3")}
    good = parse_report("event,order_id,sku,qty,carton_id\npacked,O1,S1,2,O1-1\npacked,O1,S2,1,O1-1\n"
                        "packed,O1,S3,1,O1-2\n", "p.csv").events
    assert check_pack(plan, scanned_cartons(good)).ok
    # S2 went into the second carton, one S1 is missing, a stray carton, a wrong box
    bad = check_pack(plan, {"O1-1": {"S1": 1}, "O1-2": {"S3": 1, "S2": 1}, "O1-9": {"S4": 1}}, {"O1-2": "M"})
    assert not bad.ok
    assert dict(bad.missing) == {"O1-1": {"S1": 1, "S2": 1}}
    assert dict(bad.wrong) == {"O1-2": {"S2": 1}} and dict(bad.unknown) == {"O1-9": {"S4": 1}}
    assert dict(bad.wrong_box) == {"O1-2": "M"}
    assert bad.describe().startswith("carton O1-1: missing S1 x1, S2 x1; carton O1-2: wrong S2 x1")
    # a planned carton never scanned is missing as a whole
    assert dict(check_pack(plan, {"O1-1": {"S1": 2, "S2": 1}}).missing) == {"O1-2": {"S3": 1}}


def test_check_return_counts_earlier_rmas() -> None:
    assert check_return({"S1": 1}, {"S1": 2}, {"S1": 1}) == ""
    assert "S1: 3 units returned, 2 shipped" in check_return({"S1": 2}, {"S1": 2}, {"S1": 1})
    assert "S9: 1 units returned, 0 shipped" in check_return({"S9": 1}, {"S1": 2}, {})

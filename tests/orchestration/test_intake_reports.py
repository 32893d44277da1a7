import doctest
import json

import engine.intake_3pl.reports as reports
from engine.carriers import adapter_for
from engine.intake_3pl import EventKind, Reason, check_events, order_complete, parse_report

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
        "packed,O1,,,C-1,,,\n"
        "shipped,O1,,,,UPS,1Z12345E0205271688,\n"
    )
    rows = [
        {"event": "picked", "order_id": "O1", "sku": "S1", "qty": 3, "at": "2026-01-05T10:00:00Z"},
        {"event": "short", "order_id": "O1", "sku": "S2", "qty": 1},
        {"event": "packed", "order_id": "O1", "carton_id": "C-1"},
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

"""Orders intake: idempotent, every channel in one place, changes applied as logged moves."""

from engine.io.tables import parse_orders, parse_orders_jsonl
from engine.store import Store, cancellations
from tests.store import samples

HEADER = "order_id,sku,qty,created_at,payment_status\n"


def statuses(store: Store) -> dict[str, str]:
    return {o.order_id: o.status for o in store.list_orders()}


def test_sample_import_sorts_orders_by_payment_and_validity(loaded: Store) -> None:
    got = {o.order_id: (o.status, o.hold_reason) for o in loaded.list_orders()}
    assert got == {
        "O1": ("awaiting_fulfillment", ""), "O2": ("pending_payment", ""), "O3": ("pending_payment", ""),
        "O4": ("awaiting_fulfillment", ""), "O5": ("cancelled", ""), "O6": ("on_hold", "invalid"),
        "O7": ("on_hold", "unknown_sku"), "O8": ("awaiting_fulfillment", ""),
    }
    assert [o.order_id for o in loaded.list_orders("awaiting_fulfillment")] == list(samples.CAPTURED_VALID)
    o6 = next(o for o in loaded.list_orders("on_hold") if o.order_id == "O6")
    assert "row 8" in o6.hold_detail and "'qty'" in o6.hold_detail


def test_same_file_twice_changes_nothing(loaded: Store) -> None:
    before = (loaded.list_orders(), len(loaded.events()), loaded.outbox())
    report = loaded.import_orders(parse_orders(samples.ORDERS, "orders.csv"), file="orders.csv")
    assert not report.changed and len(report.unchanged) == 8
    assert (loaded.list_orders(), len(loaded.events()), loaded.outbox()) == before


def test_later_capture_moves_the_order_and_logs_it(loaded: Store) -> None:
    later = HEADER + "O2,S1,1,2026-11-20T09:00:00Z,captured\n"
    report = loaded.import_orders(parse_orders(later, "later.csv"), "web", file="later.csv")
    assert report.updated == ("O2",)
    assert statuses(loaded)["O2"] == "awaiting_fulfillment"
    last = loaded.events("O2")[-1]
    assert (last.from_status, last.to_status) == ("pending_payment", "awaiting_fulfillment")
    assert "later.csv" in last.reason and "captured" in last.reason


def test_refund_or_status_cancelled_cancels(loaded: Store) -> None:
    text = HEADER.rstrip("\n") + ",status\n" + "O1,S1,2,2026-11-20T08:00:00Z,refunded,\n" + \
        "O4,S4,3,2026-11-20T11:00:00Z,captured,cancelled\n"
    cancelled, notes = cancellations(text, "c.csv", jsonl=False)
    assert cancelled == {"O4"} and notes == ()
    report = loaded.import_orders(parse_orders(text, "c.csv"), file="c.csv", cancelled=cancelled)
    assert set(report.cancelled) == {"O1", "O4"}
    assert statuses(loaded)["O1"] == statuses(loaded)["O4"] == "cancelled"
    assert [m for _, m, _, _ in loaded.outbox()].count("order_cancelled") == 2
    # and again: nothing more happens
    again = loaded.import_orders(parse_orders(text, "c.csv"), file="c.csv", cancelled=cancelled)
    assert not again.changed


def test_jsonl_status_cancelled() -> None:
    text = '{"order_id": "J1", "status": "cancelled"}\n{"order_id": "J2", "status": "shipped"}\nnot json\n'
    cancelled, notes = cancellations(text, "o.jsonl", jsonl=True)
    assert cancelled == {"J1"}
    assert len(notes) == 1 and "only cancel" in notes[0].message


def test_channels_land_in_one_place_and_never_overwrite_each_other(store: Store) -> None:
    store.import_orders(parse_orders(HEADER + "W1,S1,1,2026-11-20T08:00:00Z,captured\n", "web.csv",
                                     channel="web"), "web", file="web.csv")
    jsonl = ('{"order_id": "M1", "sku": "S1", "qty": 2, "created_at": "2026-11-20", "payment_status": "captured"}\n'
             '{"order_id": "W1", "sku": "S9", "qty": 9, "created_at": "2026-11-21", "payment_status": "captured"}\n')
    report = store.import_orders(parse_orders_jsonl(jsonl, "mp.jsonl", channel="marketplace"), "marketplace",
                                 file="mp.jsonl")
    assert report.created == ("M1",)
    assert len(report.refused) == 1 and "channel 'web'" in report.refused[0].message
    got = {o.order_id: (o.channel, [(ln.sku, ln.qty) for ln in o.lines]) for o in store.list_orders()}
    assert got == {"W1": ("web", [("S1", 1)]), "M1": ("marketplace", [("S1", 2)])}


def test_no_catalogue_yet_means_skus_are_checked_at_wave_time(store: Store) -> None:
    store.import_orders(parse_orders(HEADER + "A,NOPE,1,2026-11-20,captured\n", "o.csv"), file="o.csv")
    assert statuses(store) == {"A": "awaiting_fulfillment"}


def test_held_order_fixed_by_a_later_file(loaded: Store) -> None:
    fixed = HEADER + "O6,S1,2,2026-11-20T13:00:00Z,captured\n"
    report = loaded.import_orders(parse_orders(fixed, "fix.csv"), file="fix.csv")
    assert report.updated == ("O6",)
    o6 = next(o for o in loaded.list_orders() if o.order_id == "O6")
    assert (o6.status, o6.hold_reason, [(ln.sku, ln.qty) for ln in o6.lines]) == ("awaiting_fulfillment", "", [
        ("S1", 2)])


def test_bad_row_never_overwrites_a_good_order(loaded: Store) -> None:
    bad = HEADER + "O1,S1,-4,2026-11-20T08:00:00Z,captured\n"
    report = loaded.import_orders(parse_orders(bad, "bad.csv"), file="bad.csv")
    assert not report.changed and len(report.refused) == 1 and "kept unchanged" in report.refused[0].message
    o1 = next(o for o in loaded.list_orders() if o.order_id == "O1")
    assert o1.status == "awaiting_fulfillment" and sum(ln.qty for ln in o1.lines) == 3


def test_manual_hold_survives_a_reimport_with_new_lines(loaded: Store) -> None:
    loaded.apply("hold", ["O1"], reason="fraud check", by="alice")
    changed = HEADER + "O1,S1,5,2026-11-20T08:00:00Z,captured\n"
    loaded.import_orders(parse_orders(changed, "c.csv"), file="c.csv")
    o1 = next(o for o in loaded.list_orders() if o.order_id == "O1")
    assert (o1.status, o1.hold_reason, o1.hold_detail) == ("on_hold", "manual", "fraud check")
    assert [(ln.sku, ln.qty) for ln in o1.lines] == [("S1", 5)]


def test_repeated_line_number_holds_the_order(store: Store) -> None:
    text = "order_id,sku,qty,created_at,payment_status,line_no\nA,S1,1,2026-11-20,captured,1\n" \
           "A,S2,1,2026-11-20,captured,1\n"
    report = store.import_orders(parse_orders(text, "d.csv"), file="d.csv")
    assert [h.reason for h in report.held] == ["invalid"] and "line_no 1 appears twice" in report.held[0].detail
    assert statuses(store) == {"A": "on_hold"}

"""Claim and commit: payment gate, release order, short stock, idempotent wave ids, refused plans."""

from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.io.tables import parse_orders
from engine.model import HoldReason, WaveConfig
from engine.store import PlanMismatchError, ShortStockPolicy, Store, WaveRelease
from engine.store.schema import AllocationRow, WaveRow
from tests.store.conftest import sample_catalog
from tests.store.samples import ORDERS, naive_release


def snapshot(store: Store) -> tuple[object, ...]:
    return (store.list_orders(), len(store.events()), store.outbox(), store.stock())


def test_payment_gate_and_what_is_held(loaded: Store) -> None:
    with loaded.claim_releasable(WaveConfig()) as claim:
        assert [o.order_id for o in claim.orders] == ["O4", "O1"]  # priority 5 first
        held = {h.order_id: h.reason for h in claim.held}
        report = claim.commit(naive_release(claim))
    assert held == {"O2": HoldReason.UNPAID, "O3": HoldReason.UNPAID, "O5": HoldReason.UNPAID,
                    "O6": HoldReason.INVALID, "O7": HoldReason.UNKNOWN_SKU, "O8": HoldReason.SHORT_STOCK}
    assert report.released == ("O1", "O4")
    assert {o.order_id for o in loaded.list_orders("released")} == {"O1", "O4"}


def test_cancelled_before_release_is_reported_once(loaded: Store) -> None:
    """O5 (refunded at import) and an order cancelled by hand are in one wave's held.csv, not in the next."""
    loaded.apply("cancel", ["O2"], reason="customer changed their mind")
    with loaded.claim_releasable(WaveConfig()) as claim:
        first = {h.order_id: (h.reason, h.detail) for h in claim.held if h.order_id in ("O2", "O5")}
        assert claim.reported_cancellations == ("O2", "O5")
        report = claim.commit(naive_release(claim))
    assert first == {"O5": (HoldReason.UNPAID, "payment refunded: cancelled before release"),
                     "O2": (HoldReason.CANCELLED, "cancelled before release")}
    assert {h.order_id for h in report.held} >= {"O2", "O5"}
    with loaded.claim_releasable(WaveConfig()) as claim:
        assert not {"O2", "O5"} & {h.order_id for h in claim.held}


def test_cancellation_of_an_uncommitted_wave_is_reported_again(loaded: Store) -> None:
    """A claim that never commits (a crash) marks nothing: the rerun lists the cancellation."""
    with loaded.claim_releasable(WaveConfig()) as claim:
        assert "O5" in {h.order_id for h in claim.held}
    with loaded.claim_releasable(WaveConfig()) as claim:
        assert "O5" in {h.order_id for h in claim.held}


def test_configured_payment_set_releases_authorized(loaded: Store) -> None:
    cfg = WaveConfig(release_payment_statuses=("captured", "authorized"))
    with loaded.claim_releasable(cfg) as claim:
        report = claim.commit(naive_release(claim))
    assert "O3" in report.released and "O2" not in report.released


def test_max_orders_takes_the_release_order(loaded: Store) -> None:
    with loaded.claim_releasable(WaveConfig(max_orders=1)) as claim:
        assert [o.order_id for o in claim.orders] == ["O4"]
        assert {h.order_id: h.reason for h in claim.held}["O1"] == HoldReason.DEFERRED


def test_backorder_policy_splits_the_short_line(loaded: Store) -> None:
    with loaded.claim_releasable(WaveConfig(), short_stock=ShortStockPolicy.BACKORDER) as claim:
        o8 = next(o for o in claim.orders if o.order_id == "O8")
        assert o8.units == 2
        report = claim.commit(naive_release(claim))
    assert [(b.order_id, b.sku, b.qty) for b in report.backorders] == [("O8", "S3", 3)]
    orders = {o.order_id: o for o in loaded.list_orders()}
    assert orders["O8"].status == "released" and orders["O8"].lines[0].qty == 2
    bo = orders["O8-BO1"]
    assert (bo.status, [(ln.sku, ln.qty) for ln in bo.lines]) == ("awaiting_fulfillment", [("S3", 3)])
    assert "backorder_created" in [t for _, t, _, _ in loaded.outbox()]
    assert any("back-ordered as O8-BO1" in e.reason for e in loaded.events("O8"))


def test_claim_without_commit_changes_nothing(loaded: Store) -> None:
    before = snapshot(loaded)
    with loaded.claim_releasable(WaveConfig()) as claim:
        assert claim.orders
    assert snapshot(loaded) == before


def test_same_wave_id_twice_changes_nothing(loaded: Store) -> None:
    with loaded.claim_releasable(WaveConfig(), "W-fixed") as claim:
        claim.commit(naive_release(claim))
    loaded.import_orders(parse_orders("order_id,sku,qty,created_at,payment_status\nN1,S1,1,2026-11-21,captured\n",
                                      "n.csv"), file="n.csv")
    before = snapshot(loaded)
    with loaded.claim_releasable(WaveConfig(), "W-fixed") as claim:
        assert claim.already_committed and claim.orders == ()
        report = claim.commit(WaveRelease((), ()))
    assert report.already_committed and snapshot(loaded) == before


def test_default_wave_id_is_deterministic(loaded: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with loaded.claim_releasable(WaveConfig()) as claim:
        first = claim.wave_id
    with loaded.claim_releasable(WaveConfig()) as claim:
        assert claim.wave_id == first
    with loaded.claim_releasable(WaveConfig(seed=1)) as claim:
        assert claim.wave_id != first


def test_plan_that_does_not_fit_the_claim_is_refused(loaded: Store) -> None:
    before = snapshot(loaded)
    with loaded.claim_releasable(WaveConfig()) as claim:
        good = naive_release(claim)
        short = replace(good, picks=good.picks[:-1])
        with pytest.raises(PlanMismatchError, match="the order needs"):
            claim.commit(short)
        stranger = replace(good, picks=(*good.picks, replace(good.picks[0], order_id="O2")))
        with pytest.raises(PlanMismatchError, match="did not claim"):
            claim.commit(stranger)
        greedy = replace(good, picks=tuple(replace(p, location_id="A01-B1-S001-L") for p in good.picks))
        with pytest.raises(PlanMismatchError):
            claim.commit(greedy)
    assert snapshot(loaded) == before
    with Session(loaded.engine) as s:
        assert s.scalar(select(func.count()).select_from(WaveRow)) == 0


def test_unknown_sku_found_at_wave_time_goes_on_hold(store: Store) -> None:
    store.import_orders(parse_orders(ORDERS, "orders.csv"), file="orders.csv")  # no catalogue yet
    assert {o.order_id for o in store.list_orders("awaiting_fulfillment")} == {"O1", "O4", "O7", "O8"}
    store.import_catalog(sample_catalog())
    with store.claim_releasable(WaveConfig()) as claim:
        report = claim.commit(naive_release(claim))
    o7 = next(o for o in store.list_orders() if o.order_id == "O7")
    assert (o7.status, o7.hold_reason) == ("on_hold", "unknown_sku")
    assert "O7" not in report.released


def test_allocations_follow_the_picks(loaded: Store) -> None:
    with loaded.claim_releasable(WaveConfig()) as claim:
        release = naive_release(claim)
        claim.commit(release)
    with Session(loaded.engine) as s:
        rows = s.execute(select(AllocationRow.order_id, AllocationRow.sku, AllocationRow.location_id,
                                AllocationRow.qty).order_by(AllocationRow.id)).all()
    assert sorted(map(tuple, rows)) == sorted((p.order_id, p.sku, p.location_id, p.qty) for p in release.picks)

"""Ids and texts the store cannot hold are refused at the edge, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from engine.io.tables import parse_orders
from engine.store import open_store
from tests.store.conftest import db_url, pg_url  # noqa: F401  (fixtures)

HEADER = "order_id,sku,qty,created_at,payment_status,carrier\n"


def test_long_ids_and_texts_hold_their_order_and_the_rest_is_stored(db_url: str) -> None:  # noqa: F811
    long = "x" * 201
    text = HEADER + (f"{long},S1,1,2026-11-20,captured,\n"
                     f"A,{long},1,2026-11-20,captured,\n"
                     f"B,S1,1,2026-11-20,captured,{long}\n"
                     "C,S1,1,2026-11-20,captured,DHL\n"
                     "D,S1,1,9999-12-31T23:59:59-05:00,captured,\n")
    with open_store(db_url) as store:
        report = store.import_orders(parse_orders(text, "o.csv"), file="o.csv")
        stored = {o.order_id: o for o in store.list_orders()}
    assert set(stored) == {"A", "B", "C", "D"}  # an id the store cannot hold is refused, named
    assert [p.message for p in report.refused] == [f"order {'x' * 40!r}...: id of 201 characters: at most 200 "
                                                   f"({'x' * 20!r}...); not stored"]
    assert stored["C"].status == "awaiting_fulfillment"
    for oid in ("A", "B", "D"):
        assert stored[oid].status == "on_hold", oid
    assert "at most 200" in stored["A"].hold_detail and "at most 200" in stored["B"].hold_detail
    assert "out of range" in stored["D"].hold_detail


def test_wave_ids_that_leave_the_folder_are_refused_on_every_road(db_url: str) -> None:  # noqa: F811
    import pytest

    from engine.model import WaveConfig
    from engine.orchestration.waves import staging_url, wave_url

    for bad in ("../../ESCAPED", "/abs", "a/b", ".hidden"):
        with pytest.raises(ValueError, match="cannot name a folder"):
            wave_url("s3://bucket/out", bad)
        with pytest.raises(ValueError, match="cannot name a folder"):
            staging_url("/srv/out", bad)
        with open_store(db_url) as store, pytest.raises(ValueError, match="cannot name a folder"), \
                store.claim_releasable(WaveConfig(), bad):
            pass

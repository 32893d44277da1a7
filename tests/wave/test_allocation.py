"""Stock ledger and face re-choice."""

from __future__ import annotations

import pytest

from engine.model import StockRecord
from engine.wave import StockLedger, Take, rechoose_faces


def test_ledger_takes_preferred_faces_first_and_splits_lines() -> None:
    led = StockLedger([StockRecord("A", "far", 5), StockRecord("A", "near", 2), StockRecord("A", "near", 1)],
                      {"far": 10.0, "near": 1.0}.get)
    assert led.available("A") == 8
    takes = led.take("o", "A", 4)
    assert [(t.location_id, t.qty) for t in takes] == [("near", 3), ("far", 1)]
    assert led.can_serve({"A": 5}) is not None and led.can_serve({"A": 4}) is None
    with pytest.raises(ValueError):
        led.take("o", "A", 5)


def test_rechoose_moves_a_line_next_to_the_rest_of_the_batch_within_stock() -> None:
    led = StockLedger([StockRecord("A", "p1", 1), StockRecord("A", "p9", 5), StockRecord("B", "p8", 5)],
                      {"p1": 1.0, "p9": 9.0, "p8": 8.0}.get)
    takes = [*led.take("o1", "A", 1), *led.take("o1", "B", 1), *led.take("o2", "A", 1)]
    assert [t.location_id for t in takes] == ["p1", "p8", "p9"]
    pos = {"p1": 1, "p8": 8, "p9": 9}
    new = rechoose_faces(takes, led, pos.__getitem__, lambda pts: float(max(pts) + len(pts)))
    # Both A lines now sit at p9 next to B at p8; p1 is free again.
    assert [t.location_id for t in new] == ["p9", "p8", "p9"]
    assert led.left[("A", "p1")] == 1 and led.left[("A", "p9")] == 3
    assert sum(t.qty for t in new) == 3


def test_rechoose_respects_allowed_faces() -> None:
    led = StockLedger([StockRecord("A", "p1", 1), StockRecord("A", "p9", 5)], {"p1": 1.0, "p9": 9.0}.get)
    takes = [*led.take("o", "A", 1), Take("o", "B", "p8", 1)]
    new = rechoose_faces(takes, led, {"p1": 1, "p8": 8, "p9": 9}.__getitem__, lambda pts: float(max(pts)),
                         allowed=lambda loc: loc != "p9")
    assert new[0].location_id == "p1"

"""One release rank: under ``max_orders`` the store claims exactly the orders the plan ranks first.

The rank is :data:`engine.wave.release.RELEASE_RANK`; the claim's SQL is derived
from it (:func:`engine.store.waves.release_order`). Orders here tie on
priority and on ``created_at``, sit on both sides of the cutoff or have no
``ship_by``, and have ids whose order differs between code points and a
locale's collation (case, punctuation), so any drift between the two shows.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from engine.io.tables import parse_orders
from engine.model import WaveConfig
from engine.store import Store
from engine.wave.release import RELEASE_RANK, rank_key
from tests.store.conftest import sample_catalog

CUTOFF = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
IDS = ["a-1", "A_2", "b", "B10", "b9", "Z", "a.1", "a1", "A1", "ab", "a b", "z-0", "Z-0", "m", "M", "_x",
       "x_", "0", "00", "9", "é", "e", "E", "éa", "o'1", "o;1", "O1", "o1", "p-2", "p2"]


def orders_csv(seed: int) -> tuple[str, list[str]]:
    """A CSV of one-line orders of S4 (plenty on the shelves), ties on purpose; and the ids."""
    rng = random.Random(seed)
    t0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    rows = ["order_id,sku,qty,created_at,payment_status,priority,ship_by"]
    for oid in IDS:
        created = t0 + timedelta(hours=rng.choice([0, 0, 1, 2]))  # many equal ages
        ship_by = rng.choice(["", (CUTOFF - timedelta(hours=1)).isoformat(), CUTOFF.isoformat(),
                              (CUTOFF + timedelta(hours=3)).isoformat()])
        rows.append(f'"{oid}",S4,1,{created.isoformat()},captured,{rng.choice([0, 0, 1, 5])},{ship_by}')
    return "\n".join(rows) + "\n", IDS


def test_the_sql_rank_is_the_rank_rule() -> None:
    from engine.store.waves import release_order

    keys = release_order(WaveConfig(cutoff=CUTOFF))
    assert len(keys) == len(RELEASE_RANK)
    assert len(release_order(WaveConfig())) == len(RELEASE_RANK) - 1  # no cutoff: nothing is due


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("cutoff", [None, CUTOFF])
def test_max_orders_claims_the_orders_the_plan_ranks_first(store: Store, seed: int,
                                                           cutoff: datetime | None) -> None:
    store.import_catalog(sample_catalog())
    text, _ids = orders_csv(seed)
    data = parse_orders(text, "orders.csv")
    assert not data.held
    store.import_orders(data, file="orders.csv")
    ranked = [o.order_id for o in sorted(data.orders, key=lambda o: rank_key(o, cutoff))]
    for k in (1, 5, 13, len(ranked)):
        with store.claim_releasable(WaveConfig(max_orders=k, cutoff=cutoff)) as claim:
            assert [o.order_id for o in claim.orders] == ranked[:k], f"max_orders {k}"

"""One follow-up message (feedback request, returns policy) per delivered order, ever, to the file outbox."""

from __future__ import annotations

from engine.publish.outbox import OutboxMessage, write_outbox
from engine.store import Store
from engine.store.fulfilment import delivered_without_followup, record_followup

#: Where a delivered order's follow-up points the customer.
RETURNS_POLICY_URL = "https://example.com/returns"


def send_followups(store: Store, outbox_url: str) -> list[str]:
    """Write a ``delivered_followup`` message for every delivered order not followed up yet; their ids."""
    with store.transaction() as s:
        ids = delivered_without_followup(s)
        for oid in ids:
            write_outbox(outbox_url, [OutboxMessage(f"followup-{oid}", "delivered_followup", oid, {
                "feedback_request": "How did we do?", "returns_policy": RETURNS_POLICY_URL})])
            record_followup(s, oid)
    return ids

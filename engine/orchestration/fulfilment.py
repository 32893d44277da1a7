"""Task functions of the ``fulfilment`` DAG: adapters over the fulfilment functions the command line uses too.

Each task is one call: :func:`engine.intake_3pl.inbox.ingest_folder` (3PL
progress and RMA reports, applied by :mod:`engine.store.fulfilment` and
:mod:`engine.store.returns`), :func:`engine.carriers.shipping.ship_packed`
(labels), :func:`engine.publish.followups.send_followups`. ``pickwave reports
ingest``, ``pickwave ship``, ``pickwave deliver`` and ``pickwave returns`` call
the same functions.
"""

from __future__ import annotations

from engine.orchestration.store_ops import store_for

ACTOR = "airflow"


def ingest_reports_task(store_url: str, inbox_url: str) -> dict[str, int]:
    """Apply every report file in ``inbox_url``; counts ``files``, ``applied``, ``quarantined``, ``skipped``."""
    from engine.intake_3pl.inbox import ingest_folder, totals

    return totals(ingest_folder(store_for(store_url), inbox_url))


def ship_packed_task(store_url: str, out_url: str) -> dict[str, int]:
    """Label every packed order through its carrier and mark it shipped (labels and outbox under ``out_url``)."""
    from engine.carriers.shipping import ship_packed

    return {"shipped": len(ship_packed(store_for(store_url), out_url, actor=ACTOR))}


def delivered_followups_task(store_url: str, outbox_url: str) -> dict[str, int]:
    """One follow-up (feedback request, returns policy link) per delivered order, ever."""
    from engine.publish.followups import send_followups

    return {"followups": len(send_followups(store_for(store_url), outbox_url))}


def process_return(store_url: str, rma_id: str, order_id: str, disposition: str, refund: bool,
                   reason: str = "") -> dict[str, object]:
    """An RMA of every unit the order shipped (:func:`engine.store.returns.return_everything`)."""
    from engine.intake_3pl import Disposition
    from engine.store.fulfilment import now
    from engine.store.returns import return_everything

    with store_for(store_url).transaction() as s:
        return return_everything(s, rma_id, order_id, Disposition(disposition), refund, now(),
                                 source=reason or "process_return")

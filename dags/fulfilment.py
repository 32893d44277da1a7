"""pickwave ``fulfilment`` DAG: 3PL reports in → returns in → labels out → follow-ups → outbox relay.

Thin wiring: each task is one call into ``engine.orchestration.fulfilment``,
imported inside the task. Runs every ``AIRFLOW_VAR_PICKWAVE_FULFILMENT_INTERVAL_MIN``
minutes (default 5). Progress reports are read from ``PICKWAVE_INBOX_URL``
(default ``$AIRFLOW_HOME/pickwave/inbox``), RMA reports (``returned`` events)
from ``PICKWAVE_RETURNS_URL`` (default ``<inbox>/returns``).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

INTERVAL_MIN = int(os.environ.get("AIRFLOW_VAR_PICKWAVE_FULFILMENT_INTERVAL_MIN", "5"))


@dag(
    dag_id="fulfilment",
    schedule=timedelta(minutes=INTERVAL_MIN) if INTERVAL_MIN > 0 else None,  # 0: triggered runs only
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=20)},
    tags=["pickwave"],
)
def fulfilment() -> None:
    @task
    def ingest_reports() -> dict[str, int]:
        from engine.orchestration.fulfilment import ingest_reports_task
        from engine.orchestration.settings import inbox_url, store_url

        return ingest_reports_task(store_url(), inbox_url())

    @task
    def ingest_returns() -> dict[str, int]:
        from engine.orchestration.fulfilment import ingest_reports_task
        from engine.orchestration.settings import returns_url, store_url

        return ingest_reports_task(store_url(), returns_url())

    @task
    def ship_packed() -> dict[str, int]:
        from engine.orchestration.fulfilment import ship_packed_task
        from engine.orchestration.settings import output_url, store_url

        return ship_packed_task(store_url(), output_url())

    @task
    def followups() -> dict[str, int]:
        from engine.orchestration.fulfilment import delivered_followups_task
        from engine.orchestration.settings import output_url, store_url
        from engine.publish.storage import join

        return delivered_followups_task(store_url(), join(output_url(), "outbox"))

    @task
    def relay_outbox() -> dict[str, object]:
        from engine.orchestration.settings import output_url, store_url
        from engine.orchestration.waves import relay_outbox_task
        from engine.publish.storage import join

        return relay_outbox_task(store_url(), join(output_url(), "outbox"))

    ingest_reports() >> ingest_returns() >> ship_packed() >> followups() >> relay_outbox()


fulfilment()

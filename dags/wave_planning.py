"""pickwave ``wave_planning`` DAG: plan → plan_group (mapped) → assemble → render_chunk (mapped) → publish → notify.

``plan`` releases and splits the wave into independent groups (zones, or
aisle regions of a big wave) and stages them; ``plan_group`` batches, re-chooses
faces and routes one group per mapped instance, so the heavy search spreads
over the executor's workers; ``assemble`` builds the typed plan from the groups.
``render_chunk`` renders the pick sheets and packing lists of a few chunks of
batches (at most ``PICKWAVE_MAP_CHUNKS``, default 8), not of single batches: a
big wave has more batches than ``[core] max_map_length`` allows, and each
mapped instance pays seconds of start-up. ``publish`` commits the plan and
writes the wave's folder: the same files, through the same functions, as
``pickwave wave run``.

A run with no releasable order plans nothing: ``publish`` is skipped (no
wave, no files) and ``notify`` still relays the outbox.

Thin wiring only: every task calls one function of ``engine.orchestration``,
imported inside the task so parsing this file touches no database and imports
no solver. The interval is ``AIRFLOW_VAR_PICKWAVE_WAVE_INTERVAL_MIN`` (the env
form of the Airflow Variable ``pickwave_wave_interval_min``, read from the
environment so parsing needs no metadata DB), default 15 minutes; 0 schedules
nothing (waves run only when triggered, by a planner or another system).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import cast

from airflow.sdk import Param, dag, get_current_context, task

# The one light engine import at parse time: the wave config's schema (the fields of
# engine.model.WaveConfig), so the params are the config's keys, never a second list.
from engine.io.config import config_param_schema

INTERVAL_MIN = int(os.environ.get("AIRFLOW_VAR_PICKWAVE_WAVE_INTERVAL_MIN", "15"))


def _given_wave_id() -> str | None:
    """The ``wave_id`` param; None: the wave is named by the one scheme (engine.wave.ids) when claimed."""
    given = get_current_context()["params"].get("wave_id")
    return str(given) if given else None


def _config() -> dict[str, object]:
    from engine.orchestration.settings import scheduled_config

    context = get_current_context()
    given = {k: v for k, v in context["params"].items() if k not in ("wave_id", "out_url") and v is not None}
    # A scheduled run's horizon is the time to the next run; a triggered run plans as its params say.
    scheduled = str(getattr(context.get("dag_run"), "run_type", "")) == "scheduled"
    return scheduled_config(given, INTERVAL_MIN if scheduled else 0)


def _urls() -> tuple[str, str]:
    from engine.orchestration.settings import output_url, store_url

    return store_url(), output_url(get_current_context()["params"].get("out_url"))


@dag(
    dag_id="wave_planning",
    schedule=timedelta(minutes=INTERVAL_MIN) if INTERVAL_MIN > 0 else None,  # 0: triggered runs only
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=20)},
    tags=["pickwave"],
    params={
        # every wave.yaml key; a wave every 15 minutes gets 20 s of search by default, not 60
        **{name: Param(default, **schema) for name, (default, schema) in config_param_schema(time_limit_s=20).items()},
        "wave_id": Param(None, type=["null", "string"]),
        "out_url": Param(None, type=["null", "string"]),
    },
)
def wave_planning() -> None:
    @task
    def plan() -> dict[str, object]:
        from engine.orchestration.waves import prepare_task

        store, out = _urls()
        return prepare_task(store, out, _config(), _given_wave_id())

    @task
    def group_ids(prepared: dict[str, object]) -> list[int]:
        return list(prepared["groups"])  # type: ignore[call-overload]

    @task(max_active_tis_per_dagrun=8)
    def plan_group(prepared: dict[str, object], index: int) -> dict[str, object]:
        from engine.orchestration.waves import plan_group_task

        return plan_group_task(_urls()[1], str(prepared["wave_id"]), index)

    @task(trigger_rule="none_failed")
    def assemble(prepared: dict[str, object]) -> dict[str, object]:
        from engine.orchestration.waves import assemble_task

        return assemble_task(_urls()[1], prepared)

    @task
    def chunk_ids(planned: dict[str, object]) -> list[int]:
        chunks = planned["chunks"]
        return [] if planned["published"] else list(chunks)  # type: ignore[call-overload]

    @task(max_active_tis_per_dagrun=8)
    def render_chunk(planned: dict[str, object], chunk: int) -> dict[str, object]:
        from engine.orchestration.waves import render_chunk_task

        return render_chunk_task(_urls()[1], str(planned["wave_id"]), chunk)

    @task(trigger_rule="none_failed")
    def publish(planned: dict[str, object]) -> dict[str, object]:
        if planned.get("empty"):
            from airflow.sdk.exceptions import AirflowSkipException

            raise AirflowSkipException(f"wave {planned['wave_id']}: no releasable order, nothing to publish")
        from engine.orchestration.waves import publish_task

        store, out = _urls()
        return publish_task(store, out, _config(), str(planned["wave_id"]))

    @task(trigger_rule="none_failed")
    def notify() -> dict[str, object]:
        from engine.orchestration.settings import output_url, store_url
        from engine.orchestration.waves import relay_outbox_task
        from engine.publish.storage import join

        return relay_outbox_task(store_url(), join(output_url(get_current_context()["params"].get("out_url")),
                                                   "outbox"))

    # At parse time a task call returns an XComArg standing for its (dict) result.
    prepared = cast("dict[str, object]", plan())
    groups = plan_group.partial(prepared=prepared).expand(index=group_ids(prepared))
    planned = cast("dict[str, object]", assemble(prepared))
    groups >> planned
    ids = chunk_ids(planned)
    rendered = render_chunk.partial(planned=planned).expand(chunk=ids)
    published = publish(planned)
    rendered >> published >> notify()


wave_planning()

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from tests.dags.conftest import REPO

pytestmark = pytest.mark.airflow


def test_every_dag_parses_without_db() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    assert {"wave_planning", "fulfilment"} <= set(bag.dags)
    dag = bag.dags["wave_planning"]
    assert dag.catchup is False
    assert {"plan", "render_chunk", "publish", "notify"} <= set(dag.task_dict)
    assert not {"batch_ids", "route_batch", "pack_batch"} & set(dag.task_dict)  # never one instance per batch
    assert type(dag.task_dict["render_chunk"]).__name__.endswith("MappedOperator")
    # the heavy planning is one mapped instance per group, between plan and assemble
    assert type(dag.task_dict["plan_group"]).__name__.endswith("MappedOperator")
    assert {"group_ids", "plan_group"} <= dag.task_dict["plan"].downstream_task_ids
    assert dag.task_dict["plan_group"].downstream_task_ids == {"assemble"}
    # sheets and packing lists are rendered per chunk of batches, over the chunk indices assemble returns
    assert "chunk_ids" in dag.task_dict["assemble"].downstream_task_ids
    assert dag.task_dict["chunk_ids"].downstream_task_ids == {"render_chunk"}
    assert "render_chunk" in dag.task_dict["publish"].upstream_task_ids
    # the params are the wave config's keys (engine.model.WaveConfig), plus where and under which id
    from engine.io.config import KEYS

    assert set(dag.params) == set(KEYS) | {"wave_id", "out_url"}
    ful = bag.dags["fulfilment"]
    assert ful.catchup is False and ful.max_active_runs == 1
    order = ["ingest_reports", "ingest_returns", "ship_packed", "followups", "relay_outbox"]
    assert set(ful.task_dict) == set(order)
    for up, down in itertools.pairwise(order):
        assert ful.task_dict[up].downstream_task_ids == {down}


def test_interval_from_the_environment_and_zero_means_triggered_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("AIRFLOW_VAR_PICKWAVE_WAVE_INTERVAL_MIN", "0")
    monkeypatch.setenv("AIRFLOW_VAR_PICKWAVE_FULFILMENT_INTERVAL_MIN", "7")
    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    assert bag.dags["wave_planning"].timetable.can_be_scheduled is False
    assert bag.dags["fulfilment"].timetable.delta == timedelta(minutes=7)

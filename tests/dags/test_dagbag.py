from __future__ import annotations

import itertools

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
    assert {"plan", "route_batch", "pack_batch", "publish", "notify"} <= set(dag.task_dict)
    assert type(dag.task_dict["route_batch"]).__name__.endswith("MappedOperator")
    assert type(dag.task_dict["pack_batch"]).__name__.endswith("MappedOperator")
    # the heavy planning is one mapped instance per group, between plan and assemble
    assert type(dag.task_dict["plan_group"]).__name__.endswith("MappedOperator")
    assert {"group_ids", "plan_group"} <= dag.task_dict["plan"].downstream_task_ids
    assert dag.task_dict["plan_group"].downstream_task_ids == {"assemble"}
    assert "batch_ids" in dag.task_dict["assemble"].downstream_task_ids
    ful = bag.dags["fulfilment"]
    assert ful.catchup is False and ful.max_active_runs == 1
    order = ["ingest_reports", "ingest_returns", "ship_packed", "followups", "relay_outbox"]
    assert set(ful.task_dict) == set(order)
    for up, down in itertools.pairwise(order):
        assert ful.task_dict[up].downstream_task_ids == {down}

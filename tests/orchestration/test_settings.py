"""A scheduled wave plans with the DAG's interval as its horizon (SPEC section 8)."""

from engine.io.config import config_from_mapping
from engine.orchestration.settings import scheduled_config


def test_the_interval_becomes_the_horizon_of_a_labour_wave() -> None:
    config = scheduled_config({"labour": {"pickers": 4, "start": "2026-11-26T08:00:00Z"}}, 15)
    assert config_from_mapping(config, "params").labour.horizon_s == 900


def test_a_given_horizon_and_an_unscheduled_dag_keep_the_config() -> None:
    given = {"labour": {"pickers": 4, "horizon_s": 120}}
    assert scheduled_config(given, 15) == given
    assert scheduled_config({"labour": {"pickers": 4}}, 0) == {"labour": {"pickers": 4}}
    assert scheduled_config({"method": "zone"}, 15) == {"method": "zone"}

"""One wave service: the same store planned by ``pickwave wave run`` and by the ``wave_planning`` DAG.

Two stores seeded alike; one wave through each road, same config with a fixed
``max_iterations``. Both must publish the same files, byte for byte, but for
what :data:`engine.publish.VOLATILE` names (the run time), and leave the same
rows in the store, but for when and by whom (every timestamp column, the actor
columns) and where the files went (``waves.out``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, inspect, select

from engine.publish.wave import VOLATILE, without_volatile
from tests.dags.conftest import REPO, seed_store

pytestmark = [pytest.mark.airflow, pytest.mark.slow]

PARAMS = {"time_limit_s": 2, "max_iterations": 50, "seed": 3, "method": "cluster",
          "labour": {"pickers": 2, "start": "2026-03-02T08:00:00Z"},
          "cart": {"totes": 4, "max_weight_kg": 150, "max_volume_l": 600}}
#: Columns that say who ran a wave and where it was written, not what it is.
RUN_COLUMNS = {"actor", "created_by", "out"}


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): without_volatile(str(p.relative_to(folder)), p.read_text(encoding="utf-8"))
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, less timestamps (every UtcDateTime column) and :data:`RUN_COLUMNS`."""
    from engine.store.schema import Base, UtcDateTime

    engine = create_engine(url)
    out: dict[str, list[tuple[object, ...]]] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if not inspect(engine).has_table(table.name):
                continue
            cols = [c for c in table.columns if not isinstance(c.type, UtcDateTime) and c.name not in RUN_COLUMNS]
            out[table.name] = sorted((tuple(r) for r in conn.execute(select(*cols))), key=repr)
    engine.dispose()
    return out


def test_wave_run_and_the_dag_publish_the_same_wave(airflow_db: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.dag_processing.dagbag import DagBag

    from engine.cli import main

    cli_url, dag_url = f"sqlite:///{tmp_path / 'cli.db'}", f"sqlite:///{tmp_path / 'dag.db'}"
    seed_store(cli_url, tmp_path / "inputs")
    seed_store(dag_url, tmp_path / "inputs")
    assert _rows(cli_url) == _rows(dag_url)  # the same start
    (tmp_path / "wave.yaml").write_text(yaml.safe_dump(PARAMS))
    monkeypatch.delenv("PICKWAVE_SHORT_STOCK", raising=False)
    monkeypatch.setenv("PICKWAVE_OUTPUT_URL", str(tmp_path / "cli-waves"))
    assert main(["--db", cli_url, "wave", "run", "--config", str(tmp_path / "wave.yaml")]) == 0

    monkeypatch.setenv("PICKWAVE_DB_URL", dag_url)
    monkeypatch.setenv("PICKWAVE_OUTPUT_URL", (tmp_path / "dag-waves").as_uri())
    dag = DagBag(dag_folder=str(REPO / "dags")).dags["wave_planning"]
    assert dag.test(run_conf=PARAMS).state == "success"

    (cli,) = [p for p in (tmp_path / "cli-waves").iterdir() if p.name.startswith("W-")]
    (air,) = [p for p in (tmp_path / "dag-waves").iterdir() if p.name.startswith("W-")]
    assert cli.name == air.name  # one wave-id scheme: the same claim is the same wave
    a, b = _files(cli), _files(air)
    assert sorted(a) == sorted(b)
    assert {n.split("/")[0] for n in a} >= {"sheets", "packing", "manifest.json", "picklists.json", "cartons.csv",
                                            "schedule.csv", "promises.csv"}
    for name in a:
        assert a[name] == b[name], name
    assert json.loads((cli / "summary.json").read_text()).keys() >= set(VOLATILE["summary.json"])
    assert json.loads((cli / "manifest.json").read_text())["files"] == sorted(n for n in a if n != "manifest.json")

    rows_cli, rows_dag = _rows(cli_url), _rows(dag_url)
    assert rows_cli.keys() == rows_dag.keys()
    for table in rows_cli:
        assert rows_cli[table] == rows_dag[table], table
    assert len(rows_cli["picks"]) > 0 and len(rows_cli["carton_units"]) > 0

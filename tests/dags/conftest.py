"""Airflow test setup: a temp AIRFLOW_HOME set before anything imports airflow, and a seeded store.

Airflow reads its configuration once, at first import, so the environment is
set here at module import (pytest imports this conftest before the test
modules of this folder).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_HOME = Path(tempfile.mkdtemp(prefix="pickwave-airflow-"))
os.environ["AIRFLOW_HOME"] = str(_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"

LAYOUT = """name: tiny
kind: rectangular
blocks: 1
aisles: 4
slots_per_side: 10
slot_length_m: 1.0
aisle_pitch_m: 3.0
cross_aisle_width_m: 2.0
"""
SKU_WEIGHT_KG = 0.5
TARE_KG = 0.25
SKUS = "sku,length_cm,width_cm,height_cm,weight_kg,fragile,upright\n" + "".join(
    f"S{i},10,10,10,{SKU_WEIGHT_KG},0,0\n" for i in range(1, 9))
INVENTORY = "sku,location_id,qty\n" + "".join(
    f"S{i},A{(i - 1) % 4 + 1:02d}-B1-S{i:03d}-L,50\n" for i in range(1, 9))
BOXES = f"box_id,length_cm,width_cm,height_cm,max_weight_kg,cost,tare_kg\nM,40,30,30,20,1.0,{TARE_KG}\n"


def orders_csv(n: int = 12) -> str:
    rows = ["order_id,sku,qty,created_at,payment_status,carrier"]
    for k in range(1, n + 1):
        pay = "pending" if k == n else "captured"  # the last one is never released
        carrier = ("ups", "dhl", "postnl")[k % 3]
        rows.append(f"O{k:03d},S{k % 8 + 1},{k % 3 + 1},2026-01-0{k % 9 + 1}T08:00:00Z,{pay},{carrier}")
        rows.append(f"O{k:03d},S{(k + 3) % 8 + 1},1,2026-01-0{k % 9 + 1}T08:00:00Z,{pay},{carrier}")
    return "\n".join(rows) + "\n"


def seed_store(url: str, folder: Path) -> None:
    """Import the tiny catalogue and orders into the store at ``url``."""
    from engine.io.tables import read_boxes, read_inventory, read_orders, read_skus
    from engine.store import CatalogInput, open_store

    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {"layout.yaml": LAYOUT, "skus.csv": SKUS, "inventory.csv": INVENTORY,
                       "boxes.csv": BOXES, "orders.csv": orders_csv()}.items():
        (folder / name).write_text(text)
    skus = read_skus(folder / "skus.csv")
    with open_store(url) as store:
        store.import_catalog(CatalogInput(LAYOUT, "layout.yaml", skus.skus,
                                          read_inventory(folder / "inventory.csv").stock,
                                          read_boxes(folder / "boxes.csv").boxes))
        store.import_orders(read_orders(folder / "orders.csv", skus.skus.keys()), file="orders.csv")


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """The Airflow metadata DB (SQLite in the temp AIRFLOW_HOME), migrated once."""
    from airflow.utils import db

    db.upgradedb()
    return _HOME


@contextlib.contextmanager
def pg_database(base: str, prefix: str) -> Iterator[str]:
    """A new, empty database on the server of ``base``, dropped after.

    Its name is ``prefix`` and a random suffix, so test runs sharing one server do not meet.
    """
    import sqlalchemy as sa

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

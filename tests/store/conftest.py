"""Store fixtures: every test on SQLite, and on PostgreSQL when PICKWAVE_TEST_PG_URL is set.

Each PostgreSQL test gets a fresh schema (dropped afterwards), so reruns in CI
start clean and tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine.io.tables import parse_orders
from engine.store import CatalogInput, Store, open_store
from tests.store import samples

PG_ENV = "PICKWAVE_TEST_PG_URL"


def pg_schema_url(base: str) -> Iterator[str]:
    """A URL whose connections live in a new, empty schema; the schema is dropped after."""
    schema = f"pw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    yield from pg_schema_url(base)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url)
    yield s
    s.close()


def sample_catalog() -> CatalogInput:
    from engine.io.layout import parse_layout
    from engine.io.tables import parse_boxes, parse_inventory, parse_skus

    layout = parse_layout(samples.LAYOUT)
    return CatalogInput(samples.LAYOUT, "layout.yaml", parse_skus(samples.SKUS).skus,
                        parse_inventory(samples.INVENTORY, known_location=layout.has_location).stock,
                        parse_boxes(samples.BOXES).boxes)


@pytest.fixture
def loaded(store: Store) -> Store:
    """The sample catalogue and orders imported."""
    store.import_catalog(sample_catalog())
    store.import_orders(parse_orders(samples.ORDERS, "orders.csv"), file="orders.csv")
    return store

"""Migrations: the models and the migration scripts agree; up and down work on both dialects."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from engine.store import open_store
from engine.store.migrate import MIGRATIONS, downgrade, head_revision, main, upgrade
from engine.store.schema import Base


def test_models_match_migrations(db_url: str) -> None:
    store = open_store(db_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    store.close()
    assert diff == []


def test_scripts_ship_inside_the_package() -> None:
    assert (MIGRATIONS / "env.py").is_file() and (MIGRATIONS / "script.py.mako").is_file()
    assert any(p.name.startswith(head_revision()) for p in (MIGRATIONS / "versions").glob("*.py"))


def test_down_and_up_again(db_url: str) -> None:
    store = open_store(db_url)
    tables = set(inspect(store.engine).get_table_names())
    assert {"orders", "order_lines", "events", "outbox", "allocations", "waves", "picks"} <= tables
    downgrade(store.engine, "base")
    assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    upgrade(store.engine)
    assert set(inspect(store.engine).get_table_names()) == tables
    store.close()


def test_opening_twice_is_a_no_op(db_url: str) -> None:
    open_store(db_url).close()
    open_store(db_url).close()


def test_event_log_is_append_only(loaded) -> None:  # type: ignore[no-untyped-def]
    with loaded.engine.connect() as conn:
        for sql in ("UPDATE events SET reason = 'x'", "DELETE FROM events"):
            try:
                conn.execute(text(sql))
                raise AssertionError(f"{sql} was allowed")
            except DBAPIError as exc:
                assert "append-only" in str(exc)
                conn.rollback()
    assert loaded.events()


def test_migrate_command(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'm.db'}"
    assert main(["upgrade", "--url", url]) == 0
    assert capsys.readouterr().out.strip() == head_revision()
    assert main(["downgrade", "base", "--url", url]) == 0
    assert capsys.readouterr().out.strip() == "base"


FULFILMENT_TABLES = {"carton_units", "rmas", "rma_lines", "report_files", "report_quarantine", "pick_progress",
                     "followups"}


def test_0002_up_and_down_keeps_the_rows_of_0001(db_url: str) -> None:
    """0002 adds the fulfilment tables and columns to a 0001 store with data, and takes exactly them away."""
    from engine.store.engine import make_engine

    engine = make_engine(db_url)
    upgrade(engine, "0001")
    assert not FULFILMENT_TABLES & set(inspect(engine).get_table_names())
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO orders (order_id, channel, status, priority, carrier, hold_detail, digest, "
                          "imported_at, updated_at) VALUES ('O1', '', 'packed', 0, 'ups', '', '', "
                          "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO waves (wave_id, created_at, created_by, config_json, orders, held, out) "
                          "VALUES ('W1', CURRENT_TIMESTAMP, 't', '{}', 1, 0, '')"))
        conn.execute(text("INSERT INTO cartons (wave_id, order_id, carton_no, box_id, units) "
                          "VALUES ('W1', 'O1', 1, 'M', 2)"))
        conn.execute(text("INSERT INTO shipments (order_id, carrier, shipped_at) VALUES ('O1', 'ups', "
                          "CURRENT_TIMESTAMP)"))
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= FULFILMENT_TABLES
    with engine.connect() as conn:
        assert conn.execute(text("SELECT units, weight_kg, packed_at FROM cartons")).one() == (2, 0.0, None)
        assert conn.execute(text("SELECT carrier, tracking_number, label_url FROM shipments")).one() == (
            "ups", None, "")
    downgrade(engine, "0001")
    assert not FULFILMENT_TABLES & set(inspect(engine).get_table_names())
    assert {c["name"] for c in inspect(engine).get_columns("cartons")} == {
        "id", "wave_id", "order_id", "carton_no", "box_id", "units"}
    assert "tracking_number" not in {c["name"] for c in inspect(engine).get_columns("shipments")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT units FROM cartons")).scalar_one() == 2
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM shipments")).scalar_one() == 1
    engine.dispose()


def test_0005_marks_older_cancellations_as_reported(db_url: str) -> None:
    """Orders already cancelled when 0005 arrives are not listed by the next wave; open ones stay unmarked."""
    from engine.store.engine import make_engine

    engine = make_engine(db_url)
    upgrade(engine, "0004")
    with engine.begin() as conn:
        for oid, status in (("C1", "cancelled"), ("R1", "refunded"), ("A1", "awaiting_fulfillment")):
            conn.execute(text("INSERT INTO orders (order_id, channel, status, priority, carrier, hold_detail, "
                              "digest, imported_at, updated_at) VALUES (:o, '', :s, 0, '', '', '', "
                              "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"o": oid, "s": status})
    upgrade(engine)
    with engine.connect() as conn:
        marks = dict(conn.execute(text("SELECT order_id, reported_in_wave FROM orders")).all())
    assert marks == {"C1": "(before 0005)", "R1": "(before 0005)", "A1": None}
    downgrade(engine, "0004")
    assert "reported_in_wave" not in {c["name"] for c in inspect(engine).get_columns("orders")}
    engine.dispose()

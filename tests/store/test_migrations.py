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

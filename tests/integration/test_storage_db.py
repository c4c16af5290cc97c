"""Engine settings, DATABASE_URL, migrations and connection faults."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from assessment.errors import AssessmentError
from assessment.storage import db
from assessment.storage.models import TABLES, metadata

APP_TABLES = {t.name for t in TABLES}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h:5432/d", "postgresql+psycopg://u@h:5432/d"),
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_normalize_url(given, expected):
    assert db.normalize_url(given) == expected


def test_database_url_order(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert db.database_url() == db.default_url()
    assert db.default_url().endswith("/data/assessment.db")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/d")
    assert db.database_url() == "postgresql+psycopg://u@h/d"
    assert db.database_url("sqlite:///y.db") == "sqlite:///y.db"


def test_sqlite_pragmas_and_data_folder(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'new' / 'folder' / 'a.db'}")
    with engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
        }
    assert pragma == {
        "journal_mode": "wal",
        "busy_timeout": 10000,
        "foreign_keys": 1,
        "synchronous": 1,
    }
    assert (tmp_path / "new" / "folder").is_dir()
    assert engine.pool._pre_ping
    engine.dispose()


def test_postgres_engine_uses_psycopg_and_pre_ping():
    engine = db.make_engine("postgresql://nobody@127.0.0.1:1/none")
    assert engine.dialect.driver == "psycopg"
    assert engine.pool._pre_ping


def test_unreachable_database_is_a_coded_error():
    engine = db.make_engine("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(AssessmentError) as err:
        db.current_revision(engine)
    assert err.value.codes == ["S409"]


def test_open_database_upgrades_the_default_only(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'default.db'}"
    monkeypatch.setattr(db, "default_url", lambda: url)
    engine = db.open_database()
    assert db.current_revision(engine) == db.head_revision()
    other = f"sqlite:///{tmp_path / 'other.db'}"
    with pytest.raises(AssessmentError) as err:
        db.open_database(other)
    assert err.value.codes == ["S412"]
    assert db.current_revision(db.open_database(other, upgrade_schema=True)) == db.head_revision()


def test_migrations_up_down_up(engine):
    assert db.current_revision(engine) == db.head_revision()
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    assert set(inspect(engine).get_table_names()) >= APP_TABLES
    db.downgrade(engine, "base")
    assert db.current_revision(engine) is None
    assert not APP_TABLES & set(inspect(engine).get_table_names())
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision()
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


@pytest.mark.pg
def test_postgres_connection_dropped_by_the_server_is_replaced(pg_schemas, hasher):
    from sqlalchemy import text
    from storage_support import empty_tables

    from assessment.storage import Repository

    # One pooled connection, so the one the server drops is the one used next.
    engine = db.make_engine(
        pg_schemas.url, connect_args=pg_schemas.url_options("main"), pool_size=1, max_overflow=0
    )
    pg_schemas.engine("main")  # the schema exists and is migrated
    empty_tables(engine)
    repo = Repository(engine, hasher=hasher)
    repo.add_user("alice", "staff", "correct horse battery")
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    with pg_schemas.admin.begin() as conn:  # what a server restart does to a connection
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    assert [u.username for u in repo.list_users()] == ["alice"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
    engine.dispose()

"""Storage fixtures: the same tests run on SQLite (tmp_path) and PostgreSQL (a fresh schema).

PostgreSQL comes from $TEST_DATABASE_URL (default postgres@127.0.0.1:5432/test). Each test
session creates its own schemas `test_<random>_<name>` and drops them at the end; tests
start from emptied tables. When the server cannot be reached the PostgreSQL tests skip
with the reason (CI sets ASSESSMENT_NO_SKIP=1, which turns a skip into a failure).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, text

import assessment
from assessment.storage import Repository, current_revision, head_revision, make_engine, upgrade

sys.path.insert(0, str(Path(__file__).parent))

from storage_support import (
    BACKENDS,
    PG_URL,
    Clock,
    PgSchemas,
    empty_tables,
    table_dump,
)

__all__ = ["BACKENDS", "PG_URL", "Clock", "PgSchemas", "empty_tables", "table_dump"]

HEAD = head_revision()


@pytest.fixture(scope="session")
def pg_schemas() -> Iterator[PgSchemas]:
    try:
        schemas = PgSchemas(PG_URL)
        with schemas.admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as err:  # any failure to reach the server means: skip, with why
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL} ({type(err).__name__}: {err})")
    yield schemas
    schemas.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test instead of migrating each time."""
    path = tmp_path_factory.mktemp("template") / "head.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


def fresh_engine(request: pytest.FixtureRequest, backend: str, name: str) -> Engine:
    """An engine at the head schema with no rows, on `backend`."""
    if backend == "sqlite":
        target = request.getfixturevalue("tmp_path") / f"{name}.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        engine = make_engine(f"sqlite:///{target}")
        request.addfinalizer(engine.dispose)
        return engine
    schemas: PgSchemas = request.getfixturevalue("pg_schemas")
    engine = schemas.engine(name)
    if current_revision(engine) != HEAD:
        # A migration test that failed half-way must not leave later tests on an old schema.
        upgrade(engine)
    empty_tables(engine)
    return engine


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Engine:
    """A migrated, empty database on each backend."""
    return fresh_engine(request, request.param, "main")


@pytest.fixture
def backend(engine: Engine) -> str:
    return "postgresql" if engine.dialect.name == "postgresql" else "sqlite"


@pytest.fixture
def other_engine(request: pytest.FixtureRequest, backend: str) -> Engine:
    """A second migrated, empty database on the same backend (import targets)."""
    return fresh_engine(request, backend, "other")


@pytest.fixture(scope="session")
def qset():
    return assessment.load_questionnaires()


@pytest.fixture(scope="session")
def hasher() -> PasswordHasher:
    # Real argon2id with small costs: the suite signs in often on 2 shared cores.
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def repo(engine: Engine, qset, clock: Clock, hasher: PasswordHasher) -> Repository:
    return Repository(engine, qset, clock=clock, hasher=hasher)

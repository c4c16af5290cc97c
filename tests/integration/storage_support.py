"""Helpers of the storage tests (importable by name; conftest re-exports them)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from assessment.settings import TEST_DATABASE_URL
from assessment.storage import make_engine, upgrade
from assessment.storage.models import TABLES

PG_URL = TEST_DATABASE_URL.get()
BACKENDS = [pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.pg)]


class Clock:
    """A clock the tests move by hand (resume-code, session and throttle expiry)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class PgSchemas:
    """Schemas of this test session on the PostgreSQL server, created on first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.prefix = f"test_{secrets.token_hex(4)}"
        self.engines: dict[str, Engine] = {}
        self.admin = make_engine(url)

    def schema(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    def url_options(self, name: str) -> dict:
        return {"options": f"-csearch_path={self.schema(name)}"}

    def engine(self, name: str, *, migrate: bool = True) -> Engine:
        if name not in self.engines:
            with self.admin.begin() as conn:
                conn.exec_driver_sql(f"CREATE SCHEMA {self.schema(name)}")
            engine = make_engine(self.url, connect_args=self.url_options(name))
            if migrate:
                upgrade(engine)
            self.engines[name] = engine
        return self.engines[name]

    def close(self) -> None:
        for engine in self.engines.values():
            engine.dispose()
        with self.admin.begin() as conn:
            for name in self.engines:
                conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self.schema(name)} CASCADE")
        self.admin.dispose()


def empty_tables(engine: Engine) -> None:
    """Delete every row (children first) so a shared schema starts each test empty."""
    with engine.begin() as conn:
        # DELETE beats TRUNCATE on tiny tables; most tests leave only a few rows.
        for table in reversed(TABLES):
            conn.execute(table.delete())


def table_dump(engine: Engine) -> dict[str, list[dict]]:
    """Every row of every table, ordered by primary key: for before/after comparisons."""
    out = {}
    with engine.connect() as conn:
        for table in TABLES:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns))
            out[table.name] = [dict(r._mapping) for r in rows]
    return out

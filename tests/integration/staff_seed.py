"""The demo population for the staff tests: generated and scored once per test session."""

from __future__ import annotations

from functools import cache

import pandas as pd
import pytest
from sqlalchemy import Engine

import assessment
from assessment import demo, spreadsheets
from assessment.reference import size_class

DEMO_N = 400
DEMO_SEED = 11
# The same backends as conftest.BACKENDS; defined here because `from conftest import` picks
# whichever conftest.py was imported last when several test folders run together.
BACKENDS = [pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.pg)]


@cache
def qset():
    return assessment.load_questionnaires()


@cache
def rows() -> tuple[spreadsheets.ImportRow, ...]:
    """The demo population as scored rows, ready for `spreadsheets.commit`."""
    population = demo.generate(qset(), DEMO_N, seed=DEMO_SEED)
    return tuple(spreadsheets.prepared_rows([(p.year, p.answers) for p in population], qset()))


@cache
def frame() -> pd.DataFrame:
    """One row per demo assessment: profile facts, year, and every flat score (pandas truth)."""
    records = []
    for r in rows():
        a = r.answers
        records.append(
            {
                "credit_code": a["profile.credit_code"],
                "name": a["profile.name"],
                "city": a["profile.city"],
                "industry": a["profile.industry"],
                "size_class": size_class(a["profile.employees"], a["profile.revenue"]),
                "year": r.year,
                "invest_this": a.get("profile.invest_this_year"),
                "invest_last": a.get("profile.invest_last_year"),
                **{k: (float("nan") if v is None else v) for k, v in r.scores.items()},
            }
        )
    return pd.DataFrame.from_records(records)


def seed(engine: Engine) -> None:
    """Write the demo population into an empty database."""
    spreadsheets.commit(engine, qset(), rows(), actor="test-seed")


def module_engine(request: pytest.FixtureRequest, tmp_path_factory, name: str) -> Engine:
    """A migrated database for one test module on the backend in request.param, seeded."""
    from assessment.storage import make_engine, upgrade

    if request.param == "sqlite":
        path = tmp_path_factory.mktemp(name) / "staff.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        request.addfinalizer(engine.dispose)
    else:
        schemas = request.getfixturevalue("pg_schemas")
        engine = schemas.engine(name)
        empty(engine)
    seed(engine)
    return engine


def empty(engine: Engine) -> None:
    """Delete every row, so a reused PostgreSQL schema starts empty."""
    from assessment.storage.models import TABLES

    with engine.begin() as conn:
        conn.exec_driver_sql(
            f"TRUNCATE {', '.join(t.name for t in TABLES)} RESTART IDENTITY CASCADE"
        )


def dump(engine: Engine) -> dict[str, list[dict]]:
    """Every row of every table, ordered by primary key: for before/after comparisons."""
    from sqlalchemy import select

    from assessment.storage.models import TABLES

    with engine.connect() as conn:
        return {
            t.name: [
                dict(r._mapping) for r in conn.execute(select(t).order_by(*t.primary_key.columns))
            ]
            for t in TABLES
        }

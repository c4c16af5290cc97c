"""The score rollup: per dashboard cell, the count and sum of every score key.

A cell is (year, city, industry, size class, CMMM level) — the dimensions the staff
dashboard filters by. `score_rollup` holds, for every cell and every `result.flat()` key,
how many submitted assessments the cell has, how many of them have a value for the key, and
the sum of those values: the sub-domain heatmap then averages thousands of rows instead of
one row per key per assessment (2 million at 100,000 submitted; BENCHMARKS.md).

The table is derived, never edited by hand. Every writer that changes what a cell holds
(a submission, a profile change that moves an enterprise to another city, industry or
size class, an import) wraps its change in `tracking(conn, enterprise_ids)`: the cells of
those enterprises' submitted assessments are read before and after the change, and each
touched cell is recomputed from the base tables in the same transaction. Recomputing,
not adding deltas, keeps the sums exact and lets a refresh repair a cell whatever it held.
Many touched cells (a bulk import) rebuild the whole table in one statement.

Concurrency: SQLite serialises writers (BEGIN IMMEDIATE). On PostgreSQL, refreshes take a
transaction-scoped advisory lock, so two transactions recompute cells one after the other
and the second sees the first's committed rows (READ COMMITTED: each statement takes a new
snapshot). The lock is the last one a writer takes, after its row locks, so it cannot be
part of a deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
)

from assessment.storage.db import AnySelect, transaction
from assessment.storage.models import Assessment, AssessmentScore, Enterprise, Score, ScoreRollup

Cell = tuple[int, str, str, str, int]  # year, city, industry, size class, level
UNKNOWN = ""  # a city, industry or size class not given
NO_LEVEL = -1  # no CMMM level
REBUILD_ABOVE = 64  # more touched cells than this: rebuild the whole table instead
LOCK_KEY = 0x5A_0003  # PostgreSQL advisory lock serialising refreshes (any fixed bigint)
_CHUNK = 500

DIMS = ("year", "city", "industry", "size_class", "level")
COLUMNS = (*DIMS, "key")
# One rollup row that disagrees: (cell and key, fresh values, stored values), None where
# a side has no row.
Difference = tuple[tuple[Any, ...], tuple[Any, ...] | None, tuple[Any, ...] | None]
VALUES = ("assessments", "answered", "total")


def _dims() -> tuple[Any, ...]:
    # Literal defaults: PostgreSQL matches GROUP BY expressions by text, and two bound
    # parameters would be two different expressions.
    return (
        Assessment.year.label("year"),
        func.coalesce(Enterprise.city, literal_column("''")).label("city"),
        func.coalesce(Enterprise.industry, literal_column("''")).label("industry"),
        func.coalesce(Enterprise.size_class, literal_column("''")).label("size_class"),
        func.coalesce(Score.cmmm_level, literal_column(str(NO_LEVEL))).label("level"),
    )


def _submitted(query: AnySelect) -> AnySelect:
    return (
        query.join_from(Assessment, Enterprise, Enterprise.id == Assessment.enterprise_id)
        .join(Score, Score.assessment_id == Assessment.id)
        .where(Assessment.status == "submitted")
    )


def _text_is(column: Any, value: str) -> Any:
    return column == value if value != UNKNOWN else or_(column.is_(None), column == UNKNOWN)


def _in_cell(cell: Cell) -> Any:
    """The base-table condition for the assessments of one cell (index-friendly)."""
    year, city, industry, size, level = cell
    return and_(
        Assessment.year == year,
        _text_is(Enterprise.city, city),
        _text_is(Enterprise.industry, industry),
        _text_is(Enterprise.size_class, size),
        Score.cmmm_level == level if level != NO_LEVEL else Score.cmmm_level.is_(None),
    )


def _aggregate(*conditions: Any) -> AnySelect:
    dims = _dims()
    query = _submitted(
        select(
            *dims,
            AssessmentScore.key,
            func.count().label("assessments"),
            func.count(AssessmentScore.value).label("answered"),
            func.sum(AssessmentScore.value).label("total"),
        )
    ).join(AssessmentScore, AssessmentScore.assessment_id == Assessment.id)
    return query.where(*conditions).group_by(*dims, AssessmentScore.key)


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def cells_of(conn: Connection, enterprise_ids: Iterable[int]) -> set[Cell]:
    """The cells that these enterprises' submitted assessments are in, now."""
    ids = sorted(set(enterprise_ids))
    cells: set[Cell] = set()
    for start in range(0, len(ids), _CHUNK):
        query = _submitted(select(*_dims()).distinct()).where(
            Assessment.enterprise_id.in_(ids[start : start + _CHUNK])
        )
        cells.update(tuple(row) for row in conn.execute(query))
    return cells


def refresh(conn: Connection, cells: Iterable[Cell]) -> None:
    """Recompute these cells from the base tables (all of them if there are many)."""
    chosen = sorted(set(cells))
    if not chosen:
        return
    if len(chosen) > REBUILD_ABOVE:
        rebuild(conn)
        return
    _lock(conn)
    target = ScoreRollup.__table__
    for cell in chosen:
        conn.execute(
            delete(ScoreRollup).where(
                *(target.c[name] == value for name, value in zip(DIMS, cell, strict=True))
            )
        )
        conn.execute(
            insert(ScoreRollup).from_select([*COLUMNS, *VALUES], _aggregate(_in_cell(cell)))
        )


def rebuild(conn: Connection) -> int:
    """Recompute the whole table from the base tables; returns its rows."""
    _lock(conn)
    conn.execute(delete(ScoreRollup))
    conn.execute(insert(ScoreRollup).from_select([*COLUMNS, *VALUES], _aggregate()))
    return conn.execute(select(func.count()).select_from(ScoreRollup)).scalar_one()


@contextmanager
def tracking(conn: Connection, enterprise_ids: Iterable[int]) -> Iterator[None]:
    """Keep the rollup equal to the base tables across a change to these enterprises.

    Use inside the writing transaction, around the statements that submit assessments or
    change the enterprises' city, industry or size class. Nothing is refreshed if the
    block raises (the transaction is rolled back anyway).
    """
    ids = sorted(set(enterprise_ids))
    before = cells_of(conn, ids)
    yield
    refresh(conn, before | cells_of(conn, ids))


def differences(conn: Connection) -> list[Difference]:
    """Where the stored rollup and a fresh aggregate disagree: empty when they are in step.

    One (cell and key, fresh values, stored values) per disagreeing row, None where a side
    has no row; sums are compared to a relative 1e-9.
    """
    fresh = {tuple(r[:6]): tuple(r[6:]) for r in conn.execute(_aggregate())}
    table = ScoreRollup.__table__
    stored = {
        tuple(r[:6]): tuple(r[6:])
        for r in conn.execute(select(*(table.c[c] for c in (*COLUMNS, *VALUES))))
    }
    return [
        (key, fresh.get(key), stored.get(key))
        for key in sorted(fresh.keys() | stored.keys(), key=repr)
        if not _same(fresh.get(key), stored.get(key))
    ]


def _same(want: tuple[Any, ...] | None, got: tuple[Any, ...] | None) -> bool:
    if want is None or got is None:
        return want is got
    if tuple(want[:2]) != tuple(got[:2]):
        return False
    a, b = want[2], got[2]
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))


def rebuild_all(engine: Engine) -> int:
    """`rebuild` in a write transaction of its own; returns the table's rows."""
    with transaction(engine, write=True) as conn:
        return rebuild(conn)


def check(engine: Engine) -> list[Difference]:
    """`differences` read in a transaction of its own: empty when the rollup is in step."""
    with transaction(engine) as conn:
        return differences(conn)

"""The peer queries: submitted assessments with their facts and key scores (`scores_frame`),
and the population read for benchmarking — each enterprise's latest submitted assessment
with only the `result.flat()` scores a peer model needs, read whole or just the new rows.

`scores_frame(latest=True, flat=True)` reads every stored score key (about 50 per
assessment: 5 million long rows at 100,000 enterprises) through SQLAlchemy rows, probes the
long table once per chosen assessment, and pivots in pandas. Here the keys are restricted
in SQL (`key IN (...)`), both queries run on the DB-API cursor, the long rows stream in
batches into one preallocated numpy array, and columns stored after the answers JSON are
not read (on SQLite they sit behind its overflow pages). `population_rows` reads given
assessments only, so a refresh reads just what was submitted since (docs/peers.md,
"Service and caching").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    Label,
    and_,
    case,
    cast,
    func,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute

from assessment.storage.db import AnySelect, transaction
from assessment.storage.models import Assessment, AssessmentScore, Enterprise, Score
from assessment.storage.submissions import FLOAT_SCORES, KEY_SCORES

# A column of the population frames: a mapped attribute or a labelled expression.
Column = InstrumentedAttribute[Any] | Label[Any]
CHUNK = 500  # ids per IN (...): under every backend's limit on bound parameters
BATCH = 1 << 18  # long rows converted at a time: a few MiB, never the whole table at once
LONG = np.dtype([("cell", np.int64), ("value", np.float64)])  # one stored score, see _long


@dataclass(frozen=True, slots=True)
class PopulationVersion:
    """Changes whenever an assessment is submitted or imported: a cache key for indexes."""

    count: int
    last_submitted: str | None


@contextmanager
def _cursor(conn: Connection, query: AnySelect) -> Iterator[Any]:
    """`query` executed on the DB-API cursor: plain tuples, no SQLAlchemy row per row."""
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params: Sequence[Any] | Mapping[str, Any] = compiled.params
    if compiled.positiontup is not None:  # qmark/format styles (SQLite) take a sequence
        params = tuple(compiled.params[name] for name in compiled.positiontup)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        yield cursor
    finally:
        cursor.close()


def population_version(engine: Engine) -> PopulationVersion:
    """Number of scored (submitted) assessments and the latest scoring time.

    Read from the small `scores` table (one row per submitted assessment, written in the
    submitting transaction): counting submitted rows of `assessments` reads every stored
    answer set, seconds at 100,000.
    """
    query = select(func.count(Score.assessment_id), func.max(Score.scored_at))
    with transaction(engine) as conn:
        count, last = conn.execute(query).one()
    return PopulationVersion(int(count), None if last is None else last.isoformat())


def scored_ids(engine: Engine) -> np.ndarray:
    """The ids of every submitted assessment (every year), sorted."""
    with transaction(engine) as conn, _cursor(conn, select(Score.assessment_id)) as cursor:
        ids = np.fromiter((row[0] for row in cursor), dtype=np.int64)
    return np.sort(ids)


def _identity() -> list[Column]:
    """Which assessment of which enterprise: the first columns of every frame here."""
    return [
        Assessment.id.label("assessment_id"),
        Assessment.enterprise_id,
        Enterprise.credit_code,
        Enterprise.name,
        Enterprise.city,
        Enterprise.industry,
        Enterprise.size_class,
        Assessment.year,
    ]


def _key_scores() -> list[Column]:
    return [getattr(Score, name) for name in KEY_SCORES]


def _columns() -> list[Column]:
    return [*_identity(), *_key_scores()]


NAMES = tuple(c.key for c in _columns())


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The key-score columns as pandas types: veto boolean (SQLite's cursor says 0/1), floats."""
    frame["green_veto"] = frame["green_veto"].astype("boolean")
    for name in FLOAT_SCORES:
        frame[name] = frame[name].astype(float)
    return frame


def scores_frame(
    engine: Engine,
    *,
    city: str | None = None,
    industry: str | None = None,
    size_class: str | None = None,
    year: int | None = None,
    latest: bool = False,
    flat: bool = False,
) -> pd.DataFrame:
    """Submitted assessments with enterprise facts and key scores, one row each.

    latest=True keeps each enterprise's most recent year; flat=True adds a column for
    every stored `result.flat()` key.
    """
    columns = [
        *_identity(),
        Assessment.submitted_at,
        Assessment.previous_assessment_id,
        *_key_scores(),
    ]
    query = (
        select(*columns)
        .join(Enterprise, Enterprise.id == Assessment.enterprise_id)
        .join(Score, Score.assessment_id == Assessment.id)
        .where(Assessment.status == "submitted")
        .order_by(Assessment.id)
    )
    for column, value in (
        (Enterprise.city, city),
        (Enterprise.industry, industry),
        (Enterprise.size_class, size_class),
        (Assessment.year, year),
    ):
        if value is not None:
            query = query.where(column == value)
    if latest:
        newest = (
            select(Assessment.enterprise_id, func.max(Assessment.year).label("year"))
            .where(Assessment.status == "submitted")
            .group_by(Assessment.enterprise_id)
            .subquery()
        )
        query = query.join(
            newest,
            and_(
                newest.c.enterprise_id == Assessment.enterprise_id,
                newest.c.year == Assessment.year,
            ),
        )
    with transaction(engine) as conn:
        rows = conn.execute(query).all()
        frame = pd.DataFrame.from_records(
            [tuple(r) for r in rows], columns=[c.name for c in query.selected_columns]
        )
        if flat and rows:
            # A subquery, not a list of ids: SQLite caps the number of bound parameters.
            chosen = select(query.subquery().c.assessment_id)
            long = conn.execute(
                select(
                    AssessmentScore.assessment_id, AssessmentScore.key, AssessmentScore.value
                ).where(AssessmentScore.assessment_id.in_(chosen))
            ).all()
    if flat and rows:
        wide = (
            pd.DataFrame.from_records(
                [tuple(r) for r in long], columns=["assessment_id", "key", "value"]
            )
            .pivot(index="assessment_id", columns="key", values="value")
            .astype(float)
        )
        wide.columns.name = None
        frame = frame.merge(wide, left_on="assessment_id", right_index=True, how="left")
    return typed(frame)


def _base() -> AnySelect:
    # From `scores` (submitted only) by primary keys; on SQLite the status test stays in
    # the covering index (status, year, enterprise_id), away from the wide answer rows.
    return (
        select(*_columns())
        .select_from(Score)
        .join(Assessment, Assessment.id == Score.assessment_id)
        .join(Enterprise, Enterprise.id == Assessment.enterprise_id)
        .where(Assessment.status == "submitted")
        .order_by(Assessment.id)
    )


def _rows(conn: Connection, query: AnySelect) -> list[tuple[Any, ...]]:
    with _cursor(conn, query) as cursor:
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


def _latest(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Of rows in assessment-id order, each enterprise's latest year, still in id order."""
    if not rows:
        return rows
    enterprise = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
    year = np.fromiter((r[7] for r in rows), dtype=np.int64, count=len(rows))
    order = np.lexsort((year, enterprise))
    ent = enterprise[order]
    last = np.append(ent[1:] != ent[:-1], True)  # (enterprise, year) is unique
    return [rows[i] for i in np.sort(order[last]).tolist()]


def _frame(rows: Sequence[tuple[Any, ...]]) -> pd.DataFrame:
    return typed(pd.DataFrame.from_records(list(rows), columns=list(NAMES), nrows=len(rows)))


def _long(conn: Connection, keys: list[str], ids: list[int] | None = None) -> Iterator[np.ndarray]:
    """The stored non-null scores of `keys` (of the assessments `ids`, or of all), in batches.

    Millions of rows at provincial scale, so each comes as two plain numbers from the
    DB-API cursor straight into numpy: the value, and its `cell`, the assessment id times
    len(keys) plus the key's position in `keys` — no SQLAlchemy row, no text key, no list
    of millions of tuples.
    """
    position = case({k: j for j, k in enumerate(keys)}, value=AssessmentScore.key)
    cell = cast(AssessmentScore.assessment_id, BigInteger) * len(keys) + position
    query = select(cell, AssessmentScore.value).where(
        AssessmentScore.key.in_(keys), AssessmentScore.value.is_not(None)
    )
    if ids is not None:
        query = query.where(AssessmentScore.assessment_id.in_(ids))
    with _cursor(conn, query) as cursor:
        while len(batch := np.fromiter(islice(cursor, BATCH), dtype=LONG)):
            yield batch


def _with_scores(
    frame: pd.DataFrame, keys: list[str], batches: Iterable[np.ndarray]
) -> pd.DataFrame:
    """`frame` (in assessment-id order) with one float column per key, NaN where nothing is
    stored; cells of assessments not in `frame` (older years) are dropped."""
    width = len(keys)
    # Filled key by key ((width, rows), C order), so that its transpose is the column-major
    # block pandas keeps: the frame takes the array without another copy of every score.
    wide = np.full((width, len(frame)), np.nan)
    first = frame["assessment_id"].to_numpy(dtype=np.int64) * width  # each row's first cell
    for batch in batches:
        if not len(first):
            continue
        row = np.searchsorted(first, batch["cell"], side="right") - 1
        col = batch["cell"] - first[row]
        keep = (row >= 0) & (col < width)
        wide[col[keep], row[keep]] = batch["value"][keep]
    scores = pd.DataFrame(wide.T, columns=keys, index=frame.index, copy=False)
    return pd.concat([frame, scores], axis=1)


def latest_population(engine: Engine, keys: Sequence[str]) -> pd.DataFrame:
    """Each enterprise's latest submitted assessment, by assessment id: identity, facts, key
    scores (the `scores` columns) and one float column per flat() key in `keys`."""
    keys = list(dict.fromkeys(keys))
    with transaction(engine) as conn:
        # Every year read and the latest chosen here, and one pass over the long table:
        # cheaper than a GROUP BY joined back and a probe per chosen assessment, for the
        # price of the few older years read in vain.
        frame = _frame(_latest(_rows(conn, _base())))
        return _with_scores(frame, keys, _long(conn, keys))


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    ids = sorted({int(i) for i in ids})
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def population_rows(engine: Engine, keys: Sequence[str], ids: Sequence[int]) -> pd.DataFrame:
    """The same columns as `latest_population` for the given submitted assessments (any
    year), by assessment id."""
    keys = list(dict.fromkeys(keys))
    with transaction(engine) as conn:
        base: list[tuple[Any, ...]] = []
        for chunk in _chunks(ids):
            base += _rows(conn, _base().where(Assessment.id.in_(chunk)))
        batches = (batch for chunk in _chunks(ids) for batch in _long(conn, keys, chunk))
        return _with_scores(_frame(base), keys, batches)


def merge_latest(population: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """`population` with `rows` added, keeping each enterprise's latest year, by id."""
    if rows.empty:
        return population
    both = pd.concat([population, rows[population.columns]], ignore_index=True)
    # A re-read assessment replaces its old row (its enterprise's facts may have changed).
    both = both.drop_duplicates("assessment_id", keep="last")
    latest = both.sort_values(["enterprise_id", "year"], kind="stable")
    latest = latest.drop_duplicates("enterprise_id", keep="last")
    return latest.sort_values("assessment_id", kind="stable").reset_index(drop=True)

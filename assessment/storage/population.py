"""The peer population read for benchmarking: each enterprise's latest submitted assessment
with only the `result.flat()` scores a peer model needs, read whole or just the new rows.

`Repository.scores_frame(latest=True, flat=True)` reads every stored score key (about 50 per
assessment: 5 million long rows at 100,000 enterprises) through SQLAlchemy rows, probes the
long table once per chosen assessment, and pivots in pandas. Here the keys are restricted
in SQL (`key IN (...)`), the long table is read in one pass and placed with numpy, and
columns stored after the answers JSON are not read (on SQLite they sit behind its overflow
pages). `population_rows` reads given assessments only, so a refresh reads just what was
submitted since (docs/peers.md, "Service and caching").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, and_, case, func, select

from assessment.storage.db import transaction
from assessment.storage.drafts import KEY_SCORES
from assessment.storage.models import Assessment, AssessmentScore, Enterprise, Score

FLOATS = ("cmmm_total", "cmmm_score", "green_score", "integration_index")
FLOATS += ("readiness_score", "confidence")
CHUNK = 500  # ids per IN (...): under every backend's limit on bound parameters


@dataclass(frozen=True, slots=True)
class PopulationVersion:
    """Changes whenever an assessment is submitted or imported: a cache key for indexes."""

    count: int
    last_submitted: str | None


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
    with transaction(engine) as conn:
        ids = conn.execute(select(Score.assessment_id)).scalars().all()
    return np.sort(np.asarray(ids, dtype=np.int64))


def _columns() -> list:
    return [
        Assessment.id.label("assessment_id"),
        Assessment.enterprise_id,
        Enterprise.credit_code,
        Enterprise.name,
        Enterprise.city,
        Enterprise.industry,
        Enterprise.size_class,
        Assessment.year,
        *(getattr(Score, name) for name in KEY_SCORES),
    ]


def _base():
    return (
        select(*_columns())
        .join(Enterprise, Enterprise.id == Assessment.enterprise_id)
        .join(Score, Score.assessment_id == Assessment.id)
        .where(Assessment.status == "submitted")
    )


def _frame(rows: Sequence) -> pd.DataFrame:
    names = [c.key for c in _columns()]
    return pd.DataFrame.from_records([tuple(r) for r in rows], columns=names)


Long = tuple[np.ndarray, np.ndarray, np.ndarray]  # assessment ids, key positions, values


def _long(conn: Connection, keys: list[str], ids: list[int] | None = None) -> Long:
    """The stored non-null scores of `keys` (of the assessments `ids`, or of all) as arrays.

    Millions of rows at provincial scale, so they are fetched on the DB-API cursor as
    plain tuples of numbers, the key as its position in `keys` (SQLAlchemy's row objects
    and a text key per row cost more than the database's scan); a NULL score stays NaN.
    """
    code = case({k: j for j, k in enumerate(keys)}, value=AssessmentScore.key)
    query = select(AssessmentScore.assessment_id, code, AssessmentScore.value).where(
        AssessmentScore.key.in_(keys), AssessmentScore.value.is_not(None)
    )
    if ids is not None:
        query = query.where(AssessmentScore.assessment_id.in_(ids))
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params: object = compiled.params
    if compiled.positiontup is not None:  # qmark/format styles (SQLite) take a sequence
        params = tuple(compiled.params[name] for name in compiled.positiontup)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=3 * len(rows))
    table = flat.reshape(len(rows), 3)
    return table[:, 0].astype(np.int64), table[:, 1].astype(np.int64), table[:, 2]


def _fill(frame: pd.DataFrame, keys: list[str], long: Long) -> pd.DataFrame:
    """`frame` with one float column per key (NaN where nothing is stored)."""
    wide = np.full((len(frame), len(keys)), np.nan)
    ids, col, values = long
    if len(ids) and len(frame):
        at = pd.Index(frame["assessment_id"]).get_indexer(ids)
        keep = at >= 0  # rows of other years are read too, and dropped here
        wide[at[keep], col[keep]] = values[keep]
    out = pd.concat([frame, pd.DataFrame(wide, columns=keys, index=frame.index)], axis=1)
    out["green_veto"] = out["green_veto"].astype("boolean")
    for name in FLOATS:
        out[name] = out[name].astype(float)
    return out


def latest_population(engine: Engine, keys: Sequence[str]) -> pd.DataFrame:
    """Each enterprise's latest submitted assessment, by assessment id: identity, facts, key
    scores (the `scores` columns) and one float column per flat() key in `keys`."""
    keys = list(dict.fromkeys(keys))
    newest = (
        select(Assessment.enterprise_id, func.max(Assessment.year).label("year"))
        .where(Assessment.status == "submitted")
        .group_by(Assessment.enterprise_id)
        .subquery()
    )
    query = _base().join(
        newest,
        and_(newest.c.enterprise_id == Assessment.enterprise_id, newest.c.year == Assessment.year),
    )
    with transaction(engine) as conn:
        frame = _frame(conn.execute(query.order_by(Assessment.id)).all())
        # One pass over the long table rather than a probe per assessment: only a few
        # older years are read in vain, and the scan is what the database does fastest.
        return _fill(frame, keys, _long(conn, keys))


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    ids = [int(i) for i in ids]
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def population_rows(engine: Engine, keys: Sequence[str], ids: Sequence[int]) -> pd.DataFrame:
    """The same columns as `latest_population` for the given submitted assessments (any
    year), by assessment id."""
    keys = list(dict.fromkeys(keys))
    base: list = []
    parts: list[Long] = []
    with transaction(engine) as conn:
        for chunk in _chunks(ids):
            base += conn.execute(_base().where(Assessment.id.in_(chunk))).all()
            parts.append(_long(conn, keys, chunk))
    frame = _frame(base).sort_values("assessment_id", kind="stable").reset_index(drop=True)
    empty = np.empty(0, dtype=np.int64)
    long = tuple(np.concatenate([p[i] for p in parts]) for i in range(3)) if parts else None
    return _fill(frame, keys, long or (empty, empty, np.empty(0)))


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

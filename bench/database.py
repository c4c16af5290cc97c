"""A database holding the bench population as submitted assessments, loaded in bulk.

The schema is the real one (Alembic `upgrade`). The rows are the ones the one writer of a
submitted assessment writes (assessment/storage/submissions.py: `enterprise_facts`,
`score_row`, `long_rows` — enterprises, assessments with their answers as JSON, `scores`
key scores, `assessment_scores` every flat() key in long format), but loaded in bulk with
explicit ids: SQLAlchemy Core executemany on SQLite, COPY on PostgreSQL, then the rollup
rebuilt as `store_new` does after a large batch. Each bench row is its own enterprise.

SQLite files are cached between runs (keyed by population size and schema head) because
writing 100,000 assessments with ~5 million score rows takes about a minute; PostgreSQL
gets a schema `bench_<pid>` that is dropped at the end of the run.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, insert, text

from assessment.storage import make_engine, rollup, upgrade
from assessment.storage.db import head_revision
from assessment.storage.facts import ANSWER_FACTS
from assessment.storage.models import Assessment, AssessmentScore, Enterprise, Score
from assessment.storage.submissions import KEY_SCORES, enterprise_facts, long_rows, score_row
from bench import population

CHUNK = 20_000


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _answers(row: dict) -> dict:
    clean = {}
    for k, v in row.items():
        if k.startswith("_") or v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        clean[k] = v.item() if isinstance(v, np.generic) else v
    return clean


def _rows(
    frame: pd.DataFrame, scores: pd.DataFrame, versions: dict[str, str]
) -> Iterator[tuple[str, list[dict]]]:
    """(table, rows) chunks with explicit ids 1…n."""
    n = len(frame)
    keys = [c for c in scores.columns if c not in ("industry", "size_class", "city", "year")]
    answers = frame.to_dict("records")
    flat = scores[keys].to_numpy(dtype=float)
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        ents, ass, sc, long = [], [], [], []
        for i in range(start, stop):
            a = _answers(answers[i])
            year = int(answers[i]["_year"])
            when = datetime(year, 3 + i % 9, 1 + i % 27, 9, tzinfo=UTC)
            stored = {k: _num(flat[i, j]) for j, k in enumerate(keys)}
            ents.append({"id": i + 1, **enterprise_facts(a), "created_at": when})
            ass.append(
                {
                    "id": i + 1,
                    "enterprise_id": i + 1,
                    "year": year,
                    "status": "submitted",
                    "questionnaire_versions": versions,
                    "answers": json.dumps(a, ensure_ascii=False),
                    "version": 2,
                    "created_at": when,
                    "updated_at": when,
                    "submitted_at": when,
                }
            )
            sc.append(score_row(i + 1, a, stored, when))
            long += long_rows(i + 1, stored)
        yield "enterprises", ents
        yield "assessments", ass
        yield "scores", sc
        yield "assessment_scores", long


TABLES = {
    "enterprises": Enterprise,
    "assessments": Assessment,
    "scores": Score,
    "assessment_scores": AssessmentScore,
}


def sqlite_database(ctx, n: int) -> str:
    """The URL of a SQLite database with population(n) submitted (built or cached)."""
    frame = ctx.population(n)
    key = population.cache_path(ctx.qset, frame.attrs["base"], f"db-{n}-{_schema_key()}")
    path = Path(str(key) + ".sqlite")
    url = f"sqlite:///{path}"
    if path.exists():
        return url
    tmp = Path(str(key) + ".building.sqlite")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{tmp}")
    upgrade(engine)
    versions = ctx.qset.versions()
    with engine.begin() as conn:
        for table, rows in _rows(frame, ctx.scores(n), versions):
            # answers are already JSON text: bypass the JSON type's serializer
            if table == "assessments":
                conn.execute(
                    text(
                        "INSERT INTO assessments (id, enterprise_id, year, status, "
                        "questionnaire_versions, answers, version, created_at, updated_at, "
                        "submitted_at) VALUES (:id, :enterprise_id, :year, :status, :qv, "
                        ":answers, :version, :created_at, :updated_at, :submitted_at)"
                    ),
                    [
                        r | {"qv": json.dumps(versions),
                             "created_at": _naive(r["created_at"]),
                             "updated_at": _naive(r["updated_at"]),
                             "submitted_at": _naive(r["submitted_at"])}
                        for r in rows
                    ],
                )  # fmt: skip
            else:
                conn.execute(insert(TABLES[table]), rows)
        rollup.rebuild(conn)  # derived: what a bulk import does after loading
    engine.dispose()
    # Outside SQLAlchemy: its SQLite engine opens a transaction, where a checkpoint fails.
    raw = sqlite3.connect(tmp, isolation_level=None)
    try:
        raw.execute("ANALYZE")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    tmp.replace(path)
    return url


def with_peer_model(ctx, n: int, name: str) -> str:
    """A copy of the population(n) database with an active peer model fitted on it, as in
    production (the results page draws the benchmark; app processes warm its index)."""
    import shutil

    from assessment.peers import fit_peer_model, save_model
    from assessment.storage import Repository

    source = Path(sqlite_database(ctx, n).removeprefix("sqlite:///"))
    target = ctx.tmp / f"{name}.sqlite"
    shutil.copyfile(source, target)
    url = f"sqlite:///{target}"
    engine = make_engine(url)
    model = fit_peer_model(ctx.scores(n), ctx.qset)
    path = save_model(model, ctx.tmp / f"models-{name}")
    Repository(engine, ctx.qset).register_peer_model(model.version, str(path),
                                                    dict(model.metadata))  # fmt: skip
    engine.dispose()
    return url


def _schema_key() -> str:
    """The head revision and a hash of the migration files: a changed migration rebuilds."""
    import hashlib

    from assessment.storage.db import MIGRATIONS

    digest = hashlib.sha256()
    for path in sorted((Path(MIGRATIONS) / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return f"{head_revision()}-{digest.hexdigest()[:8]}"


def _naive(when: datetime) -> str:
    # How SQLAlchemy's DateTime stores values on SQLite (UTCDateTime drops the zone).
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


class PgDatabase:
    """A schema `bench_<pid>` on the PostgreSQL server with population(n), dropped on close."""

    def __init__(self, ctx, n: int, url: str):
        self.schema = f"bench_{os.getpid()}"
        self.admin = make_engine(url)
        with self.admin.begin() as conn:
            # Schemas left by a run that died (its process is gone) are dropped too.
            names = conn.execute(
                text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :pattern"),
                {"pattern": "bench\\_%"},
            ).scalars()
            for name in list(names):
                pid = name.removeprefix("bench_")
                if name == self.schema or (pid.isdigit() and not Path(f"/proc/{pid}").exists()):
                    conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")
            conn.exec_driver_sql(f"CREATE SCHEMA {self.schema}")
        self.options = f"-csearch_path={self.schema}"
        self.url = url
        self.engine: Engine = make_engine(url, connect_args={"options": self.options})
        upgrade(self.engine)
        self._load(ctx, n)

    def _load(self, ctx, n: int) -> None:
        versions = json.dumps(ctx.qset.versions())
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            columns = {
                "enterprises": ("id", "credit_code", "name", "city", "industry", "size_class",
                                "created_at"),
                "assessments": ("id", "enterprise_id", "year", "status", "questionnaire_versions",
                                "answers", "version", "created_at", "updated_at", "submitted_at"),
                "scores": ("assessment_id", *KEY_SCORES, *ANSWER_FACTS, "scored_at"),
                "assessment_scores": ("assessment_id", "key", "value"),
            }  # fmt: skip
            for table, rows in _rows(ctx.population(n), ctx.scores(n), ctx.qset.versions()):
                names = columns[table]
                with cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                    for r in rows:
                        if table == "assessments":
                            r = r | {"questionnaire_versions": versions}
                        copy.write_row(tuple(r.get(c) for c in names))
            for seq_table in ("enterprises", "assessments"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{seq_table}', 'id'), "
                    f"(SELECT max(id) FROM {seq_table}))"
                )
            raw.commit()
        finally:
            raw.close()
        with self.engine.begin() as conn:
            rollup.rebuild(conn)  # derived: what a bulk import does after loading
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("ANALYZE")
            raw.commit()
        finally:
            raw.close()

    def close(self) -> None:
        """Drop the schema."""
        self.engine.dispose()
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        self.admin.dispose()

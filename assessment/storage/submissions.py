"""The one writer of a submitted assessment: enterprise facts, scores, the score rollup and the
audit entry, from one scoring result.

Every path that stores a submitted assessment comes through here, so a change to the score
tables, the rollup or the enterprise facts is made once:

- `DraftStore.submit` turns one draft into a submitted assessment and calls `record`;
- the spreadsheet import's `commit` and `demo.seed` store new rows with `store_new` (a batch
  in one transaction: enterprises found by credit code or created, assessments inserted
  year by year so that next year links back to last year, then `record`);
- the bench loads 100,000 rows in bulk (COPY) from `score_row` and `long_rows`, the same
  rows `record` writes.

`KEY_SCORES` is the one map from a scoring result's flat() keys to the `scores` columns.
Scores travel as `{flat key: float | None}` (None where scoring gave no score).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from assessment.errors import Bilingual, fail
from assessment.numbers import finite
from assessment.reference import size_class
from assessment.storage import rollup
from assessment.storage.audit import write_audit
from assessment.storage.db import transaction
from assessment.storage.facts import answer_facts
from assessment.storage.models import Assessment, AssessmentScore, Enterprise, Score

# `scores` column → the flat() key it holds (docs/architecture.md, "Scoring results").
KEY_SCORES: Mapping[str, str] = {
    "cmmm_level": "im.level",
    "cmmm_total": "im.total",
    "cmmm_score": "im.score",
    "green_score": "green.score",
    "green_veto": "green.veto",
    "integration_index": "integration.index",
    "integration_stage": "integration.stage",
    "readiness_score": "readiness.score",
    "confidence": "readiness.confidence",
}
INTEGER_SCORES = frozenset({"cmmm_level", "integration_stage"})
BOOLEAN_SCORES = frozenset({"green_veto"})
FLOAT_SCORES = tuple(c for c in KEY_SCORES if c not in INTEGER_SCORES | BOOLEAN_SCORES)
LONG_CHUNK = 5000  # assessment_scores rows per executemany
CODE_CHUNK = 500  # credit codes per IN (...)
CLASH_CHUNK = 200  # (credit code, year) pairs per OR


def key_scores(scores: Mapping[str, float | None]) -> dict[str, Any]:
    """The `scores` table's key-score columns from a result's flat() scores."""
    out: dict[str, Any] = {}
    for column, key in KEY_SCORES.items():
        value = scores.get(key)
        if value is None:
            out[column] = None
        elif column in INTEGER_SCORES:
            out[column] = int(value)
        elif column in BOOLEAN_SCORES:
            out[column] = bool(value)
        else:
            out[column] = float(value)
    return out


def enterprise_facts(answers: Mapping[str, Any], profile: str = "profile") -> dict[str, Any]:
    """The enterprise columns a submission sets from its profile answers.

    Name, city and industry where answered with text, the credit code normalised (upper
    case, no surrounding blanks) and the size class from employees and revenue.
    """
    facts: dict[str, Any] = {
        column: answers[f"{profile}.{column}"]
        for column in ("name", "city", "industry")
        if isinstance(answers.get(f"{profile}.{column}"), str)
    }
    code = answers.get(f"{profile}.credit_code")
    if isinstance(code, str) and code.strip():
        facts["credit_code"] = code.strip().upper()
    facts["size_class"] = size_class(
        finite(answers.get(f"{profile}.employees")), finite(answers.get(f"{profile}.revenue"))
    )
    return facts


def score_row(
    assessment_id: int,
    answers: Mapping[str, Any],
    scores: Mapping[str, float | None],
    scored_at: datetime,
) -> dict[str, Any]:
    """The `scores` row of one submitted assessment."""
    return {
        "assessment_id": assessment_id,
        "scored_at": scored_at,
        **key_scores(scores),
        **answer_facts(answers),
    }


def long_rows(assessment_id: int, scores: Mapping[str, float | None]) -> list[dict[str, Any]]:
    """The `assessment_scores` rows of one submitted assessment: every flat() key."""
    return [{"assessment_id": assessment_id, "key": k, "value": v} for k, v in scores.items()]


@dataclass(frozen=True, slots=True)
class Audit:
    """The audit entry written with a submission (`store_new` adds count and created)."""

    actor: str
    action: str
    at: datetime
    target_type: str | None = None
    target_id: Any = None
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Entry:
    """A submitted assessment whose row exists, with its scores to store."""

    assessment_id: int
    enterprise_id: int
    answers: Mapping[str, Any]
    scores: Mapping[str, float | None]
    scored_at: datetime


def set_facts(conn: Connection, enterprise_id: int, facts: Mapping[str, Any]) -> None:
    """Update an enterprise's columns (S401 when its new credit code is another's)."""
    code = facts.get("credit_code")
    if code is not None:
        other = conn.execute(
            select(Enterprise.id).where(
                Enterprise.credit_code == code, Enterprise.id != enterprise_id
            )
        ).first()
        if other is not None:
            raise fail("S401", value=code)
    if facts:
        conn.execute(update(Enterprise).where(Enterprise.id == enterprise_id).values(**facts))


def record(
    conn: Connection,
    entries: Sequence[Entry],
    *,
    audit: Audit | None = None,
    facts: bool = True,
    profile: str = "profile",
    before: Iterable[rollup.Cell] | None = None,
) -> None:
    """Store the scores of submitted assessments, in the caller's write transaction.

    Sets each enterprise's facts from its answers (unless `facts=False`: already set), writes
    the `scores` and `assessment_scores` rows, recomputes the rollup cells the enterprises
    leave and enter (`before`: their cells before the caller's own changes) and adds the
    audit entry.
    """
    enterprises = sorted({e.enterprise_id for e in entries})
    cells = set(rollup.cells_of(conn, enterprises) if before is None else before)
    if facts:
        for e in entries:
            set_facts(conn, e.enterprise_id, enterprise_facts(e.answers, profile))
    if entries:
        conn.execute(
            insert(Score),
            [score_row(e.assessment_id, e.answers, e.scores, e.scored_at) for e in entries],
        )
    rows = [row for e in entries for row in long_rows(e.assessment_id, e.scores)]
    for start in range(0, len(rows), LONG_CHUNK):
        conn.execute(insert(AssessmentScore), rows[start : start + LONG_CHUNK])
    rollup.refresh(conn, cells | rollup.cells_of(conn, enterprises))
    if audit is not None:
        detail = dict(audit.detail)
        write_audit(
            conn, audit.at, audit.actor, audit.action, audit.target_type, audit.target_id, detail
        )


# --- a batch of new submitted assessments ------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewSubmission:
    """An assessment to store as submitted in a new row (import, demo seed)."""

    year: int
    answers: Mapping[str, Any]
    scores: Mapping[str, float | None]
    submitted_at: datetime
    version: int = 1
    enterprise_created_at: datetime | None = None  # for a new enterprise; else submitted_at


@dataclass(frozen=True, slots=True)
class Stored:
    """What `store_new` wrote: assessment ids in the order given, enterprises created."""

    assessment_ids: tuple[int, ...]
    enterprises_created: int


def store_new(
    engine: Engine,
    new: Sequence[NewSubmission],
    *,
    versions: Mapping[str, str],
    audit: Audit | None = None,
    empty_only: bool = False,
    name: str = "import",
) -> Stored:
    """Store new submitted assessments in one transaction, all or nothing.

    Enterprises are found by credit code or created; each ends with the facts of its
    latest year. An (enterprise, year) already stored refuses the batch (S411), as does a
    non-empty database with `empty_only` (S410). The audit entry's detail gets the count
    and the number of enterprises created.
    """
    if not new:
        return Stored((), 0)
    try:
        with transaction(engine, write=True) as conn:
            if empty_only and conn.execute(select(func.count(Assessment.id))).scalar_one():
                raise fail(
                    "S410",
                    detail=Bilingual(
                        "the database already holds assessments; seed an empty one",
                        "数据库中已有评估；请向空数据库填充示例数据",
                    ),
                )
            ids, created, before = _insert(conn, new, versions)
            if audit is not None:
                detail = {**audit.detail, "count": len(ids), "enterprises_created": created}
                audit = Audit(
                    audit.actor, audit.action, audit.at, audit.target_type, audit.target_id, detail
                )
            stored = [
                Entry(i, e, n.answers, n.scores, n.submitted_at)
                for n, (i, e) in zip(new, ids, strict=True)
            ]
            stored.sort(key=lambda entry: entry.assessment_id)
            record(conn, stored, audit=audit, facts=False, before=before)
    except IntegrityError as err:  # (enterprise, year) or a credit code taken concurrently
        raise fail("S411", value=name, year="—") from err
    return Stored(tuple(i for i, _ in ids), created)


def _insert(
    conn: Connection, new: Sequence[NewSubmission], versions: Mapping[str, str]
) -> tuple[list[tuple[int, int]], int, set[rollup.Cell]]:
    """Insert enterprises and assessments: (assessment id, enterprise id) per row of `new`,
    the number of enterprises created and the rollup cells stored enterprises were in."""
    order = sorted(range(len(new)), key=lambda i: new[i].year)  # earlier years first: links
    facts = [enterprise_facts(n.answers) for n in new]
    if any("credit_code" not in f for f in facts):
        raise ValueError("every new submitted assessment needs its credit code (validated rows)")
    codes = sorted({f["credit_code"] for f in facts})
    enterprise_ids: dict[str, int] = {}
    for start in range(0, len(codes), CODE_CHUNK):
        found = conn.execute(
            select(Enterprise.credit_code, Enterprise.id).where(
                Enterprise.credit_code.in_(codes[start : start + CODE_CHUNK])
            )
        ).all()
        enterprise_ids.update({r.credit_code: r.id for r in found})
    existing = dict(enterprise_ids)
    # Checked inside the transaction: another import may have won the race.
    wanted = [
        and_(Enterprise.credit_code == f["credit_code"], Assessment.year == new[i].year)
        for i, f in enumerate(facts)
        if f["credit_code"] in existing
    ]
    for start in range(0, len(wanted), CLASH_CHUNK):
        clash = conn.execute(
            select(Enterprise.credit_code, Assessment.year)
            .join(Assessment, Assessment.enterprise_id == Enterprise.id)
            .where(or_(*wanted[start : start + CLASH_CHUNK]))
        ).first()
        if clash is not None:
            raise fail("S411", value=clash.credit_code, year=clash.year)
    # Enterprises already stored may move to other dashboard cells (new facts).
    before = rollup.cells_of(conn, existing.values())
    latest: dict[str, int] = {}  # credit code → the row of its latest year
    for i in order:
        latest[facts[i]["credit_code"]] = i
    for code, eid in sorted(existing.items()):
        conn.execute(update(Enterprise).where(Enterprise.id == eid).values(**facts[latest[code]]))
    # New enterprises get ids in the order they first appear in `new`.
    fresh = list(dict.fromkeys(f["credit_code"] for f in facts if f["credit_code"] not in existing))
    if fresh:
        rows = []
        for code in fresh:
            n = new[latest[code]]
            rows.append(
                {**facts[latest[code]], "created_at": n.enterprise_created_at or n.submitted_at}
            )
        returned = conn.execute(
            insert(Enterprise).returning(Enterprise.id, sort_by_parameter_order=True), rows
        ).scalars()
        enterprise_ids.update(zip(fresh, returned, strict=True))
    # Last year's assessments of stored enterprises (any status), for the links.
    previous: dict[tuple[int, int], int] = {}
    stored_ids = sorted(existing.values())
    for start in range(0, len(stored_ids), CODE_CHUNK):
        for aid, eid, year in conn.execute(
            select(Assessment.id, Assessment.enterprise_id, Assessment.year).where(
                Assessment.enterprise_id.in_(stored_ids[start : start + CODE_CHUNK])
            )
        ):
            previous[(eid, year)] = aid
    out: list[tuple[int, int]] = [(0, 0)] * len(new)
    for year in sorted({n.year for n in new}):
        batch = [i for i in order if new[i].year == year]
        rows = []
        for i in batch:
            n = new[i]
            eid = enterprise_ids[facts[i]["credit_code"]]
            rows.append(
                {
                    "enterprise_id": eid,
                    "year": n.year,
                    "status": "submitted",
                    "questionnaire_versions": dict(versions),
                    "answers": dict(n.answers),
                    "version": n.version,
                    "created_at": n.submitted_at,
                    "updated_at": n.submitted_at,
                    "submitted_at": n.submitted_at,
                    "resume_code_hash": None,
                    "resume_expires_at": None,
                    "previous_assessment_id": previous.get((eid, n.year - 1)),
                }
            )
        returned = conn.execute(
            insert(Assessment).returning(Assessment.id, sort_by_parameter_order=True), rows
        ).scalars()
        for i, row, aid in zip(batch, rows, returned, strict=True):
            previous[(row["enterprise_id"], year)] = aid
            out[i] = (aid, row["enterprise_id"])
    return out, len(fresh), before


def existing_pairs(engine: Engine, pairs: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """Of (credit code, year) pairs, those that already have an assessment."""
    if not pairs:
        return set()
    found: set[tuple[str, int]] = set()
    codes = sorted({code for code, _ in pairs})
    with transaction(engine) as conn:
        for start in range(0, len(codes), CODE_CHUNK):
            rows = conn.execute(
                select(Enterprise.credit_code, Assessment.year)
                .join(Assessment, Assessment.enterprise_id == Enterprise.id)
                .where(Enterprise.credit_code.in_(codes[start : start + CODE_CHUNK]))
            ).all()
            found.update((r.credit_code, r.year) for r in rows)
    return found & pairs


def count_assessments(engine: Engine) -> int:
    """How many assessments (drafts and submitted) the database holds."""
    with transaction(engine) as conn:
        return int(conn.execute(select(func.count(Assessment.id))).scalar_one())

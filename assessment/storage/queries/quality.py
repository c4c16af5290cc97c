"""The data-quality check's reads: every enterprise and every assessment with its answers.

The rules (duplicates, straight-lining, implausible numbers, abandoned drafts) are
assessment/quality.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from assessment.quality import Flag, StoredAssessment, all_flags
from assessment.questionnaire import QuestionnaireSet
from assessment.storage.db import transaction
from assessment.storage.models import Assessment, Enterprise


def quality_flags(
    engine: Engine, qset: QuestionnaireSet, *, now: datetime | None = None
) -> list[Flag]:
    """Every flag over the database, grouped by kind in the order of quality.KINDS."""
    now = now or datetime.now(UTC)
    with transaction(engine) as conn:
        enterprises = [
            (r.id, r.name, r.credit_code)
            for r in conn.execute(
                select(Enterprise.id, Enterprise.name, Enterprise.credit_code).order_by(
                    Enterprise.id
                )
            )
        ]
        rows = conn.execute(
            select(
                Assessment.id,
                Assessment.enterprise_id,
                Assessment.year,
                Assessment.status,
                Assessment.updated_at,
                Assessment.answers,
                Enterprise.name,
            )
            .join_from(Assessment, Enterprise, Enterprise.id == Assessment.enterprise_id)
            .order_by(Assessment.id)
        ).all()
    assessments = [
        StoredAssessment(
            r.id, r.enterprise_id, r.name, r.year, r.status, r.updated_at, r.answers or {}
        )
        for r in rows
    ]
    return all_flags(enterprises, assessments, qset, now)

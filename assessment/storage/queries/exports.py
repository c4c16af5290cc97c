"""The export's read: submitted assessments in the dashboard's filters with every stored score."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, select

from assessment.dashboard import Filters
from assessment.storage.db import transaction
from assessment.storage.models import Assessment, AssessmentScore
from assessment.storage.queries.dashboard import scope

CHUNK = 500  # assessment ids per IN (...)


def submitted_with_scores(
    engine: Engine, filters: Filters | None = None
) -> list[tuple[int, int, Mapping[str, Any], Mapping[str, float | None]]]:
    """(assessment id, year, answers, stored scores) in the filters, by year then id."""
    query = scope(
        select(Assessment.id, Assessment.year, Assessment.answers), filters or Filters()
    ).order_by(Assessment.year, Assessment.id)
    with transaction(engine) as conn:
        rows = conn.execute(query).all()
        ids = [r.id for r in rows]
        long: list[Any] = []
        for start in range(0, len(ids), CHUNK):
            long += conn.execute(
                select(
                    AssessmentScore.assessment_id, AssessmentScore.key, AssessmentScore.value
                ).where(AssessmentScore.assessment_id.in_(ids[start : start + CHUNK]))
            ).all()
    scores: dict[int, dict[str, float | None]] = {}
    for assessment_id, key, value in long:
        scores.setdefault(assessment_id, {})[key] = value
    return [(r.id, r.year, r.answers or {}, scores.get(r.id, {})) for r in rows]

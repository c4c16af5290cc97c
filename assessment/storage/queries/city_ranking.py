"""The city ranking's queries (Policy §4(4)): per-city participation and levels, improvement
over last year, and the stored answers and scores program uptake is matched on.

The weights, points, composite and rank are assessment/city_ranking.py (pure).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Float, and_, cast, func, select
from sqlalchemy.orm import aliased

from assessment import city_ranking
from assessment.dashboard import EQUIPMENT_LEVEL
from assessment.programs import ProgramSet, load_programs
from assessment.questionnaire import QuestionnaireSet
from assessment.storage.db import transaction
from assessment.storage.models import Assessment, AssessmentScore, Enterprise, Score
from assessment.storage.queries.dashboard import avg, frame, share

CHUNK = 500  # assessment ids per IN (...)


def per_city(engine: Engine, year: int) -> pd.DataFrame:
    """Per city: participation (submitted assessments), mean CMMM level, share at level ≥ 3."""
    query = (
        select(
            Enterprise.city.label("city"),
            func.count(Assessment.id).label("participation"),
            avg(Score.cmmm_level).label("mean_level"),
            share(Score.cmmm_level >= EQUIPMENT_LEVEL).label("share_level3"),
        )
        .join_from(Assessment, Enterprise, Enterprise.id == Assessment.enterprise_id)
        .join(Score, Score.assessment_id == Assessment.id)
        .where(Assessment.status == "submitted", Assessment.year == year)
        .group_by(Enterprise.city)
    )
    return frame(engine, query)


def improvement(engine: Engine, year: int) -> pd.DataFrame:
    """Mean change of the CMMM total S of enterprises assessed this year and the year before."""
    before = aliased(Assessment)
    before_score = aliased(Score)
    query = (
        select(
            Enterprise.city.label("city"),
            avg(cast(Score.cmmm_total, Float) - cast(before_score.cmmm_total, Float)).label(
                "improvement"
            ),
            func.count(Assessment.id).label("paired"),
        )
        .join_from(Assessment, Enterprise, Enterprise.id == Assessment.enterprise_id)
        .join(Score, Score.assessment_id == Assessment.id)
        .join(
            before,
            and_(
                before.enterprise_id == Assessment.enterprise_id,
                before.year == year - 1,
                before.status == "submitted",
            ),
        )
        .join(before_score, before_score.assessment_id == before.id)
        .where(
            Assessment.status == "submitted",
            Assessment.year == year,
            Score.cmmm_total.is_not(None),
            before_score.cmmm_total.is_not(None),
        )
        .group_by(Enterprise.city)
    )
    return frame(engine, query)


def stored_for_uptake(
    engine: Engine, year: int
) -> Iterator[tuple[str | None, Mapping[str, Any], Mapping[str, float | None]]]:
    """(city, answers, stored scores) of every assessment submitted for `year`, by id."""
    with transaction(engine) as conn:
        rows = conn.execute(
            select(Assessment.id, Enterprise.city, Assessment.answers)
            .join_from(Assessment, Enterprise, Enterprise.id == Assessment.enterprise_id)
            .where(Assessment.status == "submitted", Assessment.year == year)
            .order_by(Assessment.id)
        ).all()
        ids = [r.id for r in rows]
        scores: dict[int, dict[str, float | None]] = {}
        for start in range(0, len(ids), CHUNK):
            for aid, key, value in conn.execute(
                select(
                    AssessmentScore.assessment_id, AssessmentScore.key, AssessmentScore.value
                ).where(AssessmentScore.assessment_id.in_(ids[start : start + CHUNK]))
            ):
                scores.setdefault(aid, {})[key] = value
    for r in rows:
        yield r.city, dict(r.answers or {}), scores.get(r.id, {})


def program_uptake(engine: Engine, programs: ProgramSet, year: int) -> pd.DataFrame:
    """Per city: the share of this year's assessments with a strong program match."""
    return city_ranking.uptake(stored_for_uptake(engine, year), programs)


def city_assessment(
    engine: Engine, qset: QuestionnaireSet, year: int, programs: ProgramSet | None = None
) -> pd.DataFrame:
    """The §4(4) table for `year`: the eleven cities, their indicators, composite and rank."""
    if programs is None:
        programs = load_programs(qset=qset)
    return city_ranking.table(
        (
            per_city(engine, year),
            improvement(engine, year),
            program_uptake(engine, programs, year),
        )
    )


def years(engine: Engine) -> list[int]:
    """The years that have submitted assessments, newest first."""
    with transaction(engine) as conn:
        found = conn.execute(
            select(Assessment.year)
            .where(Assessment.status == "submitted")
            .group_by(Assessment.year)
            .order_by(Assessment.year.desc())
        ).scalars()
        return [int(y) for y in found]

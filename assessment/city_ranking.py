"""The annual assessment of the eleven cities' technical-transformation work (Policy §4(4)).

For one year, every city gets five indicators computed from its enterprises' submitted
assessments, each rescaled to 0–100 across the cities (min–max), a weighted composite and
a rank. docs/staff.md gives the definitions, the weights and why they were chosen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Float, and_, cast, func, select
from sqlalchemy.orm import aliased

from assessment.dashboard import EQUIPMENT_LEVEL, _avg, _frame, _share
from assessment.questionnaire import QuestionnaireSet
from assessment.reference import CITY_CODES
from assessment.storage.db import transaction
from assessment.storage.models import Assessment, AssessmentScore, Enterprise, Score

# Indicator → weight in the composite (sum 1). Improvement and level carry most: §4(4)
# assesses the *work* of a city, so progress counts as much as where its firms stand.
WEIGHTS: Mapping[str, float] = {
    "participation": 0.15,
    "mean_level": 0.25,
    "share_level3": 0.20,
    "improvement": 0.25,
    "uptake": 0.15,
}
INDICATORS = tuple(WEIGHTS)
# A program counts as taken up when the enterprise is eligible and fits it at least this well.
UPTAKE_MIN_FIT = 50.0
COLUMNS = (
    "city",
    "participation",
    "mean_level",
    "share_level3",
    "improvement",
    "paired",
    "uptake",
    *(f"{name}_points" for name in INDICATORS),
    "composite",
    "rank",
)


@dataclass(frozen=True, slots=True)
class _Facts:
    size_class: str | None
    variant: str


@dataclass(frozen=True, slots=True)
class StoredResult:
    """The parts of an AssessmentResult that program matching reads, rebuilt from storage."""

    profile: _Facts
    scores: Mapping[str, float | None]

    def flat(self) -> dict[str, float]:
        return {k: (math.nan if v is None else float(v)) for k, v in self.scores.items()}


def stored_result(answers: Mapping[str, Any], scores: Mapping[str, float | None]) -> StoredResult:
    """A result-like object for `recommend_programs` from stored answers and flat scores."""
    from assessment.scoring import profile_facts

    facts = profile_facts(answers)
    return StoredResult(_Facts(facts.size_class, facts.variant), dict(scores))


def has_uptake(matches: Any) -> bool:
    """Whether any program is a strong match: eligible with fit ≥ UPTAKE_MIN_FIT."""
    return any(m.eligible and m.fit >= UPTAKE_MIN_FIT for m in matches)


def _per_city(engine: Engine, year: int) -> pd.DataFrame:
    query = (
        select(
            Enterprise.city.label("city"),
            func.count(Assessment.id).label("participation"),
            _avg(Score.cmmm_level).label("mean_level"),
            _share(Score.cmmm_level >= EQUIPMENT_LEVEL).label("share_level3"),
        )
        .join_from(Assessment, Enterprise, Enterprise.id == Assessment.enterprise_id)
        .join(Score, Score.assessment_id == Assessment.id)
        .where(Assessment.status == "submitted", Assessment.year == year)
        .group_by(Enterprise.city)
    )
    return _frame(engine, query)


def _improvement(engine: Engine, year: int) -> pd.DataFrame:
    """Mean change of the CMMM total S of enterprises assessed this year and the year before."""
    before = aliased(Assessment)
    before_score = aliased(Score)
    query = (
        select(
            Enterprise.city.label("city"),
            _avg(cast(Score.cmmm_total, Float) - cast(before_score.cmmm_total, Float)).label(
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
    return _frame(engine, query)


def program_uptake(engine: Engine, programs: Any, year: int) -> pd.DataFrame:
    """Per city: the share of this year's assessments with a strong program match."""
    from assessment.programs import recommend_programs

    with transaction(engine) as conn:
        rows = conn.execute(
            select(Assessment.id, Enterprise.city, Assessment.answers)
            .join_from(Assessment, Enterprise, Enterprise.id == Assessment.enterprise_id)
            .where(Assessment.status == "submitted", Assessment.year == year)
            .order_by(Assessment.id)
        ).all()
        ids = [r.id for r in rows]
        scores: dict[int, dict[str, float | None]] = {}
        for start in range(0, len(ids), 500):
            for aid, key, value in conn.execute(
                select(
                    AssessmentScore.assessment_id, AssessmentScore.key, AssessmentScore.value
                ).where(AssessmentScore.assessment_id.in_(ids[start : start + 500]))
            ):
                scores.setdefault(aid, {})[key] = value
    records = []
    for r in rows:
        answers = dict(r.answers or {})
        result = stored_result(answers, scores.get(r.id, {}))
        records.append((r.city, has_uptake(recommend_programs(result, answers, programs))))
    frame = pd.DataFrame.from_records(records, columns=["city", "taken"])
    if frame.empty:
        return pd.DataFrame(columns=["city", "uptake"])
    return frame.groupby("city", as_index=False).agg(uptake=("taken", "mean"))


def points(values: pd.Series) -> pd.Series:
    """Min–max rescaling to 0–100 across cities; a missing value scores 0, all-equal 100."""
    present = values.dropna()
    if present.empty:
        return pd.Series(0.0, index=values.index)
    low, high = float(present.min()), float(present.max())
    if high == low:
        scaled = pd.Series(100.0, index=values.index)
    else:
        scaled = (values.astype(float) - low) / (high - low) * 100.0
    return scaled.where(values.notna(), 0.0).astype(float)


def composite(indicators: pd.DataFrame) -> pd.DataFrame:
    """Add `<indicator>_points`, `composite` and `rank` (1 = best; ties share a rank)."""
    out = indicators.copy()
    total = pd.Series(0.0, index=out.index)
    for name, weight in WEIGHTS.items():
        out[f"{name}_points"] = points(out[name])
        total += weight * out[f"{name}_points"]
    out["composite"] = total
    out["rank"] = out["composite"].rank(ascending=False, method="min").astype(int)
    return out.sort_values(["rank", "city"], ignore_index=True)


def city_assessment(
    engine: Engine, qset: QuestionnaireSet, year: int, programs: Any = None
) -> pd.DataFrame:
    """The §4(4) table for `year`: the eleven cities, their indicators, composite and rank."""
    if programs is None:
        from assessment.programs import load_programs

        programs = load_programs(qset=qset)
    frame = pd.DataFrame({"city": list(CITY_CODES)})
    for part in (
        _per_city(engine, year),
        _improvement(engine, year),
        program_uptake(engine, programs, year),
    ):
        if not part.empty:
            frame = frame.merge(part, on="city", how="left")
    for name in ("participation", "mean_level", "share_level3", "improvement", "paired", "uptake"):
        if name not in frame:
            frame[name] = math.nan
        frame[name] = frame[name].astype(float)
    frame["participation"] = frame["participation"].fillna(0.0)
    frame["paired"] = frame["paired"].fillna(0.0)
    return composite(frame)[list(COLUMNS)]


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

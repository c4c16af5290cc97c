"""A scored assessment, fresh or as stored: the one shape programs, the roadmap and the report read.

`AssessmentResult` (assessment/scoring.py) is what scoring computes from answers.
`ScoredAssessment` is a submitted assessment as the repository returns it: its answers,
questionnaire versions, profile facts and the scores stored when it was submitted — the
figures the results page, the PDF, the history and the peer comparison all show, so none
of them scores again. Both satisfy `Scored`; program matching needs only `ScoredFacts`,
which the light `StoredScores` (a bulk read of many assessments) also satisfies.

Empty scores are None all the way (`scores`); NaN exists only inside `AssessmentResult.flat()`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

import pandas as pd

from assessment.numbers import finite
from assessment.questionnaire import Item, Questionnaire, QuestionnaireSet
from assessment.scoring import (
    DONT_KNOW_STATUS,
    SCORED,
    SKIPPED,
    UNANSWERED,
    AreaScore,
    CmmmResult,
    GreenResult,
    IntegrationResult,
    ItemScore,
    ProfileFacts,
    Readiness,
    band_for,
    confirmed_scores,
    flat_keys,
    item_states,
    profile_facts,
    questionnaire_of_kind,
    score_assessment,
)

# flat() key → stored score; None where there is no score.
Scores = Mapping[str, float | None]


class ScoredFacts(Protocol):
    """What program matching reads: the profile facts and every flat() score (None: none)."""

    @property
    def profile(self) -> ProfileFacts: ...

    @property
    def scores(self) -> Mapping[str, float | None]: ...


class Scored(ScoredFacts, Protocol):
    """What the roadmap and the report read besides: the scored structure and item states."""

    @property
    def cmmm(self) -> CmmmResult | None: ...

    @property
    def green(self) -> GreenResult | None: ...

    @property
    def integration(self) -> IntegrationResult | None: ...

    @property
    def readiness(self) -> Readiness: ...

    @property
    def items(self) -> Mapping[str, ItemScore]: ...

    @property
    def dont_know(self) -> tuple[str, ...]: ...

    @property
    def unanswered(self) -> tuple[str, ...]: ...

    @property
    def if_confirmed(self) -> Mapping[str, float | None]: ...


@dataclass(frozen=True, slots=True)
class StoredScores:
    """Profile facts and stored scores of one assessment: what program matching reads."""

    profile: ProfileFacts
    scores: Scores


@dataclass(frozen=True, slots=True)
class ScoredAssessment:
    """A submitted assessment with the scores stored for it (None where there is no score).

    `cmmm`, `green`, `integration` and `readiness` hold the stored numbers; the counts of
    answered items per area, the failed vetoes and the item states follow from the answers.
    """

    assessment_id: int
    year: int
    answers: Mapping[str, Any]
    questionnaire_versions: Mapping[str, str]
    profile: ProfileFacts
    scores: Scores
    cmmm: CmmmResult | None
    green: GreenResult | None
    integration: IntegrationResult | None
    readiness: Readiness
    items: Mapping[str, ItemScore]
    dont_know: tuple[str, ...]
    unanswered: tuple[str, ...]
    # Not stored: what confirming the "don't know" answers could raise (AssessmentResult).
    if_confirmed: Mapping[str, float | None] = field(default_factory=lambda: MappingProxyType({}))


def stored_scores(answers: Mapping[str, Any], scores: Scores) -> StoredScores:
    """`StoredScores` of stored answers and scores."""
    return StoredScores(profile_facts(answers), MappingProxyType(dict(scores)))


def scored_assessment(
    answers: Mapping[str, Any],
    scores: Scores,
    qset: QuestionnaireSet,
    *,
    assessment_id: int,
    year: int,
    versions: Mapping[str, str],
) -> ScoredAssessment:
    """A submitted assessment's stored scores in the shape of a scoring result.

    When the stored scores do not cover the current questionnaires (they changed since the
    submission), the answers are scored again with them, as before stored scores were read.
    """
    frozen = MappingProxyType(dict(answers))
    if any(key not in scores for key in flat_keys(qset)):
        fresh = score_assessment(frozen, qset)
        return ScoredAssessment(
            assessment_id=assessment_id,
            year=year,
            answers=frozen,
            questionnaire_versions=MappingProxyType(dict(versions)),
            profile=fresh.profile,
            scores=MappingProxyType(fresh.scores),
            cmmm=fresh.cmmm,
            green=fresh.green,
            integration=fresh.integration,
            readiness=fresh.readiness,
            items=fresh.items,
            dont_know=fresh.dont_know,
            unanswered=fresh.unanswered,
            if_confirmed=fresh.if_confirmed,
        )
    profile = profile_facts(frozen)
    states = item_states(frozen, qset, profile.industry)
    stored = MappingProxyType(dict(scores))
    q = questionnaire_of_kind(qset, "cmmm")
    cmmm = _cmmm(q, states, stored, profile.variant) if q is not None else None
    q = questionnaire_of_kind(qset, "green")
    green = _green(q, states, stored) if q is not None else None
    q = questionnaire_of_kind(qset, "integration")
    integration = _integration(q, states, stored) if q is not None else None
    confidence = stored.get("readiness.confidence")
    dont_know = tuple(s.id for s in states.values() if s.status == DONT_KNOW_STATUS)
    return ScoredAssessment(
        assessment_id=assessment_id,
        year=year,
        answers=frozen,
        questionnaire_versions=MappingProxyType(dict(versions)),
        profile=profile,
        scores=stored,
        cmmm=cmmm,
        green=green,
        integration=integration,
        readiness=Readiness(stored.get("readiness.score"), float(confidence or 0.0)),
        items=MappingProxyType(states),
        dont_know=dont_know,
        unanswered=tuple(s.id for s in states.values() if s.status == UNANSWERED),
        # A what-if beside the stored figures, never in place of them.
        if_confirmed=confirmed_scores(frozen, qset, dont_know, profile.industry),
    )


# --- the structure around the stored numbers (the same areas and counts as scoring) --------


def _area(
    area_id: str, items: Sequence[Item], states: Mapping[str, ItemScore], scores: Scores
) -> AreaScore:
    answered = total = dont_know = 0
    for item in items:
        status = states[item.id].status
        if status == SKIPPED:
            continue
        total += 1
        dont_know += status == DONT_KNOW_STATUS
        answered += status == SCORED
    return AreaScore(area_id, scores.get(area_id), answered, total, dont_know)


def _cmmm(
    q: Questionnaire, states: Mapping[str, ItemScore], scores: Scores, variant: str
) -> CmmmResult:
    domains, subdomains = [], []
    for section in q.sections:
        scored = [it for it in section.items if it.id in states and it.level is not None]
        for sd in section.subdomains:
            own = [it for it in scored if it.subdomain == sd.id]
            subdomains.append(_area(sd.id, own, states, scores))
        domains.append(_area(section.id, scored, states, scores))
    return CmmmResult(
        questionnaire=q.id,
        variant=variant,
        level_scores=tuple(_stored(scores, f"{q.id}.l{i}") for i in range(1, 6)),
        total=_stored(scores, f"{q.id}.total"),
        level=int(_stored(scores, f"{q.id}.level")),
        score=_stored(scores, f"{q.id}.score"),
        domains=tuple(domains),
        subdomains=tuple(subdomains),
    )


def _stored(scores: Scores, key: str) -> float:
    """A score CMMM always has (level scores, S, level, score): stored as a number."""
    value = scores[key]
    if value is None:
        raise TypeError(f"the stored score {key} is empty")
    return float(value)


def _areas(
    q: Questionnaire, states: Mapping[str, ItemScore], scores: Scores
) -> tuple[tuple[AreaScore, ...], tuple[AreaScore, ...]]:
    areas, subdomains = [], []
    for section in q.sections:
        scored = [it for it in section.items if it.id in states]
        areas.append(_area(section.id, scored, states, scores))
        for sd in section.subdomains:
            own = [it for it in scored if it.subdomain == sd.id]
            subdomains.append(_area(sd.id, own, states, scores))
    return tuple(areas), tuple(subdomains)


def _green(q: Questionnaire, states: Mapping[str, ItemScore], scores: Scores) -> GreenResult:
    areas, subdomains = _areas(q, states, scores)
    failed, unconfirmed = [], []
    for item in q.items():
        if item.veto and item.type == "yesno" and item.id in states:
            state = states[item.id]
            if state.status == SCORED and state.score == 0.0:
                failed.append(item.id)
            elif state.status == DONT_KNOW_STATUS:
                unconfirmed.append(item.id)
    score = scores.get(f"{q.id}.score")
    veto = scores.get(f"{q.id}.veto")
    return GreenResult(
        questionnaire=q.id,
        score=score,
        # A "don't know" veto is unverified, never met: also for scores stored before
        # the gate counted it (issue 15).
        veto=bool(failed or unconfirmed) if veto is None else (veto >= 0.5 or bool(unconfirmed)),
        failed_vetoes=tuple(failed),
        unconfirmed_vetoes=tuple(unconfirmed),
        band=band_for(q.bands, score),
        areas=areas,
        subdomains=subdomains,
    )


def _integration(
    q: Questionnaire, states: Mapping[str, ItemScore], scores: Scores
) -> IntegrationResult:
    blocks, subdomains = _areas(q, states, scores)
    stage = scores.get(f"{q.id}.stage")
    return IntegrationResult(
        questionnaire=q.id,
        index=scores.get(f"{q.id}.index"),
        stage=None if stage is None else int(stage),
        blocks=blocks,
        subdomains=subdomains,
    )


def batch_scores(frame: pd.DataFrame) -> list[dict[str, float | None]]:
    """Each row of a `score_batch` frame as scores: float, None where it holds NaN."""
    keys = [str(k) for k in frame.columns]
    return [
        {k: finite(v) for k, v in zip(keys, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]

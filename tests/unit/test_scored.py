"""A stored assessment read back (`ScoredAssessment`) is the same scored assessment that scoring
gave: programs, roadmap and report get equal results from either, and empty scores are None.
Also the one map from scores to the `scores` columns and the enterprise facts a submission
sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessment.answers import load_answers_file
from assessment.loader import load_questionnaires
from assessment.programs import load_programs, recommend_programs
from assessment.report import summarise
from assessment.roadmap import improvement_roadmap
from assessment.scored import ScoredAssessment, batch_scores, scored_assessment, stored_scores
from assessment.scoring import score_assessment
from assessment.scoring_batch import score_batch
from assessment.storage.submissions import enterprise_facts, key_scores

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "tests" / "data" / "personas").glob("*.json"))
FILES += sorted((ROOT / "examples").glob("*.json"))
PARTS = ("profile", "cmmm", "green", "integration", "readiness", "dont_know", "unanswered")


@pytest.fixture(scope="module")
def qset():
    return load_questionnaires()


@pytest.fixture(scope="module")
def programs(qset):
    return load_programs(qset=qset)


def _read_back(answers, qset) -> ScoredAssessment:
    stored = score_assessment(answers, qset).scores  # what submit stores
    return scored_assessment(
        answers, stored, qset, assessment_id=7, year=2026, versions=qset.versions()
    )


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_stored_scores_read_back_equal_a_fresh_scoring(path, qset, programs):
    answers = dict(load_answers_file(path, qset).answers)
    fresh = score_assessment(answers, qset)
    scored = _read_back(answers, qset)
    for part in PARTS:
        assert getattr(scored, part) == getattr(fresh, part), part
    assert dict(scored.items) == dict(fresh.items)
    assert dict(scored.scores) == fresh.scores
    assert summarise(scored, qset) == summarise(fresh, qset)
    matches = recommend_programs(fresh, answers, programs)
    assert recommend_programs(scored, answers, programs) == matches
    assert recommend_programs(stored_scores(answers, fresh.scores), answers, programs) == matches
    roadmap = improvement_roadmap(fresh, answers, qset, programs)
    assert improvement_roadmap(scored, answers, qset, programs) == roadmap
    assert improvement_roadmap(scored, answers, qset, programs, matches=matches) == roadmap


def test_the_stored_numbers_are_shown_not_recomputed(qset):
    answers = dict(load_answers_file(FILES[0], qset).answers)
    stored = dict(score_assessment(answers, qset).scores)
    stored["green.score"] = 12.5  # as if stored by an earlier scoring rule
    scored = scored_assessment(answers, stored, qset, assessment_id=1, year=2026, versions={})
    assert scored.green is not None and scored.green.score == 12.5
    assert summarise(scored, qset).green_score == 12.5


def test_stored_scores_that_miss_a_key_are_scored_again(qset):
    answers = dict(load_answers_file(FILES[0], qset).answers)
    fresh = score_assessment(answers, qset)
    partial = {k: v for k, v in fresh.scores.items() if k != "im.total"}
    scored = scored_assessment(answers, partial, qset, assessment_id=1, year=2026, versions={})
    assert scored.cmmm == fresh.cmmm and dict(scored.scores) == fresh.scores


def test_empty_scores_are_none_never_nan(qset):
    import pandas as pd

    answers = dict(load_answers_file(FILES[0], qset).answers)
    fresh = score_assessment({k: v for k, v in answers.items() if k.startswith("profile.")}, qset)
    assert None in fresh.scores.values()
    assert all(v is None or v == v for v in fresh.scores.values())
    (row,) = batch_scores(score_batch(pd.DataFrame([answers]), qset))
    assert row == pytest.approx(score_assessment(answers, qset).scores)
    assert all(v is None or v == v for v in row.values())


@pytest.mark.parametrize(
    ("scores", "want"),
    [
        (
            {"im.level": 2.0, "im.total": 2.3, "im.score": 46.0, "green.veto": 1.0},
            {"cmmm_level": 2, "cmmm_total": 2.3, "cmmm_score": 46.0, "green_veto": True},
        ),
        ({"integration.stage": 3.0, "readiness.confidence": 1}, {"integration_stage": 3}),
        ({"green.veto": 0.0, "green.score": None}, {"green_veto": False, "green_score": None}),
        ({}, {"cmmm_level": None, "readiness_score": None}),
    ],
)
def test_key_scores_map_flat_keys_to_score_columns(scores, want):
    got = key_scores(scores)
    assert len(got) == 9
    for column, value in want.items():
        assert got[column] == value and type(got[column]) is type(value), column
    if "readiness.confidence" in scores:
        assert got["confidence"] == 1.0 and isinstance(got["confidence"], float)


def test_enterprise_facts_come_from_the_profile_answers():
    answers = {
        "profile.name": "示例",
        "profile.credit_code": " 91140100ma0k000017 ",
        "profile.city": "taiyuan",
        "profile.industry": "dont_know",
        "profile.employees": 350,
        "profile.revenue": 30000,
    }
    facts = enterprise_facts(answers)
    assert facts["credit_code"] == "91140100MA0K000017"
    assert (facts["name"], facts["city"], facts["industry"]) == ("示例", "taiyuan", "dont_know")
    assert facts["size_class"] == "medium"
    assert enterprise_facts({"profile.employees": "dont_know"}) == {"size_class": None}

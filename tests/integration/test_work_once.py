"""Along the walk of one answer nothing is done twice: a save validates its answers once and
JSON-encodes them once (the text that is stored), a submission validates once and scores
once, and what is stored is what the repository reads back as a `ScoredAssessment`."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from typing import Any

import pytest
from answers_factory import full_answers, profile_answers, section_answers

import assessment.answers
import assessment.scoring
from assessment.scored import ScoredAssessment
from assessment.storage import Repository, make_engine

YEAR = 2026


class Calls:
    """Counts the calls of wrapped functions, by name."""

    def __init__(self) -> None:
        self.n: dict[str, int] = {}

    def wrap(self, name: str, real: Any, counts: Any = lambda *a, **k: True) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if counts(*args, **kwargs):
                self.n[name] = self.n.get(name, 0) + 1
            return real(*args, **kwargs)

        return wrapper

    def take(self) -> dict[str, int]:
        out, self.n = self.n, {}
        return out


def _answers_like(obj: Any, *args: Any, **kwargs: Any) -> bool:
    """An answer set: a mapping whose keys are all item ids (questionnaire.item…)."""
    return isinstance(obj, Mapping) and bool(obj) and all("." in str(k) for k in obj)


@pytest.fixture
def counted(tmp_path, sqlite_template, qset, monkeypatch) -> tuple[Repository, Calls]:
    calls = Calls()
    real_dumps = json.dumps
    # Encodes by the library (json.dumps) and by the database layer (the engine's JSON
    # serializer) are both counted.
    monkeypatch.setattr(json, "dumps", calls.wrap("encode", real_dumps, _answers_like))
    path = tmp_path / "once.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(
        f"sqlite:///{path}", json_serializer=calls.wrap("encode", real_dumps, _answers_like)
    )
    monkeypatch.setattr(
        assessment.answers,
        "validate_answers",
        calls.wrap("validate", assessment.answers.validate_answers),
    )
    for name in ("score_assessment", "score_checked"):
        if hasattr(assessment.scoring, name):
            real = getattr(assessment.scoring, name)
            monkeypatch.setattr(assessment.scoring, name, calls.wrap("score", real))
    yield Repository(engine, qset), calls
    engine.dispose()


def sections(qset) -> list[str]:
    return [s.id for q in qset.questionnaires for s in q.sections]


def test_a_save_validates_once_and_encodes_once(counted, qset):
    repo, calls = counted
    draft = repo.create_draft(profile_answers(qset, 1, "profile.basic"), YEAR)
    assert calls.take() == {"validate": 1, "encode": 1}, "create_draft"
    version = draft.version
    for section in sections(qset):
        version = repo.save_section(
            draft.assessment_id, section, section_answers(qset, 1, section), version
        )
        assert calls.take() == {"validate": 1, "encode": 1}, section


def test_a_submission_validates_once_and_scores_once(counted, qset):
    repo, calls = counted
    draft = repo.create_draft(profile_answers(qset, 2, "profile.basic"), YEAR)
    version = draft.version
    for section in sections(qset):
        version = repo.save_section(
            draft.assessment_id, section, section_answers(qset, 2, section), version
        )
    calls.take()
    record = repo.submit(draft.assessment_id, version)
    assert calls.take() == {"validate": 1, "score": 1}
    scored = repo.scored(record)
    assert calls.take() == {}, "reading the stored scores neither validates nor scores"
    assert isinstance(scored, ScoredAssessment)
    assert dict(scored.scores) == record.scores


def test_the_stored_scores_read_back_equal_a_fresh_scoring(repo, qset):
    answers = full_answers(qset, 3)
    draft = repo.create_draft({k: v for k, v in answers.items() if k.startswith("profile.")}, YEAR)
    version = draft.version
    for section in sections(qset):
        version = repo.save_section(
            draft.assessment_id, section, section_answers(qset, 3, section), version
        )
    record = repo.submit(draft.assessment_id, version)
    fresh = assessment.scoring.score_assessment(record.answers, qset)
    scored = repo.scored(record.id)
    assert (scored.assessment_id, scored.year) == (record.id, YEAR)
    assert dict(scored.questionnaire_versions) == qset.versions()
    assert dict(scored.scores) == fresh.scores  # None, never NaN, where there is no score
    assert all(v is None or v == v for v in scored.scores.values())
    for part in ("profile", "cmmm", "green", "integration", "readiness"):
        assert getattr(scored, part) == getattr(fresh, part), part
    assert dict(scored.items) == dict(fresh.items)
    assert (scored.dont_know, scored.unanswered) == (fresh.dont_know, fresh.unanswered)


def test_a_draft_has_no_stored_scores(repo, qset):
    draft = repo.create_draft(profile_answers(qset, 4, "profile.basic"), YEAR)
    with pytest.raises(ValueError, match="draft"):
        repo.scored(draft.assessment_id)

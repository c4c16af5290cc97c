"""Nothing is computed twice per run of a page: a wizard save validates the answers once, a
submission validates them once in the repository (plus once on the review page that draws
the submit button), and the results page scores nothing (it reads the stored scores) and
matches the programs once (the roadmap takes the page's matches)."""

from __future__ import annotations

from typing import Any

import pytest
from apphelpers import (
    SECTIONS,
    button,
    complete,
    fill,
    new_app,
    save,
    start,
    texts,
    widget_section,
)
from streamlit.testing.v1 import AppTest

import assessment.answers
import assessment.programs
import assessment.scoring
import assessment.section_check
import ui.results
import ui.review
from assessment import demo
from assessment.loader import load_questionnaires
from assessment.storage import Repository, make_engine
from ui.session import Current


class Calls:
    """Counts calls of wrapped functions, by name."""

    def __init__(self) -> None:
        self.n: dict[str, int] = {}

    def wrap(self, name: str, real: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.n[name] = self.n.get(name, 0) + 1
            return real(*args, **kwargs)

        return wrapper

    def take(self) -> dict[str, int]:
        out, self.n = self.n, {}
        return out


@pytest.fixture
def calls(monkeypatch) -> Calls:
    calls = Calls()
    validate = calls.wrap("validate", assessment.answers.validate_answers)
    # The name is bound where it is imported at module level, and looked up in
    # assessment.answers where it is imported inside a function (storage, scoring).
    for module in (assessment.answers, assessment.section_check, ui.review):
        monkeypatch.setattr(module, "validate_answers", validate)
    for module in (assessment.scoring, ui.results):
        for name in ("score_assessment", "score_checked"):
            if hasattr(module, name):
                real = getattr(module, name)
                monkeypatch.setattr(module, name, calls.wrap("score", real))
    programs = calls.wrap("programs", assessment.programs.recommend_programs)
    for module in (assessment.programs, ui.results):
        monkeypatch.setattr(module, "recommend_programs", programs)
    return calls


@pytest.mark.usefixtures("small_set")
def test_a_wizard_save_validates_once(db_url, calls):
    at = start(new_app("en"))
    for section_id, answers in SECTIONS[:-1]:  # the last save leads to the review page
        assert widget_section(at) == section_id
        fill(at, answers)
        calls.take()
        save(at)
        assert not at.exception, at.exception
        assert calls.take().get("validate") == 1, section_id


@pytest.mark.usefixtures("small_set")
def test_a_submission_validates_once_in_the_repository(db_url, calls):
    at = complete(new_app("en"))
    at.checkbox(key="confirm_submit").check().run()
    calls.take()
    button(at, "submit").click().run()
    assert not at.exception, at.exception
    got = calls.take()
    # One on the review page (it draws the submit button enabled or not), one in submit.
    assert got.get("validate") == 2, got
    assert got.get("score") == 1, got


def _page_script(name: str) -> None:
    # Runs inside AppTest: one page through the same boundary the router uses.
    import importlib

    from ui.navigation import PAGES, guarded

    guarded(importlib.import_module(PAGES[name].module).render)()


def _submitted(db_url: str) -> Current:
    """An assessment of the shipped questionnaires, saved section by section and submitted."""
    qset = load_questionnaires()
    answers = demo.generate(qset, 1, seed=7)[0].answers
    repo = Repository(make_engine(db_url), qset)
    basic = qset["profile"].sections[0]
    own = {it.id for it in basic.items}
    draft = repo.create_draft({k: v for k, v in answers.items() if k in own}, 2026)
    version = draft.version
    for q in qset.questionnaires:
        for section in q.sections[1 if q.kind == "profile" else 0 :]:
            mine = {it.id: answers[it.id] for it in section.items if it.id in answers}
            version = repo.save_section(
                draft.assessment_id, section.id, mine, version, require_complete=False
            )
    record = repo.submit(draft.assessment_id, version)
    return Current(
        record.id, record.enterprise_id, draft.resume_code, record.version, "submitted", 2026
    )


def test_the_results_page_scores_nothing_and_matches_programs_once(db_url, calls):
    at = AppTest.from_function(_page_script, args=("results",), default_timeout=60)
    at.session_state["lang"] = "en"
    at.session_state["current"] = _submitted(db_url)
    calls.take()
    at.run()
    assert not at.exception, at.exception
    assert "Special programs that fit" in texts(at)
    got = calls.take()
    assert "score" not in got, got  # the stored scores are read
    assert got.get("programs") == 1, got  # the roadmap takes the page's matches
    assert "validate" not in got, got

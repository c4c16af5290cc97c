"""The landing page's "continue from a saved answers file": upload, check, draft, review, submit."""

from __future__ import annotations

import json

import pytest
from apphelpers import (
    CREDIT_CODE,
    SECTIONS,
    new_app,
    stored_answers,
    submit,
)
from sqlalchemy import func, select
from staff_apphelpers import error_codes

from assessment import load_questionnaires
from assessment.answers import answers_document
from assessment.storage import Repository, make_engine
from assessment.storage.models import Assessment


def _file(answers: dict, qset) -> bytes:
    return json.dumps(answers_document(answers, qset), ensure_ascii=False).encode("utf-8")


def _upload(at, data: bytes, name: str = "answers.json"):
    at.run()
    at.file_uploader(key="answers_upload").upload(name, data, "application/json").run()
    at.button(key="upload_answers").click().run()
    assert not at.exception, at.exception
    return at


def _count(db_url: str) -> int:
    with make_engine(db_url).connect() as conn:
        return conn.execute(select(func.count()).select_from(Assessment)).scalar_one()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_upload_creates_the_draft_shows_the_code_and_submits(db_url, small_set, lang):
    qset = load_questionnaires(small_set)
    at = _upload(new_app(lang), _file(stored_answers(), qset))
    assert not at.error, [e.value for e in at.error]
    code = at.session_state["current"].resume_code
    assert code in [c.value for c in at.code]  # shown once, like after the first page
    record = Repository(make_engine(db_url), qset).resume(code)
    assert dict(record.answers) == stored_answers()
    assert record.status == "draft"
    at.button(key="upload_review").click().run()
    submit(at)
    record = Repository(make_engine(db_url), qset).resume(code)
    assert record.status == "submitted"
    assert at.session_state["current"].status == "submitted"


def test_an_incomplete_file_continues_where_it_stopped(db_url, small_set):
    qset = load_questionnaires(small_set)
    partial = {k: v for _, answers in SECTIONS[:3] for k, v in answers.items()}
    partial["profile.employees"] = 120.0
    at = _upload(new_app("en"), _file(partial, qset))
    assert not at.error
    record = Repository(make_engine(db_url), qset).resume(at.session_state["current"].resume_code)
    assert dict(record.answers) == partial
    at.button(key="upload_review").click().run()
    assert at.checkbox(key="confirm_submit").disabled  # required questions still open


def _versions(doc: dict) -> dict:
    doc["questionnaires"] = {k: "0.0.1" for k in doc["questionnaires"]}
    return doc


@pytest.mark.parametrize(
    ("name", "make", "code"),
    [
        ("not json", lambda qs: b"{not json", "A208"),
        (
            "wrong format",
            lambda qs: b'{"format": "x", "questionnaires": {}, "answers": {}}',
            "A208",
        ),
        (
            "old questionnaire versions",
            lambda qs: json.dumps(_versions(answers_document(stored_answers(), qs))).encode(),
            "A209",
        ),
        (
            "an answer out of the options",
            lambda qs: _file({**stored_answers(), "profile.city": "paris"}, qs),
            "A203",
        ),
        (
            "an unknown question",
            lambda qs: _file({**stored_answers(), "im.nope": "full"}, qs),
            "A201",
        ),
        (
            "no credit code",
            lambda qs: _file(
                {k: v for k, v in stored_answers().items() if k != "profile.credit_code"}, qs
            ),
            "A205",
        ),
    ],
)
def test_a_bad_file_is_refused_with_its_code_and_nothing_is_written(
    db_url, small_set, name, make, code
):
    at = _upload(new_app("en"), make(load_questionnaires(small_set)))
    assert code in error_codes(at), (name, [e.value for e in at.error])
    assert _count(db_url) == 0
    assert "current" not in at.session_state  # no assessment opened


def test_the_same_enterprise_twice_is_referred_to_staff(db_url, small_set):
    # Issue 14 (item 6): this asserted S401 ("already registered", with the code), which
    # told anyone whether a company took part. Now: S415, the same for any refusal.
    qset = load_questionnaires(small_set)
    _upload(new_app("en"), _file(stored_answers(), qset))
    at = _upload(new_app("en"), _file(stored_answers(), qset))
    assert error_codes(at) == ["S415"]
    assert CREDIT_CODE not in " ".join(str(e.value) for e in at.error)
    assert _count(db_url) == 1

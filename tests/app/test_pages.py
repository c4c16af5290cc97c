"""Each page on its own (AppTest.from_function), plus the landing page and language switch."""

from __future__ import annotations

import gc
import sys
import types

import pytest
from apphelpers import (
    CREDIT_CODE,
    PROFILE_BASIC,
    SECTIONS,
    SKIP_SET,
    button,
    errors,
    new_app,
    texts,
)
from streamlit.testing.v1 import AppTest

from assessment import load_questionnaires
from assessment.errors import CATALOGUE
from assessment.storage import Repository, make_engine

pytestmark = pytest.mark.usefixtures("small_set")


def _page_script(name: str) -> None:
    # Runs inside AppTest: one page through the same boundary the router uses.
    import importlib

    from ui.i18n import language_selector
    from ui.navigation import PAGES, guarded

    language_selector()
    guarded(importlib.import_module(PAGES[name].module).render)()


def page_app(name: str, lang: str = "zh", current=None, answers=None) -> AppTest:
    at = AppTest.from_function(_page_script, args=(name,), default_timeout=60)
    at.session_state["lang"] = lang
    if current is not None:
        at.session_state["current"] = current
        at.session_state["answers"] = dict(answers or {})
    return at.run()


def _draft(db_url: str, answers: dict) -> object:
    from ui.session import Current

    repo = Repository(make_engine(db_url), load_questionnaires(SKIP_SET))
    basic = {k: v for k, v in answers.items() if k in PROFILE_BASIC}
    draft = repo.create_draft(basic, 2026)
    version = draft.version
    rest = {k: v for k, v in answers.items() if k not in PROFILE_BASIC}
    if rest:
        version = repo.save_section(draft.assessment_id, "profile.facts", rest, version)
    return Current(draft.assessment_id, draft.enterprise_id, draft.resume_code, version, year=2026)


@pytest.mark.parametrize(
    ("lang", "phrases"),
    [
        (
            "zh",
            [
                "30–45 分钟",
                "不少于 **5** 家",
                "GB/T 39116",
                "GB/T 36132",
                "GB/T 23020",
                "智能制造示范工程",
                "公共平台建设工程",
                "省、市工业和信息化主管部门",
            ],
        ),
        (
            "en",
            [
                "30–45 minutes",
                "at least **5**",
                "GB/T 39116",
                "GB/T 36132",
                "GB/T 23020",
                "Intelligent-manufacturing demonstration",
                "Public-platform construction",
                "provincial and city industry and IT departments",
            ],
        ),
    ],
)
def test_landing_explains_the_assessment(db_url, lang, phrases):
    at = new_app(lang).run()
    assert not at.exception
    page = texts(at)
    for phrase in phrases:
        assert phrase in page, phrase
    programs = next(m.value for m in at.markdown if m.value.startswith("1. "))
    assert len(programs.splitlines()) == 8  # the eight special programs


def test_language_switch_in_the_sidebar(db_url):
    at = new_app("zh").run()
    assert "开始评估" in [b.label for b in at.button]
    at.sidebar.radio[0].set_value("en").run()
    assert "Start the assessment" in [b.label for b in at.button]
    assert "开始评估" not in [b.label for b in at.button]


@pytest.mark.parametrize("name", ["review", "results"])
@pytest.mark.parametrize(
    ("lang", "message"),
    [("zh", "尚未开始或打开评估"), ("en", "No assessment is open")],
)
def test_pages_without_an_assessment_say_how_to_start(db_url, name, lang, message):
    at = page_app(name, lang)
    assert not at.exception
    assert any(message in i.value for i in at.info)


def test_results_of_a_draft_ask_to_submit_first(db_url):
    answers = {**PROFILE_BASIC}
    at = page_app("results", "en", _draft(db_url, answers), answers)
    assert any("has not been submitted" in i.value for i in at.info)
    assert not at.metric


def test_review_lists_open_and_dont_know_questions_and_blocks_submit(db_url):
    answers = {**PROFILE_BASIC, "profile.employees": "dont_know", "profile.first_unit": True}
    at = page_app("review", "zh", _draft(db_url, answers), answers)
    page = texts(at)
    assert "选择了“不清楚”" in page and "从业人员" in page
    assert "未回答" in page and "高级排产" in page and "必答" in page
    assert at.checkbox(key="confirm_submit").disabled
    assert button(at, "submit").disabled
    assert any("个问题需要处理" in w.value for w in at.warning)
    # "Edit this section" buttons lead back to the sections with open questions.
    edits = {b.key for b in at.button if b.key and b.key.startswith("edit:")}
    assert edits == {
        "edit:profile.basic",  # optional GB/T 4754 code open
        "edit:profile.facts",  # employees "don't know", four-bases open
        "edit:im.factory",
        "edit:im.production",
        "edit:green.basic",
        "edit:green.energy",  # shown: the four-bases question is unanswered
    }


def test_review_reports_a_stale_draft_on_submit(db_url):
    from dataclasses import replace

    answers = {}
    for _, section in SECTIONS:
        answers.update(section)
    answers["profile.employees"] = 120.0
    cur = _draft(db_url, {k: v for k, v in answers.items() if k.startswith("profile.")})
    repo = Repository(make_engine(db_url), load_questionnaires(SKIP_SET))
    version = cur.version
    for section_id, section in SECTIONS[2:]:
        version = repo.save_section(cur.assessment_id, section_id, section, version)
    # The session still holds an older version: another tab saved since.
    stale = replace(cur, version=version - 1)
    at = page_app("review", "en", stale, answers)
    assert not at.checkbox(key="confirm_submit").disabled  # nothing blocks submitting
    at.checkbox(key="confirm_submit").check().run()
    assert not button(at, "submit").disabled
    button(at, "submit").click().run()
    assert any(CATALOGUE["S402"].en.split(" (")[0] in m for m in errors(at)), errors(at)
    assert any(b.label == "Reload the latest answers" for b in at.button)


def test_wizard_page_alone_starts_with_the_profile(db_url):
    at = page_app("wizard", "en")
    assert not at.exception
    assert [b.label for b in at.button if b.key.startswith("FormSubmitter")] == [
        "Save and continue →"
    ]
    assert CREDIT_CODE  # (the profile form is where the code is entered)


def test_the_page_boundary_keeps_loaded_modules_out_of_the_collectors_scans(db_url):
    # Streamlit runs gc.collect() after every run while the browser waits; the objects the
    # imports built are frozen so that it does not walk them on every click (BENCHMARKS.md,
    # "next section").
    from ui import navigation

    page_app("landing")
    assert gc.get_freeze_count() > 50_000
    frozen = gc.get_freeze_count()
    probe = [[] for _ in range(10)]
    navigation.freeze_imported()  # nothing new imported: nothing more frozen
    assert gc.get_freeze_count() == frozen
    sys.modules["_freeze_probe"] = types.ModuleType("_freeze_probe")
    try:
        navigation.freeze_imported()  # after a run that imported more: what is alive now
        assert gc.get_freeze_count() >= frozen + len(probe)
    finally:
        del sys.modules["_freeze_probe"]

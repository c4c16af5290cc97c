"""The enterprise journey under AppTest: start, fill, review, submit, results; both languages."""

from __future__ import annotations

import pytest
from apphelpers import (
    SECTIONS,
    SKIP_SET,
    button,
    complete,
    errors,
    fill,
    new_app,
    resume_code,
    save,
    stored_answers,
    submit,
    texts,
    widget_section,
)
from sqlalchemy import create_engine, text

from assessment import load_questionnaires, score_assessment

pytestmark = pytest.mark.usefixtures("small_set")


def _expected():
    qset = load_questionnaires(SKIP_SET)
    return score_assessment(stored_answers(), qset), qset


@pytest.mark.parametrize(
    ("lang", "level_fmt", "veto_text", "first_text"),
    [
        ("zh", "{} 级", "基本要求：满足", "这是本企业的第一次评估"),
        ("en", "Level {}", "Basic requirements: met", "This is the enterprise's first assessment"),
    ],
)
def test_fill_submit_and_see_results(db_url, lang, level_fmt, veto_text, first_text):
    at = complete(new_app(lang))
    assert not errors(at)
    submit(at)
    result, qset = _expected()
    metrics = [m.value for m in at.metric]
    assert level_fmt.format(result.cmmm.level) in metrics
    level_name = qset["im"].levels[result.cmmm.level - 1].name.get(lang)
    page = texts(at)
    assert level_name in page
    assert f"{result.green.score:.0f}" in metrics
    assert veto_text in page
    assert first_text in page
    assert len(at.get("download_button")) == 2  # PDF and JSON
    with create_engine(db_url).connect() as conn:
        status = conn.execute(text("select status from assessments")).scalar_one()
    assert status == "submitted"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_results_say_plainly_what_is_not_available(db_url, lang):
    at = submit(complete(new_app(lang)))
    page = texts(at)
    # No peer model has been fitted in a fresh database: the page says so in words.
    unavailable = {"zh": "同类对标暂不可用", "en": "Peer comparison is not available yet"}
    assert unavailable[lang] in page


def test_next_year_assessment_shows_change_since_last_year(db_url):
    at = submit(complete(new_app("en")))
    year = int(at.session_state["current"].year)
    button(at, "next_year").click().run()
    assert not at.exception, at.exception
    # The whole profile is carried over: the wizard opens on the first domain.
    assert widget_section(at) == "im.factory"
    for section_id, answers in SECTIONS[2:]:
        assert widget_section(at) == section_id, errors(at)
        better = dict(answers)
        if section_id == "im.production":
            better["im.production.scheduling.l3.aps"] = "full"
        fill(at, better)
        save(at)
        if section_id == "im.production":
            # The same-page follow-up question appeared; answer it and save again.
            fill(at, {"im.production.scheduling.l3.aps_feedback": "most"})
            save(at)
    submit(at)
    page = texts(at)
    assert f"Change in {year + 1} compared with {year}." in page
    deltas = [m.delta for m in at.metric if m.delta not in (None, "")]
    assert deltas, "the change since last year is shown as metric deltas"
    # The radar draws last year's polygon beside this year's.
    specs = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert any(f'"series": "{year}"' in spec for spec in specs)


def test_resume_link_of_submitted_assessment_opens_results(db_url):
    at = submit(complete(new_app("en")))
    again = new_app("en")
    again.query_params["resume"] = resume_code(at)
    again.run()
    button(again, "continue").click().run()
    assert widget_section(again) is None
    assert "Results" in texts(again)
    assert len(again.get("download_button")) == 2

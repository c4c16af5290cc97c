"""Wizard behaviour under AppTest: validation beside the field, skip logic, resume, staleness."""

from __future__ import annotations

import re

import pytest
from apphelpers import (
    CREDIT_CODE,
    OTHER_CODE,
    PROFILE_BASIC,
    SECTIONS,
    SKIP_SET,
    button,
    complete,
    dont_know,
    errors,
    fill,
    jump,
    messages_under,
    new_app,
    resume_code,
    save,
    start,
    submit,
    texts,
    widget,
    widget_section,
)
from sqlalchemy import create_engine, text

from assessment.errors import CATALOGUE
from assessment.loader import load_questionnaires
from ui.wizard import resume_box_key

pytestmark = pytest.mark.usefixtures("small_set")

SKIP_QSET = load_questionnaires(SKIP_SET)

# An item id as it could leak into the Chinese page: "im.factory…", "profile.name".
ITEM_ID = re.compile(r"\b(?:profile|im|green|integration)\.[a-z_]+")


def _count(db_url: str, table: str) -> int:
    with create_engine(db_url).connect() as conn:
        return conn.execute(text(f"select count(*) from {table}")).scalar_one()


def _walk(node):
    yield node
    for key in sorted(getattr(node, "children", None) or {}):
        yield from _walk(node.children[key])


def _item_ids(at) -> list[str]:
    """The questionnaire items whose widgets are on the page, in page order."""
    return [
        node.key.split(":")[1]
        for node in _walk(at._tree)
        if (getattr(node, "key", None) or "").startswith("w:") and not node.key.endswith(":dk")
    ]


def _caption_under(at, item_id: str) -> str | None:
    """The caption drawn under an item's widget (before the next question), or None."""
    found = False
    for node in _walk(at._tree):
        key = getattr(node, "key", None) or ""
        if key.startswith("w:") and not key.endswith(":dk"):
            if found:
                return None
            found = key.startswith(f"w:{item_id}:")
        elif found and type(node).__name__ == "Caption":
            return str(node.value)
    return None


def _first_two(at):
    fill(at, PROFILE_BASIC)
    save(at)
    assert widget_section(at) == "profile.facts", errors(at)


@pytest.mark.parametrize(
    ("lang", "item_id", "value", "expected", "code"),
    [
        ("zh", "profile.credit_code", "91140100MA0K000018", "校验位应为 '7'", "A206"),
        (
            "en",
            "profile.credit_code",
            "91140100MA0K000018",
            "check character should be '7'",
            "A206",
        ),
        ("zh", "profile.credit_code", "ABC", "应为 18 位，实际 3 位", "A206"),
        ("en", "profile.credit_code", "ABC", "must be 18 characters, got 3", "A206"),
        ("zh", "profile.gbt4754", "31-10", "如 C3110", "A207"),
        ("en", "profile.gbt4754", "31-10", "e.g. C3110", "A207"),
        ("zh", "profile.name", "", "此题为必答题", "A205"),
        ("en", "profile.name", "", "This question is required", "A205"),
    ],
)
def test_profile_errors_show_beside_the_field_and_nothing_is_saved(
    db_url, lang, item_id, value, expected, code
):
    at = start(new_app(lang))
    fill(at, {**PROFILE_BASIC, item_id: value})
    save(at)
    assert widget_section(at) == "profile.basic"  # stayed on the page
    under = messages_under(at, item_id)
    assert len(under) == 1 and expected in under[0], (code, under, errors(at))
    if lang == "zh":
        assert not re.search(r"[A-Za-z]{4,}", under[0].replace(value, "")), under[0]
    assert _count(db_url, "assessments") == 0
    assert "resume" not in at.query_params


@pytest.mark.parametrize(
    ("lang", "value", "expected"),
    [
        ("zh", "-5", "请输入非负数"),  # the item's own constraint message
        ("en", "-5", "Enter a number of at least 0"),
        ("zh", "一百二十", "类型不正确：应为数字"),
        ("en", "twelve", "has the wrong type: a number expected"),
    ],
)
def test_numbers_are_checked_by_the_library(db_url, lang, value, expected):
    at = start(new_app(lang))
    _first_two(at)
    fill(at, {"profile.employees": value})
    save(at)
    assert widget_section(at) == "profile.facts"
    messages = messages_under(at, "profile.employees")
    assert len(messages) == 1, errors(at)
    with create_engine(db_url).connect() as conn:
        stored = conn.execute(text("select answers from assessments")).scalar_one()
    assert "profile.employees" not in stored  # nothing wrong was saved
    assert expected in messages[0]
    if lang == "zh":
        assert "number" not in messages[0]


def test_dont_know_is_offered_where_allowed_and_saved(db_url):
    at = start(new_app("en"))
    _first_two(at)
    assert dont_know(at, "profile.employees") is not None
    assert dont_know(at, "profile.first_unit") is None  # yesno without dont_know
    dont_know(at, "profile.employees").check()
    fill(at, {"profile.first_unit": True})
    save(at)
    assert widget_section(at) == "im.factory", errors(at)
    with create_engine(db_url).connect() as conn:
        stored = conn.execute(text("select answers from assessments")).scalar_one()
    import json

    answers = json.loads(stored) if isinstance(stored, str) else stored
    assert answers["profile.employees"] == "dont_know"
    assert answers["profile.first_unit"] is True


def test_requirement_items_offer_four_ratings_with_the_level(db_url):
    at = complete(new_app("zh"), sections=SECTIONS[:2])
    w = widget(at, "im.factory.equipment.l1.plan")
    assert w.options[:4] == ["全部满足", "大部分满足", "部分满足", "不满足"]
    assert w.options[4:] == ["不清楚"]  # this item allows "don't know"
    assert widget(at, "im.factory.network.l2.lan").options == w.options[:4]
    caption = _caption_under(at, "im.factory.equipment.l1.plan")
    assert caption is not None and caption.startswith("1 级（")  # the CMMM level, then the hint
    assert "有书面规划" in caption
    assert not w.help  # the hint is the caption, not a tooltip repeating it


@pytest.mark.parametrize(("production_type", "shown"), [("discrete", False), ("process", True)])
def test_skip_logic_from_the_profile(db_url, production_type, shown):
    sections = [("profile.basic", {**PROFILE_BASIC, "profile.production_type": production_type})]
    at = complete(new_app("en"), sections=sections + SECTIONS[1:2])
    assert widget_section(at) == "im.factory"
    assert (widget(at, "im.factory.safety.l2.sis") is not None) is shown


def test_skip_logic_on_the_same_page_opens_the_follow_up_before_saving(db_url):
    at = complete(new_app("en"), sections=SECTIONS[:3])
    assert widget_section(at) == "im.production"
    assert widget(at, "im.production.scheduling.l3.aps_feedback") is None
    fill(at, {"im.production.scheduling.l3.aps": "full"})
    save(at)
    # Still on the page: the follow-up appeared and, being required, is flagged.
    assert widget_section(at) == "im.production"
    follow_up = widget(at, "im.production.scheduling.l3.aps_feedback")
    assert follow_up is not None
    assert any(CATALOGUE["A205"].en in m for m in errors(at))
    assert widget(at, "im.production.scheduling.l3.aps").value == "full"  # kept
    fill(at, {"im.production.scheduling.l3.aps_feedback": "most"})
    save(at)
    assert widget_section(at) == "green.basic", errors(at)


def test_a_revealed_required_question_is_flagged_once(db_url):
    at = complete(new_app("en"), sections=SECTIONS[:3])
    fill(at, {"im.production.scheduling.l3.aps": "full"})
    save(at)
    assert sum(CATALOGUE["A205"].en in m for m in errors(at)) == 1, errors(at)
    assert errors(at)[0].startswith("1 answer needs attention"), errors(at)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_hint_and_level_is_shown_under_its_question(db_url, lang):
    # Managers fill this in alone: each hint and each requirement's CMMM level must be
    # readable on the page, in the chosen language, without hovering anything.
    at = start(new_app(lang))
    checked = 0
    for section_id, answers in SECTIONS:
        assert widget_section(at) == section_id, errors(at)
        for item_id in _item_ids(at):
            item = SKIP_QSET.item(item_id)
            caption = _caption_under(at, item_id) or ""
            if item.hint is not None:
                assert getattr(item.hint, lang) in caption, (item_id, caption)
                checked += 1
            if item.type == "requirement":
                name = SKIP_QSET["im"].levels[item.level - 1].name
                badge = {
                    "zh": f"{item.level} 级（{name.zh}）",
                    "en": f"Level {item.level} ({name.en})",
                }
                assert badge[lang] in caption, (item_id, caption)
        for group in (at.text_input, at.radio, at.selectbox, at.multiselect):
            assert not any(w.help for w in group), section_id  # no tooltip repeating it
        fill(at, answers)
        save(at)
    assert checked >= 10


def test_resume_code_is_shown_once_the_profile_is_saved(db_url):
    at = start(new_app("zh"))
    assert not at.code  # no code before anything is saved
    fill(at, PROFILE_BASIC)
    save(at)
    code = resume_code(at)
    shown = [c.value for c in at.code]
    assert code in shown
    assert any(s.endswith(f"?resume={code}") for s in shown)  # the resume link
    assert any("续填码" in w.value for w in at.warning)
    # On the next sections the box is folded and drawn empty; the sidebar keeps the code.
    fill(at, SECTIONS[1][1])
    save(at)
    assert [c.value for c in at.code] == [code]
    at.session_state[resume_box_key(at.session_state["current"], False)] = True  # opened
    at.run()
    assert widget_section(at) == "im.factory"
    assert any(c.value.endswith(f"?resume={code}") for c in at.code)
    assert any("续填码" in w.value for w in at.warning)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reloading_with_the_resume_link_restores_every_answer(db_url, lang):
    at = complete(new_app(lang), sections=SECTIONS[:3])
    code = resume_code(at)
    # A new session (reloaded tab or another browser) with only the link's query param.
    other = new_app(lang)
    other.query_params["resume"] = code
    other.run()
    button(other, "continue").click().run()
    assert widget_section(other) == "im.production"  # the first section still open
    jump(other, "profile.basic")
    for item_id, value in PROFILE_BASIC.items():
        assert widget(other, item_id).value == value
    jump(other, "profile.facts")
    assert widget(other, "profile.employees").value == "120"
    assert widget(other, "profile.four_bases").value == ["components"]
    jump(other, "im.factory")
    assert widget(other, "im.factory.network.l2.lan").value == "most"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_unknown_resume_code_is_refused_beside_the_field(db_url, lang):
    at = new_app(lang)
    at.run()
    at.text_input(key="resume_input").input("AAAA-BBBB-CCCC")
    submit_button = next(b for b in at.button if b.key and "resume_form" in b.key)
    submit_button.click().run()
    assert any(getattr(CATALOGUE["S408"], lang) in m for m in errors(at))
    assert "current" not in at.session_state


def test_an_expired_resume_code_is_refused(db_url):
    from datetime import UTC, datetime

    from sqlalchemy import update

    from assessment.storage.models import Assessment

    code = resume_code(complete(new_app("en"), sections=SECTIONS[:1]))
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(update(Assessment).values(resume_expires_at=datetime(2020, 1, 1, tzinfo=UTC)))
    at = new_app("en")
    at.query_params["resume"] = code
    at.run()
    assert any(CATALOGUE["S408"].en in m for m in errors(at))
    assert "current" not in at.session_state


def test_unknown_resume_code_in_the_link_is_refused(db_url):
    at = new_app("en")
    at.query_params["resume"] = "NOPE-NOPE"
    at.run()
    assert any(CATALOGUE["S408"].en in m for m in errors(at))
    assert "resume" not in at.query_params


def test_a_registered_credit_code_is_refused_beside_the_field(db_url):
    complete(new_app("zh"), sections=SECTIONS[:1])
    at = start(new_app("zh"))
    fill(at, PROFILE_BASIC)
    save(at)
    assert widget_section(at) == "profile.basic"
    assert any("已登记" in m for m in errors(at))
    assert _count(db_url, "assessments") == 1
    fill(at, {"profile.credit_code": OTHER_CODE})
    save(at)
    assert widget_section(at) == "profile.facts", errors(at)
    assert CREDIT_CODE != OTHER_CODE


def test_a_stale_draft_gets_a_clear_message_and_reloads(db_url):
    first = complete(new_app("en"), sections=SECTIONS[:2])
    code = resume_code(first)
    second = new_app("en")
    second.query_params["resume"] = code
    second.run()
    button(second, "continue").click().run()
    # The first tab saves a section; the second tab, still on the old version, saves too.
    fill(first, SECTIONS[2][1])
    save(first)
    fill(second, {"im.factory.equipment.l1.plan": "none", "im.factory.network.l2.lan": "none"})
    save(second)
    assert any(CATALOGUE["S402"].en.split("(")[0] in m for m in errors(second)), errors(second)
    reload_button = next(b for b in second.button if b.label == "Reload the latest answers")
    reload_button.click().run()
    jump(second, "im.factory")
    assert widget(second, "im.factory.network.l2.lan").value == "most"  # the first tab's


def test_zh_wizard_shows_no_item_ids_or_english(db_url):
    at = start(new_app("zh"))
    for section_id, answers in SECTIONS:
        assert widget_section(at) == section_id
        page = texts(at)
        assert not ITEM_ID.search(page), ITEM_ID.search(page)
        for english in ("Enterprise name", "Fully met", "Don't know", "Save and continue"):
            assert english not in page
        # Every question carries its hint, in Chinese, in the caption under it.
        for item_id in _item_ids(at):
            hint = SKIP_QSET.item(item_id).hint
            if hint is not None:
                assert hint.zh in (_caption_under(at, item_id) or ""), item_id
        fill(at, answers)
        save(at)
    assert "评估" in texts(at)


def test_a_broken_questionnaire_shows_a_friendly_page(db_url, tmp_path, monkeypatch):
    broken = tmp_path / "q"
    broken.mkdir()
    for name in ("profile", "im", "green", "integration"):
        (broken / f"{name}.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    monkeypatch.setenv("ASSESSMENT_QUESTIONNAIRES", str(broken))
    at = new_app("zh")
    at.run()
    button(at, "start_new").click().run()
    assert not at.exception
    assert any("问卷暂时无法加载" in m for m in errors(at))


def _picker(at):
    return next(s for s in at.selectbox if s.key and s.key.startswith("jump:"))


def test_the_section_picker_follows_saves_and_jumps(db_url):
    at = complete(new_app("en"), sections=SECTIONS[:3])
    assert widget_section(at) == "im.production"
    assert _picker(at).value == 3
    jump(at, "profile.facts")
    assert _picker(at).value == 1
    assert widget(at, "profile.employees").value == "120"  # the stored answer, not stale input
    save(at)
    assert widget_section(at) == "im.factory", errors(at)
    assert _picker(at).value == 2
    assert any("Saved" in s.value for s in at.success)  # shown once, in the same run


def test_saving_after_the_assessment_was_submitted_elsewhere_shows_why(db_url):
    # The save runs in the button's callback; its error still reaches the page boundary.
    first = complete(new_app("en"), sections=SECTIONS[:2])
    code = resume_code(first)
    second = new_app("en")
    second.query_params["resume"] = code
    second.run()
    button(second, "continue").click().run()
    assert widget_section(second) == "im.factory"
    for _, answers in SECTIONS[2:]:
        fill(first, answers)
        save(first)
    submit(first)
    fill(second, {"im.factory.equipment.l1.plan": "none", "im.factory.network.l2.lan": "none"})
    save(second)
    assert not second.exception
    assert widget_section(second) == "im.factory"  # the form stays, as typed
    assert widget(second, "im.factory.equipment.l1.plan").value == "none"
    assert any(CATALOGUE["S407"].en.split("{")[0] in m for m in errors(second)), errors(second)

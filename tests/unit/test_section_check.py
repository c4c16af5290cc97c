"""A wizard page's partial save, decided without Streamlit (assessment/section_check.py).

One small questionnaire, written out here: page `q.a` has a number, a yes/no that reveals a
required follow-up on the same page, and an optional note revealed by a high number; page
`q.b` holds one required rating.
"""

from __future__ import annotations

import pytest

from assessment.errors import problem
from assessment.expressions import parse
from assessment.questionnaire import (
    Constraint,
    Item,
    Questionnaire,
    QuestionnaireSet,
    Section,
    Text,
)
from assessment.section_check import SectionCheck, check_section, problems_on_page

T = Text("题", "question")


def item(item_id: str, type_: str, **fields: object) -> Item:
    return Item(item_id, type_, T, T, "test", item_id.rsplit(".", 1)[0], **fields)  # type: ignore[arg-type]


QSET = QuestionnaireSet(
    (
        Questionnaire(
            "q",
            "1",
            "profile",
            T,
            T,
            "test",
            sections=(
                Section(
                    "q.a",
                    T,
                    None,
                    None,
                    (),
                    (
                        item("q.a.count", "numeric", constraint=Constraint(min=0, max=100)),
                        item("q.a.has", "yesno"),
                        item("q.a.which", "text", relevant=parse("${q.a.has} = true")),
                        item(
                            "q.a.note",
                            "text",
                            required=False,
                            relevant=parse("${q.a.count} > 50"),
                        ),
                    ),
                ),
                Section("q.b", T, None, None, (), (item("q.b.rating", "requirement"),)),
            ),
        ),
    )
)


def codes(check: SectionCheck) -> dict[str, list[str]]:
    return {k: [p.code for p in v] for k, v in check.problems.items()}


def test_a_clean_page_is_ready_with_its_answers_read() -> None:
    check = check_section(QSET, "q.a", {}, {"q.a.count": "12", "q.a.has": False})
    assert check.ready
    assert check.values == {"q.a.count": 12, "q.a.has": False}
    assert check.problems == {} and check.appeared == ()


def test_a_revealed_required_question_stops_the_save_beside_it() -> None:
    check = check_section(QSET, "q.a", {}, {"q.a.count": "3", "q.a.has": True})
    assert not check.ready
    assert check.appeared == ("q.a.which",)
    assert codes(check) == {"q.a.which": ["A205"]}  # once, though two rules find it
    assert check.values == {"q.a.count": 3, "q.a.has": True}  # kept in hand


def test_a_revealed_optional_question_is_shown_once_without_problems() -> None:
    check = check_section(QSET, "q.a", {}, {"q.a.count": "80", "q.a.has": False})
    assert not check.ready
    assert check.appeared == ("q.a.note",)
    assert check.problems == {}


def test_revealed_questions_come_in_page_order() -> None:
    check = check_section(QSET, "q.a", {}, {"q.a.count": "80", "q.a.has": True})
    assert check.appeared == ("q.a.which", "q.a.note")


def test_an_unreadable_input_is_reported_and_not_kept() -> None:
    check = check_section(QSET, "q.a", {"q.a.count": 7}, {"q.a.count": "abc", "q.a.has": False})
    assert not check.ready
    assert codes(check) == {"q.a.count": ["A204"]}
    assert "q.a.count" not in check.values and check.values["q.a.has"] is False


def test_an_unreadable_input_keeps_its_old_value_for_the_rest_of_the_check() -> None:
    # count was 80 in hand (the note applies); the new input cannot be read, so the note
    # stays shown (not "appeared") and only the number's own problem is reported.
    raws = {"q.a.count": "abc", "q.a.has": False, "q.a.note": None}
    check = check_section(QSET, "q.a", {"q.a.count": 80}, raws)
    assert check.appeared == ()
    assert codes(check) == {"q.a.count": ["A204"]}


def test_a_value_out_of_range_is_the_items_problem() -> None:
    check = check_section(QSET, "q.a", {}, {"q.a.count": "500", "q.a.has": False})
    assert codes(check) == {"q.a.count": ["A202"]}


def test_with_a_problem_the_rest_of_the_page_is_checked_too() -> None:
    # The number is unreadable; the yes/no left empty is this page's missing answer.
    check = check_section(QSET, "q.a", {}, {"q.a.count": "x", "q.a.has": None})
    assert codes(check) == {"q.a.count": ["A204"], "q.a.has": ["A205"]}


def test_other_pages_missing_answers_are_not_this_pages_problems() -> None:
    check = check_section(QSET, "q.a", {}, {"q.a.count": "x", "q.a.has": False})
    assert "q.b.rating" not in check.problems


def test_a_blank_input_drops_the_answer_in_hand() -> None:
    check = check_section(QSET, "q.a", {"q.a.count": 5, "q.a.has": False}, {"q.a.count": None})
    assert check.values == {"q.a.has": False}


def test_answers_to_questions_no_longer_shown_are_not_kept() -> None:
    in_hand = {"q.a.has": True, "q.a.which": "MES"}
    raws = {"q.a.count": "1", "q.a.has": False, "q.a.which": "MES"}
    check = check_section(QSET, "q.a", in_hand, raws)
    assert check.ready and "q.a.which" not in check.values


@pytest.mark.parametrize(
    ("prob", "shown"),
    [
        (problem("A204", path="q.a.count"), True),  # a question on the page
        (problem("A205", path="q.a.which"), True),  # required, of this section, not drawn
        (problem("A205", path="q.b.rating"), False),  # required, another section
        (problem("A202", path="q.b.rating"), False),  # another page's answer
        (problem("A204", path="q.a.has"), False),  # already reported as unreadable
    ],
)
def test_problems_on_page(prob, shown) -> None:
    found = problems_on_page([prob], QSET, "q.a", {"q.a.count", "q.a.has"}, {"q.a.has"})
    assert (found == [prob]) is shown


def test_unknown_section_or_item_is_a_callers_bug() -> None:
    with pytest.raises(KeyError, match=r"q\.z"):
        check_section(QSET, "q.z", {}, {})
    with pytest.raises(KeyError, match=r"q\.a\.nope"):
        check_section(QSET, "q.a", {}, {"q.a.nope": "1"})

"""Progress rules shared by the wizard and the review page (assessment/progress.py)."""

from __future__ import annotations

import pytest

from assessment import load_questionnaires, progress
from assessment.questionnaire import DONT_KNOW

QSET = load_questionnaires()
STEPS = progress.steps(QSET)


@pytest.mark.parametrize(
    ("value", "answered"),
    [
        (None, False),
        ("", False),
        ("  ", False),
        ([], False),
        ((), False),
        (DONT_KNOW, True),
        ("x", True),
        (0, True),
        (False, True),
        (["a"], True),
    ],
)
def test_what_counts_as_answered(value, answered) -> None:
    assert progress.is_answered(value) is answered


def test_the_profile_comes_first() -> None:
    assert STEPS[0].questionnaire.kind == "profile"
    kinds = [s.questionnaire.kind for s in STEPS]
    assert kinds.index("profile") == 0 and kinds.count("profile") == len(
        progress.profile_steps(QSET)
    )


def test_nothing_answered_opens_the_first_page_and_counts_every_required_item() -> None:
    assert progress.first_incomplete(STEPS, {}) == 0
    total = progress.total_progress(STEPS, {})
    assert total.answered == 0 and total.missing_required > 0 and not total.complete


def test_dont_know_counts_as_answered_but_is_listed_apart() -> None:
    step = next(s for s in STEPS if s.questionnaire.kind == "cmmm")
    item = progress.visible_items(step.section, {})[0]
    answers = {item.id: DONT_KNOW}
    assert progress.section_progress(step.section, answers).answered == 1
    assert progress.dont_know_items(STEPS, answers) == {step.id: [item]}
    assert item not in progress.open_items(STEPS, answers).get(step.id, [])


def test_combined_adds_the_parts() -> None:
    parts = [progress.Progress(1, 3, 1), progress.Progress(2, 2, 0)]
    assert progress.combined(parts) == progress.Progress(3, 5, 1)

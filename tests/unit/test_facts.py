"""The answers kept as numbers on the scores row (assessment.storage.facts)."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.numbers import finite as number
from assessment.storage.facts import ANSWER_FACTS, answer_facts


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (150, 150.0),
        (0, 0.0),
        (12.5, 12.5),
        (np.int64(7), 7.0),
        (np.float64(2.5), 2.5),
        ("dont_know", None),
        ("150", None),
        (True, None),
        (False, None),
        (None, None),
        (float("nan"), None),
        (float("inf"), None),
        ([1], None),
    ],
)
def test_number_keeps_finite_numbers_only(value, expected):
    assert number(value) == expected


def test_answer_facts_reads_both_investment_answers():
    answers = {"profile.invest_this_year": 300, "profile.invest_last_year": "dont_know"}
    assert answer_facts(answers) == {"invest_this_year": 300.0, "invest_last_year": None}
    assert answer_facts({}) == dict.fromkeys(ANSWER_FACTS)

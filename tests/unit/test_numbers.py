"""One notion of "a number" for answers, facts and scores (assessment.numbers)."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from assessment.numbers import finite


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (150, 150.0),
        (0, 0.0),
        (-3, -3.0),
        (12.5, 12.5),
        (np.int64(7), 7.0),
        (np.float64(2.5), 2.5),
        (np.float32(0.5), 0.5),
        (Fraction(1, 4), 0.25),
        (10**308, 1e308),
    ],
)
def test_finite_reals_are_numbers(value: object, expected: float) -> None:
    result = finite(value)
    assert result == expected
    assert type(result) is float


@pytest.mark.parametrize(
    "value",
    [
        None,
        "150",
        "dont_know",
        "",
        True,
        False,
        np.bool_(True),
        math.nan,
        np.nan,
        math.inf,
        -math.inf,
        10**400,  # an integer too large for a float
        Decimal("1.5"),  # not a binary real: the JSON data model has no decimals
        [1],
        (1.0,),
        {"value": 1},
    ],
)
def test_everything_else_is_not(value: object) -> None:
    assert finite(value) is None

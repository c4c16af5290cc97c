"""What counts as a number in answers and scores: a finite real that is not a boolean.

Answers arrive from JSON, YAML, spreadsheets and forms, and scores leave scoring as
floats with NaN where nothing was scored; every place that asks "is this a number?"
asks `finite`, so an answer, a stored fact and a printed score agree on the answer.
"""

from __future__ import annotations

import math
import numbers


def finite(value: object) -> float | None:
    """`value` as a float when it is a finite real number; None for anything else.

    None, text ("12", "dont_know"), booleans, NaN, ±infinity and integers too large for a
    float are not numbers here; ints, floats and numpy's number scalars are.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        return None
    return number if math.isfinite(number) else None

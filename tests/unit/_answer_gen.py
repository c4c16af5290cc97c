"""Seeded random answer sets for any questionnaire set (batch-equals-single tests)."""

from __future__ import annotations

import random
from typing import Any

from assessment.questionnaire import DONT_KNOW, RATINGS, Item, QuestionnaireSet


def _numeric(item: Item, rng: random.Random) -> float:
    low = item.constraint.min if item.constraint and item.constraint.min is not None else 0.0
    high = item.constraint.max if item.constraint and item.constraint.max is not None else None
    bench = item.benchmark(None)
    if bench is not None:
        span = abs(bench.leading - bench.baseline)
        centre = (bench.leading + bench.baseline) / 2
        value = rng.uniform(centre - 2.5 * span, centre + 2.5 * span)
        if rng.random() < 0.15:  # exact benchmark values hit the formula's corners
            value = rng.choice([bench.baseline, bench.leading])
    else:
        value = rng.uniform(0, 5000)
    value = max(low, value)
    if high is not None:
        value = min(high, value)
    return round(value, 2) if rng.random() < 0.7 else int(value)


def random_value(item: Item, rng: random.Random) -> Any:
    """A valid answer to `item`, "dont_know" where allowed, or None (unanswered)."""
    roll = rng.random()
    if roll < 0.08:
        return None
    if item.dont_know and roll < 0.16:
        return DONT_KNOW
    if item.type == "requirement":
        return rng.choice(list(RATINGS))
    if item.type == "single":
        return rng.choice(item.options).value
    if item.type == "multiple":
        k = rng.randint(1, len(item.options))
        return [o.value for o in rng.sample(list(item.options), k)]
    if item.type == "yesno":
        return rng.random() < 0.6
    if item.type == "numeric":
        return _numeric(item, rng)
    return None  # text: not needed for scoring


def random_answers(qset: QuestionnaireSet, rng: random.Random) -> dict[str, Any]:
    """One random, valid, partial answers mapping (None values are left out)."""
    answers: dict[str, Any] = {}
    for item in qset.items():
        value = random_value(item, rng)
        if item.id == "profile.production_type" and value is None:
            value = rng.choice(["process", "discrete", "mixed"])
        if value is not None:
            answers[item.id] = value
    return answers

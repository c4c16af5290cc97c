"""'Don't know' never pays (issue 15): property tests over the shipped questionnaires.

Replacing any "don't know" by any real answer never lowers a score (every flat() key,
the CMMM level included) and never turns a passed gate into a failed one; a veto answered
"don't know" never passes the gate. 1,000 derandomized examples per property (the `ci`
profile of tests/fuzz/conftest.py, set here explicitly because this file is not under it).
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from _answer_gen import random_answers, random_value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.loader import load_questionnaires
from assessment.questionnaire import DONT_KNOW, QuestionnaireSet
from assessment.scoring import (
    DONT_KNOW_SCORE,
    GATE_MET,
    GATE_UNVERIFIED,
    SCORED_KINDS,
    best_answer,
    item_score,
    score_assessment,
)

QSET: QuestionnaireSet = load_questionnaires()
SCORED_ITEMS = [
    it for q in QSET.questionnaires if q.kind in SCORED_KINDS for it in q.items() if it.scored
]
VETOES = [it for it in SCORED_ITEMS if it.veto]
# Flags where higher is worse: the gate not passed.
WORSE_WHEN_HIGHER = {"green.veto"}
CI = settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def _real_value(item: Any, rng: random.Random) -> Any:
    """A real answer (not blank, not "don't know") to a scored item."""
    while True:
        value = random_value(item, rng)
        if value is not None and value != DONT_KNOW:
            return value


def _with_dont_knows(rng: random.Random) -> dict[str, Any]:
    """Random answers with extra "don't know" wherever allowed (about a third of them)."""
    answers = random_answers(QSET, rng)
    for item in SCORED_ITEMS:
        if item.dont_know and rng.random() < 0.3:
            answers[item.id] = DONT_KNOW
    return answers


def _not_lower(before: float, after: float) -> bool:
    if math.isnan(before):
        return math.isnan(after)  # "don't know" counts, so confirming cannot add a score
    return after >= before - 1e-9


@CI
@given(seed=SEEDS, share=st.floats(min_value=0.0, max_value=1.0))
def test_replacing_dont_know_by_a_real_answer_never_lowers_a_score(seed: int, share: float):
    rng = random.Random(seed)
    answers = _with_dont_knows(rng)
    before = score_assessment(answers, QSET)
    if not before.dont_know:
        return
    changed = dict(answers)
    picked = [i for i in before.dont_know if rng.random() < share] or [before.dont_know[0]]
    for item_id in picked:
        item = QSET.item(item_id)
        assert item is not None
        changed[item_id] = _real_value(item, rng)
    after = score_assessment(changed, QSET)
    b, a = before.flat(), after.flat()
    for key in b:
        if key in WORSE_WHEN_HIGHER:
            assert a[key] <= b[key], (key, picked)
        else:
            assert _not_lower(b[key], a[key]), (key, b[key], a[key], picked)
    assert after.cmmm is not None and before.cmmm is not None
    assert after.cmmm.level >= before.cmmm.level
    # ... and the "if confirmed" figures are an upper bound of what confirming gives
    for key, best in before.if_confirmed.items():
        if best is not None and not math.isnan(a[key]):
            assert a[key] <= best + 1e-9, (key, a[key], best)


@CI
@given(seed=SEEDS)
def test_a_dont_know_veto_never_passes_the_gate(seed: int):
    rng = random.Random(seed)
    answers = _with_dont_knows(rng)
    allowed = [it for it in VETOES if it.dont_know]
    answers[rng.choice(allowed).id] = DONT_KNOW
    result = score_assessment(answers, QSET)
    assert result.green is not None
    assert result.green.veto
    assert not result.green.eligible
    assert result.green.gate != GATE_MET
    assert result.flat()["green.veto"] == 1.0
    if not result.green.failed_vetoes:
        assert result.green.gate == GATE_UNVERIFIED


@pytest.mark.parametrize("item", SCORED_ITEMS, ids=lambda it: it.id)
def test_dont_know_scores_no_better_than_any_real_answer(item):
    """The item rule: DONT_KNOW_SCORE ≤ the worst real answer; best_answer scores 100."""
    rng = random.Random(item.id)
    worst = min(item_score(item, _real_value(item, rng), None) for _ in range(30))
    if item.type == "single":
        worst = min(worst, *(item_score(item, o.value, None) for o in item.options))
    assert worst >= DONT_KNOW_SCORE
    assert item_score(item, best_answer(item, None), None) == pytest.approx(100.0)


def test_not_graded_is_no_better_than_the_lowest_grade():
    item = QSET.item("green.clean.ultra_low")
    assert item is not None
    points = {o.value: o.points for o in item.options}
    grades = [v for v in points if v.startswith("grade_")]
    assert points["not_graded"] <= min(points[g] for g in grades)


def _example(name: str) -> dict[str, Any]:
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))["answers"]


def test_the_gate_is_never_a_strength_nor_on_the_radar():
    from assessment.report import summarise

    answers = {**_example("discrete-advanced")}
    result = score_assessment(answers, QSET)
    assert {a.id: a.score for a in result.green.areas}["green.basic"] == 100.0
    s = summarise(result, QSET)
    ids = {a.id for a in (*s.strongest, *s.weakest, *s.all_domains(), *s.green_areas)}
    assert "green.basic" not in ids
    assert s.green_gate == GATE_MET


def test_a_dont_know_veto_reads_unverified_with_what_to_check():
    from assessment.report import summarise

    result = score_assessment(_example("beginner"), QSET)  # green.basic.metering: don't know
    s = summarise(result, QSET)
    assert s.green_gate == GATE_UNVERIFIED
    assert s.green_veto
    assert [t.en for t in s.unconfirmed_vetoes] == [QSET.item("green.basic.metering").label.en]
    # what confirming could change: S and the green score at their best
    assert s.cmmm_total_if_confirmed is not None and s.cmmm_total_if_confirmed > s.cmmm_total
    assert s.green_if_confirmed is not None and s.green_if_confirmed > s.green_score

"""The improvement roadmap and the next-CMMM-level plan."""

from __future__ import annotations

import itertools
import random

import _scoring_builders as sb
import pytest
from _answer_gen import random_answers
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.loader import load_questionnaires
from assessment.programs import load_programs
from assessment.questionnaire import DONT_KNOW
from assessment.roadmap import (
    VETO_WEIGHT,
    _LevelModel,
    _programs_touching,
    improvement_roadmap,
    next_level_plan,
)
from assessment.scoring import score_assessment


@pytest.fixture(scope="module")
def qset():
    return load_questionnaires()


@pytest.fixture(scope="module")
def programs(qset):
    return load_programs(qset=qset)


def _answers(qset, rating: str, **overrides) -> dict:
    answers = {
        "profile.name": "测试企业",
        "profile.industry": "coking",
        "profile.production_type": "process",
        "profile.employees": 800,
        "profile.revenue": 90000,
    }
    for item in qset.items():
        if item.type == "requirement":
            # "don't know" only where the item allows it; elsewhere "none".
            allowed = rating != DONT_KNOW or item.dont_know
            answers[item.id] = rating if allowed else "none"
    answers.update(overrides)
    return answers


# --- next level ----------------------------------------------------------------------


def test_level_five_has_no_next_level(qset):
    plan = next_level_plan(_answers(qset, "full"), qset)
    assert plan.current_level == 5 and plan.target_level is None
    assert plan.steps == () and plan.reached
    assert "5 级" in plan.message.zh and "level 5" in plan.message.en


@pytest.mark.parametrize("rating", ["none", "partial", "most", DONT_KNOW])
def test_plan_reaches_the_next_level_when_applied(qset, rating):
    answers = _answers(qset, rating)
    plan = next_level_plan(answers, qset)
    before = score_assessment(answers, qset).cmmm
    after = score_assessment(plan.apply(answers), qset).cmmm
    assert plan.current_level == before.level
    assert plan.target_level == before.level + 1
    assert plan.reached and after.level == plan.target_level == plan.planned_level
    assert plan.planned_total == pytest.approx(after.total)
    assert len(plan.changes) == len(plan.steps) > 0
    for item_id, from_rating, to_rating in plan.changes:
        assert from_rating == answers[item_id] and to_rating == "full"
    labels = {s.item_id: s.label for s in plan.steps}
    for item_id, label in labels.items():
        assert label == qset.item(item_id).label  # bilingual label from the questionnaire
    assert str(len(plan.steps)) in plan.message.zh


def test_unanswered_requirements_are_planned_from_none(qset):
    answers = {k: v for k, v in _answers(qset, "partial").items() if not k.startswith("im.")}
    answers["im.strategy.org.l1.plan"] = "full"
    plan = next_level_plan(answers, qset)
    assert plan.reached
    assert all(s.from_rating is None for s in plan.steps)


def test_plan_is_irreducible(qset):
    answers = _answers(qset, "partial")
    plan = next_level_plan(answers, qset)
    for step in plan.steps:
        fewer = dict(answers)
        for other in plan.steps:
            if other is not step:
                fewer[other.item_id] = "full"
        assert score_assessment(fewer, qset).cmmm.level < plan.target_level


def test_greedy_prefers_the_lowest_level_below_pass(qset):
    # Level 1 passes, level 2 is the one S stops at: the plan raises level-2 items first.
    answers = _answers(qset, "none")
    for item in qset["im"].items():
        if item.level == 1:
            answers[item.id] = "full"
        elif item.level == 2:
            answers[item.id] = "partial"
    plan = next_level_plan(answers, qset)
    assert plan.current_level == 1 and plan.reached
    assert {s.level for s in plan.steps} == {2}
    gains = [s.gain for s in plan.steps]
    assert gains == sorted(gains, reverse=True)


def test_skipped_requirements_are_never_planned(qset):
    answers = _answers(qset, "partial", **{"profile.production_type": "discrete"})
    plan = next_level_plan(answers, qset)
    for step in plan.steps:
        item = qset.item(step.item_id)
        assert item.relevant_src is None or "!= 'process'" in item.relevant_src


def test_unreachable_level_is_reported():
    # The small test questionnaire has no requirements above level 3.
    q = sb.qset()
    answers = dict(sb.WORKED)
    for item in q["im"].items():
        answers[item.id] = "full"
    answers["profile.production_type"] = "process"
    plan = next_level_plan(answers, q)
    assert plan.current_level == 3 and plan.target_level == 4
    assert not plan.reached
    assert "无法" in plan.message.zh and "cannot be reached" in plan.message.en


def test_without_a_cmmm_questionnaire():
    q = sb.qset()
    from assessment.questionnaire import QuestionnaireSet

    no_im = QuestionnaireSet(tuple(x for x in q.questionnaires if x.id != "im"))
    with pytest.raises(KeyError):
        next_level_plan({"profile.name": "x"}, no_im)


def _brute_force_minimum(answers, q, target) -> int:
    """The fewest requirements raised to 'full' that reach `target` (exhaustive)."""
    candidates = [
        it.id
        for it in q["im"].items()
        if answers.get(it.id) != "full"
        and (it.relevant is None or answers.get("profile.production_type") == "process")
    ]
    for k in range(len(candidates) + 1):
        for combo in itertools.combinations(candidates, k):
            trial = dict(answers)
            trial.update(dict.fromkeys(combo, "full"))
            if score_assessment(trial, q).cmmm.level >= target:
                return k
    raise AssertionError("unreachable")


@pytest.mark.parametrize("seed", range(40))
def test_greedy_matches_the_exact_minimum_on_small_questionnaires(seed):
    q = sb.qset()
    rng = random.Random(seed)
    answers = dict(sb.WORKED)
    answers["profile.production_type"] = rng.choice(["process", "discrete"])
    for item in q["im"].items():
        value = rng.choice(["full", "most", "partial", "none", DONT_KNOW, None])
        if value is None:
            answers.pop(item.id, None)
        else:
            answers[item.id] = value
    plan = next_level_plan(answers, q)
    if plan.target_level is None or not plan.reached:
        return
    assert len(plan.steps) == _brute_force_minimum(answers, q, plan.target_level)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_plan_works_for_random_answer_sets(qset, seed):
    answers = random_answers(qset, random.Random(seed))
    plan = next_level_plan(answers, qset)
    if plan.target_level is None:
        assert plan.current_level == 5
        return
    assert plan.reached
    assert score_assessment(plan.apply(answers), qset).cmmm.level >= plan.target_level


# --- roadmap -------------------------------------------------------------------------


def test_roadmap_formula_and_order(qset, programs):
    answers = _answers(qset, "partial")
    result = score_assessment(answers, qset)
    roadmap = improvement_roadmap(result, answers, qset, programs)
    assert [e.priority for e in roadmap] == sorted((e.priority for e in roadmap), reverse=True)
    families = {e.family for e in roadmap}
    assert "cmmm" in families
    for e in roadmap:
        assert e.priority == pytest.approx(e.gap * e.weight * (1 + len(e.programs)))
        assert 0 < e.gap <= 1 and 0 < e.weight <= 1
        assert e.actions
        assert e.label.zh and e.label.en


def test_cmmm_gap_and_weight_follow_the_worked_example(qset):
    # All requirements 'partial' → level 1 passes? No: l1 = 0.5 < 0.8, so the target
    # level is 1, and every sub-domain's gap at level 1 is 1 − 0.5 = 0.5.
    answers = _answers(qset, "partial")
    result = score_assessment(answers, qset)
    roadmap = {e.area_id: e for e in improvement_roadmap(result, answers, qset)}
    entry = roadmap["im.production.planning"]
    assert entry.target_level == 1
    assert entry.gap == pytest.approx(0.5)
    # process variant: production operations 42% × planning 15%
    assert entry.weight == pytest.approx(0.42 * 0.15)
    assert entry.programs == ()  # no program set given: the multiplier is 1
    assert entry.priority == pytest.approx(0.5 * 0.42 * 0.15)


def test_level_five_leaves_no_cmmm_entries(qset):
    answers = _answers(qset, "full")
    result = score_assessment(answers, qset)
    assert not [e for e in improvement_roadmap(result, answers, qset) if e.family == "cmmm"]


def test_failed_veto_comes_first_with_full_weight(qset, programs):
    answers = _answers(qset, "full", **{"green.basic.legal_compliance": False})
    result = score_assessment(answers, qset)
    roadmap = improvement_roadmap(result, answers, qset, programs)
    veto = next(e for e in roadmap if e.area_id == "green.basic")
    assert veto.weight == VETO_WEIGHT and veto.gap == 1.0
    assert [a.item_id for a in veto.actions] == ["green.basic.legal_compliance"]
    assert "green_manufacturing" in veto.programs  # its compliance gate fails
    assert roadmap[0] is veto


def test_programs_linked_to_an_area(qset, programs):
    answers = _answers(
        qset,
        "partial",
        **{"green.energy.coal_boilers_clean": False, "profile.industry": "coking"},
    )
    result = score_assessment(answers, qset)
    roadmap = {e.area_id: e for e in improvement_roadmap(result, answers, qset, programs)}
    # The coal-boiler answer names a §3(3) project: green.energy is linked to the program.
    assert "green_manufacturing" in roadmap["green.energy"].programs
    # CMMM level 2 is not reached: every CMMM area can strengthen §3(1).
    assert "intelligent_manufacturing" in roadmap["im.production.planning"].programs


@pytest.mark.parametrize(
    ("rules", "area", "parents", "expected"),
    [
        ([("p", frozenset({"score.im.x"}), False)], "im.x", (), ("p",)),
        ([("p", frozenset({"score.im.x"}), True)], "im.x", (), ()),
        ([("p", frozenset({"im.x.l2.a"}), True)], "im.x", (), ("p",)),
        ([("p", frozenset({"score.im"}), False)], "im.x", ("im",), ("p",)),
        ([("p", frozenset({"score.im.y"}), False)], "im.x", ("im",), ()),
        ([("p", frozenset({"im.xy.a"}), False)], "im.x", (), ()),
        (
            [("p", frozenset({"score.im.x"}), False), ("p", frozenset({"im.x.a"}), False)],
            "im.x",
            (),
            ("p",),
        ),
    ],
)
def test_programs_touching(rules, area, parents, expected):
    assert _programs_touching(rules, area, parents) == expected


def test_worked_example_of_the_docs(qset, programs, root):
    from assessment.answers import load_answers_file

    doc = load_answers_file(root / "tests/data/personas/coking_plant.json", qset)
    answers = dict(doc.answers)
    result = score_assessment(answers, qset)
    assert result.cmmm.level_scores == pytest.approx((1.0, 0.8, 0.5, 0.0, 0.0))
    roadmap = {e.area_id: e for e in improvement_roadmap(result, answers, qset, programs)}
    quality = roadmap["im.production.quality"]
    assert quality.target_level == 3 and quality.gap == pytest.approx(0.5)
    assert quality.weight == pytest.approx(0.063)
    assert set(quality.programs) == {"intelligent_manufacturing", "industrial_foundation"}
    assert quality.priority == pytest.approx(0.0945)
    energy = roadmap["green.energy"]
    assert energy.programs == ("green_manufacturing",)
    assert energy.priority == pytest.approx(0.4145, abs=1e-3)
    assert all(energy.priority > e.priority for e in roadmap.values() if e.family == "cmmm")


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_level_model_agrees_with_the_scoring_engine(qset, seed):
    answers = random_answers(qset, random.Random(seed))
    result = score_assessment(answers, qset)
    model = _LevelModel(qset["im"], result.items, result.profile.variant)
    assert model.scores() == pytest.approx(list(result.cmmm.level_scores), abs=1e-12)
    # and a what-if equals re-scoring the changed answers
    item = next(it for it in qset["im"].items() if result.items[it.id].status != "skipped")
    what_if = model.with_full(model.scores(), item, result.items[item.id])
    rescored = score_assessment({**answers, item.id: "full"}, qset).cmmm.level_scores
    assert what_if == pytest.approx(list(rescored), abs=1e-12)

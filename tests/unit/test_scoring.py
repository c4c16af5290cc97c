"""The scoring method, checked against numbers worked out by hand (docs/scoring.md)."""

from __future__ import annotations

import math

import pytest
from _scoring_builders import WORKED, green, item, qset

from assessment.errors import AssessmentError
from assessment.questionnaire import Benchmark, QuestionnaireSet
from assessment.scoring import (
    band_for,
    cmmm_level,
    flat_keys,
    is_blank,
    item_score,
    numeric_score,
    profile_facts,
    score_assessment,
    stage_for,
    variant_of,
)

QSET = qset()


def score(**changes):
    answers = {**WORKED, **changes}
    for key in [k for k, v in changes.items() if v is None]:
        del answers[key]
    return score_assessment(answers, QSET)


# --- cmmm_level: the GB/T 39117 accumulation --------------------------------------------


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ((1.0, 0.9, 0.5), (2.4, 2)),  # the worked example of the standard's method
        ((), (0.0, 0)),
        ((0.79,), (0.79, 0)),
        ((0.8,), (0.8, 1)),
        ((1.0, 0.8), (1.8, 2)),
        ((1.0, 0.79), (1.79, 1)),
        ((1.0, 1.0, 0.8), (2.8, 3)),
        ((1.0, 1.0, 0.79), (2.79, 2)),
        ((1.0, 1.0, 1.0, 0.8), (3.8, 4)),
        ((1.0, 1.0, 1.0, 1.0, 0.8), (4.8, 5)),
        ((1.0, 1.0, 1.0, 1.0, 0.79), (4.79, 4)),
        ((1.0, 1.0, 1.0, 1.0, 1.0), (5.0, 5)),
        ((0.8, 0.8, 0.8, 0.8, 0.8), (4.0, 4)),  # float noise must not drop a level
        ((0.5, 1.0, 1.0, 1.0, 1.0), (0.5, 0)),  # level 1 below 0.8 stops everything
        ((1.0, 0.7, 1.0, 1.0, 1.0), (1.7, 1)),  # level 2 counted partly, 3-5 not at all
        ((0.9, 0.9, 0.0, 1.0, 1.0), (1.8, 2)),
        ((0.0, 0.0, 0.0, 0.0, 0.0), (0.0, 0)),
        ((1, 1), (2.0, 2)),  # ints are fine
    ],
)
def test_cmmm_level(levels, expected):
    total, level = cmmm_level(levels)
    assert total == pytest.approx(expected[0], abs=1e-12)
    assert level == expected[1]


@pytest.mark.parametrize(
    ("levels", "bad"),
    [
        ((1.0, 1.0, 1.0, 1.0, 1.0, 1.0), "at most 5"),
        ((1.0, -0.1), "-0.1"),
        ((1.1,), "1.1"),
        ((math.nan,), "nan"),
        (("0.9",), "'0.9'"),
        ((True,), "True"),
    ],
)
def test_cmmm_level_rejects_bad_input(levels, bad):
    with pytest.raises(ValueError, match=bad):
        cmmm_level(levels)


# --- item rules -------------------------------------------------------------------------

DEFAULT = Benchmark(baseline=200, leading=120)  # lower is better
HIGHER = Benchmark(baseline=50, leading=90)  # higher is better


@pytest.mark.parametrize(
    ("value", "bench", "expected"),
    [
        (120, DEFAULT, 100.0),  # at leading
        (100, DEFAULT, 100.0),  # better than leading
        (200, DEFAULT, 60.0),  # at baseline
        (160, DEFAULT, 80.0),  # halfway
        (240, DEFAULT, 30.0),  # worse than baseline: halfway to the zero point 280
        (280, DEFAULT, 0.0),  # baseline + (baseline - leading)
        (400, DEFAULT, 0.0),  # clamped
        (90, HIGHER, 100.0),
        (95, HIGHER, 100.0),
        (70, HIGHER, 80.0),
        (50, HIGHER, 60.0),
        (30, HIGHER, 30.0),
        (10, HIGHER, 0.0),
        (0, HIGHER, 0.0),
    ],
)
def test_numeric_score_both_directions(value, bench, expected):
    assert numeric_score(value, bench) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("industry", "value", "expected"),
    [
        ("coking", 130, 80.0),  # coking benchmark 150 / 110
        ("coking", 150, 60.0),
        ("steel", 130, 95.0),  # no steel benchmark: default 200 / 120
        (None, 160, 80.0),
    ],
)
def test_numeric_benchmark_by_industry_with_default_fallback(industry, value, expected):
    unit = green().item("green.energy.unit")
    assert item_score(unit, value, industry) == pytest.approx(expected)


def _choice_items():
    s = "x.s"
    single = item("x.s.single", "single", section=s, options=(("a", 0), ("b", 1), ("c", 4)))
    capped = item(
        "x.s.multi", "multiple", section=s, options=(("a", 20), ("b", 30), ("c", 40)), cap=50
    )
    uncapped = item("x.s.all", "multiple", section=s, options=(("a", 20), ("b", 30), ("c", 50)))
    req = item("x.s.req", "requirement", section=s, level=1)
    yesno = item("x.s.yes", "yesno", section=s)
    return single, capped, uncapped, req, yesno


SINGLE, CAPPED, UNCAPPED, REQ, YESNO = _choice_items()


@pytest.mark.parametrize(
    ("it", "value", "expected"),
    [
        (REQ, "full", 100.0),
        (REQ, "most", 80.0),
        (REQ, "partial", 50.0),
        (REQ, "none", 0.0),
        (SINGLE, "a", 0.0),
        (SINGLE, "b", 25.0),
        (SINGLE, "c", 100.0),
        (CAPPED, ["a"], 40.0),
        (CAPPED, ["b", "a"], 100.0),  # 50 reaches the cap
        (CAPPED, ["a", "b", "c"], 100.0),  # 90 is capped at 50
        (CAPPED, ["a", "a"], 40.0),  # a repeated option counts once
        (UNCAPPED, ["a", "b"], 50.0),  # cap defaults to the sum of all points (100)
        (UNCAPPED, [], 0.0),
        (YESNO, True, 100.0),
        (YESNO, False, 0.0),
    ],
)
def test_item_scores(it, value, expected):
    assert item_score(it, value, None) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("it", "value"),
    [
        (REQ, "mostly"),
        (REQ, 1),
        (SINGLE, "z"),
        (SINGLE, 3),
        (CAPPED, "a"),
        (CAPPED, ["z"]),
        (YESNO, "true"),
        (YESNO, 1),
        (green().item("green.energy.unit"), "12"),
        (green().item("green.energy.unit"), True),
        (green().item("green.energy.unit"), math.nan),
        (item("x.t", "text", section="x"), "hello"),
        (item("x.n", "numeric", section="x"), 5),  # no benchmarks: a fact, not scored
    ],
)
def test_item_score_rejects_values_that_do_not_fit(it, value):
    with pytest.raises(ValueError):
        item_score(it, value, None)


def test_single_item_without_points_scores_zero():
    s = item("x.s.flat", "single", section="x", options=(("a", 0), ("b", 0)))
    assert item_score(s, "a", None) == 0.0
    m = item("x.s.flatm", "multiple", section="x", options=(("a", 0),))
    assert item_score(m, ["a"], None) == 0.0


@pytest.mark.parametrize(
    ("value", "blank"),
    [
        (None, True),
        (math.nan, True),
        ("", True),
        ([], True),
        ((), True),
        (0, False),
        (False, False),
        ("none", False),
        (0.0, False),
    ],
)
def test_is_blank(value, blank):
    assert is_blank(value) is blank


@pytest.mark.parametrize(
    ("production_type", "variant"),
    [("process", "process"), ("discrete", "discrete"), ("mixed", "discrete"), (None, "discrete")],
)
def test_variant(production_type, variant):
    assert variant_of(production_type) == variant


# --- the worked example ----------------------------------------------------------------


def test_worked_example_discrete():
    r = score()
    assert r.cmmm.level_scores == pytest.approx((0.87, 0.56, 0.0, 0.0, 0.0))
    assert (r.cmmm.total, r.cmmm.level) == (1.43, 1)
    assert r.cmmm.score == pytest.approx(28.6)
    subs = {a.id: a.score for a in r.cmmm.subdomains}
    assert subs == pytest.approx({"im.a.x": 37.5, "im.b.y": 75.0, "im.b.z": 80.0})
    doms = {a.id: a.score for a in r.cmmm.domains}
    assert doms == pytest.approx({"im.a": 37.5, "im.b": 77.5})
    assert r.green.score == pytest.approx(68.0 + 2 / 3)
    assert r.green.band.name.en == "developing"
    assert not r.green.veto and r.green.eligible
    assert r.integration.index == pytest.approx(75.0)
    assert r.integration.stage == 3
    assert r.readiness.score == pytest.approx((28.6 + 68.0 + 2 / 3 + 75.0) / 3)
    assert r.readiness.confidence == 1.0
    assert r.items["im.b.z.l3.b4"].status == "skipped"  # process-only requirement


def test_process_weights_give_a_different_s_on_the_same_answers():
    r = score(**{"profile.production_type": "process"})
    assert r.cmmm.variant == "process"
    assert r.cmmm.level_scores == pytest.approx((0.81, 0.68, 0.0, 0.0, 0.0))
    assert r.cmmm.total == 1.49
    subs = {a.id: a.score for a in r.cmmm.subdomains}
    assert subs["im.b.z"] == pytest.approx(40.0)  # level 3 now applies and is not met
    assert {a.id: a.score for a in r.cmmm.domains}["im.b"] == pytest.approx(57.5)


def test_mixed_uses_discrete_weights():
    assert score(**{"profile.production_type": "mixed"}).cmmm.total == 1.43


def test_skip_logic_excludes_rather_than_zeroes():
    # b4 answered "none" by a discrete firm: skipped, so it neither lowers im.b.z nor counts.
    r = score()
    assert r.items["im.b.z.l3.b4"].score is None
    assert "im.b.z.l3.b4" not in r.unanswered
    z = {a.id: a for a in r.cmmm.subdomains}["im.b.z"]
    assert (z.score, z.total) == (80.0, 1)


def test_dont_know_counts_as_not_met_and_lowers_confidence():
    r = score(**{"im.a.x.l1.a2": "dont_know"})
    assert r.dont_know == ("im.a.x.l1.a2",)
    # im.a at level 1: (full 1.0 + "don't know" 0) / 2; issue 15 (was 20 × 1.0, left out)
    assert r.cmmm.level_scores[0] == pytest.approx((20 * 0.5 + 80 * 0.9) / 100)
    # ... below the honest "partial" (0.75 for im.a): "don't know" never pays
    assert r.cmmm.level_scores[0] < score().cmmm.level_scores[0]
    assert r.readiness.confidence == pytest.approx(12 / 13)
    a = {x.id: x for x in r.cmmm.domains}["im.a"]
    assert (a.answered, a.dont_know, a.total) == (2, 1, 3)


def test_unanswered_items_are_listed_and_excluded():
    r = score(**{"im.a.x.l1.a2": None, "green.mgmt.audit": None})
    assert r.unanswered == ("im.a.x.l1.a2", "green.mgmt.audit")
    assert r.cmmm.level_scores[0] == pytest.approx(0.92)
    assert {a.id: a.score for a in r.green.areas}["green.mgmt"] == pytest.approx(50.0)
    assert r.readiness.confidence == 1.0  # unanswered does not count against confidence


def test_a_level_without_scored_requirements_scores_zero():
    r = score(**{"im.a.x.l2.a3": "dont_know", "im.b.y.l2.b3": "dont_know"})
    assert r.cmmm.level_scores[1] == 0.0
    assert (r.cmmm.total, r.cmmm.level) == (0.87, 1)


def test_level_below_pass_stops_subdomain_accumulation():
    r = score(**{"im.a.x.l1.a1": "partial", "im.a.x.l2.a3": "full"})
    # im.a.x: level 1 = 0.5 (< 0.8, last added), level 2 = 1.0 not added; 0.5 / 2 levels
    assert {a.id: a.score for a in r.cmmm.subdomains}["im.a.x"] == pytest.approx(25.0)


def test_nothing_answered_gives_no_scores_but_level_zero():
    r = score_assessment({"profile.production_type": "process"}, QSET)
    assert (r.cmmm.total, r.cmmm.level, r.cmmm.score) == (0.0, 0, 0.0)
    assert all(a.score is None for a in (*r.cmmm.domains, *r.cmmm.subdomains))
    assert r.green.score is None and r.green.band is None
    assert r.integration.index is None and r.integration.stage is None
    assert r.readiness.score == 0.0  # only the CMMM score (0) is present
    assert r.readiness.confidence == 0.0
    flat = r.flat()
    assert math.isnan(flat["green.score"]) and math.isnan(flat["integration.stage"])
    assert len(r.unanswered) == 14  # 7 + 4 + 3; b4 applies to process firms


# --- green: vetoes and bands -------------------------------------------------------------


def test_failed_veto_is_reported_but_does_not_zero_the_score():
    r = score(**{"green.energy.permit": False})
    assert r.green.veto and not r.green.eligible
    assert r.green.failed_vetoes == ("green.energy.permit",)
    assert r.green.score == pytest.approx(0.6 * (160 / 3) + 0.4 * (125 / 3))
    assert r.flat()["green.veto"] == 1.0


def test_dont_know_veto_is_unverified_not_met():
    r = score(**{"green.energy.permit": "dont_know"})
    # issue 15: a "don't know" veto is unverified: the gate is not passed (was: passed)
    assert r.green.veto
    assert not r.green.eligible
    assert r.green.gate == "unverified"
    assert r.green.failed_vetoes == ()
    assert r.green.unconfirmed_vetoes == ("green.energy.permit",)
    assert r.flat()["green.veto"] == 1.0


def test_confirming_dont_know_says_what_it_could_raise():
    r = score(**{"im.a.x.l1.a2": "dont_know"})
    best = score(**{"im.a.x.l1.a2": "full"})
    assert r.if_confirmed["im.total"] == pytest.approx(best.cmmm.total)
    assert r.if_confirmed["im.total"] > r.cmmm.total
    assert score().if_confirmed == {}


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (None, None),
        (0.0, "starting"),
        (59.99, "starting"),
        (60.0, "developing"),
        (80.0, "ready"),
        (100.0, "ready"),
    ],
)
def test_band_is_highest_reached(value, band):
    found = band_for(green().bands, value)
    assert (found.name.en if found else None) == band


@pytest.mark.parametrize(
    ("index", "stage"), [(None, None), (0.0, 1), (29.9, 1), (30.0, 2), (79.99, 3), (80.0, 4)]
)
def test_stage_is_highest_reached(index, stage):
    found = stage_for(QSET["integration"].stages, index)
    assert (found.stage if found else None) == stage


def test_coking_benchmark_changes_the_green_score():
    r = score(**{"profile.industry": "coking", "green.energy.unit": 130})
    assert {a.id: a.score for a in r.green.areas}["green.energy"] == pytest.approx(260 / 3)


# --- results, flat keys, profile facts ----------------------------------------------------


def test_flat_keys_match_architecture_contract():
    flat = score().flat()
    assert list(flat) == flat_keys(QSET)
    for key in (
        "im.total",
        "im.level",
        "im.score",
        "im.l1",
        "im.l5",
        "green.score",
        "green.veto",
        "integration.index",
        "integration.stage",
        "readiness.score",
        "readiness.confidence",
        "im.a",
        "im.a.x",
        "green.energy",
        "integration.apps",
    ):
        assert key in flat
    assert all(isinstance(v, float) for v in flat.values())


def test_result_is_frozen():
    r = score()
    with pytest.raises(AttributeError):
        r.cmmm.level = 5  # type: ignore[misc]


def test_profile_facts():
    facts = profile_facts(
        {
            "profile.name": "A",
            "profile.credit_code": "X",
            "profile.city": "taiyuan",
            "profile.industry": "dont_know",
            "profile.production_type": "process",
            "profile.employees": 1200,
            "profile.revenue": 50000,
        }
    )
    assert facts.industry is None
    assert (facts.variant, facts.size_class, facts.employees) == ("process", "large", 1200.0)
    assert profile_facts({"profile.employees": True}).employees is None
    assert profile_facts({}).size_class is None


def test_partial_questionnaire_set_scores_what_is_there():
    small = QuestionnaireSet((QSET["profile"], QSET["green"]))
    r = score_assessment(
        {k: v for k, v in WORKED.items() if not k.startswith(("im", "int"))}, small
    )
    assert r.cmmm is None and r.integration is None
    assert r.readiness.score == pytest.approx(r.green.score)
    assert "im.total" not in r.flat()


def test_answers_must_be_a_mapping():
    with pytest.raises(AssessmentError) as err:
        score_assessment([("im.a.x.l1.a1", "full")], QSET)  # type: ignore[arg-type]
    assert err.value.code == "A208"


# --- properties of the accumulation ----------------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

LEVEL_SCORES = st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=5, max_size=5)


@given(LEVEL_SCORES, st.integers(min_value=0, max_value=4), st.floats(0.0, 1.0))
def test_raising_a_level_score_never_lowers_s_or_the_level(scores, i, raised):
    higher = list(scores)
    higher[i] = max(scores[i], raised)
    s1, level1 = cmmm_level(scores)
    s2, level2 = cmmm_level(higher)
    assert s2 >= s1 - 1e-9
    assert level2 >= level1


@given(LEVEL_SCORES)
def test_level_never_exceeds_the_number_of_levels_passed(scores):
    # S < passed + 0.8, because the level that stops the sum adds less than 0.8
    total, level = cmmm_level(scores)
    passed = 0
    for value in scores:
        if value < 0.8 - 1e-9:  # the same tolerance as the code
            break
        passed += 1
    assert 0.0 <= total <= 5.0
    assert level <= passed

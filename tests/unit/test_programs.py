"""Program definitions (questionnaires/programs.yaml) and the matching engine."""

from __future__ import annotations

import copy
import math
import random

import pytest
import yaml
from _answer_gen import random_answers
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment import expressions
from assessment.errors import AssessmentError
from assessment.loader import load_questionnaires
from assessment.programs import (
    DEFAULT_PATH,
    PROGRAM_IDS,
    ProgramSet,
    display_value,
    load_programs,
    parse_programs,
    recommend_programs,
    section_text,
)
from assessment.questionnaire import Text
from assessment.scoring import score_assessment


@pytest.fixture(scope="module")
def qset():
    return load_questionnaires()


@pytest.fixture(scope="module")
def programs(qset) -> ProgramSet:
    return load_programs(qset=qset)


# --- a small valid definition that each validator case breaks in one place ----------


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def minimal_doc() -> dict:
    programs = []
    for i, pid in enumerate(PROGRAM_IDS, start=1):
        programs.append(
            {
                "id": pid,
                "section": f"§3({i})",
                "name": _t(f"专项{i}", f"Program {i}"),
                "description": _t("说明", "About"),
                "instruments": ["grant"],
                "gates": [],
                "signals": [
                    {
                        "id": "rd",
                        "when": "${profile.rd_ratio} >= 3",
                        "weight": 2,
                        "label": _t("研发", "R&D"),
                        "reason": _t(
                            "研发投入 {profile.rd_ratio}%", "R&D intensity {profile.rd_ratio}%"
                        ),
                    },
                    {
                        "id": "level",
                        "when": "${score.im.level} >= 2",
                        "weight": 1,
                        "label": _t("成熟度", "Maturity"),
                        "reason": _t("成熟度 {score.im.level} 级", "CMMM level {score.im.level}"),
                    },
                ],
            }
        )
    programs[4]["gates"] = [
        {
            "id": "defence",
            "when": "${profile.defence_qualification} = true",
            "label": _t("无军工资质", "No defence qualification"),
            "reason": _t(
                "军工资质：{profile.defence_qualification}",
                "Defence qualification: {profile.defence_qualification}",
            ),
            "improve": _t("申请资质", "Apply for a qualification"),
        }
    ]
    return {
        "version": "test",
        "source": "Policy §3",
        "instruments": [
            {
                "id": "grant",
                "section": "§4(2)",
                "name": _t("补助", "Grant"),
                "description": _t("补助", "Grant"),
            },
            {
                "id": "bonds",
                "section": "§4(3)",
                "name": _t("债券", "Bonds"),
                "description": _t("债券", "Bonds"),
                "when": "${profile.size_class} = 'large'",
            },
        ],
        "programs": programs,
    }


def dump(doc: dict) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _signal(doc, pid=0, n=0):
    return doc["programs"][pid]["signals"][n]


def test_minimal_definition_is_valid(qset):
    ps = parse_programs(dump(minimal_doc()), qset)
    assert [p.id for p in ps.programs] == list(PROGRAM_IDS)


BROKEN = [
    # (what, mutation, expected code)
    ("unknown answer ref", lambda d: _signal(d).update(when="${profile.rd}"), "G302"),
    ("unknown score ref", lambda d: _signal(d).update(when="${score.im.lvl} >= 2"), "G302"),
    (
        "unknown ref in reason",
        lambda d: _signal(d).update(reason=_t("{profile.nope}", "{profile.nope}")),
        "G302",
    ),
    ("unknown instrument", lambda d: d["programs"][0].update(instruments=["loan"]), "G302"),
    ("syntax error", lambda d: _signal(d).update(when="${profile.rd_ratio} >="), "G301"),
    ("option never matches", lambda d: _signal(d).update(when="${profile.city} = 'paris'"), "G301"),
    ("yesno vs text", lambda d: _signal(d).update(when="${profile.dual_use} = 'yes'"), "G301"),
    ("missing weight", lambda d: _signal(d).pop("weight"), "G301"),
    ("zero weight", lambda d: _signal(d).update(weight=0), "G301"),
    ("bool weight", lambda d: _signal(d).update(weight=True), "G301"),
    ("gate with weight", lambda d: d["programs"][4]["gates"][0].update(weight=1), "G301"),
    ("missing en", lambda d: _signal(d).update(label={"zh": "研发"}), "G301"),
    ("label not mapping", lambda d: _signal(d).update(label="R&D"), "G301"),
    ("extra language", lambda d: _signal(d)["label"].update(fr="R&D"), "G301"),
    ("reason names nothing", lambda d: _signal(d).update(reason=_t("研发", "R&D")), "G301"),
    ("unknown field", lambda d: _signal(d).update(score=3), "G301"),
    ("bad rule id", lambda d: _signal(d).update(id="R D"), "G301"),
    ("duplicate rule id", lambda d: _signal(d, 0, 1).update(id="rd"), "G301"),
    ("bad section", lambda d: _signal(d).update(section="§9(9)"), "G301"),
    ("wrong program section", lambda d: d["programs"][0].update(section="§3(2)"), "G301"),
    ("unknown program", lambda d: d["programs"][0].update(id="space_program"), "G301"),
    ("missing program", lambda d: d["programs"].pop(), "G301"),
    ("duplicate program", lambda d: d["programs"].append(copy.deepcopy(d["programs"][0])), "G301"),
    ("no signals", lambda d: d["programs"][0].update(signals=[]), "G301"),
    ("signals not list", lambda d: d["programs"][0].update(signals="rd"), "G301"),
    ("signal not mapping", lambda d: d["programs"][0]["signals"].append("rd"), "G301"),
    ("no instruments", lambda d: d["programs"][0].update(instruments=[]), "G301"),
    ("instrument from §3", lambda d: d["instruments"][0].update(section="§3(1)"), "G301"),
    ("instrument bad id", lambda d: d["instruments"][0].update(id="Grant!"), "G301"),
    ("instrument not mapping", lambda d: d["instruments"].append("grant"), "G301"),
    ("duplicate instrument", lambda d: d["instruments"].append(d["instruments"][0]), "G301"),
    ("instrument bad when", lambda d: d["instruments"][1].update(when="${x.y} = 1"), "G302"),
    ("missing version", lambda d: d.pop("version"), "G301"),
    ("empty source", lambda d: d.update(source=""), "G301"),
    ("unknown top field", lambda d: d.update(extra=1), "G301"),
    ("program not mapping", lambda d: d["programs"].append("x"), "G301"),
    ("missing when", lambda d: _signal(d).pop("when"), "G301"),
    ("missing name", lambda d: d["programs"][0].pop("name"), "G301"),
    ("source not text", lambda d: _signal(d).update(source=3), "G301"),
]


@pytest.mark.parametrize(("what", "mutate", "code"), BROKEN, ids=[b[0] for b in BROKEN])
def test_validator_rejects_broken_definitions(qset, what, mutate, code):
    doc = minimal_doc()
    mutate(doc)
    with pytest.raises(AssessmentError) as info:
        parse_programs(dump(doc), qset, file="inline.yaml")
    assert code in info.value.codes
    first = next(p for p in info.value.problems if p.code == code)
    assert first.file == "inline.yaml"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("programs: [\n  - id: x\n bad", "G301"),  # YAML syntax
        ("- just\n- a list\n", "G301"),
        ("version: a\nversion: b\nsource: s\ninstruments: []\nprograms: []\n", "G301"),
    ],
)
def test_validator_rejects_bad_files(qset, text, code):
    with pytest.raises(AssessmentError) as info:
        parse_programs(text, qset)
    assert info.value.code == code


def test_errors_are_located_with_line_and_path(qset):
    doc = minimal_doc()
    _signal(doc, 2, 1)["when"] = "${score.green.nope} > 1"
    text = dump(doc)
    with pytest.raises(AssessmentError) as info:
        parse_programs(text, qset, file="p.yaml")
    (prob,) = info.value.problems
    assert prob.code == "G302"
    assert prob.path == "green_manufacturing.signals[level].when"
    assert "${score.green.nope}" in text.splitlines()[prob.line - 1]
    assert prob.message().startswith(f"p.yaml:{prob.line} [green_manufacturing")


def test_load_programs_missing_file(tmp_path, qset):
    with pytest.raises(AssessmentError) as info:
        load_programs(tmp_path / "none.yaml", qset)
    assert info.value.code == "Q114"


def test_load_programs_from_folder_loads_its_questionnaires(tmp_path):
    # Without a qset, the questionnaires beside programs.yaml are used.
    for name in ("profile", "im", "green", "integration", "programs"):
        src = DEFAULT_PATH.parent / f"{name}.yaml"
        (tmp_path / f"{name}.yaml").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    ps = load_programs(tmp_path / "programs.yaml")
    assert len(ps.programs) == 8


# --- the shipped definitions --------------------------------------------------------


def test_shipped_programs_cover_the_eight_programs_of_section_3(programs):
    assert [p.id for p in programs.programs] == list(PROGRAM_IDS)
    for i, prog in enumerate(programs.programs, start=1):
        assert prog.section == f"§3({i})"
        assert prog.signals
        assert prog.instruments
        for rule in prog.rules:
            assert rule.refs, rule.id  # every rule names the answer or score behind it


def test_shipped_instruments_are_the_section_4_routes(programs):
    sections = {i.id: i.section for i in programs.instruments}
    assert sections["interest_subsidy"] == sections["grant"] == "§4(2)"
    for route in ("financial_leasing", "bonds", "listing", "bank_matchmaking"):
        assert sections[route] == "§4(3)"


def test_program_lookup(programs):
    assert programs.program("military_civil").order == 5
    with pytest.raises(KeyError):
        programs.program("nope")
    with pytest.raises(KeyError):
        programs.instrument("nope")


@pytest.mark.parametrize(
    ("section", "zh", "en"),
    [
        ("§3(3)", "政策第三条第（三）项", "Policy §3(3)"),
        ("§4(2)", "政策第四条第（二）项", "Policy §4(2)"),
        ("§1", "政策第一条", "Policy §1"),
        ("weird", "weird", "weird"),
    ],
)
def test_section_text(section, zh, en):
    assert section_text(section) == Text(zh, en)


# --- matching ------------------------------------------------------------------------


def _base_answers(qset) -> dict:
    """A complete, middling answer set: every requirement 'partial', facts neutral."""
    answers = {
        "profile.name": "测试企业",
        "profile.credit_code": "91140100MA0K0000XX",
        "profile.city": "taiyuan",
        "profile.industry": "other",
        "profile.production_type": "discrete",
        "profile.employees": 200,
        "profile.revenue": 20000,
        "profile.rd_ratio": 0,
        "profile.tech_centre": "none",
        "profile.university_coop": False,
        "profile.first_unit": False,
        "profile.defence_qualification": False,
        "profile.dual_use": False,
        "profile.four_bases": ["none"],
        "profile.service_revenue_share": 0,
        "profile.park_member": False,
        "profile.platform_operator": False,
    }
    for item in qset.items():
        if item.id in answers or item.id.startswith("profile."):
            continue
        if item.type == "requirement":
            answers[item.id] = "partial"
        elif item.type == "yesno":
            answers[item.id] = True
        elif item.type == "single":
            answers[item.id] = item.options[-1].value
        elif item.type == "multiple":
            answers[item.id] = [item.options[0].value]
        elif item.type == "numeric" and item.benchmarks:
            answers[item.id] = item.benchmark(None).baseline
    return answers


@pytest.fixture
def base(qset):
    return _base_answers(qset)


def _recommend(answers, qset, programs):
    return {
        m.program_id: m
        for m in recommend_programs(score_assessment(answers, qset), answers, programs)
    }


def test_gate_failure_makes_program_ineligible_with_its_reason(base, qset, programs):
    matches = _recommend(base, qset, programs)
    mc = matches["military_civil"]
    assert not mc.eligible and not mc.recommended
    (failed,) = mc.failed_gates
    assert failed.rule_id == "defence_or_dual_use"
    assert "profile.defence_qualification" in failed.refs
    assert "军工资质：否" in failed.text.zh and "Defence qualification: no" in failed.text.en
    assert failed.section == "§3(5)"
    assert "not eligible" in mc.explanation.en


def test_passing_gate_and_signals(base, qset, programs):
    base.update({"profile.dual_use": True, "profile.industry": "equipment"})
    mc = _recommend(base, qset, programs)["military_civil"]
    assert mc.eligible and mc.recommended
    prog = programs.program("military_civil")
    held = {o.rule_id for o in mc.outcomes if o.kind == "signal" and o.holds}
    assert {"dual_use", "shared_roots_industry"} <= held
    expected = sum(r.weight for r in prog.signals if r.id in held)
    total = sum(r.weight for r in prog.signals)
    assert mc.fit == pytest.approx(round(expected / total * 100, 1))
    assert mc.reasons[0].rule_id == "dual_use"  # heaviest first
    assert all(r.section and r.refs for r in mc.reasons)


def test_reasons_fill_in_the_actual_values(base, qset, programs):
    base.update({"green.energy.coal_boilers_clean": False, "green.energy.waste_heat": "none"})
    green = _recommend(base, qset, programs)["green_manufacturing"]
    texts = {r.rule_id: r for r in green.reasons}
    assert "：否" in texts["coal_boilers"].text.zh
    assert "有可回收余能但未回收" in texts["waste_heat"].text.zh
    assert "Recoverable waste energy not recovered" in texts["waste_heat"].text.en
    assert dict(texts["waste_heat"].values)["green.energy.waste_heat"] == "none"
    assert "{" not in texts["coal_boilers"].text.en
    assert green.explanation.zh.startswith("绿色制造推广专项工程排第")
    assert "燃煤锅炉（窑炉）仍在使用" in green.explanation.zh
    assert "（政策第三条第（三）项）" in green.explanation.zh
    assert green.next_steps and green.next_steps[0].zh.startswith("编制燃煤锅炉")


def test_score_references_read_the_flat_scores(base, qset, programs):
    result = score_assessment(base, qset)
    im = _recommend(base, qset, programs)["intelligent_manufacturing"]
    outcome = {o.rule_id: o for o in im.outcomes}
    assert outcome["cmmm_level2"].holds == (result.cmmm.level >= 2)
    assert outcome["production_strong"].holds == (result.flat()["im.production"] >= 60)
    assert f"{result.cmmm.level} 级" in outcome["cmmm_level2"].reason.text.zh


def test_ranking_eligible_first_then_fit_then_policy_order(base, qset, programs):
    ranked = recommend_programs(score_assessment(base, qset), base, programs)
    assert [m.rank for m in ranked] == list(range(1, 9))
    keys = [(not m.eligible, -m.fit, programs.program(m.program_id).order) for m in ranked]
    assert keys == sorted(keys)
    for m in ranked:
        assert f"排第{m.rank}" in m.explanation.zh
        assert f"ranks #{m.rank}" in m.explanation.en


def test_ties_are_broken_by_policy_order(qset):
    # In the minimal set every program has the same signals: all tie on fit.
    ps = parse_programs(dump(minimal_doc()), qset)
    answers = _base_answers(qset)
    answers["profile.rd_ratio"] = 4
    ranked = recommend_programs(score_assessment(answers, qset), answers, ps)
    eligible = [m.program_id for m in ranked if m.eligible]
    assert eligible == [p for p in PROGRAM_IDS if p != "military_civil"]
    assert ranked[-1].program_id == "military_civil"
    assert ranked[-1].next_steps == (Text("申请资质", "Apply for a qualification"),)


@pytest.mark.parametrize(
    ("employees", "revenue", "has_bonds"),
    [(2000, 500000, True), (10, 100, False)],
)
def test_instruments_follow_their_conditions(base, qset, programs, employees, revenue, has_bonds):
    base.update({"profile.employees": employees, "profile.revenue": revenue})
    green = _recommend(base, qset, programs)["green_manufacturing"]
    ids = [i.id for i in green.instruments]
    assert "interest_subsidy" in ids and "grant" in ids
    assert ("bonds" in ids) == has_bonds


def test_eligible_without_signals_is_not_recommended(qset):
    # In the minimal set, no R&D and CMMM below 2: eligible programs have no signal holding.
    ps = parse_programs(dump(minimal_doc()), qset)
    answers = _base_answers(qset)
    ranked = recommend_programs(score_assessment(answers, qset), answers, ps)
    first = ranked[0]
    assert first.eligible and first.fit == 0.0 and not first.recommended
    assert first.reasons == ()
    assert "暂无匹配的特征" in first.explanation.zh
    assert "no fit signal holds" in first.explanation.en


def test_flat(base, qset, programs):
    m = _recommend(base, qset, programs)["green_manufacturing"]
    flat = m.flat()
    assert flat["program.green_manufacturing.rank"] == m.rank
    assert flat["program.green_manufacturing.eligible"] in (0.0, 1.0)
    assert flat["program.green_manufacturing.fit"] == m.fit


def test_skipped_items_are_ignored(base, qset, programs):
    # A process-industry item answered by a discrete maker does not count.
    base["profile.production_type"] = "discrete"
    base["im.production.execution.l4.apc"] = "full"
    im = _recommend(base, qset, programs)["intelligent_manufacturing"]
    assert not {o.rule_id: o for o in im.outcomes}["process_control"].holds


@pytest.mark.parametrize(
    ("ref", "value", "zh", "en"),
    [
        ("profile.university_coop", True, "是", "yes"),
        ("profile.rd_ratio", 3.0, "3", "3"),
        ("profile.rd_ratio", 2.345, "2.3", "2.3"),
        ("profile.rd_ratio", None, "未填或不清楚", "not answered or don't know"),
        ("profile.rd_ratio", "dont_know", "未填或不清楚", "not answered or don't know"),
        ("profile.tech_centre", "provincial", "省级", "Provincial"),
        ("profile.industry", "coking", "焦化", "Coking"),
        ("profile.size_class", "large", "大型", "large"),
        ("im.factory.equipment.l2.digital_control", "most", "大部分满足", "mostly met"),
        ("profile.four_bases", ["materials", "processes"], "关键基础材料、先进基础工艺", None),
        ("profile.name", "某公司", "某公司", "某公司"),
        ("profile.name", {"odd": 1}, "{'odd': 1}", "{'odd': 1}"),
    ],
)
def test_display_value(qset, ref, value, zh, en):
    shown = display_value(ref, value, qset)
    assert shown.zh == zh
    if en is not None:
        assert shown.en == en


# --- properties over random answer sets ----------------------------------------------


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_no_program_is_eligible_with_a_failed_gate(qset, programs, seed):
    answers = random_answers(qset, random.Random(seed))
    result = score_assessment(answers, qset)
    ranked = recommend_programs(result, answers, programs)
    assert sorted(m.program_id for m in ranked) == sorted(PROGRAM_IDS)
    from assessment.programs import context

    ctx = context(result, answers, qset)
    seen_ineligible = False
    for m in ranked:
        prog = programs.program(m.program_id)
        gates_hold = all(expressions.evaluate(g.when, ctx) for g in prog.gates)
        assert m.eligible == gates_hold
        if not m.eligible:
            assert m.failed_gates and all(r.text.zh and r.refs for r in m.failed_gates)
            seen_ineligible = True
        elif seen_ineligible:
            pytest.fail("an eligible program ranked below an ineligible one")
        if m.recommended:
            assert m.reasons, m.program_id
            for reason in m.reasons:
                assert reason.refs and reason.section.startswith("§")
                assert "{" not in reason.text.zh and "{" not in reason.text.en
        assert 0.0 <= m.fit <= 100.0 and not math.isnan(m.fit)


def test_every_program_and_rule_is_documented(programs, root):
    doc = (root / "docs" / "programs.md").read_text(encoding="utf-8")
    for prog in programs.programs:
        assert f"`{prog.id}`" in doc
        for rule in prog.rules:
            assert f"| `{rule.id}` |" in doc, f"{prog.id}.{rule.id} is not in docs/programs.md"
    for code in ("G301", "G302"):
        assert code in doc


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Coal-fired boilers still in use", "coal-fired boilers still in use"),
        ("CMMM level 2 reached", "CMMM level 2 reached"),
        ("IT embedded in products", "IT embedded in products"),
        ("R&D intensity", "R&D intensity"),
    ],
)
def test_labels_read_lower_case_inside_the_sentence(label, expected):
    from assessment.programs import _lower

    assert _lower(label) == expected

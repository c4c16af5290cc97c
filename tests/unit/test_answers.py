"""Answers: validation codes, skip logic, coercion of typed-in values, answers files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assessment.answers import (
    FORMAT,
    AnswersFile,
    answers_document,
    coerce_answer,
    effective_answers,
    is_relevant,
    load_answers_file,
    relevant_items,
    validate_answers,
)
from assessment.errors import AssessmentError
from assessment.loader import load_questionnaires
from assessment.questionnaire import Constraint, Item, Text

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "questionnaires"
VALID_USCC = "91140100MA0GRXGY7Y"  # check character computed by reference.uscc_check_char


@pytest.fixture(scope="module")
def qset():
    return load_questionnaires(FIXTURES)


def complete() -> dict:
    """A complete, valid set of answers to the fixture questionnaires."""
    return {
        "profile.name": "太原示例机械有限公司",
        "profile.credit_code": VALID_USCC,
        "profile.city": "taiyuan",
        "profile.industry": "equipment",
        "profile.production_type": "process",
        "profile.employees": 320,
        "profile.four_bases": ["materials"],
        "im.factory.equipment.l1.plan": "full",
        "im.factory.network.l2.lan": "partial",
        "im.factory.safety.l2.sis": "none",
        "im.production.scheduling.l3.aps": "most",
        "green.basic.compliance": True,
        "green.basic.systems": ["iso14001"],
        "integration.infrastructure.erp": "partial",
    }


def test_fixture_uscc_is_valid():
    from assessment import reference

    assert reference.uscc_problem(VALID_USCC) is None


def test_complete_answers_are_clean(qset):
    assert validate_answers(complete(), qset) == []


# (case id, changes to the complete answers, expected codes, path of the first problem)
CASES = [
    ("unknown-item", {"im.factory.nothing": "full"}, ["A201"], "im.factory.nothing"),
    ("unknown-questionnaire", {"zzz.x": 1}, ["A201"], "zzz.x"),
    ("requirement-not-a-rating", {"im.factory.network.l2.lan": "yes"}, ["A203"], None),
    ("requirement-wrong-type", {"im.factory.network.l2.lan": 1}, ["A204"], None),
    ("single-not-an-option", {"profile.city": "beijing"}, ["A203"], "profile.city"),
    ("single-wrong-type", {"profile.city": ["taiyuan"]}, ["A204"], None),
    ("multiple-not-an-option", {"green.basic.systems": ["iso14001", "iso9001"]}, ["A203"], None),
    ("multiple-two-bad", {"green.basic.systems": ["x", "y"]}, ["A203", "A203"], None),
    ("multiple-wrong-type", {"green.basic.systems": "iso14001"}, ["A204"], None),
    ("multiple-not-texts", {"green.basic.systems": [1]}, ["A204"], None),
    ("yesno-text", {"green.basic.compliance": "yes"}, ["A204"], "green.basic.compliance"),
    ("numeric-text", {"profile.employees": "320"}, ["A204"], None),
    ("numeric-bool", {"profile.employees": True}, ["A204"], None),
    ("numeric-nan", {"profile.employees": float("nan")}, ["A204"], None),
    ("numeric-below-min", {"profile.employees": -1}, ["A202"], "profile.employees"),
    ("numeric-above-max", {"profile.employees": 2_000_000}, ["A202"], None),
    ("text-wrong-type", {"profile.name": 42}, ["A204"], None),
    ("pattern", {"profile.gbt4754": "3110"}, ["A207"], "profile.gbt4754"),
    ("uscc-check-char", {"profile.credit_code": VALID_USCC[:-1] + "0"}, ["A206"], None),
    ("uscc-length", {"profile.credit_code": "9114"}, ["A206"], None),
    ("required-missing", {"im.factory.network.l2.lan": None}, ["A205"], None),
    ("required-blank-text", {"profile.name": "  "}, ["A205"], "profile.name"),
    ("required-empty-list", {"green.basic.systems": []}, ["A205"], None),
    ("dont-know-not-allowed", {"im.factory.network.l2.lan": "dont_know"}, ["A210"], None),
    ("dont-know-allowed", {"im.factory.equipment.l1.plan": "dont_know"}, [], None),
    ("numeric-dont-know", {"profile.employees": "dont_know"}, [], None),
    ("optional-may-be-missing", {"profile.gbt4754": None}, [], None),
    ("pattern-ok", {"profile.gbt4754": "C3110"}, [], None),
    ("float-in-range", {"profile.employees": 12.5}, [], None),
    # skip logic: a discrete plant is not asked the process-only requirement ...
    ("skipped-not-required", {"profile.production_type": "discrete",
                              "im.factory.safety.l2.sis": None}, [], None),
    # ... and a stored answer to a skipped item is ignored, even a bad one
    ("skipped-answer-ignored", {"profile.production_type": "discrete",
                                "im.factory.safety.l2.sis": "bogus"}, [], None),
    ("relevant-answer-checked", {"im.factory.safety.l2.sis": "bogus"}, ["A203"], None),
    # numeric relevant: green energy is asked when four_bases is unanswered
    ("relevant-numeric-required", {"profile.four_bases": None}, ["A205"],
     "green.energy.unit_energy"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "codes", "path"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_validate_answers(qset, changes, codes, path):
    answers = {**complete(), **changes}
    problems = validate_answers(answers, qset)
    assert [p.code for p in problems] == codes, [p.message() for p in problems]
    if path:
        assert problems[0].path == path
    for p in problems:
        p.message("zh")  # every problem renders in both languages
        assert "{" not in p.text("en")


def test_a205_lists_every_missing_required_item(qset):
    problems = validate_answers({}, qset)
    missing = {p.path for p in problems if p.code == "A205"}
    assert "profile.name" in missing and "green.basic.compliance" in missing
    assert "profile.gbt4754" not in missing  # optional
    assert "im.factory.safety.l2.sis" not in missing  # production type unknown: skipped
    assert "integration.infrastructure.erp" not in missing  # relevant is false


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (None, set()),
        ("profile.basic", {"profile.name", "profile.credit_code", "profile.city",
                           "profile.industry", "profile.production_type"}),
        ("green.basic", {"green.basic.compliance", "green.basic.systems"}),
    ],
)  # fmt: skip
def test_partial_requires_only_the_given_section(qset, section, expected):
    problems = validate_answers({"profile.employees": -5}, qset, partial=True, section=section)
    assert {p.path for p in problems if p.code == "A205"} == expected
    assert "A202" in [p.code for p in problems]  # bad values are reported anyway


def test_a201_names_the_questionnaire(qset):
    [p] = validate_answers({**complete(), "green.nope": 1}, qset)
    assert p.params["questionnaire"] == "green"


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"profile.production_type": "process"}, True),
        ({"profile.production_type": "discrete"}, False),
        ({}, False),
    ],
)
def test_is_relevant(qset, answers, expected):
    assert is_relevant(qset.item("im.factory.safety.l2.sis"), answers) is expected
    assert is_relevant(qset.item("im.factory.network.l2.lan"), answers) is True


def test_skips_cascade(qset):
    # erp is asked because four_bases has 'materials'; green energy is then skipped
    # (it asks only when four_bases is unanswered). Drop the employees answer so that
    # erp depends on four_bases alone.
    answers = {"profile.four_bases": ["materials"], "integration.infrastructure.erp": "full"}
    assert effective_answers(answers, qset) == answers
    shown = {item.id for item in relevant_items(answers, qset)}
    assert "integration.infrastructure.erp" in shown
    assert "green.energy.unit_energy" not in shown


def test_skip_cascade_drops_dependent_answers(tmp_path):
    # b depends on a, c depends on b: when a skips b, c's condition sees no value.
    text = (FIXTURES / "integration.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "        relevant: \"selected(${profile.four_bases}, 'materials') or "
        '${profile.employees} >= 50"\n',
        "",
    )
    extra = """
      - id: integration.infrastructure.b
        type: yesno
        relevant: "${integration.infrastructure.erp} = 'full'"
        label: {zh: 乙, en: B}
        hint: {zh: 提示, en: Hint}
        source: "test"
      - id: integration.infrastructure.c
        type: yesno
        relevant: "${integration.infrastructure.b} = true"
        label: {zh: 丙, en: C}
        hint: {zh: 提示, en: Hint}
        source: "test"
"""
    for name in ("profile.yaml", "im.yaml", "green.yaml"):
        (tmp_path / name).write_text((FIXTURES / name).read_text(encoding="utf-8"))
    (tmp_path / "integration.yaml").write_text(text + extra, encoding="utf-8")
    qs = load_questionnaires(tmp_path)
    answers = {
        "integration.infrastructure.erp": "none",
        "integration.infrastructure.b": True,
        "integration.infrastructure.c": "not a bool",
    }
    assert "integration.infrastructure.c" not in effective_answers(answers, qs)
    problems = validate_answers(answers, qs, partial=True)
    assert problems == []  # c is skipped through b, so its bad value is ignored


# --- coerce_answer ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item_id", "raw", "expected"),
    [
        ("profile.employees", "12.5", 12.5),
        ("profile.employees", " 1,200 ", 1200),
        ("profile.employees", "1，200", 1200),
        ("profile.employees", "3.0", 3.0),
        ("profile.employees", 7, 7),
        ("profile.employees", "不清楚", "dont_know"),
        ("profile.employees", "", None),
        ("profile.employees", None, None),
        ("green.basic.compliance", "yes", True),
        ("green.basic.compliance", "是", True),
        ("green.basic.compliance", "Y", True),
        ("green.basic.compliance", "否", False),
        ("green.basic.compliance", "no", False),
        ("green.basic.compliance", 1, True),
        ("green.basic.compliance", 0, False),
        ("green.basic.compliance", False, False),
        ("im.factory.network.l2.lan", "全部满足", "full"),
        ("im.factory.network.l2.lan", "Partial", "partial"),
        ("im.factory.network.l2.lan", "不满足", "none"),
        ("im.factory.equipment.l1.plan", "dont_know", "dont_know"),
        ("profile.production_type", "流程型", "process"),
        ("profile.production_type", "Discrete", "discrete"),
        ("profile.production_type", "mixed", "mixed"),
        ("profile.city", "太原", "taiyuan"),
        ("green.basic.systems", "iso14001, ISO 50001", ["iso14001", "iso50001"]),
        ("green.basic.systems", "环境管理体系、能源管理体系", ["iso14001", "iso50001"]),
        ("green.basic.systems", ["iso14001"], ["iso14001"]),
        ("profile.name", "  某公司 ", "某公司"),
        ("profile.gbt4754", "C3110", "C3110"),
        ("profile.credit_code", " " + VALID_USCC[:9] + " " + VALID_USCC[9:].lower(), VALID_USCC),
    ],
)
def test_coerce_answer(qset, item_id, raw, expected):
    assert coerce_answer(qset.item(item_id), raw) == expected


@pytest.mark.parametrize(
    ("low", "high", "raw", "detail"),
    [(0, None, "-1", "≥ 0"), (None, 100, "100.5", "≤ 100"), (0.5, 2.5, "3", "0.5 – 2.5")],
)
def test_out_of_range_names_the_bounds(low, high, raw, detail):
    item = Item(
        id="t.x", type="numeric", label=Text("数", "N"), hint=Text("提示", "Hint"), source="",
        section="t.s", constraint=Constraint(min=low, max=high),
    )  # fmt: skip
    with pytest.raises(AssessmentError) as err:
        coerce_answer(item, raw)
    assert err.value.code == "A202"
    assert err.value.problems[0].params["detail"] == detail


@pytest.mark.parametrize(
    ("item_id", "raw", "code"),
    [
        ("profile.employees", "twelve", "A204"),
        ("profile.employees", "nan", "A204"),
        ("profile.employees", "-3", "A202"),
        ("profile.employees", True, "A204"),
        ("green.basic.compliance", "maybe", "A204"),
        ("green.basic.compliance", 2, "A204"),
        ("im.factory.network.l2.lan", "sometimes", "A203"),
        ("im.factory.network.l2.lan", "不清楚", "A210"),
        ("profile.production_type", "hybrid", "A203"),
        ("green.basic.systems", "iso14001; iso9001", "A203"),
        ("green.basic.systems", 5, "A204"),
        ("profile.name", 12.5, "A204"),
        ("profile.credit_code", "123", "A206"),
        ("profile.gbt4754", "x", "A207"),
    ],
)
def test_coerce_answer_errors(qset, item_id, raw, code):
    with pytest.raises(AssessmentError) as err:
        coerce_answer(qset.item(item_id), raw)
    assert err.value.code == code


def test_coerce_text_from_a_spreadsheet_number(qset):
    assert coerce_answer(qset.item("profile.name"), 12345) == "12345"


# --- answers files -----------------------------------------------------------------------


def write(tmp_path: Path, doc, name: str = "answers.json") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


def test_answers_file_round_trip(tmp_path, qset):
    doc = answers_document(complete(), qset, meta={"source": "test"})
    loaded = load_answers_file(write(tmp_path, doc), qset)
    assert isinstance(loaded, AnswersFile)
    assert dict(loaded.answers) == complete()
    assert dict(loaded.questionnaires) == qset.versions()
    assert loaded.meta == {"source": "test"}
    with pytest.raises(TypeError):
        loaded.answers["x"] = 1  # type: ignore[index]


def test_answers_file_without_meta(tmp_path, qset):
    loaded = load_answers_file(write(tmp_path, answers_document({}, qset)), qset)
    assert loaded.meta is None and dict(loaded.answers) == {}


GOOD = {"format": FORMAT, "questionnaires": {"profile": "2026.1"}, "answers": {}}


@pytest.mark.parametrize(
    ("doc", "line"),
    [
        ('{"format": "shanxi-readiness-answers/1",\n "answers": {,}}', 2),
        ("", 1),
        ("[1, 2]", None),
        ({**GOOD, "format": "other/2"}, None),
        ({k: v for k, v in GOOD.items() if k != "format"}, None),
        ({**GOOD, "questionnaires": ["profile"]}, None),
        ({**GOOD, "questionnaires": {"profile": 2026.1}}, None),
        ({**GOOD, "answers": [["profile.name", "x"]]}, None),
        ({k: v for k, v in GOOD.items() if k != "answers"}, None),
        ({**GOOD, "meta": "x"}, None),
        ({**GOOD, "extra": 1}, None),
    ],
)
def test_invalid_answers_files_are_a208(tmp_path, qset, doc, line):
    with pytest.raises(AssessmentError) as err:
        load_answers_file(write(tmp_path, doc), qset)
    assert err.value.codes == ["A208"]
    if line is not None:
        assert err.value.problems[0].line == line
        assert "column" in err.value.problems[0].text("en")
        assert "列" in err.value.problems[0].text("zh")


JSON_MISTAKES = ['{', '{"a"', '{"a" 1}', '{"a": 1 "b": 2}', '"abc', '"a\x01"', '"\\q"',
                 '"\\u12"', "{} x", '{"a": }']  # fmt: skip


@pytest.mark.parametrize("text", JSON_MISTAKES)
def test_a_json_mistake_is_told_in_chinese_with_its_place(tmp_path, qset, text):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AssessmentError) as err:
        load_answers_file(path, qset)
    (prob,) = err.value.problems
    zh, en = prob.text("zh"), prob.text("en")
    # The parser's own English words stay out of the Chinese message, and the place is in it.
    assert not re.search(r"[A-Za-z]{4,}", zh.replace("JSON", "")), zh
    assert re.search(r"第 \d+ 行第 \d+ 列", zh) and re.search(r"line \d+, column \d+", en)


def test_every_translated_json_message_is_one_the_parser_gives():
    import json

    from assessment.answers import JSON_MESSAGES

    said = set()
    for text in JSON_MISTAKES:
        try:
            json.loads(text)
        except json.JSONDecodeError as err:
            said.add(err.msg)
    assert said == set(JSON_MESSAGES)


def test_shape_mistakes_are_told_in_both_languages(tmp_path, qset):
    path = tmp_path / "list.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(AssessmentError) as err:
        load_answers_file(path, qset)
    assert "顶层必须是对象" in err.value.problems[0].text("zh")
    assert "top level must be an object" in err.value.problems[0].text("en")


def test_unreadable_answers_file_is_a208(tmp_path, qset):
    with pytest.raises(AssessmentError) as err:
        load_answers_file(tmp_path / "missing.json", qset)
    assert err.value.codes == ["A208"]
    bad = tmp_path / "latin1.json"
    bad.write_bytes(b'{"x": "\xe9"}')
    with pytest.raises(AssessmentError) as err:
        load_answers_file(bad, qset)
    assert err.value.codes == ["A208"]


@pytest.mark.parametrize(
    "versions",
    [{"profile": "2025.9"}, {"im": "1"}, {"profile": "2026.1", "other": "1"}],
)
def test_version_mismatch_is_a209(tmp_path, qset, versions):
    doc = {**GOOD, "questionnaires": versions}
    with pytest.raises(AssessmentError) as err:
        load_answers_file(write(tmp_path, doc), qset)
    assert set(err.value.codes) == {"A209"}


def test_answers_file_checks_against_the_shipped_set_by_default(tmp_path, monkeypatch):
    import assessment.loader as loader

    monkeypatch.setattr(loader, "DEFAULT_FOLDER", FIXTURES)
    doc = {**GOOD, "questionnaires": {"green": "1999.1"}}
    with pytest.raises(AssessmentError) as err:
        load_answers_file(write(tmp_path, doc))
    assert err.value.codes == ["A209"]
    assert load_answers_file(write(tmp_path, GOOD)).questionnaires == {"profile": "2026.1"}

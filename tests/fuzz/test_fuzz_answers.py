"""Property-based tests of answers validation, coercion, answers files and draft saving.

Hostile answers — every JSON type at every real item id, NaN, infinities, numbers beyond
a float, negative numbers, very long texts, lone surrogates — come out as coded problems
(codes from errors.CATALOGUE), never as another exception. Saving a section of a draft
either succeeds or raises AssessmentError and leaves the stored rows byte-identical.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.answers import (
    FORMAT,
    AnswersFile,
    coerce_answer,
    load_answers_file,
    validate_answers,
)
from assessment.errors import CATALOGUE, AssessmentError, Problem
from assessment.loader import load_questionnaires
from assessment.questionnaire import DONT_KNOW, RATINGS, Item, QuestionnaireSet
from assessment.reference import uscc_check_char
from assessment.storage import Repository, make_engine, upgrade
from assessment.storage.drafts import answers_json

# A save writes a database transaction per example, so storage runs fewer (issue #9).
STORAGE_EXAMPLES = min(200, settings.default.max_examples)
# Module constants, not fixtures: hypothesis prints a failing test's arguments.
QSET = load_questionnaires()
ITEMS = list(QSET.items())

# Long, not huge: the 1 MB answers limit (S403) has its own table test below, and a
# megabyte per example would cost more time than it finds.
LONG_TEXTS = st.sampled_from([1_000, 20_000]).map(lambda n: "长" * n)
HOSTILE_TEXTS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "\ud800", "a\udfffb", "\x00", "NaN", "-0", "1e999", "是", "dont know",
                     "<script>alert(1)</script>", "=1+1", "full", "process", "taiyuan"]),
    LONG_TEXTS,
)  # fmt: skip
HOSTILE_NUMBERS = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, -0.0, 1e308, -1e308, 5e-324, 2**63, -(2**63) - 1, 10**309]),
)
JSON_SCALARS = st.one_of(st.none(), st.booleans(), HOSTILE_NUMBERS, HOSTILE_TEXTS)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)


def plausible(item: Item) -> st.SearchStrategy[Any]:
    """Values close to valid for this item, so validation gets past the type check."""
    options = [o.value for o in item.options] or ["x"]
    c = item.constraint
    low = c.min if c is not None and c.min is not None else -1e6
    high = c.max if c is not None and c.max is not None else 1e6
    return st.one_of(
        st.sampled_from([*RATINGS, DONT_KNOW, *options]),
        st.lists(st.sampled_from([*options, "nope"]), max_size=4),
        st.floats(min_value=low - 10, max_value=high + 10),
        st.integers(min_value=int(low) - 10, max_value=int(min(high, 1e15)) + 10),
    )


@st.composite
def answer_sets(draw: st.DrawFn, items: list[Item], unknown: bool = True) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from(ITEMS), max_size=12, unique_by=lambda i: i.id))
    answers = {item.id: draw(st.one_of(JSON_VALUES, plausible(item))) for item in chosen}
    if unknown:
        extra = draw(st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=2))
        answers.update(extra)
    return answers


def assert_coded(problems: list[Problem]) -> None:
    assert isinstance(problems, list)
    for p in problems:
        assert isinstance(p, Problem)
        assert p.code in CATALOGUE, p.code
        assert p.text("en") and p.text("zh")
        assert p.message("en")


@given(data=st.data(), partial=st.booleans())
def test_validate_answers_returns_only_coded_problems(data, partial) -> None:
    answers = data.draw(answer_sets(ITEMS))
    section = data.draw(st.sampled_from([None, *(i.section for i in ITEMS[:40])]))
    problems = validate_answers(answers, QSET, partial=partial, section=section)
    assert_coded(problems)
    flagged = {p.path for p in problems if p.code == "A201"}
    assert flagged == {k for k in answers if QSET.item(k) is None}


@given(data=st.data())
def test_coerce_answer_returns_a_valid_value_or_raises_coded(data) -> None:
    item = data.draw(st.sampled_from(ITEMS))
    raw = data.draw(st.one_of(JSON_VALUES, plausible(item), HOSTILE_TEXTS))
    try:
        value = coerce_answer(item, raw)
    except AssessmentError as err:
        assert set(err.codes) <= set(CATALOGUE)
        # A212: a control character in a text, refused before storage (issue 14, item 9).
        assert set(err.codes) <= {"A202", "A203", "A204", "A206", "A207", "A210", "A212"}
        return
    if value is None:
        return
    # What coercion returns is a valid answer, and coercing it again changes nothing.
    assert coerce_answer(item, value) == value
    if isinstance(value, float):
        assert math.isfinite(value)


# --- answers files ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def answers_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("answers") / "answers.json"


@st.composite
def documents(draw: st.DrawFn, qset: QuestionnaireSet, items: list[Item]) -> Any:
    """An answers-file document: valid, with one top-level key dropped or replaced, or any."""
    shape = draw(st.sampled_from(["valid", "mutated", "any"]))
    if shape == "any":
        return draw(JSON_VALUES)
    doc: dict[str, Any] = {
        "format": FORMAT,
        "questionnaires": qset.versions(),
        "answers": draw(answer_sets(ITEMS, unknown=False)),
    }
    if draw(st.booleans()):
        doc["meta"] = {"name": draw(HOSTILE_TEXTS)}
    if shape == "mutated":
        key = draw(st.sampled_from(["format", "questionnaires", "answers", "meta", "extra"]))
        if draw(st.booleans()):
            doc.pop(key, None)
        else:
            doc[key] = draw(JSON_VALUES)
    return doc


@given(data=st.data(), as_bytes=st.booleans())
def test_answers_files_load_or_are_refused_with_a208_a209(answers_path, data, as_bytes) -> None:
    if as_bytes:
        answers_path.write_bytes(data.draw(st.binary(max_size=200)))
    else:
        doc = data.draw(documents(QSET, ITEMS))
        text = json.dumps(doc, ensure_ascii=data.draw(st.booleans()))
        answers_path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    try:
        loaded = load_answers_file(answers_path, QSET)
    except AssessmentError as err:
        assert set(err.codes) <= {"A208", "A209"}, err.codes
        return
    assert isinstance(loaded, AnswersFile)
    assert_coded(validate_answers(loaded.answers, QSET))


@pytest.mark.parametrize(
    "answers_text",
    [
        '{"profile.employees": ' + "9" * 5000 + "}",  # over Python's 4,300-digit limit
        '{"profile.employees": ' + "9" * 400 + "}",  # an int beyond any float
        '{"profile.employees": -' + "9" * 4300 + "}",  # the longest int() accepts
        '{"profile.employees": ' + "[" * 100_000 + "]" * 100_000 + "}",  # nesting
        '{"profile.name": "\\ud800"}',  # a lone surrogate, legal in JSON text
        '{"profile.employees": NaN, "profile.revenue": -Infinity}',
    ],
    ids=["5000-digits", "400-digits", "4300-digits", "deep", "surrogate", "nan"],
)
def test_hostile_answers_files_are_refused_or_loaded(answers_path: Path, answers_text: str) -> None:
    answers_path.write_text(
        f'{{"format": "{FORMAT}", "questionnaires": {json.dumps(QSET.versions())}, '
        f'"answers": {answers_text}}}',
        "utf-8",
    )
    try:
        loaded = load_answers_file(answers_path, QSET)
    except AssessmentError as err:
        assert err.codes == ["A208"]
        return
    assert_coded(validate_answers(loaded.answers, QSET))


@pytest.mark.parametrize(
    ("item_id", "raw"),
    [
        ("profile.employees", 10**400),
        ("profile.employees", -(10**400)),
        ("profile.revenue", float("nan")),
        ("profile.rd_ratio", float("inf")),
        ("profile.name", "\ud800"),
        ("profile.employees", "9" * 5000),
        ("profile.four_bases", [10**400]),
    ],
    ids=["huge-int", "huge-negative", "nan", "inf", "surrogate", "5000-digit-text", "list"],
)
def test_hostile_single_answers_give_coded_problems(item_id: str, raw: Any) -> None:
    assert_coded(validate_answers({item_id: raw}, QSET, partial=True))
    try:
        coerce_answer(QSET.item(item_id), raw)
    except AssessmentError as err:
        assert set(err.codes) <= set(CATALOGUE)


# --- saving a section of a draft --------------------------------------------------------


def valid_value(item: Item) -> Any:
    if item.id == "profile.credit_code":
        return "91140100" + "MA0000001" + uscc_check_char("91140100MA0000001")
    if item.id == "profile.gbt4754":
        return "C3110"
    if item.type == "text":
        return "<b>测试</b> **企业** [x](javascript:1)"
    if item.type in ("single", "multiple"):
        first = item.options[0].value
        return first if item.type == "single" else [first]
    if item.type == "numeric":
        return item.constraint.min if item.constraint and item.constraint.min else 1
    return {"yesno": True, "requirement": "full"}[item.type]


@pytest.fixture(scope="module")
def draft(tmp_path_factory: pytest.TempPathFactory):
    """A migrated SQLite database with one draft: (repository, assessment id)."""
    path = tmp_path_factory.mktemp("fuzzdb") / "fuzz.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    repo = Repository(engine, QSET)
    first = QSET["profile"].sections[0]
    created = repo.create_draft({i.id: valid_value(i) for i in first.items if i.required}, 2026)
    yield repo, created.assessment_id
    engine.dispose()


def _snapshot(repo: Repository, assessment_id: int) -> tuple:
    with repo.engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT * FROM assessments WHERE id = ?", (assessment_id,)).one()
        enterprise = conn.exec_driver_sql(
            "SELECT * FROM enterprises WHERE id = ?", (row.enterprise_id,)
        ).one()
    return tuple(row), tuple(enterprise)


@pytest.mark.parametrize(
    ("section_id", "answers"),
    [
        ("profile.scale", '{"profile.employees": ' + "9" * 5000 + "}"),
        ("profile.scale", '{"profile.employees": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        ("profile.scale", {"profile.employees": 10**400}),
        ("profile.basic", {"profile.name": "企业\ud800"}),
        ("profile.basic", {"profile.name": "长" * 400_000}),
    ],
    ids=["5000-digits", "deep", "huge-int", "surrogate", "over-1MB"],
)
def test_hostile_saves_succeed_or_leave_the_row_untouched(draft, section_id, answers) -> None:
    repo, assessment_id = draft
    before = _snapshot(repo, assessment_id)
    version = repo.get(assessment_id).version
    section = QSET["profile"].section(section_id)
    if isinstance(answers, dict):  # valid answers but one hostile value
        answers = {i.id: valid_value(i) for i in section.items} | answers
    try:
        repo.save_section(assessment_id, section_id, answers, version, require_complete=False)
    except AssessmentError as err:
        assert set(err.codes) <= set(CATALOGUE)
        assert _snapshot(repo, assessment_id) == before
        return
    assert repo.get(assessment_id).version == version + 1


@settings(max_examples=STORAGE_EXAMPLES)
@given(data=st.data(), as_text=st.booleans(), complete=st.booleans())
def test_save_section_succeeds_or_leaves_the_row_untouched(draft, data, as_text, complete) -> None:
    repo, assessment_id = draft
    sections = [s for q in QSET.questionnaires for s in q.sections]
    section = data.draw(st.sampled_from(sections))
    own = list(section.items)
    answers = data.draw(answer_sets(own, unknown=data.draw(st.booleans())))
    if data.draw(st.booleans()):  # mostly-valid answers, so that saves also succeed
        answers = {i.id: valid_value(i) for i in own} | {
            k: v for k, v in answers.items() if data.draw(st.booleans())
        }
    given_answers: Any = answers
    if as_text:
        given_answers = data.draw(
            st.one_of(st.just(json.dumps(answers)), st.text(max_size=40), st.just("[1, 2]"))
        )
    before = _snapshot(repo, assessment_id)
    version = repo.get(assessment_id).version
    expected = version if data.draw(st.integers(0, 9)) else version - 1  # sometimes stale
    try:
        new_version = repo.save_section(
            assessment_id, section.id, given_answers, expected, require_complete=complete
        )
    except AssessmentError as err:
        assert set(err.codes) <= set(CATALOGUE)
        assert _snapshot(repo, assessment_id) == before
        return
    assert new_version == version + 1
    record = repo.get(assessment_id)
    assert record.version == new_version
    stored = {k: v for k, v in record.answers.items() if k in {i.id for i in own}}
    sent = json.loads(given_answers) if isinstance(given_answers, str) else given_answers
    assert answers_json(stored) == answers_json(sent)

"""Property-based tests of the `relevant` expression language (assessment/expressions.py).

Any text either parses or is refused with Q108 — never another exception — and whatever
parses evaluates to a bool against any answers, including NaN, infinities, huge numbers
and values of the wrong type. Expressions generated from the grammar always parse, and
evaluate as the same expression built by hand.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment import expressions
from assessment.errors import AssessmentError
from assessment.questionnaire import DONT_KNOW

IDS = ("profile.city", "profile.employees", "im.a.b_1", "x", "green.veto.q")
ALPHABET = "${}()'\" ,=!<>-._0123456789abcdefilnorstuvwxyz\t\n中"
TOKENS = (
    "and", "or", "not", "true", "false", "selected", "answered", "(", ")", ",", "=", "!=",
    "<", "<=", ">", ">=", "==", "${", "}", "${profile.city}", "${im.a.b_1}", "${Bad-Id}",
    "'full'", '"x"', "'", '"', "1", "-2.5", ".5", "-", "1" * 40, "selected(", "answered(",
    "中文", "$", "{", "#",
)  # fmt: skip

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from([DONT_KNOW, "", "full", "process", "taiyuan", "x"]),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
ANSWERS = st.dictionaries(st.sampled_from(IDS), JSON_VALUES, max_size=len(IDS))


def parse_or_q108(src: str) -> expressions.Expr | None:
    """The parsed expression, or None when refused with Q108 (anything else fails)."""
    try:
        return expressions.parse(src)
    except AssessmentError as err:
        assert err.codes == ["Q108"], err.codes
        assert err.problems[0].text("en") and err.problems[0].text("zh")
        return None


@given(st.text(alphabet=ALPHABET, max_size=60) | st.text(max_size=40), ANSWERS)
def test_random_text_parses_or_is_refused_with_q108(src: str, answers: dict) -> None:
    expr = parse_or_q108(src)
    if expr is not None:
        assert isinstance(expressions.evaluate(expr, answers), bool)


@given(st.lists(st.sampled_from(TOKENS), max_size=14), ANSWERS)
def test_random_token_sequences_parse_or_are_refused(tokens: list[str], answers: dict) -> None:
    expr = parse_or_q108(" ".join(tokens))
    if expr is not None:
        assert isinstance(expressions.evaluate(expr, answers), bool)
        assert expr.refs() <= set(IDS) | {"profile.city", "im.a.b_1"}


@pytest.mark.parametrize("src", [0, 1.5, None, ["true"], {"a": 1}, b"true"])
def test_a_non_text_expression_is_refused_with_q108(src: Any) -> None:
    assert parse_or_q108(src) is None  # type: ignore[arg-type]


# --- generated valid expressions ---------------------------------------------------------

REFS = st.sampled_from(IDS)
STRINGS = st.text(alphabet="abcxyz_ 中文-=", max_size=8)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda x: round(x, 3)),
)


def _number_src(x: float) -> str:
    return str(x) if isinstance(x, int) else f"{x:.3f}"


LITERALS = st.one_of(
    STRINGS.map(lambda s: (f"'{s}'", expressions.Literal(s))),
    NUMBERS.map(lambda x: (_number_src(x), expressions.Literal(float(_number_src(x))
                                                             if isinstance(x, float) else x))),
    st.booleans().map(lambda b: ("true" if b else "false", expressions.Literal(b))),
)  # fmt: skip
VALUES = st.one_of(REFS.map(lambda r: ("${" + r + "}", expressions.Ref(r))), LITERALS)


@st.composite
def comparisons(draw: st.DrawFn) -> tuple[str, expressions.Expr]:
    kind = draw(st.sampled_from(["compare", "selected", "answered", "value"]))
    if kind == "compare":
        (ls, le), (rs, re_) = draw(VALUES), draw(VALUES)
        op = draw(st.sampled_from(expressions.OPERATORS))
        return f"{ls} {op} {rs}", expressions.Compare(op, le, re_)
    ref = draw(REFS)
    if kind == "selected":
        value = draw(STRINGS)
        return f"selected(${{{ref}}}, '{value}')", expressions.Selected(expressions.Ref(ref), value)
    if kind == "answered":
        return f"answered(${{{ref}}})", expressions.Answered(expressions.Ref(ref))
    return draw(VALUES)


def _combine(children: st.SearchStrategy) -> st.SearchStrategy:
    def join(word: str, cls: type):
        def build(parts: list[tuple[str, expressions.Expr]]) -> tuple[str, expressions.Expr]:
            return f" {word} ".join(f"({s})" for s, _ in parts), cls(tuple(e for _, e in parts))

        return st.lists(children, min_size=2, max_size=3).map(build)

    return st.one_of(
        join("and", expressions.And),
        join("or", expressions.Or),
        children.map(lambda c: (f"not ({c[0]})", expressions.Not(c[1]))),
    )


EXPRESSIONS = st.recursive(comparisons(), _combine, max_leaves=8)


@given(EXPRESSIONS, ANSWERS)
def test_generated_expressions_parse_and_evaluate_to_a_bool(
    generated: tuple[str, expressions.Expr], answers: dict
) -> None:
    src, built = generated
    parsed = expressions.parse(src)
    assert parsed == built
    result = expressions.evaluate(parsed, answers)
    assert isinstance(result, bool)
    assert result == expressions.evaluate(built, answers)
    assert parsed.refs() <= set(IDS)
    negated = expressions.parse(f"not ({src})")
    assert expressions.evaluate(negated, answers) is not result


# --- hostile sizes ---------------------------------------------------------------------
# Tables, not random draws: the interesting sizes are known (Python's stack, a float's
# range, the 4,300-digit limit of int()), and each must be tried every run.


@pytest.mark.parametrize("depth", [1, 10, 49, 50, 51, 100, 300, 1000, 5000])
@pytest.mark.parametrize("opener", ["(", "not ", "not ("])
def test_deep_nesting_parses_or_is_refused(depth: int, opener: str) -> None:
    closer = ")" * opener.count("(")
    src = opener * depth + "true" + closer * depth
    expr = parse_or_q108(src)
    if expr is not None:
        assert isinstance(expressions.evaluate(expr, {}), bool)


@pytest.mark.parametrize("digits", [1, 300, 308, 309, 400, 4300, 4301, 6000])
@pytest.mark.parametrize("sign", ["", "-"])
@pytest.mark.parametrize(
    "answer",
    [10**400, -(10**400), 1e308, float("nan"), float("inf"), None],
    ids=["10**400", "-10**400", "1e308", "nan", "inf", "unanswered"],
)
def test_huge_numbers_parse_and_compare(digits: int, sign: str, answer: Any) -> None:
    for op in expressions.OPERATORS:
        expr = parse_or_q108(f"${{x}} {op} {sign}{'9' * digits}")
        if expr is None:
            continue
        result = expressions.evaluate(expr, {"x": answer})
        assert isinstance(result, bool)
        if answer is None or (isinstance(answer, float) and math.isnan(answer)):
            assert result == (op == "!=")  # no value: only "differs" holds

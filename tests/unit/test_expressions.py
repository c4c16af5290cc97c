"""The `relevant` expression language: parsing, precedence, no-value semantics, errors."""

from __future__ import annotations

import pytest

from assessment.errors import AssessmentError
from assessment.expressions import (
    And,
    Answered,
    Compare,
    Literal,
    Not,
    Or,
    Ref,
    Selected,
    evaluate,
    literal_comparisons,
    parse,
)

ANSWERS = {
    "profile.production_type": "process",
    "profile.employees": 120,
    "profile.revenue": 5000.5,
    "profile.first_unit": True,
    "profile.dual_use": False,
    "profile.four_bases": ["materials", "components"],
    "profile.rd_ratio": "dont_know",
    "profile.name": "",
    "im.x": None,
}


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("${a.b} = 'x'", Compare("=", Ref("a.b"), Literal("x"))),
        ('${a.b} != "x"', Compare("!=", Ref("a.b"), Literal("x"))),
        ("${a.b} >= 10", Compare(">=", Ref("a.b"), Literal(10))),
        ("${a.b} < -2.5", Compare("<", Ref("a.b"), Literal(-2.5))),
        ("${a.b} <= .5", Compare("<=", Ref("a.b"), Literal(0.5))),
        ("${a.b} > 0", Compare(">", Ref("a.b"), Literal(0))),
        ("${a.b} = true", Compare("=", Ref("a.b"), Literal(True))),
        ("false", Literal(False)),
        ("${ a.b }", Ref("a.b")),
        ("not ${a.b}", Not(Ref("a.b"))),
        ("not not ${a.b}", Not(Not(Ref("a.b")))),
        ("selected(${a.b}, 'v')", Selected(Ref("a.b"), "v")),
        ('selected( ${a.b} , "v w" )', Selected(Ref("a.b"), "v w")),
        ("answered(${a.b})", Answered(Ref("a.b"))),
        # precedence: and binds tighter than or; not tighter than and
        ("${a} or ${b} and ${c}", Or((Ref("a"), And((Ref("b"), Ref("c")))))),
        ("(${a} or ${b}) and ${c}", And((Or((Ref("a"), Ref("b"))), Ref("c")))),
        ("not ${a} and ${b}", And((Not(Ref("a")), Ref("b")))),
        ("not (${a} and ${b})", Not(And((Ref("a"), Ref("b"))))),
        ("${a} or ${b} or ${c}", Or((Ref("a"), Ref("b"), Ref("c")))),
        ("'it''s'", None),  # two adjacent strings: an error, checked below
    ],
)
def test_parse_builds_the_tree(src, expected):
    if expected is None:
        with pytest.raises(AssessmentError):
            parse(src)
        return
    assert parse(src) == expected


def test_refs_lists_every_referenced_item():
    expr = parse(
        "${p.a} = 1 and (not answered(${p.b}) or selected(${p.c}, 'x')) or ${p.a} != ${p.d}"
    )
    assert expr.refs() == frozenset({"p.a", "p.b", "p.c", "p.d"})
    assert parse("1 = 1").refs() == frozenset()


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("${profile.production_type} = 'process'", True),
        ('${profile.production_type} = "discrete"', False),
        ("${profile.production_type} != 'discrete'", True),
        ("${profile.employees} >= 100", True),
        ("${profile.employees} > 120", False),
        ("${profile.employees} <= 120", True),
        ("${profile.employees} < 120.5", True),
        ("${profile.revenue} = 5000.5", True),
        ("100 < ${profile.employees}", True),
        # numbers never equal strings: like with like
        ("${profile.employees} = '120'", False),
        ("${profile.employees} != '120'", True),
        ("${profile.employees} < 'z'", False),
        ("'b' > 'a'", True),
        ("${profile.first_unit} = true", True),
        ("${profile.first_unit}", True),
        ("${profile.dual_use}", False),
        ("${profile.dual_use} = false", True),
        ("${profile.first_unit} > false", False),  # booleans have no order
        ("not ${profile.dual_use}", True),
        ("${profile.employees}", False),  # a bare non-boolean is not true
        # no value: unanswered, dont_know, empty text, None
        ("${profile.missing} = 'x'", False),
        ("${profile.missing} != 'x'", True),
        ("${profile.missing} > 0", False),
        ("${profile.missing} < 0", False),
        ("${profile.rd_ratio} = 'dont_know'", False),
        ("${profile.rd_ratio} >= 0", False),
        ("${profile.rd_ratio} != 3", True),
        ("${profile.name} = ''", False),
        ("${im.x} = 1", False),
        ("${profile.missing}", False),
        ("not ${profile.missing}", True),
        ("answered(${profile.employees})", True),
        ("answered(${profile.rd_ratio})", False),
        ("answered(${profile.missing})", False),
        ("answered(${profile.name})", False),
        ("selected(${profile.four_bases}, 'materials')", True),
        ("selected(${profile.four_bases}, 'processes')", False),
        ("selected(${profile.production_type}, 'process')", True),
        ("selected(${profile.missing}, 'x')", False),
        # precedence and parentheses change the answer
        ("true or false and false", True),
        ("(true or false) and false", False),
        ("not true or true", True),
        ("not (true or true)", False),
        ("${profile.employees} > 1000 or ${profile.first_unit} and not ${profile.dual_use}", True),
        ("(${profile.employees} > 100) = true", True),
        ("(${profile.employees} > 100) = (${profile.revenue} < 1)", False),
    ],
)
def test_evaluate(src, expected):
    assert evaluate(parse(src), ANSWERS) is expected


@pytest.mark.parametrize(
    ("src", "column"),
    [
        ("", 1),
        ("   ", 1),
        ("${a.b", 1),
        ("${A.B} = 1", 1),
        ("${a.b} == 'x'", 8),
        ("${a.b} = 'x", 10),
        ("${a.b} = ", 10),
        ("(${a.b} = 1", 12),
        ("${a.b} = 1)", 11),
        ("${a.b} = 1 = 2", 12),
        ("${a.b} & 1", 8),
        ("- 1", 1),
        ("maybe", 1),
        ("${a} and", 9),
        ("selected(${a}, 1)", 16),
        ("selected(${a})", 14),
        ("selected('x', 'y')", 10),
        ("answered ${a}", 10),
        ("answered(${a}, 'x')", 14),
        ("${a} or or ${b}", 9),
    ],
)
def test_syntax_errors_are_q108_with_column(src, column):
    with pytest.raises(AssessmentError) as err:
        parse(src)
    assert err.value.code == "Q108"
    assert f"column {column} " in err.value.problems[0].params["detail"]


def test_non_text_is_q108():
    with pytest.raises(AssessmentError) as err:
        parse(3)  # type: ignore[arg-type]
    assert err.value.code == "Q108"


def test_literal_comparisons_finds_pairs_on_either_side():
    expr = parse("${a.b} = 'x' and not ('y' != ${a.c} or selected(${a.d}, 'z')) or ${a.e} = ${a.f}")
    assert sorted(literal_comparisons(expr)) == [("a.b", "x"), ("a.c", "y"), ("a.d", "z")]


def test_no_eval_is_used():
    # A Python expression that eval would run is just a syntax error here.
    with pytest.raises(AssessmentError):
        parse("__import__('os').system('true')")


def test_a_foreign_node_is_a_type_error_not_a_recursion():
    # A node from a reloaded copy of the module must fail loudly, never loop.
    class Foreign:
        pass

    with pytest.raises(TypeError, match="not an expression node"):
        evaluate(Foreign(), {})

"""The `relevant` expression language: tokenizer, recursive-descent parser, evaluator.

Grammar (docs/questionnaire-format.md):

    expr     := or
    or       := and ('or' and)*
    and      := not ('and' not)*
    not      := 'not' not | compare
    compare  := value (('=' | '!=' | '<' | '<=' | '>' | '>=') value)?
    value    := '${' item_id '}' | number | 'string' | "string" | true | false
              | 'selected(' '${' item_id '}' ',' string ')' | 'answered(' '${' item_id '}' ')'
              | '(' expr ')'

Expressions are data, never `eval`: the parser builds a small frozen AST and `evaluate`
walks it. An unanswered or "dont_know" reference is "no value": `=` is false, `!=` is
true, ordering comparisons are false.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from assessment.errors import AssessmentError, Bilingual, problem

# The answer "don't know" (an item's `dont_know` option): to an expression, no value.
# Defined here, below the questionnaire objects whose `relevant` holds an Expr;
# assessment.questionnaire re-exports it, where the rest of the library finds it.
DONT_KNOW = "dont_know"
ITEM_ID = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*")
OPERATORS = ("=", "!=", "<", "<=", ">", ">=")


class _NoValue:
    """The value of an unanswered or "don't know" reference."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE = _NoValue()


# --- AST -----------------------------------------------------------------------------


class Expr:
    """Base of the expression AST."""

    __slots__ = ()

    def refs(self) -> frozenset[str]:
        """The item ids this expression refers to."""
        return frozenset(self._refs())

    def _refs(self) -> Iterator[str]:  # pragma: no cover - overridden
        yield from ()


@dataclass(frozen=True, slots=True)
class Ref(Expr):
    """`${item_id}`: the answer to an item."""

    id: str
    pos: int = field(default=0, compare=False)  # offset in the source, for messages

    def _refs(self) -> Iterator[str]:
        yield self.id


@dataclass(frozen=True, slots=True)
class Literal(Expr):
    """A number, string or boolean constant."""

    value: float | int | str | bool

    def _refs(self) -> Iterator[str]:
        yield from ()


@dataclass(frozen=True, slots=True)
class Compare(Expr):
    op: str
    left: Expr
    right: Expr

    def _refs(self) -> Iterator[str]:
        yield from self.left._refs()
        yield from self.right._refs()


@dataclass(frozen=True, slots=True)
class And(Expr):
    parts: tuple[Expr, ...]

    def _refs(self) -> Iterator[str]:
        for part in self.parts:
            yield from part._refs()


@dataclass(frozen=True, slots=True)
class Or(Expr):
    parts: tuple[Expr, ...]

    def _refs(self) -> Iterator[str]:
        for part in self.parts:
            yield from part._refs()


@dataclass(frozen=True, slots=True)
class Not(Expr):
    operand: Expr

    def _refs(self) -> Iterator[str]:
        yield from self.operand._refs()


@dataclass(frozen=True, slots=True)
class Selected(Expr):
    """`selected(${id}, 'v')`: the multiple-choice answer contains `v`."""

    ref: Ref
    value: str

    def _refs(self) -> Iterator[str]:
        yield self.ref.id


@dataclass(frozen=True, slots=True)
class Answered(Expr):
    """`answered(${id})`: the item has an answer other than "don't know"."""

    ref: Ref

    def _refs(self) -> Iterator[str]:
        yield self.ref.id


# --- tokenizer -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # ref number string name op ( ) , end
    text: str
    pos: int  # 0-based offset into the source
    value: Any = None


_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REF = re.compile(r"\$\{\s*([^}]*?)\s*\}")


class _SyntaxError(Exception):
    def __init__(self, detail: Bilingual, pos: int):
        super().__init__(detail)
        self.detail = detail
        self.pos = pos


def _tokenize(src: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch.isspace():
            i += 1
            continue
        if src.startswith("${", i):
            m = _REF.match(src, i)
            if not m:
                raise _SyntaxError(
                    Bilingual("'${' is not closed with '}'", "'${' 没有用 '}' 闭合"), i
                )
            ident = m.group(1)
            if not ITEM_ID.fullmatch(ident):
                raise _SyntaxError(
                    Bilingual(f"'{ident}' is not a valid item id", f"'{ident}' 不是有效的题目编号"),
                    i,
                )
            tokens.append(Token("ref", m.group(0), i, ident))
            i = m.end()
            continue
        if ch in "'\"":
            end = src.find(ch, i + 1)
            if end < 0:
                raise _SyntaxError(Bilingual("the string is not closed", "字符串没有结束引号"), i)
            tokens.append(Token("string", src[i : end + 1], i, src[i + 1 : end]))
            i = end + 1
            continue
        if ch.isdigit() or (ch in "-." and i + 1 < n and (src[i + 1].isdigit() or ch == "-")):
            m = _NUMBER.match(src, i)
            if not m:
                raise _SyntaxError(_unexpected(ch), i)
            text = m.group(0)
            try:
                value: float | int = float(text) if "." in text else int(text)
            except ValueError:  # more than 4,300 digits (sys.get_int_max_str_digits)
                raise _SyntaxError(Bilingual("the number is too long", "数字过长"), i) from None
            tokens.append(Token("number", text, i, value))
            i = m.end()
            continue
        two = src[i : i + 2]
        if two in ("!=", "<=", ">="):
            tokens.append(Token("op", two, i))
            i += 2
            continue
        if two == "==":
            raise _SyntaxError(
                Bilingual("use '=' to compare, not '=='", "比较请用 '='，不要用 '=='"), i
            )
        if ch in "=<>":
            tokens.append(Token("op", ch, i))
            i += 1
            continue
        if ch in "(),":
            tokens.append(Token(ch, ch, i))
            i += 1
            continue
        m = _NAME.match(src, i)
        if m:
            tokens.append(Token("name", m.group(0), i))
            i = m.end()
            continue
        raise _SyntaxError(_unexpected(ch), i)
    tokens.append(Token("end", "", n))
    return tokens


# --- parser --------------------------------------------------------------------------


MAX_DEPTH = 50  # nested 'not' and parentheses; deeper would exhaust Python's stack


class _Parser:
    def __init__(self, src: str):
        self.tokens = _tokenize(src)
        self.i = 0
        self.depth = 0

    def _deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _SyntaxError(
                Bilingual(f"more than {MAX_DEPTH} nested levels", f"嵌套超过 {MAX_DEPTH} 层"),
                self.tok.pos,
            )

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def _advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def _is_name(self, name: str) -> bool:
        return self.tok.kind == "name" and self.tok.text == name

    def _expect(self, kind: str, what: str) -> Token:
        if self.tok.kind != kind:
            raise _SyntaxError(_expected(what, self.tok), self.tok.pos)
        return self._advance()

    def parse(self) -> Expr:
        if self.tok.kind == "end":
            raise _SyntaxError(Bilingual("the expression is empty", "表达式为空"), 0)
        expr = self._or()
        if self.tok.kind != "end":
            what = Bilingual("'and', 'or' or the end", "'and'、'or' 或结尾")
            raise _SyntaxError(_expected(what, self.tok), self.tok.pos)
        return expr

    def _or(self) -> Expr:
        parts = [self._and()]
        while self._is_name("or"):
            self._advance()
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def _and(self) -> Expr:
        parts = [self._not()]
        while self._is_name("and"):
            self._advance()
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def _not(self) -> Expr:
        if self._is_name("not"):
            self._advance()
            self._deeper()
            inner = self._not()
            self.depth -= 1
            return Not(inner)
        return self._compare()

    def _compare(self) -> Expr:
        left = self._value()
        if self.tok.kind == "op":
            op = self._advance().text
            right = self._value()
            return Compare(op, left, right)
        return left

    def _ref(self) -> Ref:
        tok = self._expect("ref", Bilingual("a reference ${item_id}", "引用 ${题目编号}"))
        return Ref(tok.value, tok.pos)

    def _value(self) -> Expr:
        tok = self.tok
        if tok.kind == "ref":
            return self._ref()
        if tok.kind in ("number", "string"):
            self._advance()
            return Literal(tok.value)
        if tok.kind == "(":
            self._advance()
            self._deeper()
            inner = self._or()
            self._expect(")", "')'")
            self.depth -= 1
            return inner
        if tok.kind == "name":
            if tok.text in ("true", "false"):
                self._advance()
                return Literal(tok.text == "true")
            if tok.text in ("selected", "answered"):
                self._advance()
                self._expect("(", Bilingual(f"'(' after {tok.text}", f"{tok.text} 后的 '('"))
                ref = self._ref()
                if tok.text == "selected":
                    self._expect(",", "','")
                    quoted = Bilingual("a quoted option value", "带引号的选项值")
                    value = self._expect("string", quoted).value
                    self._expect(")", "')'")
                    return Selected(ref, value)
                self._expect(")", "')'")
                return Answered(ref)
        raise _SyntaxError(_expected(Bilingual("a value", "一个值"), tok), tok.pos)


def _describe(tok: Token) -> str:
    return Bilingual("the end", "结尾") if tok.kind == "end" else f"'{tok.text}'"


def _expected(what: str, tok: Token) -> Bilingual:
    # `what` and the token are symbols (the same in both languages) or a Bilingual.
    found = _describe(tok)
    return Bilingual(f"expected {what}, found {found}", f"此处应为{_zh(what)}，实际为 {_zh(found)}")


def _zh(text: str) -> str:
    return text.zh if isinstance(text, Bilingual) else text


def _unexpected(ch: str) -> Bilingual:
    return Bilingual(f"unexpected '{ch}'", f"意外的字符 '{ch}'")


def parse(src: str) -> Expr:
    """Parse a `relevant` expression; raise AssessmentError Q108 on a syntax error."""
    if not isinstance(src, str):
        raise AssessmentError(
            problem(
                "Q108",
                detail=Bilingual(f"expected a text, found {src!r}", f"应为文本，实际为 {src!r}"),
            )
        )
    try:
        return _Parser(src).parse()
    except _SyntaxError as err:
        column = err.pos + 1
        detail = Bilingual(
            f"{err.detail} at column {column} of `{src}`",
            f"{err.detail.zh}（`{src}` 第 {column} 列）",
        )
        raise AssessmentError(problem("Q108", detail=detail)) from None


# --- evaluator -----------------------------------------------------------------------


def _lookup(answers: Mapping[str, Any], item_id: str) -> Any:
    value = answers.get(item_id)
    if value is None or value == DONT_KNOW or value == "" or value == []:
        return NO_VALUE
    return value


def _value(expr: Expr, answers: Mapping[str, Any]) -> Any:
    if isinstance(expr, Ref):
        return _lookup(answers, expr.id)
    if isinstance(expr, Literal):
        return expr.value
    if isinstance(expr, Or | And | Not | Compare | Selected | Answered):
        return evaluate(expr, answers)
    raise TypeError(f"not an expression node: {type(expr).__name__}")


def _is_number(x: Any) -> bool:
    # math.isnan(int) converts to float first and overflows beyond ~1e308.
    if isinstance(x, bool) or not isinstance(x, int | float):
        return False
    return not (isinstance(x, float) and math.isnan(x))


def _compare(op: str, left: Any, right: Any) -> bool:
    if left is NO_VALUE or right is NO_VALUE:
        return op == "!="
    comparable = (
        (_is_number(left) and _is_number(right))
        or (isinstance(left, str) and isinstance(right, str))
        or (isinstance(left, bool) and isinstance(right, bool))
    )
    if not comparable:
        # A number never equals a string: compare like with like or not at all.
        return op == "!="
    # bool(): numpy scalars compare to numpy booleans; an expression is a plain bool.
    if op == "=":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if isinstance(left, bool):
        return False  # booleans have no order
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


def evaluate(expr: Expr, answers: Mapping[str, Any]) -> bool:
    """Evaluate an expression against answers {item_id: value}; a bare value is true iff true."""
    if isinstance(expr, Or):
        return any(evaluate(part, answers) for part in expr.parts)
    if isinstance(expr, And):
        return all(evaluate(part, answers) for part in expr.parts)
    if isinstance(expr, Not):
        return not evaluate(expr.operand, answers)
    if isinstance(expr, Compare):
        return _compare(expr.op, _value(expr.left, answers), _value(expr.right, answers))
    if isinstance(expr, Selected):
        chosen = _lookup(answers, expr.ref.id)
        if isinstance(chosen, list | tuple | set | frozenset):
            return expr.value in chosen
        return bool(chosen == expr.value)
    if isinstance(expr, Answered):
        return _lookup(answers, expr.ref.id) is not NO_VALUE
    if isinstance(expr, Ref | Literal):
        # A bare reference or literal: only the boolean true (a "yes") counts as true.
        return _value(expr, answers) is True
    # Never recurse on a foreign object (e.g. a node from a reloaded copy of this module).
    raise TypeError(f"not an expression node: {type(expr).__name__}")


def literal_comparisons(expr: Expr) -> Iterator[tuple[str, Any]]:
    """(item id, literal) pairs compared in `expr`, incl. selected(); for the loader's checks."""
    if isinstance(expr, Or | And):
        for part in expr.parts:
            yield from literal_comparisons(part)
    elif isinstance(expr, Not):
        yield from literal_comparisons(expr.operand)
    elif isinstance(expr, Selected):
        yield expr.ref.id, expr.value
    elif isinstance(expr, Compare):
        if isinstance(expr.left, Ref) and isinstance(expr.right, Literal):
            yield expr.left.id, expr.right.value
        elif isinstance(expr.right, Ref) and isinstance(expr.left, Literal):
            yield expr.right.id, expr.left.value

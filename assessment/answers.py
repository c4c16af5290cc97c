"""Answers: validation against questionnaires, skip logic, typed coercion, answers files.

Answers are a flat mapping {item_id: value} over all questionnaires of a set (see
docs/answers-format.md). An item whose `relevant` is false is skipped: its stored
answer is ignored, so it is neither validated nor required.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any

from assessment import expressions, reference
from assessment.errors import AssessmentError, Bilingual, Problem, problem
from assessment.loader import load_questionnaires
from assessment.numbers import finite
from assessment.questionnaire import DONT_KNOW, RATINGS, Item, QuestionnaireSet

FORMAT = "shanxi-readiness-answers/1"

# What an answer of each type must be, in both languages (A204's `expected`).
EXPECTED = {
    "requirement": Bilingual("full / most / partial / none", "full、most、partial 或 none"),
    "single": Bilingual("one option value", "一个选项值"),
    "multiple": Bilingual("a list of option values", "选项值列表"),
    "yesno": Bilingual("true / false", "true 或 false"),
    "numeric": Bilingual("a number", "数字"),
    "text": Bilingual("a text", "文字"),
}

# Words people type for the four requirement ratings (codes, zh labels, en labels).
RATING_WORDS = {
    "full": "full",
    "全部满足": "full",
    "fully": "full",
    "most": "most",
    "大部分满足": "most",
    "mostly": "most",
    "partial": "partial",
    "部分满足": "partial",
    "partly": "partial",
    "none": "none",
    "不满足": "none",
    "not met": "none",
}
YES_WORDS = frozenset({"true", "yes", "y", "1", "是", "有", "对"})
NO_WORDS = frozenset({"false", "no", "n", "0", "否", "无", "没有", "不是"})
DONT_KNOW_WORDS = frozenset({DONT_KNOW, "dont know", "don't know", "不清楚", "不知道"})
LIST_SEPARATORS = re.compile(r"[,，;；、|]")
# C0 and C1 control characters other than tab, line feed and carriage return (A212).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The longest text answer the app accepts (A213): the form fields hold 500 characters.
TEXT_LIMIT = 500


@dataclass(frozen=True, slots=True)
class AnswersFile:
    """A parsed answers file: the questionnaire versions it was made for and the answers."""

    questionnaires: Mapping[str, str]
    answers: Mapping[str, Any]
    meta: Mapping[str, Any] | None = None


# --- relevance ---------------------------------------------------------------------------


def is_relevant(item: Item, answers: Mapping[str, Any]) -> bool:
    """Whether the item's `relevant` condition holds for these answers (true without one)."""
    if item.relevant is None:
        return True
    return expressions.evaluate(item.relevant, answers)


def effective_answers(answers: Mapping[str, Any], qset: QuestionnaireSet) -> dict[str, Any]:
    """The answers without those to skipped items; a skip cascades to items depending on it."""
    current = dict(answers)
    # Dropping an answer can make another item irrelevant, so repeat to a fixed point;
    # each round removes at least one answer, so this ends.
    while True:
        dropped = [
            key
            for key in current
            if (item := qset.item(key)) is not None and not is_relevant(item, current)
        ]
        if not dropped:
            return current
        for key in dropped:
            del current[key]


def relevant_items(answers: Mapping[str, Any], qset: QuestionnaireSet) -> list[Item]:
    """The items shown for these answers, in questionnaire order."""
    effective = effective_answers(answers, qset)
    return [item for item in qset.items() if is_relevant(item, effective)]


# --- checking one value ------------------------------------------------------------------


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _value_problems(item: Item, value: Any) -> list[Problem]:
    """Problems of one non-blank answer to `item` (type, option, range, format)."""

    def bad(code: str, **params: Any) -> list[Problem]:
        return [problem(code, path=item.id, **params)]

    if value == DONT_KNOW:
        return [] if item.dont_know else bad("A210")
    kind = item.type
    if kind == "requirement":
        if not isinstance(value, str):
            return bad("A204", value=value, expected=EXPECTED[kind])
        if value not in RATINGS:
            return bad("A203", value=value, valid=", ".join(RATINGS))
        return []
    if kind in ("single", "multiple"):
        valid = ", ".join(o.value for o in item.options)
        if kind == "single":
            chosen = [value] if isinstance(value, str) else None
        else:
            ok = isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
            chosen = list(value) if ok else None
        if chosen is None:
            return bad("A204", value=value, expected=EXPECTED[kind])
        return [
            problem("A203", path=item.id, value=v, valid=valid)
            for v in chosen
            if item.option(v) is None
        ]
    if kind == "yesno":
        return [] if isinstance(value, bool) else bad("A204", value=value, expected=EXPECTED[kind])
    if kind == "numeric":
        number = finite(value)
        if number is None:
            return bad("A204", value=value, expected=EXPECTED[kind])
        c = item.constraint
        if c is not None:
            low, high = c.min, c.max
            if (low is not None and number < low) or (high is not None and number > high):
                return bad("A202", value=_fmt(number), detail=_range_text(low, high))
        return []
    # text
    if not isinstance(value, str):
        return bad("A204", value=value, expected=EXPECTED["text"])
    control = CONTROL_CHARS.search(value)
    if control is not None:  # NUL cannot be stored in PostgreSQL at all
        return bad("A212", codepoint=f"{ord(control.group()):04X}")
    c = item.constraint
    if c is not None and c.pattern and not re.search(c.pattern, value):
        return bad("A207", value=value)
    if c is not None and c.check == "uscc":
        detail = reference.uscc_detail(value)
        if detail is not None:
            return bad("A206", value=value, detail=Bilingual(detail.en, detail.zh))
    return []


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _range_text(low: float | None, high: float | None) -> str:
    # Symbols, not words: the same parameter fills the zh and the en message.
    if low is not None and high is not None:
        return f"{_fmt(low)} – {_fmt(high)}"
    if low is not None:
        return f"≥ {_fmt(low)}"
    return f"≤ {_fmt(high)}"  # type: ignore[arg-type]


# --- validating answers --------------------------------------------------------------------


def validate_answers(
    answers: Mapping[str, Any],
    qset: QuestionnaireSet,
    *,
    partial: bool = False,
    section: str | None = None,
) -> list[Problem]:
    """Problems of a set of answers; with partial=True only `section` must be complete."""
    found: list[Problem] = []
    for key in answers:
        if qset.item(key) is None:
            qid = key.split(".", 1)[0]
            name = qid if qset.get(qid) else ", ".join(qset.ids)
            found.append(problem("A201", path=key, item=key, questionnaire=name))
    effective = effective_answers(answers, qset)
    for item in qset.items():
        if not is_relevant(item, effective):
            continue  # skipped: the stored answer is ignored
        value = answers.get(item.id)
        if _is_blank(value):
            must = item.required and (not partial or item.section == section)
            if must:
                found.append(problem("A205", path=item.id))
            continue
        found.extend(_value_problems(item, value))
    return found


def long_texts(
    answers: Mapping[str, Any], qset: QuestionnaireSet, limit: int = TEXT_LIMIT
) -> list[Problem]:
    """A213 for every text answer longer than `limit` characters (the app's form limit)."""
    found = []
    for key, value in answers.items():
        item = qset.item(key)
        is_text = item is not None and item.type == "text" and isinstance(value, str)
        if is_text and len(value) > limit:
            found.append(problem("A213", path=key, n=len(value), limit=limit))
    return found


# --- coercion ------------------------------------------------------------------------------


def coerce_answer(item: Item, raw: Any) -> Any:
    """Turn typed or typed-in input ("12.5", "yes", "是", "a, b") into the answer value.

    Returns None for a blank input; raises AssessmentError (A203/A204/A202/A206/A207/A210)
    when the value does not fit the item.
    """
    value = _coerce(item, raw)
    if value is None:
        return None
    problems = _value_problems(item, value)
    if problems:
        raise AssessmentError(problems)
    return value


def _coerce(item: Item, raw: Any) -> Any:
    if _is_blank(raw):
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if text.lower() in DONT_KNOW_WORDS:
            return DONT_KNOW
    else:
        text = None
    kind = item.type
    if kind == "requirement" and text is not None:
        return RATING_WORDS.get(text.lower(), text)
    if kind == "single" and text is not None:
        return _option_value(item, text)
    if kind == "multiple":
        if text is not None:
            parts = [p.strip() for p in LIST_SEPARATORS.split(text) if p.strip()]
            return [_option_value(item, p) for p in parts]
        if isinstance(raw, list | tuple):
            return [_option_value(item, str(p).strip()) for p in raw]
        return raw
    if kind == "yesno":
        if text is not None:
            word = text.lower()
            if word in YES_WORDS:
                return True
            if word in NO_WORDS:
                return False
            return text
        if isinstance(raw, int | float) and not isinstance(raw, bool) and raw in (0, 1):
            return bool(raw)
        return raw
    if kind == "numeric" and text is not None:
        cleaned = text.replace(",", "").replace("，", "").replace("_", "").replace(" ", "")
        try:
            number = float(cleaned)
        except ValueError:
            return text
        if finite(number) is None:
            return text
        return int(number) if number.is_integer() and "." not in cleaned else number
    if kind == "text":
        if text is not None and item.constraint is not None and item.constraint.check == "uscc":
            return reference.normalise_uscc(text)  # codes are stored upper-case, no spaces
        if text is not None:
            return text
        if isinstance(raw, int) and not isinstance(raw, bool):
            return str(raw)  # e.g. a code read from a spreadsheet cell as a number
    return raw


def _option_value(item: Item, text: str) -> str:
    """The option value for a code or a zh/en label (case-insensitive); else the text."""
    low = text.lower()
    for opt in item.options:
        if low in (opt.value, opt.label.zh.lower(), opt.label.en.lower()):
            return opt.value
    return text


# --- answers files ---------------------------------------------------------------------------


def _shape_error(file: str, detail: Bilingual, line: int | None = None) -> AssessmentError:
    return AssessmentError(problem("A208", file=file, line=line, detail=detail))


# What Python's JSON parser says (json.decoder), in both languages; others stay as given.
JSON_MESSAGES = {
    "Expecting value": "此处缺少值",
    "Expecting property name enclosed in double quotes": "此处应为双引号括起的键名",
    "Expecting ':' delimiter": "此处缺少冒号 ':'",
    "Expecting ',' delimiter": "此处缺少逗号 ','",
    "Unterminated string starting at": "字符串没有结束引号",
    "Invalid control character at": "字符串中有无效的控制字符",
    "Invalid \\escape": "无效的转义符 '\\'",
    "Invalid \\uXXXX escape": "无效的 \\u 转义（应为 4 位十六进制数）",
    "Extra data": "JSON 结束后还有多余内容",
}


def json_detail(err: json.JSONDecodeError) -> Bilingual:
    """What the JSON parser found and where, in English and Chinese."""
    zh = JSON_MESSAGES.get(err.msg, err.msg)
    return Bilingual(
        f"{err.msg} (line {err.lineno}, column {err.colno})",
        f"{zh}（第 {err.lineno} 行第 {err.colno} 列）",
    )


# Bounds for uploaded answers files. A complete answers file of the shipped questionnaires
# is about 20 KB with some 40 lists, nested 3 deep; what a draft can hold is 1 MB (S403).
ANSWERS_FILE_LIMIT = 2 * 1024 * 1024
ANSWERS_FILE_CONTAINERS = 10_000
ANSWERS_FILE_DEPTH = 16
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(rb"[\[\]{}]")


def load_answers_file(
    path: str | PathLike[str], qset: QuestionnaireSet | None = None
) -> AnswersFile:
    """Read an answers file (docs/answers-format.md), checking versions against `qset`.

    Without `qset` the shipped questionnaires are loaded for the version check.
    """
    file = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        raise _read_error(file, err) from None
    return _answers_document(data, qset, file)


def read_answers_bytes(
    data: bytes, qset: QuestionnaireSet | None = None, file: str = "answers.json"
) -> AnswersFile:
    """An uploaded answers file, parsed from memory within bounds (A211 over the size limit).

    The size is checked before anything else, then the number of lists and objects and
    their nesting (A208), so a hostile upload costs at most a bounded parse.
    """
    if len(data) > ANSWERS_FILE_LIMIT:
        raise AssessmentError(problem("A211", file=file, size=len(data), limit=ANSWERS_FILE_LIMIT))
    containers = data.count(b"{") + data.count(b"[")
    if containers > ANSWERS_FILE_CONTAINERS:
        raise _shape_error(
            file,
            Bilingual(
                f"{containers} lists and objects; at most {ANSWERS_FILE_CONTAINERS} are read",
                f"列表和对象共 {containers} 个，最多读取 {ANSWERS_FILE_CONTAINERS} 个",
            ),
        )
    if _nesting(data) > ANSWERS_FILE_DEPTH:
        raise _shape_error(file, Bilingual("the JSON is nested too deeply", "JSON 嵌套层数过多"))
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError, RecursionError) as err:
        raise _read_error(file, err) from None
    return _answers_document(parsed, qset, file)


def _nesting(data: bytes) -> int:
    """The deepest nesting of lists and objects, brackets inside strings not counted."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_JSON_STRING.sub(b"", data)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _read_error(file: str, err: Exception) -> AssessmentError:
    """A208 for a file that is not readable JSON, saying why in both languages."""
    if isinstance(err, json.JSONDecodeError):
        return _shape_error(file, json_detail(err), err.lineno)
    if isinstance(err, OSError | UnicodeDecodeError):
        detail = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        zh = (
            "文件不是 UTF-8 编码"
            if isinstance(err, UnicodeDecodeError)
            else f"无法读取文件（{detail}）"
        )
        return _shape_error(file, Bilingual(detail, zh))
    if isinstance(err, RecursionError):
        return _shape_error(file, Bilingual("the JSON is nested too deeply", "JSON 嵌套层数过多"))
    # ValueError: an integer of more than 4,300 digits
    return _shape_error(file, Bilingual("a number has too many digits", "某个数字位数过多"))


def _answers_document(data: Any, qset: QuestionnaireSet | None, file: str) -> AnswersFile:
    """The checked AnswersFile of a parsed answers document (A208 shape, A209 versions)."""
    if not isinstance(data, dict):
        raise _shape_error(
            file, Bilingual("the top level must be an object {...}", "顶层必须是对象 {...}")
        )
    if data.get("format") != FORMAT:
        found = repr(data.get("format"))
        raise _shape_error(
            file,
            Bilingual(
                f"'format' must be \"{FORMAT}\", found {found}",
                f"'format' 应为 \"{FORMAT}\"，实际为 {found}",
            ),
        )
    versions = data.get("questionnaires")
    if not isinstance(versions, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in versions.items()
    ):
        raise _shape_error(
            file,
            Bilingual(
                "'questionnaires' must map questionnaire ids to version texts",
                "'questionnaires' 必须是从问卷编号到版本文本的映射",
            ),
        )
    answers = data.get("answers")
    if not isinstance(answers, dict):
        raise _shape_error(
            file,
            Bilingual(
                "'answers' must be an object {item_id: value}",
                "'answers' 必须是对象 {题目编号: 答案}",
            ),
        )
    meta = data.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise _shape_error(
            file, Bilingual("'meta' must be an object when present", "'meta' 如果提供，必须是对象")
        )
    unknown = ", ".join(sorted(set(data) - {"format", "questionnaires", "answers", "meta"}))
    if unknown:
        raise _shape_error(
            file, Bilingual(f"unknown top-level keys: {unknown}", f"未知的顶层键：{unknown}")
        )
    if qset is None:
        qset = load_questionnaires()
    current = qset.versions()
    mismatched = [
        problem(
            "A209",
            file=file,
            path=qid,
            questionnaire=qid,
            value=version,
            current=current.get(qid, "—"),
        )
        for qid, version in versions.items()
        if current.get(qid) != version
    ]
    if mismatched:
        raise AssessmentError(mismatched)
    return AnswersFile(
        questionnaires=MappingProxyType(dict(versions)),
        answers=MappingProxyType(dict(answers)),
        meta=MappingProxyType(dict(meta)) if meta is not None else None,
    )


def answers_document(
    answers: Mapping[str, Any], qset: QuestionnaireSet, meta: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The JSON-ready answers-file document for these answers (the inverse of loading)."""
    doc: dict[str, Any] = {
        "format": FORMAT,
        "questionnaires": qset.versions(),
        "answers": dict(answers),
    }
    if meta is not None:
        doc["meta"] = dict(meta)
    return doc

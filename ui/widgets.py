"""One questionnaire item as one Streamlit widget, chosen by the item's type.

Widgets return raw input (option codes, booleans, the typed text of a number); the page
turns raw input into stored answers with `assessment.answers.coerce_answer`, so that text
typed where a number belongs is caught by the library's own check, with a coded problem.

An item's hint (and a requirement's CMMM level) is the caption under its widget, always
visible, and nowhere else: a `help` tooltip repeating it is one more component per
question for the browser to build (2–4 ms each in Chromium; a caption costs under 1 ms).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from assessment.errors import Problem
from assessment.questionnaire import DONT_KNOW, RATINGS, Item, Level
from assessment.reference import uscc_detail
from ui.i18n import lang, md_escape, problem_text, t, tx

REQUIREMENT_CHOICES: tuple[str, ...] = tuple(RATINGS)  # full, most, partial, none
YESNO_CHOICES: tuple[str, ...] = ("true", "false")


def _label(item: Item) -> str:
    label = tx(item.label)
    if item.unit is not None:
        label = f"{label}（{tx(item.unit)}）" if _zh() else f"{label} ({tx(item.unit)})"
    if item.required:
        label += " *"
    return label


def _zh() -> bool:
    return lang() == "zh"


def _index(options: Sequence[str], value: Any) -> int | None:
    try:
        return list(options).index(value)
    except ValueError:
        return None


def caption_text(item: Item, levels: Sequence[Level]) -> str:
    """What is shown under an item's widget: its CMMM level (requirements) and its hint."""
    parts = []
    if item.type == "requirement" and item.level is not None:
        name = next((tx(lv.name) for lv in levels if lv.level == item.level), "")
        parts.append(t("ui.widget.level_badge", level=item.level, name=name))
    hint = tx(item.hint)
    if hint:
        parts.append(hint)
    return " · ".join(parts)


def _dont_know_box(item: Item, value: Any, key: str) -> bool:
    return st.checkbox(t("ui.widget.dont_know"), value=value == DONT_KNOW, key=f"{key}:dk")


def _as_bool_code(value: Any) -> str | None:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value if value in (*YESNO_CHOICES, DONT_KNOW) else None


def _format_number(value: Any) -> str:
    if value is None or value == DONT_KNOW:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def choices(item: Item) -> list[str]:
    """The codes a requirement, yes/no or single-choice item offers, "don't know" last."""
    if item.type == "requirement":
        codes = list(REQUIREMENT_CHOICES)
    elif item.type == "yesno":
        codes = list(YESNO_CHOICES)
    else:
        codes = [o.value for o in item.options]
    return codes + ([DONT_KNOW] if item.dont_know else [])


def choice_answer(item: Item, code: Any) -> Any:
    """The answer a chosen code stands for: yes/no as booleans, other codes as they are."""
    if item.type == "yesno":
        return {"true": True, "false": False}.get(code, code)
    return code


def render_item(
    item: Item,
    value: Any,
    key: str,
    problems: Sequence[Problem] = (),
    levels: Sequence[Level] = (),
) -> Any:
    """Draw `item` with its current answer `value`; return the raw input (None if empty)."""
    label = _label(item)
    raw: Any
    if item.type == "requirement":
        codes = choices(item)
        raw = st.radio(
            label,
            codes,
            index=_index(codes, value),
            format_func={c: t(f"rating.{c}") for c in codes}.__getitem__,
            key=key,
            horizontal=True,
        )
    elif item.type == "yesno":
        codes = choices(item)
        raw = st.radio(
            label,
            codes,
            index=_index(codes, _as_bool_code(value)),
            format_func={c: t(f"yesno.{c}") for c in codes}.__getitem__,
            key=key,
            horizontal=True,
        )
    elif item.type == "single":
        codes = choices(item)
        labels = {o.value: tx(o.label) for o in item.options} | {DONT_KNOW: t("rating.dont_know")}
        if len(codes) <= 5:
            raw = st.radio(
                label,
                codes,
                index=_index(codes, value),
                format_func=labels.__getitem__,
                key=key,
                horizontal=True,
            )
        else:
            raw = st.selectbox(
                label,
                codes,
                index=_index(codes, value),
                format_func=labels.__getitem__,
                key=key,
                placeholder=t("ui.widget.choose"),
            )
    elif item.type == "multiple":
        codes = [o.value for o in item.options]
        labels = {o.value: tx(o.label) for o in item.options}
        selected = value if isinstance(value, list | tuple) else []
        raw = st.multiselect(
            label,
            codes,
            default=[c for c in selected if c in labels],
            format_func=labels.__getitem__,
            placeholder=t("ui.widget.choose_many"),
            key=key,
        )
    elif item.type == "numeric":
        raw = st.text_input(
            label,
            value=_format_number(value),
            key=key,
            placeholder=_number_placeholder(item),
        )
    else:  # text
        raw = st.text_input(
            label,
            value="" if value in (None, DONT_KNOW) else str(value),
            key=key,
            max_chars=500,
        )
    dont_know = _has_dont_know_box(item) and _dont_know_box(item, value, key)
    caption = caption_text(item, levels)
    if caption:
        st.caption(caption)
    for prob in problems:
        # The message may repeat what was typed: shown literally, never as Markdown.
        st.error(md_escape(item_problem_text(item, prob)), icon=":material/warning:")
    return _raw(item, raw, dont_know)


def submitted_raw(item: Item, key: str) -> Any:
    """The raw input of `item`'s widget drawn under `key`, read from the session state.

    What `render_item` returned for it, available in a form's on_click callback (which
    runs before the page is drawn again).
    """
    dont_know = _has_dont_know_box(item) and bool(st.session_state.get(f"{key}:dk", False))
    return _raw(item, st.session_state.get(key), dont_know)


def _has_dont_know_box(item: Item) -> bool:
    return item.dont_know and item.type in ("multiple", "numeric", "text")


def _raw(item: Item, value: Any, dont_know: bool) -> Any:
    """A widget's value as raw input: yes/no as booleans, blanks as None."""
    if dont_know:
        return DONT_KNOW
    if item.type == "yesno":
        return choice_answer(item, value)
    if item.type == "multiple":
        return value or None
    if isinstance(value, str) and item.type in ("numeric", "text") and not value.strip():
        return None
    return value


def item_problem_text(item: Item, prob: Problem) -> str:
    """A problem with one answer, in the current language, preferring the item's own words."""
    if prob.code == "A206":
        detail = uscc_detail(str(prob.params.get("value", "")))
        if detail is not None:
            params = dict(prob.params, detail=detail.get(lang()))
            return Problem(prob.code, params, path=prob.path).text(lang())
    if prob.code == "A204":
        # The library's "expected" names both languages; show only the chosen one.
        params = dict(prob.params, expected=t(f"ui.type.{item.type}"))
        return Problem(prob.code, params, path=prob.path).text(lang())
    if prob.code in ("A202", "A206", "A207") and item.constraint and item.constraint.message:
        return (
            f"{tx(item.constraint.message)}（{problem_text(prob)}）"
            if _zh()
            else (f"{tx(item.constraint.message)} ({problem_text(prob)})")
        )
    return problem_text(prob)


def _number_placeholder(item: Item) -> str:
    c = item.constraint
    if c is not None and c.min is not None and c.max is not None:
        return t("ui.widget.number_range", min=_format_number(c.min), max=_format_number(c.max))
    if c is not None and c.min is not None:
        return t("ui.widget.number_min", min=_format_number(c.min))
    return t("ui.widget.number")

"""The session's language and the page-side lookups: `t(key)`, `tx(text)`, messages.

Every text lives in the library's catalogue (assessment/catalogue/<lang>.yaml, read by
assessment.texts); `t(key, **params)` is `assessment.texts.text` in the language of this
session. Stored answers never hold display text; only what is shown passes through here.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from assessment import texts
from assessment.errors import AssessmentError, Problem
from assessment.questionnaire import Text
from assessment.texts import DEFAULT_LANG, LANGS

LANG_NAMES = {"zh": "中文", "en": "English"}
LANG_KEY = "lang"


def lang_from_locale(locale: str | None) -> str:
    """Map a browser locale ("zh-CN", "en-US") to a supported language; zh otherwise."""
    if not locale:
        return DEFAULT_LANG
    head = locale.replace("_", "-").split("-", 1)[0].lower()
    return head if head in LANGS else DEFAULT_LANG


def _browser_locale() -> str | None:
    # None without a browser (AppTest, bare execution); Streamlit >= 1.67 (pyproject) has
    # st.context.locale and does not raise here, so there is nothing to catch.
    return st.context.locale


def lang() -> str:
    """The language of this session: chosen in the sidebar, else the browser's, else zh."""
    # One session-state read (each takes a lock): t() and tx() ask ~200 times a page.
    value = st.session_state.get(LANG_KEY)
    if value is None:
        value = st.session_state[LANG_KEY] = lang_from_locale(_browser_locale())
    return value if value in LANGS else DEFAULT_LANG


def t(key: str, /, **params: Any) -> str:
    """The catalogue text `key` in this session's language, with placeholders filled."""
    return texts.text(key, lang(), **params)


def tx(text: Text | None) -> str:
    """A bilingual questionnaire text in the current language."""
    return text.get(lang()) if text is not None else ""


# Enough to stop emphasis, links, HTML, headings, tables, strike-through, math and
# Streamlit's [colour] directives; other punctuation reads the same either way.
_MD_SPECIALS = frozenset("\\`*_[]<>#|~$")


def md_escape(text: str) -> str:
    """Text made literal for Markdown: user input in a message must not become markup."""
    return "".join("\\" + ch if ch in _MD_SPECIALS else ch for ch in text)


def problem_text(problem: Problem) -> str:
    """A coded problem's message (without location) in the current language."""
    return problem.text(lang())


def error_text(err: AssessmentError) -> str:
    """An AssessmentError as Markdown-safe text, one message per paragraph, no locations."""
    return "\n\n".join(f"{md_escape(p.text(lang()))} ({p.code})" for p in err.problems)


def language_selector() -> None:
    """The language switch in the sidebar (every page)."""
    lang()  # make sure the default is in place before the widget reads it
    st.sidebar.radio(
        "语言 / Language",
        options=list(LANGS),
        format_func=LANG_NAMES.__getitem__,
        key=LANG_KEY,
        horizontal=True,
    )

"""The wizard's session-held state: the answers in hand, the open section, problems to show.

The answers of the open assessment are kept in the session (`answers`), loaded from the
database when an assessment is opened and written back section by section. What only
computes (sections, relevance, progress) is in `assessment.progress`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from assessment.errors import Problem

ANSWERS_KEY = "answers"
SECTION_KEY = "section"
PROBLEMS_KEY = "problems"
REV_KEY = "rev"
LOADED_KEY = "loaded_for"
FLASH_KEY = "flash"


# --- session-held state -------------------------------------------------------------


def answers() -> dict[str, Any]:
    """The answers in hand for this session (a live dict)."""
    held: dict[str, Any] = st.session_state.setdefault(ANSWERS_KEY, {})
    return held


def set_answers(values: Mapping[str, Any]) -> None:
    """Replace the answers in hand and refresh every widget from them."""
    st.session_state[ANSWERS_KEY] = dict(values)
    bump()


def bump() -> None:
    """Give widgets fresh keys so they show the stored answers, not stale input."""
    st.session_state[REV_KEY] = st.session_state.get(REV_KEY, 0) + 1


def rev() -> int:
    """The widgets' revision: part of every widget key, bumped to refresh them."""
    value: int = st.session_state.get(REV_KEY, 0)
    return value


def section_index() -> int:
    """The index of the open wizard page (ui/wizard, assessment.progress.steps)."""
    value: int = st.session_state.get(SECTION_KEY, 0)
    return value


def go_to(index: int) -> None:
    st.session_state[SECTION_KEY] = max(0, index)
    st.session_state.pop(PROBLEMS_KEY, None)


def problems() -> dict[str, list[Problem]]:
    """The problems to show beside the open page's questions, by item id."""
    held: dict[str, list[Problem]] = st.session_state.get(PROBLEMS_KEY, {})
    return held


def set_problems(values: dict[str, list[Problem]]) -> None:
    st.session_state[PROBLEMS_KEY] = values


def flash(kind: str, message: str) -> None:
    """A message to show once, at the top of the page drawn next (after a callback or rerun)."""
    st.session_state[FLASH_KEY] = (kind, message)


def show_flash() -> None:
    value = st.session_state.pop(FLASH_KEY, None)
    if value:
        kind, message = value
        getattr(st, kind)(message)


def reset() -> None:
    """Forget the assessment in hand (start over)."""
    for key in (ANSWERS_KEY, SECTION_KEY, PROBLEMS_KEY, LOADED_KEY, FLASH_KEY):
        st.session_state.pop(key, None)
    bump()

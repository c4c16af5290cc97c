"""The server-side session: who is using the app (role) and which assessment is open.

Everything lives in `st.session_state`, which stays on the server. The enterprise is
identified by its resume code only: it is kept here and mirrored into the page URL as
`?resume=CODE`, so that reloading the tab (a new session) finds the assessment again.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from assessment.roles import ENTERPRISE

ROLE_KEY = "role"
CURRENT_KEY = "current"
RESUME_PARAM = "resume"
DEFAULT_ROLE = ENTERPRISE


@dataclass(frozen=True, slots=True)
class Current:
    """The assessment this session works on."""

    assessment_id: int
    enterprise_id: int
    resume_code: str
    version: int
    status: str = "draft"
    year: int | None = None


def role() -> str:
    """The role of this session (staff sign-in sets it; without sign-in: enterprise)."""
    value: str = st.session_state.get(ROLE_KEY, DEFAULT_ROLE)
    return value


def current() -> Current | None:
    """The open assessment, or None before one is started or resumed."""
    value: Current | None = st.session_state.get(CURRENT_KEY)
    return value


def set_current(value: Current | None) -> None:
    """Open an assessment (None closes it) and keep the URL's resume code in step."""
    if value is None:
        st.session_state.pop(CURRENT_KEY, None)
        if RESUME_PARAM in st.query_params:
            del st.query_params[RESUME_PARAM]
        return
    st.session_state[CURRENT_KEY] = value
    sync_url()


def sync_url() -> None:
    """Put the open assessment's resume code in the URL (page switches drop it)."""
    cur = current()
    if cur is not None and st.query_params.get(RESUME_PARAM) != cur.resume_code:
        st.query_params[RESUME_PARAM] = cur.resume_code


def url_resume_code() -> str | None:
    """The resume code in the URL, if any."""
    code = st.query_params.get(RESUME_PARAM)
    return code.strip() if code else None


def resume_link(code: str) -> str:
    """A link that reopens the assessment in any browser."""
    base = st.context.url  # None without a browser (AppTest, bare execution); never raises
    base = (base or "http://localhost:8501/").split("?", 1)[0]
    return f"{base}?{RESUME_PARAM}={code}"

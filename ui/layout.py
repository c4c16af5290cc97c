"""Look and feel shared by every page: typography, the page header, the sidebar footer."""

from __future__ import annotations

import html
import re

import streamlit as st

from assessment.errors import AssessmentError
from ui import session
from ui.i18n import md_escape, t

RESUME_ERROR_KEY = "resume_error"

# Chinese first in the font stack so 汉字 use a CJK face, then the Latin fallbacks; a
# slightly larger line height suits mixed Chinese and Latin text.
_CSS = """
<style>
.stApp, .stApp p, .stApp li, .stApp label, .stApp h1, .stApp h2, .stApp h3, .stApp input {
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
               "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif;
}
.stMarkdown p, .stMarkdown li { line-height: 1.75; }
.sx-banner { border-left: 6px solid #b3261e; padding: 0.6rem 1rem; margin-bottom: 1rem;
             background: #fbf3f2; border-radius: 4px; }
.sx-banner .sx-org { color: #6b6b6b; font-size: 0.9rem; letter-spacing: 0.05em; }
.sx-banner .sx-title { font-size: 1.55rem; font-weight: 700; color: #1f1f1f; }
.sx-banner .sx-sub { color: #444; font-size: 0.98rem; }
</style>
"""


def style() -> None:
    """Inject the shared CSS (fonts, banner)."""
    st.html(_CSS)


def banner(title: str, subtitle: str = "") -> None:
    """The page header: issuing body, page title, one-line subtitle (all plain text)."""
    sub = f'<div class="sx-sub">{html.escape(subtitle)}</div>' if subtitle else ""
    st.html(
        '<div class="sx-banner">'
        f'<div class="sx-org">{html.escape(t("ui.app.issuer"))}</div>'
        f'<div class="sx-title">{html.escape(title)}</div>{sub}</div>'
    )


def plain(text: str) -> str:
    """User-entered text made safe to embed in markdown (shows literally)."""
    return md_escape(text)


# Control characters and Unicode direction overrides/isolates: in a name they only serve
# to break lines or to make the text around them read backwards.
_NOT_IN_A_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]+")


def plain_name(name: object) -> str:
    """A user-entered name for display anywhere (tables, labels, text): one line, no
    controls, and isolated (U+2068 … U+2069) so it cannot turn the text around it."""
    text = " ".join(_NOT_IN_A_NAME.sub(" ", str(name)).split())
    return f"\u2068{text}\u2069"


def name_line(name: object, *facts: object) -> None:
    """The name in bold and facts after it, as plain text: never read as Markdown, so a
    name's `# heading`, bare URL or `:icon:` shows as typed."""
    rest = "".join(f" · {html.escape(str(fact))}" for fact in facts)
    # <bdi> isolates the name as plain_name's U+2068/U+2069 do in text, without invisible
    # characters in what is read or copied ("name · code · year").
    shown = html.escape(" ".join(_NOT_IN_A_NAME.sub(" ", str(name)).split()))
    st.html(f'<p class="sx-name"><b><bdi>{shown}</bdi></b>{rest}</p>')


def remember_resume_error(err: AssessmentError | None) -> None:
    """Keep a failed `?resume=` lookup for the landing page to show beside the field."""
    if err is not None:
        st.session_state[RESUME_ERROR_KEY] = err


def pop_resume_error() -> AssessmentError | None:
    """The failed `?resume=` lookup kept for the landing page, once."""
    err: AssessmentError | None = st.session_state.pop(RESUME_ERROR_KEY, None)
    return err


def sidebar_footer() -> None:
    """The open assessment's resume code and the data notice, in the sidebar."""
    cur = session.current()
    with st.sidebar:
        if cur is not None:
            st.caption(t("ui.sidebar.resume_code"))
            st.code(cur.resume_code, language=None)
        st.caption(t("ui.sidebar.notice"))

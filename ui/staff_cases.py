"""Typical cases (Policy §4(5)): mark and unmark assessments with a note; list and export."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from assessment.auth import STAFF_ROLES
from assessment.dashboard import Filters, assessments_table
from assessment.errors import AssessmentError
from ui import auth, layout
from ui.downloads import audited_download
from ui.i18n import error_text
from ui.resources import repository
from ui.staff_common import csv_bytes, s, xlsx_bytes


def cases_frame() -> pd.DataFrame:
    """The typical cases as a table with headers in the current language."""
    cases = repository().typical_cases()
    frame = pd.DataFrame(
        [
            {
                "assessment_id": c.assessment_id,
                "name": c.name,
                "year": c.year,
                "note": c.note,
                "marked_by": c.marked_by,
                "marked_at": c.marked_at.strftime("%Y-%m-%d %H:%M"),
            }
            for c in cases
        ],
        columns=["assessment_id", "name", "year", "note", "marked_by", "marked_at"],
    )
    return frame.rename(columns=lambda c: s(f"cases.col.{c}"))


def render() -> None:
    """Draw the typical-cases page (staff and admin only)."""
    user = auth.require_role(*STAFF_ROLES)
    layout.banner(s("cases.title"), s("cases.subtitle"))
    repo = repository()
    with st.form("cases:mark"):
        search = st.text_input(
            s("dash.search"), key="cases:search", placeholder=s("dash.search_hint")
        )
        st.form_submit_button(s("cases.find"))
    found = assessments_table(repo.engine, Filters(), search, limit=200)
    if found.empty:
        st.info(s("dash.empty"))
    else:
        labels = {
            int(r.assessment_id): f"#{r.assessment_id} {layout.plain_name(r.name)} ({r.year})"
            for r in found.itertuples()
        }
        chosen = st.selectbox(
            s("cases.assessment"), list(labels), format_func=labels.__getitem__, key="cases:pick"
        )
        note = st.text_area(s("cases.note"), key="cases:note", max_chars=2000)
        left, right = st.columns(2)
        try:
            if left.button(s("cases.mark"), type="primary", key="cases:mark_btn"):
                repo.mark_typical_case(int(chosen), user.username, note.strip())
                st.success(s("cases.marked", id=chosen))
            if right.button(s("cases.unmark"), key="cases:unmark_btn"):
                if repo.unmark_typical_case(int(chosen), user.username):
                    st.success(s("cases.unmarked", id=chosen))
                else:
                    st.info(s("cases.not_marked", id=chosen))
        except AssessmentError as err:
            st.error(error_text(err), icon="⚠️")
    st.subheader(s("cases.list"), anchor=False)
    frame = cases_frame()
    if frame.empty:
        st.info(s("cases.none"))
        return
    st.dataframe(frame, hide_index=True, width="stretch")
    left, right = st.columns(2)
    who = {"actor": user.username, "what": "typical_cases"}
    audited_download(
        left,
        s("cities.download_csv"),
        partial(csv_bytes, frame),
        file_name="typical-cases.csv",
        mime="text/csv",
        key="cases:csv",
        **who,
    )
    audited_download(
        right,
        s("cities.download_xlsx"),
        partial(xlsx_bytes, frame, "cases"),
        file_name="typical-cases.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="cases:xlsx",
        **who,
    )

"""Typical cases (Policy §4(5)): mark and unmark assessments with a note; list and export."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from assessment import formatting
from assessment.dashboard import Filters
from assessment.errors import AssessmentError
from assessment.roles import STAFF_ROLES
from assessment.storage.queries.dashboard import assessments_table
from ui import auth, layout
from ui.downloads import audited_download
from ui.i18n import error_text, lang, t
from ui.resources import repository
from ui.staff_common import csv_bytes, xlsx_bytes


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
                "marked_at": formatting.timestamp(c.marked_at, lang()),
            }
            for c in cases
        ],
        columns=["assessment_id", "name", "year", "note", "marked_by", "marked_at"],
    )
    return frame.rename(columns=lambda c: t(f"staff.cases.col.{c}"))


def render() -> None:
    """Draw the typical-cases page (staff and admin only)."""
    user = auth.require_role(*STAFF_ROLES)
    layout.banner(t("staff.cases.title"), t("staff.cases.subtitle"))
    repo = repository()
    with st.form("cases:mark"):
        search = st.text_input(
            t("staff.dash.search"), key="cases:search", placeholder=t("staff.dash.search_hint")
        )
        st.form_submit_button(t("staff.cases.find"))
    found = assessments_table(repo.engine, Filters(), search, limit=200)
    if found.empty:
        st.info(t("staff.dash.empty"))
    else:
        labels = {
            int(row["assessment_id"]): (
                f"#{row['assessment_id']} {layout.plain_name(row['name'])} ({row['year']})"
            )
            for row in found.to_dict("records")
        }
        chosen = st.selectbox(
            t("staff.cases.assessment"),
            list(labels),
            format_func=labels.__getitem__,
            key="cases:pick",
        )
        note = st.text_area(t("staff.cases.note"), key="cases:note", max_chars=2000)
        left, right = st.columns(2)
        try:
            if left.button(t("staff.cases.mark"), type="primary", key="cases:mark_btn"):
                repo.mark_typical_case(int(chosen), user.username, note.strip())
                st.success(t("staff.cases.marked", id=chosen))
            if right.button(t("staff.cases.unmark"), key="cases:unmark_btn"):
                if repo.unmark_typical_case(int(chosen), user.username):
                    st.success(t("staff.cases.unmarked", id=chosen))
                else:
                    st.info(t("staff.cases.not_marked", id=chosen))
        except AssessmentError as err:
            st.error(error_text(err), icon="⚠️")
    st.subheader(t("staff.cases.list"), anchor=False)
    frame = cases_frame()
    if frame.empty:
        st.info(t("staff.cases.none"))
        return
    st.dataframe(frame, hide_index=True, width="stretch")
    left, right = st.columns(2)
    audited_download(
        left,
        t("staff.cities.download_csv"),
        partial(csv_bytes, frame),
        file_name="typical-cases.csv",
        mime="text/csv",
        key="cases:csv",
        actor=user.username,
        what="typical_cases",
    )
    audited_download(
        right,
        t("staff.cities.download_xlsx"),
        partial(xlsx_bytes, frame, "cases"),
        file_name="typical-cases.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="cases:xlsx",
        actor=user.username,
        what="typical_cases",
    )

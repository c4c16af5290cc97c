"""Import assessments from a spreadsheet: template, upload, row-by-row check with progress,
preview, download of rejected rows with reasons, and an all-or-nothing commit."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from assessment import spreadsheets
from assessment.errors import AssessmentError, fail
from assessment.roles import STAFF_ROLES
from ui import auth, layout
from ui.downloads import audited_download
from ui.i18n import error_text, lang, t
from ui.resources import questionnaires, repository
from ui.staff_common import level_label

PREVIEW_KEY = "import:preview"
RESULT_KEY = "import:result"


def render() -> None:
    """Draw the import page (staff and admin only)."""
    user = auth.require_role(*STAFF_ROLES)
    layout.banner(t("staff.import.title"), t("staff.import.subtitle"))
    qset = questionnaires()
    st.markdown(t("staff.import.howto", mb=spreadsheets.MAX_BYTES // (1024 * 1024)))
    left, right = st.columns(2)
    left.download_button(
        t("staff.import.template_xlsx"),
        spreadsheets.template(qset, "xlsx"),
        file_name="assessment-import-template.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="import:template_xlsx",
    )
    right.download_button(
        t("staff.import.template_csv"),
        spreadsheets.template(qset, "csv"),
        file_name="assessment-import-template.csv",
        mime="text/csv",
        key="import:template_csv",
    )
    done = st.session_state.pop(RESULT_KEY, None)
    if done is not None:
        st.success(t("staff.import.committed", count=done))
    upload = st.file_uploader(t("staff.import.upload"), type=["csv", "xlsx"], key="import:file")
    if upload is None:
        st.session_state.pop(PREVIEW_KEY, None)
        return
    if st.button(t("staff.import.check"), type="primary", key="import:check"):
        try:
            # Refused before the bytes are even read (I701).
            if upload.size > spreadsheets.MAX_BYTES:
                raise fail("I701", limit=spreadsheets.MAX_BYTES)
            bar = st.progress(0.0, text=t("staff.import.checking"))

            def progress(done: int, total: int) -> None:
                if total and (done == total or done % 25 == 0):
                    bar.progress(
                        done / total, text=t("staff.import.checking_n", done=done, total=total)
                    )

            preview: spreadsheets.ImportPreview | None = spreadsheets.validate_upload(
                upload.getvalue(), upload.name, qset, repository().engine, progress=progress
            )
            bar.empty()
        except AssessmentError as err:
            st.session_state.pop(PREVIEW_KEY, None)
            st.error(error_text(err), icon="⚠️")
            return
        st.session_state[PREVIEW_KEY] = preview
    preview = st.session_state.get(PREVIEW_KEY)
    if preview is None or preview.filename != upload.name:
        return
    _preview(preview, user.username)


def _preview(preview: spreadsheets.ImportPreview, username: str) -> None:
    cols = st.columns(3)
    cols[0].metric(t("staff.import.rows"), preview.total)
    cols[1].metric(t("staff.import.valid"), len(preview.valid))
    cols[2].metric(t("staff.import.rejected"), len(preview.rejected))
    if preview.ignored_columns:
        st.caption(t("staff.import.ignored", count=len(preview.ignored_columns)))
    if preview.valid:
        st.markdown(f"**{t('staff.import.valid_rows')}**")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("staff.import.row"): r.row,
                        t("staff.filter.year"): r.year,
                        t("staff.col.name"): r.answers.get("profile.name"),
                        t("staff.col.credit_code"): r.answers.get("profile.credit_code"),
                        t("staff.col.cmmm_level"): level_label(r.scores.get("im.level")),
                    }
                    for r in preview.valid
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    if preview.rejected:
        st.markdown(f"**{t('staff.import.rejected_rows')}**")
        frame = spreadsheets.rejected_frame(preview, lang())
        st.dataframe(
            frame[["row", "codes", "reasons"]].rename(columns=lambda c: t(f"staff.import.col.{c}")),
            hide_index=True,
            width="stretch",
        )
        audited_download(
            st,
            t("staff.import.download_rejected"),
            partial(spreadsheets.rejected_bytes, preview, lang()),
            file_name=f"rejected-{preview.filename.rsplit('.', 1)[0]}.csv",
            mime="text/csv",
            key="import:rejected",
            actor=username,
            what="rejected_rows",
        )
    if not preview.valid:
        st.warning(t("staff.import.nothing"))
        return
    st.caption(t("staff.import.commit_help"))
    if st.button(
        t("staff.import.commit", count=len(preview.valid)), type="primary", key="import:commit"
    ):
        try:
            result = spreadsheets.commit(
                repository().engine,
                questionnaires(),
                preview.valid,
                actor=username,
                filename=preview.filename,
            )
        except AssessmentError as err:
            st.error(error_text(err), icon="⚠️")
            return
        st.session_state.pop(PREVIEW_KEY, None)
        st.session_state[RESULT_KEY] = result.count
        st.rerun()

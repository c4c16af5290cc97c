"""Export the filtered assessments with their scores as CSV (UTF-8 with BOM) or XLSX, with
Chinese, English or bilingual headers; the files re-import without loss."""

from __future__ import annotations

from functools import partial

import streamlit as st

from assessment import spreadsheets
from assessment.dashboard import Filters
from assessment.questionnaire import QuestionnaireSet
from assessment.roles import STAFF_ROLES
from assessment.storage.db import Engine
from ui import auth, layout
from ui.downloads import audited_download
from ui.i18n import t
from ui.resources import questionnaires, repository
from ui.staff_common import cached, filter_bar, version


def _export(
    engine: Engine, qset: QuestionnaireSet, filters: Filters, kind: str, header: str
) -> bytes:
    frame = spreadsheets.export_frame(engine, qset, filters)
    return spreadsheets.export_bytes(frame, qset, kind, header)


def render() -> None:
    """Draw the export page (staff and admin only)."""
    user = auth.require_role(*STAFF_ROLES)
    layout.banner(t("staff.export.title"), t("staff.export.subtitle"))
    filters = filter_bar("export")
    ver = version()
    n = cached("headline", filters, ver).assessments
    st.markdown(t("staff.export.count", n=n))
    header = st.radio(
        t("staff.export.headers"),
        list(spreadsheets.HEADER_LANGS),
        format_func=lambda v: t(f"staff.export.headers.{v}"),
        horizontal=True,
        key="export:headers",
    )
    if n == 0:
        return
    st.caption(t("staff.export.help"))
    left, right = st.columns(2)
    for col, kind, mime in (
        (left, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (right, "csv", "text/csv"),
    ):
        # Built when clicked and audited then (ui/downloads.py): nothing waits on /media.
        audited_download(
            col,
            t(f"staff.export.download_{kind}"),
            partial(_export, repository().engine, questionnaires(), filters, kind, header),
            file_name=f"assessments-export.{kind}",
            mime=mime,
            key=f"export:{kind}",
            actor=user.username,
            what="export",
            detail={"kind": kind, "n": n, "headers": header},
        )

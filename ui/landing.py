"""Landing page: what the assessment is, how long it takes, how data is used; start or resume."""

from __future__ import annotations

import streamlit as st

from assessment.answers import ANSWERS_FILE_LIMIT
from assessment.errors import AssessmentError
from ui import actions, layout, session, wizard_state
from ui.goto import go
from ui.i18n import error_text, t

PROGRAMS = tuple(range(1, 9))
FRAMEWORKS = ("cmmm", "green", "integration")
UPLOADED_KEY = "uploaded_assessment"


def render() -> None:
    """Draw the landing page."""
    layout.banner(t("ui.landing.title"), t("ui.landing.subtitle"))
    st.markdown(t("ui.landing.intro"))

    cols = st.columns(3)
    for col, key in zip(cols, FRAMEWORKS, strict=True):
        with col.container(border=True):
            st.markdown(f"**{t(f'ui.landing.{key}.title')}**")
            st.caption(t(f"ui.landing.{key}.standard"))
            st.markdown(t(f"ui.landing.{key}.body"))

    with st.expander(t("ui.landing.programs.title"), expanded=False):
        st.markdown(t("ui.landing.programs.intro"))
        st.markdown("\n".join(f"{n}. {t(f'ui.program.{n}')}" for n in PROGRAMS))

    left, right = st.columns(2)
    with left:
        st.subheader(t("ui.landing.time.title"), anchor=False)
        st.markdown(t("ui.landing.time.body"))
    with right:
        st.subheader(t("ui.landing.data.title"), anchor=False)
        st.markdown(t("ui.landing.data.body"))

    st.divider()
    _start_or_resume()


def _start_or_resume() -> None:
    cur = session.current()
    if cur is not None:
        st.info(t("ui.landing.open_assessment"), icon=":material/edit_note:")
        target = "results" if cur.status == "submitted" else "wizard"
        if st.button(t(f"ui.landing.continue.{target}"), type="primary", key="continue"):
            go(target)

    left, right = st.columns(2, gap="large")
    with left, st.container(border=True):
        st.subheader(t("ui.landing.start.title"), anchor=False)
        st.markdown(t("ui.landing.start.body"))
        if st.button(t("ui.landing.start.button"), type="primary", key="start_new"):
            session.set_current(None)
            wizard_state.reset()
            go("wizard")
    with right, st.container(border=True):
        st.subheader(t("ui.landing.resume.title"), anchor=False)
        url_error = layout.pop_resume_error()
        with st.form("resume_form", border=False):
            code = st.text_input(
                t("ui.landing.resume.label"),
                key="resume_input",
                help=t("ui.landing.resume.help"),
                placeholder=t("ui.landing.resume.placeholder"),
            )
            submitted = st.form_submit_button(t("ui.landing.resume.button"))
        error: AssessmentError | None = url_error
        if submitted:
            if not code.strip():
                st.error(t("ui.landing.resume.empty"), icon=":material/warning:")
            else:
                try:
                    record = actions.resume(code)
                except AssessmentError as err:
                    error = err
                else:
                    go("results" if record.submitted else "wizard")
        if error is not None:
            st.error(error_text(error), icon=":material/warning:")
    _upload()


def _upload() -> None:
    # Continue work done offline, or start from last year's downloaded answers file.
    with st.container(border=True):
        st.subheader(t("ui.landing.upload.title"), anchor=False)
        loaded = st.session_state.get(UPLOADED_KEY)
        cur = session.current()
        if loaded is not None and cur is not None and cur.assessment_id == loaded:
            _uploaded(cur)
            return
        st.markdown(t("ui.landing.upload.body"))
        upload = st.file_uploader(
            t("ui.landing.upload.label"),
            type=["json"],
            key="answers_upload",
            # The browser refuses bigger files; the server checks again (A211, server.py).
            max_upload_size=ANSWERS_FILE_LIMIT // (1024 * 1024),
        )
        pressed = st.button(
            t("ui.landing.upload.button"), key="upload_answers", disabled=upload is None
        )
        if pressed and upload is not None:
            try:
                record = actions.open_answers_upload(upload)
            except AssessmentError as err:
                st.error(error_text(err), icon=":material/warning:")
            else:
                st.session_state[UPLOADED_KEY] = record.id
                st.rerun()


def _uploaded(cur: session.Current) -> None:
    # The new draft's resume code is shown once, here, as after the wizard's first page.
    st.success(
        t("ui.landing.upload.done", count=len(wizard_state.answers())),
        icon=":material/check_circle:",
    )
    st.markdown(t("ui.wizard.resume.code"))
    st.code(cur.resume_code, language=None)
    st.markdown(t("ui.wizard.resume.link"))
    st.code(session.resume_link(cur.resume_code), language=None)
    st.warning(t("ui.wizard.resume.warning"), icon=":material/warning:")
    if st.button(t("ui.landing.upload.review"), type="primary", key="upload_review"):
        st.session_state.pop(UPLOADED_KEY, None)
        go("review")

"""Landing page: what the assessment is, how long it takes, how data is used; start or resume."""

from __future__ import annotations

import streamlit as st

from assessment.answers import ANSWERS_FILE_LIMIT
from assessment.errors import AssessmentError
from ui import actions, layout, navigation, session, state
from ui.i18n import error_text, t

PROGRAMS = tuple(range(1, 9))
FRAMEWORKS = ("cmmm", "green", "integration")
UPLOADED_KEY = "uploaded_assessment"


def render() -> None:
    """Draw the landing page."""
    layout.banner(t("landing.title"), t("landing.subtitle"))
    st.markdown(t("landing.intro"))

    cols = st.columns(3)
    for col, key in zip(cols, FRAMEWORKS, strict=True):
        with col.container(border=True):
            st.markdown(f"**{t(f'landing.{key}.title')}**")
            st.caption(t(f"landing.{key}.standard"))
            st.markdown(t(f"landing.{key}.body"))

    with st.expander(t("landing.programs.title"), expanded=False):
        st.markdown(t("landing.programs.intro"))
        st.markdown("\n".join(f"{n}. {t(f'program.{n}')}" for n in PROGRAMS))

    left, right = st.columns(2)
    with left:
        st.subheader(t("landing.time.title"), anchor=False)
        st.markdown(t("landing.time.body"))
    with right:
        st.subheader(t("landing.data.title"), anchor=False)
        st.markdown(t("landing.data.body"))

    st.divider()
    _start_or_resume()


def _start_or_resume() -> None:
    cur = session.current()
    if cur is not None:
        st.info(t("landing.open_assessment"), icon=":material/edit_note:")
        target = "results" if cur.status == "submitted" else "wizard"
        if st.button(t(f"landing.continue.{target}"), type="primary", key="continue"):
            navigation.go(target)

    left, right = st.columns(2, gap="large")
    with left, st.container(border=True):
        st.subheader(t("landing.start.title"), anchor=False)
        st.markdown(t("landing.start.body"))
        if st.button(t("landing.start.button"), type="primary", key="start_new"):
            session.set_current(None)
            state.reset()
            navigation.go("wizard")
    with right, st.container(border=True):
        st.subheader(t("landing.resume.title"), anchor=False)
        url_error = layout.pop_resume_error()
        with st.form("resume_form", border=False):
            code = st.text_input(
                t("landing.resume.label"),
                key="resume_input",
                help=t("landing.resume.help"),
                placeholder=t("landing.resume.placeholder"),
            )
            submitted = st.form_submit_button(t("landing.resume.button"))
        error: AssessmentError | None = url_error
        if submitted:
            if not code.strip():
                st.error(t("landing.resume.empty"), icon=":material/warning:")
            else:
                try:
                    record = actions.resume(code)
                except AssessmentError as err:
                    error = err
                else:
                    navigation.go("results" if record.submitted else "wizard")
        if error is not None:
            st.error(error_text(error), icon=":material/warning:")
    _upload()


def _upload() -> None:
    # Continue work done offline, or start from last year's downloaded answers file.
    with st.container(border=True):
        st.subheader(t("landing.upload.title"), anchor=False)
        loaded = st.session_state.get(UPLOADED_KEY)
        cur = session.current()
        if loaded is not None and cur is not None and cur.assessment_id == loaded:
            _uploaded(cur)
            return
        st.markdown(t("landing.upload.body"))
        upload = st.file_uploader(
            t("landing.upload.label"),
            type=["json"],
            key="answers_upload",
            # The browser refuses bigger files; the server checks again (A211, server.py).
            max_upload_size=ANSWERS_FILE_LIMIT // (1024 * 1024),
        )
        if st.button(t("landing.upload.button"), key="upload_answers", disabled=upload is None):
            try:
                record = actions.open_answers_upload(upload)
            except AssessmentError as err:
                st.error(error_text(err), icon=":material/warning:")
            else:
                st.session_state[UPLOADED_KEY] = record.id
                st.rerun()


def _uploaded(cur: session.Current) -> None:
    # The new draft's resume code is shown once, here, as after the wizard's first page.
    st.success(t("landing.upload.done", n=len(state.answers())), icon=":material/check_circle:")
    st.markdown(t("wizard.resume.code"))
    st.code(cur.resume_code, language=None)
    st.markdown(t("wizard.resume.link"))
    st.code(session.resume_link(cur.resume_code), language=None)
    st.warning(t("wizard.resume.warning"), icon=":material/warning:")
    if st.button(t("landing.upload.review"), type="primary", key="upload_review"):
        st.session_state.pop(UPLOADED_KEY, None)
        navigation.go("review")

"""Staff sign-in and sign-out (open to everyone; the staff pages themselves check the role)."""

from __future__ import annotations

import streamlit as st

from assessment.errors import AssessmentError
from assessment.roles import ROLE_LABELS
from ui import auth, layout
from ui.i18n import error_text, t


def render() -> None:
    """Draw the sign-in page, or who is signed in with a sign-out button."""
    layout.banner(t("staff.signin.title"), t("staff.signin.subtitle"))
    auth.cookie_bridge()
    user = auth.current_user()
    if user is not None:
        st.success(
            t(
                "staff.signin.signed_in",
                user=user.username,
                role=ROLE_LABELS.get(user.role, user.role),
            )
        )
        st.markdown(t("staff.signin.menu_hint"))
        if st.button(t("staff.signin.sign_out"), key="staff_sign_out"):
            auth.sign_out()
            st.rerun()
        return
    if st.session_state.get(auth.IGNORE_COOKIE_KEY):
        st.info(t("staff.signin.signed_out"))
    with st.form("staff_sign_in"):
        username = st.text_input(t("staff.signin.username"), key="staff_username")
        password = st.text_input(t("staff.signin.password"), type="password", key="staff_password")
        submitted = st.form_submit_button(t("staff.signin.submit"), type="primary")
    if submitted:
        if not username.strip() or not password:
            st.error(t("staff.signin.empty"))
            return
        try:
            auth.sign_in(username, password)
        except AssessmentError as err:
            st.error(error_text(err), icon="⚠️")
            return
        st.rerun()
    st.caption(t("staff.signin.help"))

"""Staff sign-in and sign-out (open to everyone; the staff pages themselves check the role)."""

from __future__ import annotations

import streamlit as st

from assessment.errors import AssessmentError, fail
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
        _change_password()
        return
    if st.session_state.get(auth.IGNORE_COOKIE_KEY):
        st.info(t("staff.signin.signed_out"))
    with st.form("staff_sign_in"):
        # The server checks the same bounds (storage/users.py): nothing longer is stored.
        username = st.text_input(t("staff.signin.username"), key="staff_username", max_chars=64)
        password = st.text_input(
            t("staff.signin.password"), type="password", key="staff_password", max_chars=1024
        )
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


def _change_password() -> None:
    with st.expander(t("ui.security.password.title")):
        with st.form("staff_password", clear_on_submit=True):
            current = st.text_input(
                t("ui.security.password.current"), type="password", key="password:current"
            )
            new = st.text_input(
                t("ui.security.password.new"),
                type="password",
                key="password:new",
                help=t("ui.security.password.help"),
            )
            again = st.text_input(
                t("ui.security.password.again"), type="password", key="password:again"
            )
            changed = st.form_submit_button(t("ui.security.password.submit"))
        if not changed:
            return
        try:
            if new != again:
                raise fail("U508")
            auth.change_password(current, new)
        except AssessmentError as err:
            st.error(error_text(err), icon="⚠️")
        else:
            st.success(t("ui.security.password.done"))

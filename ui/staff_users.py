"""User accounts (admin only): list, add with a role, disable."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment.auth import ADMIN_ROLES, ROLE_LABELS
from assessment.errors import AssessmentError
from assessment.storage.models import ROLES
from ui import auth, layout
from ui.i18n import error_text, t
from ui.resources import repository
from ui.staff_common import s


def render() -> None:
    """Draw the users page (admin only)."""
    admin = auth.require_role(*ADMIN_ROLES)
    layout.banner(s("users.title"), s("users.subtitle"))
    repo = repository()
    flash = st.session_state.pop("users:flash", None)
    if flash:
        st.success(flash)
    users = repo.list_users()
    st.dataframe(
        pd.DataFrame(
            [
                {
                    s("users.col.username"): u.username,
                    s("users.col.role"): ROLE_LABELS.get(u.role, u.role),
                    s("users.col.disabled"): "✓" if u.disabled else "",
                    s("users.col.created"): u.created_at.strftime("%Y-%m-%d"),
                }
                for u in users
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.subheader(s("users.add"), anchor=False)
    with st.form("users:add", clear_on_submit=True):
        username = st.text_input(s("signin.username"), key="users:name")
        role = st.selectbox(
            s("users.col.role"),
            list(ROLES),
            format_func=lambda r: ROLE_LABELS.get(r, r),
            key="users:role",
        )
        password = st.text_input(s("signin.password"), type="password", key="users:password")
        added = st.form_submit_button(s("users.add"), type="primary")
    if added:
        try:
            repo.add_user(username, role, password, actor=admin.username)
        except AssessmentError as err:
            st.error(error_text(err), icon="⚠️")
        else:
            st.session_state["users:flash"] = s("users.added", user=username.strip())
            st.rerun()
    _reset(repo, admin, [u.username for u in users if u.username != admin.username])
    others = [u.username for u in users if not u.disabled and u.username != admin.username]
    if others:
        st.subheader(s("users.disable"), anchor=False)
        target = st.selectbox(s("signin.username"), others, key="users:disable_pick")
        if st.button(s("users.disable"), key="users:disable_btn"):
            repo.disable_user(target, actor=admin.username)
            st.session_state["users:flash"] = s("users.disabled", user=target)
            st.rerun()


def _reset(repo, admin, names: list[str]) -> None:
    """An admin sets a user's new password (audited; the user's sessions end)."""
    if not names:
        return
    st.subheader(t("security.reset.title"), anchor=False)
    with st.form("users:reset", clear_on_submit=True):
        target = st.selectbox(t("security.reset.user"), names, key="users:reset_pick")
        password = st.text_input(
            t("security.password.new"),
            type="password",
            key="users:reset_password",
            help=t("security.password.help"),
        )
        done = st.form_submit_button(t("security.reset.submit"))
    if not done:
        return
    try:
        auth.require_role(*ADMIN_ROLES)  # again, on the server, before acting
        repo.reset_password(target, password, actor=admin.username)
    except AssessmentError as err:
        st.error(error_text(err), icon="⚠️")
    else:
        st.session_state["users:flash"] = t("security.reset.done", user=target)
        st.rerun()

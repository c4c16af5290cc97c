"""User accounts (admin only): list, add with a role, disable."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment import formatting
from assessment.errors import AssessmentError
from assessment.roles import ADMIN_ROLES, ROLE_LABELS, ROLES
from assessment.storage import Repository, User
from ui import auth, layout
from ui.i18n import error_text, lang, t
from ui.resources import repository


def render() -> None:
    """Draw the users page (admin only)."""
    admin = auth.require_role(*ADMIN_ROLES)
    layout.banner(t("staff.users.title"), t("staff.users.subtitle"))
    repo = repository()
    flash = st.session_state.pop("users:flash", None)
    if flash:
        st.success(flash)
    users = repo.list_users()
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("staff.users.col.username"): u.username,
                    t("staff.users.col.role"): ROLE_LABELS.get(u.role, u.role),
                    t("staff.users.col.disabled"): "✓" if u.disabled else "",
                    t("staff.users.col.created"): formatting.date(u.created_at, lang()),
                }
                for u in users
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.subheader(t("staff.users.add"), anchor=False)
    with st.form("users:add", clear_on_submit=True):
        username = st.text_input(t("staff.signin.username"), key="users:name")
        role = st.selectbox(
            t("staff.users.col.role"),
            list(ROLES),
            format_func=lambda r: ROLE_LABELS.get(r, r),
            key="users:role",
        )
        password = st.text_input(t("staff.signin.password"), type="password", key="users:password")
        added = st.form_submit_button(t("staff.users.add"), type="primary")
    if added:
        try:
            repo.add_user(username, role, password, actor=admin.username)
        except AssessmentError as err:
            st.error(error_text(err), icon="⚠️")
        else:
            st.session_state["users:flash"] = t("staff.users.added", user=username.strip())
            st.rerun()
    _reset(repo, admin, [u.username for u in users if u.username != admin.username])
    others = [u.username for u in users if not u.disabled and u.username != admin.username]
    if others:
        st.subheader(t("staff.users.disable"), anchor=False)
        target = st.selectbox(t("staff.signin.username"), others, key="users:disable_pick")
        if st.button(t("staff.users.disable"), key="users:disable_btn"):
            repo.disable_user(target, actor=admin.username)
            st.session_state["users:flash"] = t("staff.users.disabled", user=target)
            st.rerun()


def _reset(repo: Repository, admin: User, names: list[str]) -> None:
    """An admin sets a user's new password (audited; the user's sessions end)."""
    if not names:
        return
    st.subheader(t("ui.security.reset.title"), anchor=False)
    with st.form("users:reset", clear_on_submit=True):
        target = st.selectbox(t("ui.security.reset.user"), names, key="users:reset_pick")
        password = st.text_input(
            t("ui.security.password.new"),
            type="password",
            key="users:reset_password",
            help=t("ui.security.password.help"),
        )
        done = st.form_submit_button(t("ui.security.reset.submit"))
    if not done:
        return
    try:
        auth.require_role(*ADMIN_ROLES)  # again, on the server, before acting
        repo.reset_password(target, password, actor=admin.username)
    except AssessmentError as err:
        st.error(error_text(err), icon="⚠️")
    else:
        st.session_state["users:flash"] = t("ui.security.reset.done", user=target)
        st.rerun()

"""Peer-group models: staff see the active model and earlier versions; admins refit and
activate (SECURITY.md), checked on the server before either is done.

Refitting clusters every enterprise's latest submitted assessment (assessment.peers);
each fit is a new version, the old ones are kept, exactly one is active.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment.auth import ADMIN_ROLES, STAFF_ROLES
from assessment.errors import AssessmentError
from assessment.peers import fit_and_register
from ui import auth, layout
from ui.i18n import error_text, t
from ui.resources import questionnaires, repository
from ui.staff_common import s


def _models_frame(records) -> pd.DataFrame:
    rows = []
    for rec in records:
        meta = rec.metadata or {}
        rows.append(
            {
                s("peers_admin.col.active"): "✔" if rec.active else "",
                s("peers_admin.col.version"): rec.version,
                s("peers_admin.col.n"): meta.get("n"),
                s("peers_admin.col.k"): meta.get("k"),
                s("peers_admin.col.silhouette"): meta.get("silhouette"),
                s("peers_admin.col.created"): meta.get("created"),
            }
        )
    return pd.DataFrame(rows)


def render() -> None:
    """Draw the peer-model page (staff and admin only)."""
    user = auth.require_role(*STAFF_ROLES)
    layout.banner(s("peers_admin.title"), s("peers_admin.subtitle"))
    repo = repository()
    records = repo.list_peer_models()
    active = next((r for r in records if r.active), None)
    if active is None:
        st.warning(s("peers_admin.none"))
    else:
        meta = active.metadata or {}
        cols = st.columns(4)
        cols[0].metric(s("peers_admin.col.n"), meta.get("n"))
        cols[1].metric(s("peers_admin.col.k"), meta.get("k"))
        cols[2].metric(s("peers_admin.col.silhouette"), meta.get("silhouette"))
        cols[3].metric(s("peers_admin.col.created"), str(meta.get("created", ""))[:10])
    st.markdown(s("peers_admin.method"))
    admin = getattr(user, "role", None) in ADMIN_ROLES
    if not admin:
        st.info(t("security.peers_admin_only"), icon=":material/lock:")
    if admin and st.button(s("peers_admin.refit"), type="primary", key="peers_admin:refit"):
        user = auth.require_role(*ADMIN_ROLES)  # again, on the server, before acting
        bar = st.progress(0.0, text=s("peers_admin.fitting"))

        def progress(done: int, total: int) -> None:
            bar.progress(done / total, text=s("peers_admin.fitting"))

        try:
            model = fit_and_register(
                repo, questionnaires(), progress=progress, actor=getattr(user, "username", "staff")
            )
        except AssessmentError as err:  # e.g. M603: too few submitted assessments
            st.error(error_text(err))
        else:
            st.success(s("peers_admin.done", version=model.version, k=model.metadata["k"]))
            records = repo.list_peer_models()
    if records:
        st.subheader(s("peers_admin.versions"), anchor=False)
        st.dataframe(_models_frame(records), hide_index=True, width="stretch")
        earlier = [r.version for r in records if not r.active]
        if earlier and admin:
            choice = st.selectbox(s("peers_admin.choose"), earlier, key="peers_admin:choice")
            if st.button(s("peers_admin.activate"), key="peers_admin:activate"):
                user = auth.require_role(*ADMIN_ROLES)
                repo.activate_peer_model(choice, actor=user.username)
                st.success(s("peers_admin.activated", version=choice))
                st.rerun()

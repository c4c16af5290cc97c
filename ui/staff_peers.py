"""Peer-group models: staff see the active model and earlier versions; admins refit and
activate (SECURITY.md), checked on the server before either is done.

Refitting clusters every enterprise's latest submitted assessment (assessment.peers);
each fit is a new version, the old ones are kept, exactly one is active.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from assessment.errors import AssessmentError
from assessment.peers import fit_and_register
from assessment.roles import ADMIN_ROLES, STAFF_ROLES
from assessment.storage import PeerModelRecord
from ui import auth, layout
from ui.i18n import error_text, t
from ui.resources import questionnaires, repository


def _models_frame(records: Sequence[PeerModelRecord]) -> pd.DataFrame:
    rows = []
    for rec in records:
        meta = rec.metadata or {}
        rows.append(
            {
                t("staff.peers_admin.col.active"): "✔" if rec.active else "",
                t("staff.peers_admin.col.version"): rec.version,
                t("staff.peers_admin.col.n"): meta.get("n"),
                t("staff.peers_admin.col.k"): meta.get("k"),
                t("staff.peers_admin.col.silhouette"): meta.get("silhouette"),
                t("staff.peers_admin.col.created"): meta.get("created"),
            }
        )
    return pd.DataFrame(rows)


def render() -> None:
    """Draw the peer-model page (staff and admin only)."""
    user = auth.require_role(*STAFF_ROLES)
    layout.banner(t("staff.peers_admin.title"), t("staff.peers_admin.subtitle"))
    repo = repository()
    records = repo.list_peer_models()
    active = next((r for r in records if r.active), None)
    if active is None:
        st.warning(t("staff.peers_admin.none"))
    else:
        meta = active.metadata or {}
        cols = st.columns(4)
        cols[0].metric(t("staff.peers_admin.col.n"), meta.get("n"))
        cols[1].metric(t("staff.peers_admin.col.k"), meta.get("k"))
        cols[2].metric(t("staff.peers_admin.col.silhouette"), meta.get("silhouette"))
        cols[3].metric(t("staff.peers_admin.col.created"), str(meta.get("created", ""))[:10])
    st.markdown(t("staff.peers_admin.method"))
    admin = getattr(user, "role", None) in ADMIN_ROLES
    if not admin:
        st.info(t("ui.security.peers_admin_only"), icon=":material/lock:")
    if admin and st.button(t("staff.peers_admin.refit"), type="primary", key="peers_admin:refit"):
        user = auth.require_role(*ADMIN_ROLES)  # again, on the server, before acting
        bar = st.progress(0.0, text=t("staff.peers_admin.fitting"))

        def progress(done: int, total: int) -> None:
            bar.progress(done / total, text=t("staff.peers_admin.fitting"))

        try:
            model = fit_and_register(
                repo, questionnaires(), progress=progress, actor=getattr(user, "username", "staff")
            )
        except AssessmentError as err:  # e.g. M603: too few submitted assessments
            st.error(error_text(err))
        else:
            st.success(t("staff.peers_admin.done", version=model.version, k=model.metadata["k"]))
            records = repo.list_peer_models()
    if records:
        st.subheader(t("staff.peers_admin.versions"), anchor=False)
        st.dataframe(_models_frame(records), hide_index=True, width="stretch")
        earlier = [r.version for r in records if not r.active]
        if earlier and admin:
            choice = st.selectbox(t("staff.peers_admin.choose"), earlier, key="peers_admin:choice")
            if st.button(t("staff.peers_admin.activate"), key="peers_admin:activate"):
                user = auth.require_role(*ADMIN_ROLES)
                repo.activate_peer_model(choice, actor=user.username)
                st.success(t("staff.peers_admin.activated", version=choice))
                st.rerun()

"""Data-quality flags: possible duplicates, straight-lined answers, implausible numbers and
abandoned drafts, with counts by kind and a download."""

from __future__ import annotations

from functools import partial

import streamlit as st

from assessment import quality
from assessment.roles import STAFF_ROLES
from assessment.storage.queries.quality import quality_flags
from ui import auth, layout
from ui.downloads import audited_download
from ui.i18n import lang, t
from ui.resources import questionnaires, repository
from ui.staff_common import DataVersion, csv_bytes, version


@st.cache_data(show_spinner=False, max_entries=4)
def _flags(data_version: DataVersion) -> list[quality.Flag]:
    del data_version  # only part of the cache key
    return quality_flags(repository().engine, questionnaires())


def render() -> None:
    """Draw the data-quality page (staff and admin only)."""
    user = auth.require_role(*STAFF_ROLES)
    layout.banner(t("staff.quality.title"), t("staff.quality.subtitle"))
    flags = _flags(version())
    counts = {kind: sum(1 for f in flags if f.kind == kind) for kind in quality.KINDS}
    cols = st.columns(3)
    for i, (kind, n) in enumerate(counts.items()):
        cols[i % 3].metric(quality.KINDS[kind].get(lang()), n)
    if not flags:
        st.success(t("staff.quality.none"))
        return
    kinds = st.multiselect(
        t("staff.quality.kinds"),
        [k for k, n in counts.items() if n],
        default=[k for k, n in counts.items() if n],
        format_func=lambda k: quality.KINDS[k].get(lang()),
        key="quality:kinds",
    )
    frame = quality.flags_frame([f for f in flags if f.kind in kinds], lang())
    shown = frame.drop(columns=["kind"]).rename(columns=lambda c: t(f"staff.quality.col.{c}"))
    st.dataframe(shown, hide_index=True, width="stretch")
    audited_download(
        st,
        t("staff.cities.download_csv"),
        partial(csv_bytes, shown),
        file_name="data-quality-flags.csv",
        mime="text/csv",
        key="quality:csv",
        actor=user.username,
        what="quality_flags",
    )
    with st.expander(t("staff.quality.rules")):
        st.markdown(t("staff.quality.rules_body"))

"""The annual city assessment (Policy §4(4)): indicators, composite and rank for one year,
charts, and the table as CSV or XLSX."""

from __future__ import annotations

from functools import partial

import altair as alt
import pandas as pd
import streamlit as st

from assessment import city_ranking, formatting
from assessment.roles import STAFF_ROLES
from ui import auth, layout
from ui.downloads import audited_download
from ui.i18n import lang, t
from ui.staff_common import city_label, city_table, csv_bytes, version, xlsx_bytes, years

SHOWN = (
    "rank",
    "city",
    "composite",
    "participation",
    "mean_level",
    "share_level3",
    "improvement",
    "paired",
    "uptake",
)


def shown_table(table: pd.DataFrame) -> pd.DataFrame:
    """The table as staff read it: labels, rounded numbers, headers in the current language."""
    out = table[list(SHOWN)].copy()
    out["city"] = out["city"].map(city_label)
    for column in ("composite", "mean_level", "improvement"):
        out[column] = out[column].round(3)
    for column in ("share_level3", "uptake"):
        out[column] = (out[column] * 100).round(1)
    out["participation"] = out["participation"].astype(int)
    out["paired"] = out["paired"].astype(int)
    return out.rename(columns=lambda c: t(f"staff.cities.col.{c}"))


def render() -> None:
    """Draw the city assessment (staff and admin only)."""
    user = auth.require_role(*STAFF_ROLES)
    layout.banner(t("staff.cities.title"), t("staff.cities.subtitle"))
    available = years()
    if not available:
        st.info(t("staff.dash.empty"))
        return
    year = st.selectbox(t("staff.filter.year"), available, key="cities:year")
    with st.spinner(t("staff.cities.computing")):
        table = city_table(int(year), version())
    shown = shown_table(table)
    st.dataframe(shown, hide_index=True, width="stretch")
    left, right = st.columns(2)
    audited_download(
        left,
        t("staff.cities.download_csv"),
        partial(csv_bytes, shown),
        file_name=f"city-assessment-{year}.csv",
        mime="text/csv",
        key="cities:csv",
        actor=user.username,
        what="city_ranking",
        detail={"year": int(year)},
    )
    audited_download(
        right,
        t("staff.cities.download_xlsx"),
        partial(xlsx_bytes, shown, "cities"),
        file_name=f"city-assessment-{year}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="cities:xlsx",
        actor=user.username,
        what="city_ranking",
        detail={"year": int(year)},
    )
    data = table.assign(label=table["city"].map(city_label))
    st.altair_chart(
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "composite:Q",
                title=t("staff.cities.col.composite"),
                scale=alt.Scale(domain=[0, 100]),
            ),
            y=alt.Y("label:N", title="", sort="-x"),
            tooltip=[
                alt.Tooltip("label:N", title=t("staff.filter.city")),
                alt.Tooltip("composite:Q", format=".1f"),
                alt.Tooltip("rank:Q", title=t("staff.cities.col.rank")),
            ],
        ),
        width="stretch",
    )
    points = table.melt(
        id_vars=["city"], value_vars=[f"{n}_points" for n in city_ranking.INDICATORS]
    ).assign(
        label=lambda f: f["city"].map(city_label),
        indicator=lambda f: f["variable"].map(
            lambda v: t(f"staff.cities.col.{v.removesuffix('_points')}")
        ),
    )
    st.altair_chart(
        alt.Chart(points)
        .mark_rect()
        .encode(
            x=alt.X("indicator:N", title="", sort=None),
            y=alt.Y("label:N", title=""),
            color=alt.Color(
                "value:Q", title=t("staff.cities.points"), scale=alt.Scale(domain=[0, 100])
            ),
            tooltip=["label:N", "indicator:N", alt.Tooltip("value:Q", format=".1f")],
        ),
        width="stretch",
    )
    with st.expander(t("staff.cities.method")):
        weights = ", ".join(
            f"{t(f'staff.cities.col.{n}')} {formatting.percent(w, lang())}"
            for n, w in city_ranking.WEIGHTS.items()
        )
        st.markdown(
            t(
                "staff.cities.method_body",
                weights=weights,
                fit=formatting.score(city_ranking.UPTAKE_MIN_FIT, lang()),
            )
        )

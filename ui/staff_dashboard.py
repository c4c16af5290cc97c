"""Provincial dashboard: filters, headline figures, the §1 targets (as proxies), level
distributions, the sub-domain heatmap, the yearly trend, and the assessments table with a
drill-down to one assessment's full result."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from assessment import dashboard, formatting
from assessment.dashboard import Filters
from assessment.programs import display_value, recommend_programs
from assessment.questionnaire import QuestionnaireSet, Text
from assessment.roles import STAFF_ROLES
from ui import auth, layout
from ui.i18n import lang, t, tx
from ui.resources import questionnaires, repository
from ui.staff_common import (
    DataVersion,
    cached,
    city_label,
    filter_bar,
    industry_label,
    labelled,
    level_label,
    num,
    pct,
    programs,
    version,
)

TAB_KEY = "dash:tab"


def render() -> None:
    """Draw the dashboard (staff and admin only)."""
    auth.require_role(*STAFF_ROLES)
    layout.banner(t("staff.dash.title"), t("staff.dash.subtitle"))
    filters = filter_bar("dash")
    ver = version()
    over = cached("overview", filters, ver)
    if over.headline.assessments == 0:
        st.info(t("staff.dash.empty"))
        return
    _headline(over.headline)
    _targets(over)
    # Lazy tabs: only the open tab's queries run (the heatmap aggregates one row per
    # sub-domain per assessment — seconds at 100,000 — so it runs only when asked for).
    views = {"levels": _levels, "heatmap": _heatmap, "trend": _trend, "table": _table}
    tabs = st.tabs([t(f"staff.dash.tab.{name}") for name in views], key=TAB_KEY, on_change="rerun")
    for tab, draw in zip(tabs, views.values(), strict=True):
        with tab:
            if tab.open:
                draw(filters, ver)


def _headline(head: dashboard.Headline) -> None:
    cols = st.columns(5)
    cols[0].metric(t("staff.dash.assessments"), formatting.number(head.assessments, lang()))
    cols[1].metric(t("staff.dash.enterprises"), formatting.number(head.enterprises, lang()))
    cols[2].metric(t("staff.dash.mean_level"), num(head.mean_level, 2))
    cols[3].metric(t("staff.dash.share_level3"), pct(head.share_level3))
    cols[4].metric(t("staff.dash.mean_readiness"), num(head.mean_readiness))


def _targets(over: dashboard.Overview) -> None:
    st.subheader(t("staff.dash.targets"), anchor=False)
    growth, equip = over.investment, over.equipment
    left, right = st.columns(2)
    with left, st.container(border=True):
        st.metric(
            t("staff.dash.target.invest"),
            pct(growth.value),
            delta=None
            if growth.value is None
            else f"{(growth.value - growth.target) * 100:+.1f} pp",
        )
        st.caption(
            t("staff.dash.target.invest_proxy", n=growth.basis, target=pct(growth.target, 0))
        )
    with right, st.container(border=True):
        st.metric(
            t("staff.dash.target.equipment"),
            pct(equip.value),
            delta=None if equip.value is None else f"{(equip.value - equip.target) * 100:+.1f} pp",
        )
        st.caption(
            t("staff.dash.target.equipment_proxy", n=equip.basis, target=pct(equip.target, 0))
        )


def _level_chart(frame: pd.DataFrame, by: str) -> alt.Chart:
    data = frame.copy()
    data["label"] = data["group"].map(city_label if by == "city" else industry_label)
    data["level_label"] = data["level"].map(level_label)
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("label:N", title=t(f"staff.filter.{by}"), sort=None),
            y=alt.Y(
                "n:Q", title=t("staff.dash.share"), stack="normalize", axis=alt.Axis(format="%")
            ),
            color=alt.Color(
                "level_label:O",
                title=t("staff.filter.level"),
                sort=[level_label(n) for n in range(6)],
                scale=alt.Scale(scheme="blues"),
            ),
            order=alt.Order("level:Q"),
            tooltip=[
                alt.Tooltip("label:N", title=t(f"staff.filter.{by}")),
                alt.Tooltip("level_label:N", title=t("staff.filter.level")),
                alt.Tooltip("n:Q", title=t("staff.dash.count")),
                alt.Tooltip("share:Q", title=t("staff.dash.share"), format=".1%"),
            ],
        )
    )
    return chart


def _levels(filters: Filters, ver: DataVersion) -> None:
    levels = cached("overview", filters, ver).levels  # the render's cached result
    for by in ("city", "industry"):
        st.markdown(f"**{t(f'staff.dash.levels_by.{by}')}**")
        frame = dashboard.level_shares(levels, by)
        st.altair_chart(_level_chart(frame, by), width="stretch")


def _heatmap(filters: Filters, ver: DataVersion) -> None:
    qset = questionnaires()
    keys = dashboard.subdomain_ids(qset)
    labels = {
        sub.id: tx(sub.label)
        for q in qset.questionnaires
        if q.kind == "cmmm"
        for section in q.sections
        for sub in section.subdomains
    }
    frame = cached("subdomain_heatmap", filters, ver, tuple(keys))
    if frame.empty:
        st.info(t("staff.dash.empty"))
        return
    data = frame.assign(
        sub=frame["key"].map(labels), industry_label=frame["industry"].map(industry_label)
    )
    order = [labels[k] for k in keys]
    chart = (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=alt.X(
                "sub:N", title=t("staff.dash.subdomain"), sort=order, axis=alt.Axis(labelAngle=-45)
            ),
            y=alt.Y("industry_label:N", title=t("staff.filter.industry")),
            color=alt.Color(
                "mean:Q", title=t("staff.dash.mean_score"), scale=alt.Scale(domain=[0, 100])
            ),
            tooltip=[
                alt.Tooltip("industry_label:N", title=t("staff.filter.industry")),
                alt.Tooltip("sub:N", title=t("staff.dash.subdomain")),
                alt.Tooltip("mean:Q", title=t("staff.dash.mean_score"), format=".1f"),
                alt.Tooltip("n:Q", title=t("staff.dash.count")),
            ],
        )
    )
    st.caption(t("staff.dash.heatmap_help"))
    st.altair_chart(chart, width="stretch")


def _trend(filters: Filters, ver: DataVersion) -> None:
    frame = cached("trend", filters, ver)
    invest = cached("investment_by_year", filters, ver)
    st.caption(t("staff.dash.trend_help"))
    if frame.empty:
        st.info(t("staff.dash.empty"))
        return
    long = frame.melt(id_vars=["year"], value_vars=["mean_level", "share_level3"])
    long["measure"] = long["variable"].map(lambda v: t(f"staff.dash.{v}"))
    chart = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title=t("staff.filter.year")),
            y=alt.Y("value:Q", title=""),
            color=alt.Color("measure:N", title=""),
            tooltip=["year:O", "measure:N", alt.Tooltip("value:Q", format=".3f")],
        )
    )
    st.altair_chart(chart, width="stretch")
    if not invest.empty:
        data = invest.assign(target=dashboard.INVEST_GROWTH_TARGET)
        bars = (
            alt.Chart(data)
            .mark_bar()
            .encode(
                x=alt.X("year:O", title=t("staff.filter.year")),
                y=alt.Y("growth:Q", title=t("staff.dash.target.invest"), axis=alt.Axis(format="%")),
                tooltip=["year:O", alt.Tooltip("growth:Q", format=".1%"), "n:Q"],
            )
        )
        rule = alt.Chart(data).mark_rule(color="#b3261e", strokeDash=[4, 4]).encode(y="target:Q")
        st.altair_chart(bars + rule, width="stretch")


def _table(filters: Filters, ver: DataVersion) -> None:
    search = st.text_input(
        t("staff.dash.search"), key="dash:search", placeholder=t("staff.dash.search_hint")
    )
    frame = cached("assessments_table", filters, ver, search)
    shown = labelled(frame).rename(columns=lambda c: t(f"staff.col.{c}"))
    st.dataframe(shown, hide_index=True, width="stretch")
    st.caption(t("staff.dash.table_count", n=len(frame), limit=dashboard.TABLE_LIMIT))
    if frame.empty:
        return
    options = frame["assessment_id"].tolist()
    names = dict(zip(frame["assessment_id"], frame["name"], strict=True))
    years = dict(zip(frame["assessment_id"], frame["year"], strict=True))
    chosen = st.selectbox(
        t("staff.dash.drill"),
        [None, *options],
        format_func=lambda v: (
            t("staff.dash.drill_none")
            if v is None
            else f"#{v} {layout.plain_name(names[v])} ({years[v]})"
        ),
        key="dash:drill",
    )
    if chosen is not None:
        detail(int(chosen))


def detail(assessment_id: int) -> None:
    """One assessment's full result: scores, domain chart, program matches, every answer."""
    qset = questionnaires()
    record = repository().get(assessment_id)
    result = repository().scored(record)
    with st.container(border=True):
        layout.name_line(record.name, record.credit_code, record.year)
        st.caption(f"{city_label(record.city)} · {industry_label(record.industry)}")
        cmmm, green, integration = result.cmmm, result.green, result.integration
        cols = st.columns(5)
        cols[0].metric(t("staff.col.cmmm_level"), level_label(cmmm.level if cmmm else None))
        cols[1].metric(t("staff.col.cmmm_score"), num(cmmm.score if cmmm else None))
        cols[2].metric(t("staff.col.green_score"), num(green.score if green else None))
        cols[3].metric(
            t("staff.col.integration_index"), num(integration.index if integration else None)
        )
        cols[4].metric(t("staff.col.readiness_score"), num(result.readiness.score))
        areas = (
            *(cmmm.domains if cmmm else ()),
            *(green.areas if green else ()),
            *(integration.blocks if integration else ()),
        )
        domains = pd.DataFrame(
            [
                {"area": tx(_area_label(qset, a.id)), "score": a.score}
                for a in areas
                if a.score is not None
            ]
        )
        if not domains.empty:
            chart = (
                alt.Chart(domains)
                .mark_bar()
                .encode(
                    x=alt.X(
                        "score:Q",
                        title=t("staff.dash.mean_score"),
                        scale=alt.Scale(domain=[0, 100]),
                    ),
                    y=alt.Y("area:N", title="", sort=None),
                    tooltip=["area:N", alt.Tooltip("score:Q", format=".1f")],
                )
            )
            st.altair_chart(chart, width="stretch")
        matches = recommend_programs(result, record.answers, programs())
        st.markdown(f"**{t('staff.dash.programs')}**")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("staff.dash.program"): tx(m.name),
                        t("staff.dash.eligible"): "✓" if m.eligible else "✗",
                        t("staff.dash.fit"): m.fit,
                        t("staff.dash.why"): tx(m.explanation),
                    }
                    for m in matches
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        with st.expander(t("staff.dash.answers")):
            rows = [
                {
                    t("staff.dash.question"): tx(item.label),
                    t("staff.dash.answer"): tx(
                        display_value(item.id, record.answers.get(item.id), qset)
                    ),
                    "id": item.id,
                }
                for item in qset.items()
                if item.id in record.answers
            ]
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _area_label(qset: QuestionnaireSet, area_id: str) -> Text:
    for q in qset.questionnaires:
        for section in q.sections:
            if section.id == area_id:
                return section.label
            for sub in section.subdomains:
                if sub.id == area_id:
                    return sub.label
    return Text(area_id, area_id)

"""Provincial dashboard: filters, headline figures, the §1 targets (as proxies), level
distributions, the sub-domain heatmap, the yearly trend, and the assessments table with a
drill-down to one assessment's full result."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from assessment import dashboard
from assessment.auth import STAFF_ROLES
from assessment.dashboard import Filters
from assessment.programs import display_value
from assessment.scoring import score_assessment
from ui import auth, layout
from ui.i18n import tx
from ui.resources import questionnaires, repository
from ui.staff_common import (
    cached,
    city_label,
    filter_bar,
    industry_label,
    labelled,
    level_label,
    num,
    pct,
    programs,
    s,
    version,
)

TAB_KEY = "dash:tab"


def render() -> None:
    """Draw the dashboard (staff and admin only)."""
    auth.require_role(*STAFF_ROLES)
    layout.banner(s("dash.title"), s("dash.subtitle"))
    filters = filter_bar("dash")
    ver = version()
    over = cached("overview", filters, ver)
    if over.headline.assessments == 0:
        st.info(s("dash.empty"))
        return
    _headline(over.headline)
    _targets(over)
    # Lazy tabs: only the open tab's queries run (the heatmap aggregates one row per
    # sub-domain per assessment — seconds at 100,000 — so it runs only when asked for).
    views = {"levels": _levels, "heatmap": _heatmap, "trend": _trend, "table": _table}
    tabs = st.tabs([s(f"dash.tab.{name}") for name in views], key=TAB_KEY, on_change="rerun")
    for tab, draw in zip(tabs, views.values(), strict=True):
        with tab:
            if tab.open:
                draw(filters, ver)


def _headline(head: dashboard.Headline) -> None:
    cols = st.columns(5)
    cols[0].metric(s("dash.assessments"), f"{head.assessments:,}")
    cols[1].metric(s("dash.enterprises"), f"{head.enterprises:,}")
    cols[2].metric(s("dash.mean_level"), num(head.mean_level, 2))
    cols[3].metric(s("dash.share_level3"), pct(head.share_level3))
    cols[4].metric(s("dash.mean_readiness"), num(head.mean_readiness))


def _targets(over: dashboard.Overview) -> None:
    st.subheader(s("dash.targets"), anchor=False)
    growth, equip = over.investment, over.equipment
    left, right = st.columns(2)
    with left, st.container(border=True):
        st.metric(
            s("dash.target.invest"),
            pct(growth.value),
            delta=None
            if growth.value is None
            else f"{(growth.value - growth.target) * 100:+.1f} pp",
        )
        st.caption(s("dash.target.invest_proxy", n=growth.basis, target=pct(growth.target, 0)))
    with right, st.container(border=True):
        st.metric(
            s("dash.target.equipment"),
            pct(equip.value),
            delta=None if equip.value is None else f"{(equip.value - equip.target) * 100:+.1f} pp",
        )
        st.caption(s("dash.target.equipment_proxy", n=equip.basis, target=pct(equip.target, 0)))


def _level_chart(frame: pd.DataFrame, by: str) -> alt.Chart:
    data = frame.copy()
    data["label"] = data["group"].map(city_label if by == "city" else industry_label)
    data["level_label"] = data["level"].map(level_label)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("label:N", title=s(f"filter.{by}"), sort=None),
            y=alt.Y("n:Q", title=s("dash.share"), stack="normalize", axis=alt.Axis(format="%")),
            color=alt.Color(
                "level_label:O",
                title=s("filter.level"),
                sort=[level_label(n) for n in range(6)],
                scale=alt.Scale(scheme="blues"),
            ),
            order=alt.Order("level:Q"),
            tooltip=[
                alt.Tooltip("label:N", title=s(f"filter.{by}")),
                alt.Tooltip("level_label:N", title=s("filter.level")),
                alt.Tooltip("n:Q", title=s("dash.count")),
                alt.Tooltip("share:Q", title=s("dash.share"), format=".1%"),
            ],
        )
    )


def _levels(filters: Filters, ver) -> None:
    levels = cached("overview", filters, ver).levels  # the render's cached result
    for by in ("city", "industry"):
        st.markdown(f"**{s(f'dash.levels_by.{by}')}**")
        frame = dashboard.level_shares(levels, by)
        st.altair_chart(_level_chart(frame, by), width="stretch")


def _heatmap(filters: Filters, ver) -> None:
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
        st.info(s("dash.empty"))
        return
    data = frame.assign(
        sub=frame["key"].map(labels), industry_label=frame["industry"].map(industry_label)
    )
    order = [labels[k] for k in keys]
    chart = (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=alt.X("sub:N", title=s("dash.subdomain"), sort=order, axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("industry_label:N", title=s("filter.industry")),
            color=alt.Color("mean:Q", title=s("dash.mean_score"), scale=alt.Scale(domain=[0, 100])),
            tooltip=[
                alt.Tooltip("industry_label:N", title=s("filter.industry")),
                alt.Tooltip("sub:N", title=s("dash.subdomain")),
                alt.Tooltip("mean:Q", title=s("dash.mean_score"), format=".1f"),
                alt.Tooltip("n:Q", title=s("dash.count")),
            ],
        )
    )
    st.caption(s("dash.heatmap_help"))
    st.altair_chart(chart, width="stretch")


def _trend(filters: Filters, ver) -> None:
    frame = cached("trend", filters, ver)
    invest = cached("investment_by_year", filters, ver)
    st.caption(s("dash.trend_help"))
    if frame.empty:
        st.info(s("dash.empty"))
        return
    long = frame.melt(id_vars=["year"], value_vars=["mean_level", "share_level3"])
    long["measure"] = long["variable"].map(lambda v: s(f"dash.{v}"))
    chart = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title=s("filter.year")),
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
                x=alt.X("year:O", title=s("filter.year")),
                y=alt.Y("growth:Q", title=s("dash.target.invest"), axis=alt.Axis(format="%")),
                tooltip=["year:O", alt.Tooltip("growth:Q", format=".1%"), "n:Q"],
            )
        )
        rule = alt.Chart(data).mark_rule(color="#b3261e", strokeDash=[4, 4]).encode(y="target:Q")
        st.altair_chart(bars + rule, width="stretch")


def _table(filters: Filters, ver) -> None:
    search = st.text_input(s("dash.search"), key="dash:search", placeholder=s("dash.search_hint"))
    frame = cached("assessments_table", filters, ver, search)
    shown = labelled(frame).rename(columns=lambda c: s(f"col.{c}"))
    st.dataframe(shown, hide_index=True, width="stretch")
    st.caption(s("dash.table_count", n=len(frame), limit=dashboard.TABLE_LIMIT))
    if frame.empty:
        return
    options = frame["assessment_id"].tolist()
    names = dict(zip(frame["assessment_id"], frame["name"], strict=True))
    years = dict(zip(frame["assessment_id"], frame["year"], strict=True))
    chosen = st.selectbox(
        s("dash.drill"),
        [None, *options],
        format_func=lambda v: (
            s("dash.drill_none")
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
    result = score_assessment(record.answers, qset)
    with st.container(border=True):
        layout.name_line(record.name, record.credit_code, record.year)
        st.caption(f"{city_label(record.city)} · {industry_label(record.industry)}")
        cols = st.columns(5)
        cols[0].metric(s("col.cmmm_level"), level_label(result.cmmm.level))
        cols[1].metric(s("col.cmmm_score"), num(result.cmmm.score))
        cols[2].metric(s("col.green_score"), num(result.green.score))
        cols[3].metric(s("col.integration_index"), num(result.integration.index))
        cols[4].metric(s("col.readiness_score"), num(result.readiness.score))
        domains = pd.DataFrame(
            [
                {"area": tx(_area_label(qset, a.id)), "score": a.score}
                for a in (*result.cmmm.domains, *result.green.areas, *result.integration.blocks)
                if a.score is not None
            ]
        )
        if not domains.empty:
            chart = (
                alt.Chart(domains)
                .mark_bar()
                .encode(
                    x=alt.X(
                        "score:Q", title=s("dash.mean_score"), scale=alt.Scale(domain=[0, 100])
                    ),
                    y=alt.Y("area:N", title="", sort=None),
                    tooltip=["area:N", alt.Tooltip("score:Q", format=".1f")],
                )
            )
            st.altair_chart(chart, width="stretch")
        from assessment.programs import recommend_programs

        matches = recommend_programs(result, record.answers, programs())
        st.markdown(f"**{s('dash.programs')}**")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        s("dash.program"): tx(m.name),
                        s("dash.eligible"): "✓" if m.eligible else "✗",
                        s("dash.fit"): m.fit,
                        s("dash.why"): tx(m.explanation),
                    }
                    for m in matches
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        with st.expander(s("dash.answers")):
            rows = [
                {
                    s("dash.question"): tx(item.label),
                    s("dash.answer"): tx(display_value(item.id, record.answers.get(item.id), qset)),
                    "id": item.id,
                }
                for item in qset.items()
                if item.id in record.answers
            ]
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _area_label(qset, area_id: str):
    for q in qset.questionnaires:
        for section in q.sections:
            if section.id == area_id:
                return section.label
            for sub in section.subdomains:
                if sub.id == area_id:
                    return sub.label
    from assessment.questionnaire import Text

    return Text(area_id, area_id)

"""Reusable Streamlit renderers for a peer benchmark, and the cached peer service.

`render_enterprise_benchmark(benchmark, lang)` is the enterprise-facing view (results
page): the cluster's name, percentile ranks per group, the gap to the cluster's top
quartile — statistics only, never another enterprise. The advisor page (ui/advisor.py)
adds comparison charts, the peer map and nearest peers on top of the same pieces.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from assessment import formatting, reference
from assessment.charts import vega_spec
from assessment.errors import AssessmentError, fail
from assessment.peer_service import (
    Area,
    MapPoints,
    Peer,
    PeerService,
    areas,
    headline_metrics,
)
from assessment.peers import Benchmark, GroupBenchmark
from assessment.questionnaire import QuestionnaireSet, Text
from assessment.storage import AssessmentRecord
from assessment.storage.db import database_url
from assessment.texts import text
from ui.resources import questionnaires, repository

log = logging.getLogger(__name__)

GROUP_ORDER = ("all", "cluster", "industry", "size_class", "city")
HEADLINE_KEYS = ("im", "green", "integration", "readiness")


def code_label(group: str, code: str | None, lang: str) -> str:
    """Display name of an industry, size class or city code."""
    if not code:
        return "—"
    found: Text | None = None
    if group == "industry":
        ind = reference.industry(code)
        found = ind.label if ind else None
    elif group == "size_class":
        found = reference.SIZE_CLASSES.get(code)
    elif group == "city":
        c = reference.city(code)
        found = c.label if c else None
    return found.get(lang) if found else code


def group_label(g: GroupBenchmark, lang: str, cluster_name: str | None = None) -> str:
    """'Same industry (Coking)', 'Peer cluster', …"""
    if g.group == "cluster":
        base = text("peers.group.cluster", lang)
        return f"{base} ({cluster_name})" if cluster_name else base
    return text(f"peers.group.{g.group}", lang, key=code_label(g.group, g.key, lang))


def metric_label(metric: str, qset: QuestionnaireSet, lang: str) -> str:
    """Label of a headline metric or an area id."""
    for key, m in zip(HEADLINE_KEYS, headline_metrics(qset), strict=False):
        if m == metric:
            return text(f"peers.headline.{key}", lang)
    for a in areas(qset):
        if a.id == metric:
            return a.label.get(lang)
    return metric


def area_scope(qset: QuestionnaireSet, scope: str) -> list[str]:
    """Metric ids of a scope: headline, domains, or sub-domains."""
    if scope == "headline":
        return list(headline_metrics(qset))
    parents = scope == "domains"
    return [a.id for a in areas(qset) if (a.parent is None) == parents]


# --- the cached service ----------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=4)
def _service(url: str, model_version: str) -> PeerService:
    # Keyed by the model only: a new submission does not throw the index away; `refresh()`
    # brings submissions in as PeerService's RefreshPolicy allows (docs/peers.md).
    svc = PeerService(repository(), questionnaires())
    svc.snapshot()
    return svc


def service() -> PeerService:
    """The peer service of the active model, refreshed as its policy allows (built once)."""
    repo = repository()
    active = repo.active_peer_model()
    if active is None:
        raise fail("M602")
    svc = _service(database_url(), active.version)
    svc.refresh()
    return svc


@st.cache_data(show_spinner=False, max_entries=4)
def _submitted(url: str, population: tuple[int, str | None]) -> pd.DataFrame:
    return PeerService(repository(), questionnaires()).submitted()


def submitted() -> pd.DataFrame:
    """Every submitted assessment with identity and key scores (cached per population)."""
    pv = PeerService(repository(), questionnaires()).population_version()
    return _submitted(database_url(), (pv.count, pv.last_submitted))


def benchmark_or_none(
    assessment_id: int, record: AssessmentRecord | None = None
) -> Benchmark | None:
    """The benchmark of a submitted assessment (its `record`, when already read), or None
    while peers are unavailable."""
    try:
        svc = service()
        return svc.benchmark_for(assessment_id) if record is None else svc.benchmark_of(record)
    except AssessmentError:
        return None


# --- enterprise-facing view ------------------------------------------------------------------


def percentile_frame(
    benchmark: Benchmark, metrics: Sequence[str], qset: QuestionnaireSet, lang: str
) -> pd.DataFrame:
    """Long frame (area, group, percentile) of the unsuppressed groups."""
    cname = benchmark.profile.name.get(lang) if benchmark.profile else None
    rows = []
    for g in benchmark.groups:
        if g.suppressed:
            continue
        for m in metrics:
            if m in g.percentiles:
                rows.append(
                    {
                        "area": metric_label(m, qset, lang),
                        "group": group_label(g, lang, cname),
                        "percentile": g.percentiles[m],
                        "median": g.medians.get(m),
                        "top_quartile": g.top_quartile.get(m),
                    }
                )
    return pd.DataFrame(rows, columns=["area", "group", "percentile", "median", "top_quartile"])


def suppressed_notes(benchmark: Benchmark, lang: str) -> list[str]:
    """One line per peer group hidden because it has fewer than K_MIN enterprises."""
    return [
        text("peers.suppressed_note", lang, group=group_label(g, lang))
        for g in benchmark.groups
        if g.suppressed
    ]


def percentile_chart(frame: pd.DataFrame, lang: str) -> alt.Chart:
    """Dots per area (0–100) coloured by peer group."""
    order = list(dict.fromkeys(frame["area"]))
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_point(filled=True, size=90)
        .encode(
            x=alt.X(
                "percentile:Q", title=text("peers.value", lang), scale=alt.Scale(domain=[0, 100])
            ),
            y=alt.Y("area:N", title=None, sort=order),
            color=alt.Color("group:N", title=text("peers.group_label", lang)),
            shape=alt.Shape("group:N", legend=None),
            tooltip=[
                alt.Tooltip("area:N", title=text("peers.area", lang)),
                alt.Tooltip("group:N", title=text("peers.group_label", lang)),
                alt.Tooltip("percentile:Q", title=text("peers.value", lang), format=".0f"),
            ],
        )
        .properties(height=max(120, 26 * len(order)))
    )
    return chart


def gap_frame(
    benchmark: Benchmark, metrics: Sequence[str], qset: QuestionnaireSet, lang: str
) -> pd.DataFrame:
    """Positive gaps to the cluster's top quartile, largest first."""
    rows = [
        {"area": metric_label(m, qset, lang), "gap": benchmark.gap_to_cluster_top_quartile[m]}
        for m in metrics
        if benchmark.gap_to_cluster_top_quartile.get(m, 0) > 0
    ]
    frame = pd.DataFrame(rows, columns=["area", "gap"])
    return frame.sort_values("gap", ascending=False).reset_index(drop=True)


def gap_chart(frame: pd.DataFrame, lang: str) -> alt.Chart:
    """Horizontal bars of the gap in points."""
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_bar(color="#b3261e")
        .encode(
            x=alt.X("gap:Q", title=text("peers.gap_points", lang)),
            y=alt.Y("area:N", title=None, sort="-x"),
            tooltip=[
                alt.Tooltip("area:N", title=text("peers.area", lang)),
                alt.Tooltip("gap:Q", title=text("peers.gap_points", lang), format=".1f"),
            ],
        )
        .properties(height=max(80, 24 * len(frame)))
    )
    return chart


@st.cache_data(show_spinner=False, max_entries=512)
def _chart_spec(kind: str, frame: pd.DataFrame, lang: str) -> dict[str, Any]:
    build: dict[str, Callable[[pd.DataFrame, str], alt.TopLevelMixin]] = {
        "percentile": percentile_chart,
        "gap": gap_chart,
        "comparison": comparison_chart,
    }
    return vega_spec(build[kind](frame, lang))


def draw_chart(kind: str, frame: pd.DataFrame, lang: str) -> None:
    """Draw a percentile, gap or comparison chart from a spec cached by its data and language.

    Building and validating the Altair chart on every rerun was most of a results-page
    rerun; the spec is the same for the same frame (BENCHMARKS.md).
    """
    st.vega_lite_chart(spec=_chart_spec(kind, frame, lang), width="stretch")


def render_cluster(benchmark: Benchmark, lang: str) -> None:
    """The cluster's name and description (hidden for clusters under K_MIN)."""
    if benchmark.profile is None:
        st.caption(text("peers.cluster_hidden", lang))
        return
    st.markdown(f"**{text('peers.cluster_name', lang, name=benchmark.profile.name.get(lang))}**")
    st.markdown(benchmark.profile.description.get(lang))


def render_enterprise_benchmark(
    benchmark: Benchmark | None, lang: str, *, key: str = "peers.scope"
) -> None:
    """The enterprise's own benchmark: cluster, percentiles per group, gap to cluster Q3."""
    st.subheader(text("peers.title", lang), anchor=False)
    if benchmark is None:
        st.info(text("peers.unavailable", lang), icon="ℹ️")
        return
    qset = questionnaires()
    render_cluster(benchmark, lang)
    st.markdown(f"**{text('peers.percentiles', lang)}**", help=text("peers.percentile_help", lang))
    scopes = {
        "headline": text("peers.scope_headline", lang),
        "domains": text("peers.scope_domains", lang),
        "sub": text("peers.scope_sub", lang),
    }
    scope = st.segmented_control(
        text("peers.scope", lang),
        options=list(scopes),
        format_func=scopes.__getitem__,
        default="headline",
        key=key,
    )
    metrics = area_scope(qset, scope or "headline")
    frame = percentile_frame(benchmark, metrics, qset, lang)
    if not frame.empty:
        draw_chart("percentile", frame, lang)
    for line in suppressed_notes(benchmark, lang):
        st.caption(line)
    st.markdown(f"**{text('peers.gap', lang)}**")
    gaps = gap_frame(benchmark, metrics, qset, lang)
    if gaps.empty:
        st.success(text("peers.gap_none", lang), icon="✅")
    else:
        draw_chart("gap", gaps, lang)
        st.caption(text("peers.gap_caption", lang))
    st.caption(text("peers.privacy", lang))


# --- advisor views ---------------------------------------------------------------------------


def comparison_frame(
    scores: Mapping[str, float | None],
    centroid: Mapping[str, float] | None,
    benchmark: Benchmark,
    groups: Sequence[str],
    metrics: Sequence[str],
    qset: QuestionnaireSet,
    lang: str,
) -> pd.DataFrame:
    """Long frame (area, series, value): the enterprise, cluster mean, group median and Q3."""
    rows = []

    def add(series: str, values: Mapping[str, Any] | None) -> None:
        for m in metrics:
            v = None if values is None else values.get(m)
            if v is not None and v == v:
                rows.append({"area": metric_label(m, qset, lang), "series": series, "value": v})

    add(text("advisor.series_self", lang), scores)
    add(text("advisor.series_centroid", lang), centroid)
    for g in benchmark.groups:
        if g.group in groups and not g.suppressed:
            name = group_label(g, lang)
            add(text("advisor.series_median", lang, group=name), g.medians)
            add(text("advisor.series_q3", lang, group=name), g.top_quartile)
    return pd.DataFrame(rows, columns=["area", "series", "value"])


def comparison_chart(frame: pd.DataFrame, lang: str) -> alt.LayerChart:
    """Dot chart per area: the enterprise as a large black diamond, the rest coloured."""
    order = list(dict.fromkeys(frame["area"]))
    self_name = text("advisor.series_self", lang)
    base = alt.Chart(frame).encode(
        x=alt.X("value:Q", title=text("peers.col.score", lang), scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("area:N", title=None, sort=order),
        tooltip=[
            alt.Tooltip("area:N", title=text("peers.area", lang)),
            alt.Tooltip("series:N", title=text("peers.col.series", lang)),
            alt.Tooltip("value:Q", title=text("peers.col.score", lang), format=".1f"),
        ],
    )
    others = base.transform_filter(alt.datum.series != self_name).mark_point(filled=True, size=70)
    others = others.encode(color=alt.Color("series:N", title=text("peers.col.series", lang)))
    me = base.transform_filter(alt.datum.series == self_name).mark_point(
        shape="diamond", filled=True, size=160, color="black"
    )
    layered: alt.LayerChart = (others + me).properties(height=max(140, 28 * len(order)))
    return layered


def map_chart(
    points: MapPoints,
    position: tuple[float, float],
    lang: str,
    cluster_names: Mapping[int, str] | None = None,
) -> alt.LayerChart:
    """PCA scatter coloured by cluster with this enterprise highlighted."""
    names = cluster_names or {}
    tips = [
        alt.Tooltip("cluster:N", title=text("peers.col.cluster", lang)),
        alt.Tooltip("industry:N", title=text("peers.col.industry", lang)),
        alt.Tooltip("size_class:N", title=text("peers.col.size", lang)),
    ]
    frame = points.frame.copy()
    frame["cluster"] = [f"{c} · {names[c]}" if c in names else str(c) for c in frame["cluster"]]
    frame["industry"] = [code_label("industry", c, lang) for c in frame["industry"]]
    frame["size_class"] = [code_label("size_class", c, lang) for c in frame["size_class"]]
    if "name" in frame.columns:  # staff only: the service adds names when asked
        tips.insert(0, alt.Tooltip("name:N", title=text("peers.col.name", lang)))
    dots = (
        alt.Chart(frame)
        .mark_circle(size=28, opacity=0.6)
        .encode(
            x=alt.X("x:Q", title="PC1"),
            y=alt.Y("y:Q", title="PC2"),
            color=alt.Color(
                "cluster:N",
                title=text("peers.col.cluster", lang),
                legend=alt.Legend(labelLimit=320),
            ),
            tooltip=tips,
        )
    )
    me = (
        alt.Chart(pd.DataFrame([{"x": position[0], "y": position[1]}]))
        .mark_point(shape="diamond", size=260, filled=True, color="black")
        .encode(x="x:Q", y="y:Q")
    )
    layered: alt.LayerChart = (dots + me).properties(height=420)
    return layered


def peers_frame(peers: Sequence[Peer], lang: str, cluster_names: Mapping[int, str]) -> pd.DataFrame:
    """Nearest peers as a display table; name columns only when the service returned names."""
    named = any(p.name is not None for p in peers)
    rows = []
    for p in peers:
        row: dict[str, Any] = {}
        if named:
            row[text("peers.col.name", lang)] = p.name
            row[text("peers.col.code", lang)] = p.credit_code
        row |= {
            text("peers.col.industry", lang): code_label("industry", p.industry, lang),
            text("peers.col.size", lang): code_label("size_class", p.size_class, lang),
            text("peers.col.city", lang): code_label("city", p.city, lang),
            text("peers.col.cluster", lang): cluster_names.get(p.cluster, str(p.cluster)),
            text("peers.col.level", lang): p.cmmm_level,
            text("peers.col.green", lang): formatting.whole(p.green_score),
            text("peers.col.stage", lang): p.integration_stage,
            text("peers.col.readiness", lang): formatting.whole(p.readiness),
            text("peers.col.distance", lang): p.distance,
        }
        rows.append(row)
    return pd.DataFrame(rows)


def area_choices(qset: QuestionnaireSet) -> list[Area]:
    """Domains that have sub-domains (for the comparison's drill-down)."""
    all_areas = areas(qset)
    parents = {a.parent for a in all_areas if a.parent}
    return [a for a in all_areas if a.id in parents]


# --- warm-up ---------------------------------------------------------------------------
# Here, beside the service it builds: this module's imports (pandas, scikit-learn, altair)
# are complete before the thread starts, so a page never meets a half-imported module.


def _build_peer_index() -> None:
    # The cached peer service builds the index on its first call; Streamlit holds a lock
    # per cache entry while it does, so a page asking for it in the meantime waits for this
    # build instead of starting another.
    try:
        service()
    except AssessmentError as err:  # no active model, too few submissions, a refused model
        log.info("peer index not built at start-up: %s", err)
    except Exception:  # a thread has no page to show it on; the pages retry and show it
        log.exception("peer index warm-up failed")


@st.cache_resource(show_spinner=False)
def _peer_warm_up(url: str) -> threading.Thread:
    thread = threading.Thread(target=_build_peer_index, name="peer-index-warm-up", daemon=True)
    thread.start()
    return thread


def warm_peer_index() -> threading.Thread:
    """Start building the peer index in a background thread, once per process and database,
    so that the first results page finds it built (docs/peers.md, "Service and caching")."""
    return _peer_warm_up(database_url())

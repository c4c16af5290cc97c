"""Results: levels and scores, charts, strengths, peers, programs, roadmap, history, downloads.

Peer comparison, program matching and the roadmap each sit behind one small function
(`ui.peer_views.benchmark_or_none`, `program_matches`, `roadmap`) that returns None when
the library says it cannot (no peer model yet, a programs file that does not load: a coded
AssessmentError); the page then says so plainly instead of failing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import streamlit as st

from assessment import formatting
from assessment.answers import answers_document
from assessment.charts import AreaPoint, bar_chart, history_chart, radar_chart, vega_spec
from assessment.errors import AssessmentError
from assessment.programs import ProgramMatch, ProgramSet, load_programs, recommend_programs
from assessment.questionnaire import QuestionnaireSet
from assessment.report import Area, Summary, build_pdf, find_cjk_font, summarise
from assessment.roadmap import RoadmapEntry, improvement_roadmap
from assessment.scored import ScoredAssessment
from assessment.storage import AssessmentRecord
from assessment.storage.db import database_url
from ui import actions, layout
from ui.downloads import audited_download
from ui.goto import go
from ui.i18n import error_text, lang, t, tx
from ui.peer_views import benchmark_or_none, render_enterprise_benchmark
from ui.resources import questionnaires, repository

HISTORY_MEASURES = ("im.score", "green.score", "integration.index", "readiness.score")


def render() -> None:
    """Draw the results page."""
    qset = questionnaires()
    record = actions.record()  # None while no assessment is open
    if record is None:
        layout.banner(t("ui.results.title"))
        st.info(t("ui.common.no_assessment"), icon=":material/info:")
        if st.button(t("ui.common.to_landing"), type="primary"):
            go("landing")
        return
    if not record.submitted:
        layout.banner(t("ui.results.title"))
        st.info(t("ui.results.not_submitted"), icon=":material/info:")
        if st.button(t("ui.results.to_review"), type="primary"):
            go("review")
        return
    result = repository().scored(record)  # the scores stored at submission, not scored again
    summary = summarise(result, qset)
    history = actions.history()  # read once per run: three parts of the page use it
    subtitle = t("ui.results.subtitle", name=layout.plain_name(record.name), year=record.year)
    layout.banner(t("ui.results.title"), subtitle)
    _headline(summary)
    _charts(summary, record, _previous(record, history))
    _strengths(summary)
    _peers(record)
    matches = _programs(result, record.answers, qset)
    _roadmap(result, record.answers, qset, matches)
    _history(record, history)
    _downloads(record, result, summary, qset, history, matches)
    _next_year(record)


def _fmt(value: float | None, digits: int = 0) -> str:
    # The one rounding rule, shared with the PDF report (assessment.formatting.score).
    return formatting.score(value, lang(), digits)


# The green gate's verdict (Summary.green_gate): a "don't know" is never "met".
GATE_VERDICT = {
    "met": "ui.results.veto_passed",
    "failed": "ui.results.veto_failed",
    "unverified": "ui.results.veto_unverified",
}


def _headline(s: Summary) -> None:
    c1, c2, c3, c4 = st.columns(4)
    with c1.container(border=True):
        st.metric(t("ui.results.cmmm"), t("level.n", n=s.level or 0))
        st.markdown(f"**{tx(s.level_name)}**")
    with c2.container(border=True):
        st.metric(t("ui.results.green"), _fmt(s.green_score))
        verdict = t(GATE_VERDICT[s.green_gate])
        st.markdown(f"**{verdict}**")
    with c3.container(border=True):
        st.metric(t("ui.results.integration"), t("ui.results.stage_value", stage=s.stage or "—"))
        st.markdown(f"**{tx(s.stage_name) or '—'}**")
    with c4.container(border=True):
        st.metric(t("ui.results.readiness"), _fmt(s.readiness))
        st.markdown(t("ui.results.confidence", pct=formatting.percent(s.confidence, lang())))

    st.markdown(
        t("ui.results.level_meaning", level=s.level or 0, name=tx(s.level_name))
        + " "
        + tx(s.level_meaning)
    )
    st.caption(t("ui.results.cmmm_detail", score=_fmt(s.cmmm_score), total=_fmt(s.cmmm_total, 2)))
    if s.failed_vetoes:
        st.error(
            t("ui.results.veto_detail", items="；".join(tx(x) for x in s.failed_vetoes)),
            icon=":material/block:",
        )
    elif s.unconfirmed_vetoes:
        st.warning(
            t("ui.results.veto_unconfirmed", items="；".join(tx(x) for x in s.unconfirmed_vetoes))
        )
    if s.dont_know and s.cmmm_total_if_confirmed is not None:
        st.caption(
            t(
                "ui.results.if_confirmed",
                dk=s.dont_know,
                total=_fmt(s.cmmm_total_if_confirmed, 2),
                green=_fmt(s.green_if_confirmed),
                index=_fmt(s.integration_if_confirmed),
            )
        )
    if s.green_band is not None:
        st.caption(t("ui.results.green_band", band=tx(s.green_band)))
    if s.stage_meaning is not None:
        st.caption(t("ui.results.stage_meaning", name=tx(s.stage_name)) + " " + tx(s.stage_meaning))


def _points(areas: Sequence[Area], group: str = "") -> list[AreaPoint]:
    return [AreaPoint(a.id, tx(a.label), a.score, group) for a in areas]


def _previous(record: AssessmentRecord, history: list[AssessmentRecord]) -> AssessmentRecord | None:
    """The enterprise's submitted assessment before this one (T0 for this T1), if any."""
    earlier = [r for r in history if r.submitted and r.year < record.year]
    return earlier[-1] if earlier else None


# Chart specs are cached per submitted assessment and language: building and validating the
# Altair charts was most of a results-page rerun (BENCHMARKS.md, results page reruns), and
# a submitted assessment's scores never change. The key is cheap on purpose; the summary
# and the previous year's record (underscored, so not hashed) follow from it.
@st.cache_data(show_spinner=False, max_entries=512)
def _chart_specs(
    url: str, assessment_id: int, submitted_at: str, previous_id: int | None, language: str,
    _s: Summary, _previous: AssessmentRecord | None,
) -> dict[str, dict[str, Any] | None]:  # fmt: skip
    axes = _points(_s.all_domains())
    compare = None
    if _previous is not None and _previous.scores:
        compare = [AreaPoint(p.id, p.label, _previous.scores.get(p.id), p.group) for p in axes]
    radar = None
    if len(axes) >= 3:
        series = (str(t("ui.results.this_year")), str(_previous.year) if _previous else "")
        radar = vega_spec(radar_chart(axes, compare=compare, series=series, size=620))

    def bars(areas: Sequence[Area]) -> dict[str, Any] | None:
        return vega_spec(bar_chart(_points(areas))) if areas else None

    return {
        "radar": radar,
        "domains": bars(_s.domains),
        "green": bars(_s.green_areas),
        "integration": bars(_s.integration_blocks),
        "subdomains": bars(_s.cmmm_subdomains),
    }


@st.cache_data(show_spinner=False, max_entries=256)
def _history_spec(rows: tuple[tuple[int, str, float], ...]) -> dict[str, Any]:
    return vega_spec(history_chart([{"year": y, "measure": m, "value": v} for y, m, v in rows]))


def _charts(s: Summary, record: AssessmentRecord, previous: AssessmentRecord | None = None) -> None:
    specs = _chart_specs(
        database_url(),
        record.id,
        str(record.submitted_at),
        previous.id if previous is not None else None,
        lang(),
        s,
        previous,
    )
    st.subheader(t("ui.results.charts"), anchor=False)
    st.markdown(f"**{t('ui.results.radar')}**")
    if specs["radar"] is not None:
        # width="content": the fixed size keeps the circle round
        st.vega_lite_chart(spec=specs["radar"], width="content")
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown(f"**{t('ui.results.domains')}**")
        st.vega_lite_chart(spec=specs["domains"] or vega_spec(bar_chart([])), width="stretch")
    with right:
        if specs["green"] is not None:
            st.markdown(f"**{t('ui.results.green_areas')}**")
            st.vega_lite_chart(spec=specs["green"], width="stretch")
        if specs["integration"] is not None:
            st.markdown(f"**{t('ui.results.integration_blocks')}**")
            st.vega_lite_chart(spec=specs["integration"], width="stretch")
    with st.expander(t("ui.results.subdomains"), expanded=False):
        if specs["subdomains"] is not None:
            st.vega_lite_chart(spec=specs["subdomains"], width="stretch")


def _strengths(s: Summary) -> None:
    left, right = st.columns(2)
    with left:
        st.subheader(t("ui.results.strongest"), anchor=False)
        for a in s.strongest:
            st.markdown("- " + t("ui.results.area_score", label=tx(a.label), score=_fmt(a.score)))
    with right:
        st.subheader(t("ui.results.weakest"), anchor=False)
        for a in s.weakest:
            st.markdown("- " + t("ui.results.area_score", label=tx(a.label), score=_fmt(a.score)))


# --- optional parts: one function each, None when not available ------------------------


def _peers(record: AssessmentRecord) -> None:
    # Cached per model and population version (ui.peer_views.service); None → "not yet".
    bench = benchmark_or_none(record.id, record) if record.status == "submitted" else None
    render_enterprise_benchmark(bench, lang())


def program_matches(
    result: ScoredAssessment, answers: Mapping[str, Any], qset: QuestionnaireSet
) -> tuple[ProgramMatch, ...] | None:
    """The eight programs ranked for this assessment, or None when matching is unavailable."""
    try:
        return recommend_programs(result, answers, _programs_set(qset))
    except AssessmentError:  # a coded library error (programs.yaml): the page says so
        return None


@st.cache_resource(show_spinner=False)
def _programs_set(_qset: QuestionnaireSet) -> ProgramSet:
    return load_programs(qset=_qset)


def _programs(
    result: ScoredAssessment, answers: Mapping[str, Any], qset: QuestionnaireSet
) -> tuple[ProgramMatch, ...] | None:
    st.subheader(t("ui.results.programs"), anchor=False)
    matches = program_matches(result, answers, qset)
    if matches is None:
        st.info(t("ui.results.programs_unavailable"), icon=":material/info:")
        return None
    first = True
    for m in matches:
        if m.recommended:
            icon = ":material/check_circle:"
        elif m.eligible:
            icon = ":material/radio_button_unchecked:"
        else:
            icon = ":material/block:"
        title = f"{tx(m.name)} · {m.section} · {t('ui.results.fit', fit=_fmt(m.fit))}"
        with st.expander(title, icon=icon, expanded=first and m.recommended):
            lines = [tx(m.explanation), ""]
            lines += [f"- {tx(r.text)}" for r in m.reasons]
            lines += [f"- {tx(r.text)}" for r in m.failed_gates]
            st.markdown("\n".join(lines))
            if m.next_steps:
                st.markdown(
                    f"**{t('ui.results.next_steps')}**\n\n"
                    + "\n".join(f"- {tx(step)}" for step in m.next_steps)
                )
        first = False
    return matches


def roadmap(
    result: ScoredAssessment,
    answers: Mapping[str, Any],
    qset: QuestionnaireSet,
    matches: Sequence[ProgramMatch] | None,
) -> tuple[RoadmapEntry, ...] | None:
    """Improvement priorities, or None when the programs file cannot be read."""
    try:
        programs = _programs_set(qset) if matches is not None else None
        return improvement_roadmap(result, answers, qset, programs, matches=matches)
    except AssessmentError:  # a coded library error (programs.yaml): the page says so
        return None


def _roadmap(
    result: ScoredAssessment,
    answers: Mapping[str, Any],
    qset: QuestionnaireSet,
    matches: Sequence[ProgramMatch] | None,
) -> None:
    st.subheader(t("ui.results.roadmap"), anchor=False)
    entries = roadmap(result, answers, qset, matches)
    if entries is None:
        st.info(t("ui.results.roadmap_unavailable"), icon=":material/info:")
        return
    if not entries:
        st.success(t("ui.results.roadmap_empty"))
        return
    lines = []
    for i, e in enumerate(entries[:6], start=1):
        lines.append(
            f"{i}. **{tx(e.label)}** — {t('ui.results.roadmap_score', score=_fmt(e.score))}"
        )
        lines += [f"    - {tx(action.label)}" for action in e.actions[:3]]
    st.markdown("\n".join(lines))


def _history(record: AssessmentRecord, history: list[AssessmentRecord]) -> None:
    st.subheader(t("ui.results.history"), anchor=False)
    records = [r for r in history if r.submitted]
    if len(records) < 2:
        st.caption(t("ui.results.history_single"))
    rows = []
    for r in records:
        for m in HISTORY_MEASURES:
            value = (r.scores or {}).get(m)
            if value is not None:
                rows.append((r.year, str(t(f"ui.measure.{m}")), float(value)))
    if len(records) >= 2:
        st.vega_lite_chart(spec=_history_spec(tuple(rows)), width="stretch")
        prev, last = records[-2], records[-1]
        cols = st.columns(len(HISTORY_MEASURES))
        for col, m in zip(cols, HISTORY_MEASURES, strict=True):
            now = (last.scores or {}).get(m)
            before = (prev.scores or {}).get(m)
            delta = (
                None if now is None or before is None else formatting.round_half_up(now - before, 1)
            )
            col.metric(t(f"ui.measure.{m}"), _fmt(now), delta=delta)
        st.caption(t("ui.results.history_since", before=prev.year, now=last.year))
    table = [
        {
            t("ui.history.year"): r.year,
            t("ui.history.level"): _fmt((r.scores or {}).get("im.level")),
            **{t(f"ui.measure.{m}"): _fmt((r.scores or {}).get(m)) for m in HISTORY_MEASURES},
        }
        for r in records
    ]
    if table:
        st.dataframe(table, hide_index=True, width="stretch")


def _downloads(
    record: AssessmentRecord,
    result: ScoredAssessment,
    summary: Summary,
    qset: QuestionnaireSet,
    history: list[AssessmentRecord],
    matches: Sequence[ProgramMatch] | None,
) -> None:
    st.subheader(t("ui.results.downloads"), anchor=False)
    left, right = st.columns(2)
    with left:
        try:
            font = find_cjk_font()
        except AssessmentError as err:
            st.error(error_text(err), icon=":material/warning:")
        else:
            # Built only when the button is pressed (deferred download data): the PDF and
            # its charts take seconds and most visits never download it.
            build = partial(
                build_pdf,
                summary,
                lang=lang(),
                year=record.year,
                history=tuple(history),
                matches=matches,
                font=font,
            )
            audited_download(
                st,
                t("ui.results.download_pdf"),
                build,
                file_name=f"assessment-{record.year}-{record.credit_code}-{lang()}.pdf",
                mime="application/pdf",
                key="download_pdf",
                actor="enterprise",
                what="report",
                detail={"assessment": record.id},
                type="primary",
            )
    with right:
        doc = answers_document(
            record.answers,
            qset,
            meta={"name": record.name, "credit_code": record.credit_code, "year": record.year},
        )
        # Built on click and audited (ui/downloads.py): no copy waits on /media.
        audited_download(
            st,
            t("ui.results.download_json"),
            partial(json.dumps, doc, ensure_ascii=False, indent=2),
            file_name=f"answers-{record.year}-{record.credit_code}.json",
            mime="application/json",
            key="download_json",
            actor="enterprise",
            what="answers",
            detail={"assessment": record.id},
        )


def _next_year(record: AssessmentRecord) -> None:
    st.divider()
    st.subheader(t("ui.results.next_year"), anchor=False)
    st.markdown(t("ui.results.next_year_body"))
    if st.button(t("ui.results.next_year_button", year=record.year + 1), key="next_year"):
        try:
            actions.start_next_year()
        except AssessmentError as err:
            st.error(error_text(err), icon=":material/warning:")
            return
        go("wizard")

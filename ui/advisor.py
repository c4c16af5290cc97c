"""Advisor page: one submitted assessment against its peers, a what-if simulator and notes.

For advisors (the §4(5) expert committee serving enterprises), staff and admins; the role
is checked against the database on every run. Advisors see the chosen enterprise's
identity, but peer enterprises stay anonymous to them (nearest peers, map tooltips);
names of peers are shown to staff and admins only.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from assessment.auth import STAFF_ROLES
from assessment.errors import AssessmentError
from assessment.peer_service import NEAREST, PeerService, areas
from assessment.questionnaire import DONT_KNOW, Item
from ui import layout
from ui.auth import require_role
from ui.i18n import error_text, lang, tx
from ui.peer_views import (
    GROUP_ORDER,
    area_choices,
    area_scope,
    comparison_frame,
    draw_chart,
    group_label,
    map_chart,
    peers_frame,
    render_cluster,
    render_enterprise_benchmark,
    service,
    submitted,
    ta,
)
from ui.resources import questionnaires, repository

ROLES = ("advisor", "staff", "admin")
PICK_KEY = "advisor.assessment"
SEARCH_KEY = "advisor.search"
ITEMS_KEY = "advisor.wi_items"
SCOPE_KEY = "advisor.wi_scope"
PRESET_KEY = "advisor.wi_preset"
MAX_OPTIONS = 200
RATING_ORDER = ("full", "most", "partial", "none")


def render() -> None:
    """Draw the advisor page."""
    user = require_role(*ROLES)
    staff = user.role in STAFF_ROLES
    layout.banner(ta("advisor.title"), ta("advisor.subtitle"))
    qset = questionnaires()
    plain = PeerService(repository(), qset)
    assessment_id = _pick()
    if assessment_id is None:
        return
    record = plain.repo.get(assessment_id)
    try:
        svc = service()
        bench = svc.benchmark_for(assessment_id)
    except AssessmentError as err:
        st.warning(ta("advisor.peer_unavailable"), icon="⚠️")
        st.error(error_text(err), icon="⚠️")
        svc, bench = plain, None
    _overview(record, bench)
    if bench is not None:
        _compare(svc, record, bench)
        _map(svc, bench, staff)
        _nearest(svc, record, bench, staff)
        with st.expander(ta("peers.title")):
            render_enterprise_benchmark(bench, lang(), key="advisor.peer_scope")
    _what_if(svc, record, bench)
    _notes(record, user)


# --- picking ---------------------------------------------------------------------------------


def _pick() -> int | None:
    st.subheader(ta("advisor.pick"), anchor=False)
    frame = submitted()
    if frame.empty:
        st.info(ta("advisor.no_submitted"), icon="ℹ️")
        return None
    query = st.text_input(ta("advisor.search"), key=SEARCH_KEY, help=ta("advisor.search_help"))
    query = (query or "").strip()
    if query:
        hit = frame["name"].str.contains(query, case=False, regex=False) | frame[
            "credit_code"
        ].str.startswith(query.upper())
        frame = frame[hit]
    if frame.empty:
        st.info(ta("advisor.no_match"), icon="ℹ️")
        return None
    if len(frame) > MAX_OPTIONS:
        st.caption(ta("advisor.matches", n=len(frame), shown=MAX_OPTIONS))
        frame = frame.head(MAX_OPTIONS)
    labels = {
        int(r.assessment_id): ta("advisor.option", name=r.name, code=r.credit_code, year=r.year)
        for r in frame.itertuples()
    }
    options = list(labels)
    if st.session_state.get(PICK_KEY) not in labels:
        _reset_what_if()
        st.session_state[PICK_KEY] = options[0]
    return st.selectbox(
        ta("advisor.pick"),
        options=options,
        format_func=labels.__getitem__,
        key=PICK_KEY,
        label_visibility="collapsed",
        on_change=_reset_what_if,
    )


# --- overview and comparison ---------------------------------------------------------------


def _fmt(value: Any) -> str:
    return "—" if value is None or value != value else f"{value:.0f}"


def _overview(record: Any, bench: Any) -> None:
    scores = record.scores or {}
    st.subheader(ta("advisor.overview"), anchor=False)
    c1, c2, c3, c4 = st.columns(4)
    level = scores.get("im.level")
    c1.metric(ta("advisor.level"), ta("advisor.level_value", level=_fmt(level)))
    c2.metric(ta("advisor.green"), _fmt(scores.get("green.score")))
    c3.metric(ta("advisor.integration"), _fmt(scores.get("integration.index")))
    c4.metric(ta("advisor.readiness"), _fmt(scores.get("readiness.score")))
    if bench is not None:
        render_cluster(bench, lang())


def _compare(svc: PeerService, record: Any, bench: Any) -> None:
    qset = svc.qset
    lg = lang()
    st.subheader(ta("advisor.compare"), anchor=False)
    by_name = {g.group: g for g in bench.groups}
    groups = st.multiselect(
        ta("advisor.compare_groups"),
        options=[g for g in GROUP_ORDER if g != "cluster"],
        default=["all", "industry"],
        format_func=lambda g: group_label(by_name[g], lg),
        key="advisor.groups",
    )
    domains = area_choices(qset)
    scopes = ["domains", *(a.id for a in domains)]
    names = {a.id: ta("advisor.compare_sub", domain=tx(a.label)) for a in domains}
    names["domains"] = ta("advisor.compare_domains")
    scope = st.selectbox(
        ta("advisor.compare_area"), scopes, format_func=names.__getitem__, key="advisor.scope"
    )
    if scope == "domains":
        metrics = area_scope(qset, "domains")
    else:
        metrics = [a.id for a in areas(qset) if a.parent == scope]
    centroid = svc.cluster_centroid(bench.cluster)
    frame = comparison_frame(
        record.scores or {}, centroid, bench, ["cluster", *groups], metrics, qset, lg
    )
    draw_chart("comparison", frame, lg)
    if centroid is None:
        st.caption(ta("advisor.centroid_suppressed"))
    for g in bench.groups:
        if g.suppressed and (g.group in groups or g.group == "cluster"):
            st.caption(ta("peers.suppressed_note", group=group_label(g, lg)))


def _map(svc: PeerService, bench: Any, staff: bool) -> None:
    st.subheader(ta("advisor.map"), anchor=False)
    points = svc.map_points(include_names=staff)
    lg = lang()
    names = {p.cluster: p.name.get(lg) for p in svc.active_model().profiles}
    st.altair_chart(map_chart(points, bench.position, lg, names), width="stretch")
    st.caption(ta("advisor.map_caption"))
    if points.sampled:
        st.caption(ta("advisor.map_sampled", shown=len(points.frame), total=points.total))
    else:
        st.caption(ta("advisor.map_all", total=points.total))


def _nearest(svc: PeerService, record: Any, bench: Any, staff: bool) -> None:
    st.subheader(ta("advisor.nearest", k=NEAREST), anchor=False)
    peers = svc.nearest(record.id, NEAREST, include_names=staff)
    lg = lang()
    names = {p.cluster: p.name.get(lg) for p in svc.active_model().profiles}
    st.dataframe(peers_frame(peers, lg, names), hide_index=True, width="stretch")
    st.caption(ta("advisor.nearest_caption"))
    if not staff:
        st.caption(ta("advisor.nearest_anonymous"))


# --- what-if ---------------------------------------------------------------------------------


def _reset_what_if() -> None:
    for key in [k for k in st.session_state if str(k).startswith("advisor.wi")]:
        del st.session_state[key]


def _value_text(item: Item, value: Any, lg: str) -> str:
    # Format functions get the language passed in: they are also called outside a run.
    if value is None:
        return ta("advisor.unanswered", lg)
    if isinstance(value, bool):
        return ta("advisor.yes", lg) if value else ta("advisor.no", lg)
    if isinstance(value, list):
        return ", ".join(_value_text(item, v, lg) for v in value)
    if value == DONT_KNOW or (item.type == "requirement" and value in RATING_ORDER):
        return ta(f"advisor.rating.{value}", lg)
    opt = item.option(value) if isinstance(value, str) else None
    return opt.label.get(lg) if opt else str(value)


def _widget_key(record: Any, item_id: str) -> str:
    return f"advisor.wi:{record.id}:{item_id}"


def _apply_plan(record: Any) -> None:
    """Button callback: put the next-level plan's changes into the widgets."""
    from assessment.roadmap import next_level_plan

    plan = next_level_plan(record.answers, questionnaires())
    st.session_state[ITEMS_KEY] = [s.item_id for s in plan.steps]
    st.session_state[SCOPE_KEY] = "requirements"
    for step in plan.steps:
        st.session_state[_widget_key(record, step.item_id)] = step.to_rating
    st.session_state[PRESET_KEY] = tx(plan.message)


def _value_widget(item: Item, record: Any) -> Any:
    """A widget for a new answer to `item`; returns the chosen value."""
    key = _widget_key(record, item.id)
    lg = lang()
    current = record.answers.get(item.id)
    label = f"{tx(item.label)} ({item.id})"
    help_text = ta("advisor.current_answer", value=_value_text(item, current, lg))
    if item.type in ("requirement", "single", "yesno"):
        if item.type == "requirement":
            options: list[Any] = list(RATING_ORDER)
        elif item.type == "yesno":
            options = [True, False]
        else:
            options = [o.value for o in item.options]
        if item.dont_know:
            options.append(DONT_KNOW)
        if key not in st.session_state:
            st.session_state[key] = current if current in options else options[0]
        return st.selectbox(
            label, options, format_func=lambda v: _value_text(item, v, lg), key=key, help=help_text
        )
    if item.type == "multiple":
        if key not in st.session_state:
            st.session_state[key] = list(current) if isinstance(current, list) else []
        return st.multiselect(
            label,
            [o.value for o in item.options],
            format_func=lambda v: _value_text(item, v, lg),
            key=key,
            help=help_text,
        )
    if item.type == "numeric":
        c = item.constraint
        if key not in st.session_state:
            st.session_state[key] = float(current) if isinstance(current, int | float) else 0.0
        return st.number_input(
            label,
            min_value=None if c is None or c.min is None else float(c.min),
            max_value=None if c is None or c.max is None else float(c.max),
            key=key,
            help=help_text,
        )
    if key not in st.session_state:
        st.session_state[key] = current if isinstance(current, str) else ""
    return st.text_input(label, key=key, help=help_text)


def _what_if(svc: PeerService, record: Any, bench: Any) -> None:
    qset = svc.qset
    lg = lang()
    st.subheader(ta("advisor.whatif"), anchor=False)
    st.caption(ta("advisor.whatif_caption"))
    b1, b2 = st.columns(2)
    b1.button(
        ta("advisor.whatif_preset"), on_click=_apply_plan, args=(record,), key="advisor.preset"
    )
    b2.button(ta("advisor.whatif_reset"), on_click=_reset_what_if, key="advisor.reset")
    if PRESET_KEY in st.session_state:
        st.info(
            ta("advisor.whatif_preset_done", message=st.session_state[PRESET_KEY]),
            icon=":material/route:",
        )
    scopes = {
        "requirements": ta("advisor.whatif_requirements"),
        "any": ta("advisor.whatif_any"),
    }
    scope = st.radio(
        ta("advisor.whatif_scope"),
        list(scopes),
        format_func=scopes.__getitem__,
        horizontal=True,
        key=SCOPE_KEY,
    )
    pool = [
        it
        for it in qset.items()
        if (it.type == "requirement" if scope == "requirements" else it.scored)
    ]
    by_id = {it.id: it for it in pool}
    held = st.session_state.get(ITEMS_KEY, [])
    if any(i not in by_id for i in held):  # the scope narrowed: drop items now outside it
        st.session_state[ITEMS_KEY] = [i for i in held if i in by_id]
    picked = st.multiselect(
        ta("advisor.whatif_items"),
        list(by_id),
        format_func=lambda i: f"{by_id[i].label.get(lg)} ({i})",
        key=ITEMS_KEY,
    )
    changes = {}
    for item_id in picked:
        value = _value_widget(by_id[item_id], record)
        if value != record.answers.get(item_id):
            changes[item_id] = value
    if not changes:
        st.caption(ta("advisor.whatif_none"))
        return
    st.caption(ta("advisor.whatif_changed", n=len(changes)))
    before, before_programs = svc.what_if(record.answers, {})
    after, programs = svc.what_if(record.answers, changes)
    _delta_metrics(before, after)
    if bench is not None:
        moved = svc.benchmark_scores(after.flat(), record)
        if moved.profile is not None:
            st.markdown(ta("advisor.whatif_cluster", name=tx(moved.profile.name)))
    if programs is not None:
        st.markdown(f"**{ta('advisor.whatif_programs')}**")
        st.dataframe(_programs_frame(before_programs, programs), hide_index=True, width="stretch")


def _delta_metrics(before: Any, after: Any) -> None:
    pairs = [
        (
            ta("advisor.level"),
            before.cmmm.level if before.cmmm else None,
            after.cmmm.level if after.cmmm else None,
        ),
        (ta("advisor.green"), before.flat().get("green.score"), after.flat().get("green.score")),
        (
            ta("advisor.integration"),
            before.flat().get("integration.index"),
            after.flat().get("integration.index"),
        ),
        (ta("advisor.readiness"), before.readiness.score, after.readiness.score),
    ]
    for col, (label, old, new) in zip(st.columns(len(pairs)), pairs, strict=True):
        delta = None
        if old is not None and new is not None and old == old and new == new:
            delta = round(new - old, 1)
        col.metric(label, _fmt(new), delta=delta)


def _programs_frame(before: Any, after: Any) -> pd.DataFrame:
    old = {m.program_id: m for m in before or ()}
    rows = []
    for m in after:
        prev = old.get(m.program_id)
        rows.append(
            {
                ta("advisor.program"): tx(m.name),
                f"{ta('advisor.eligible')} · {ta('advisor.whatif_before')}": (
                    None if prev is None else _yes(prev.eligible)
                ),
                f"{ta('advisor.eligible')} · {ta('advisor.whatif_after')}": _yes(m.eligible),
                f"{ta('advisor.fit')} · {ta('advisor.whatif_before')}": (
                    None if prev is None else round(prev.fit)
                ),
                f"{ta('advisor.fit')} · {ta('advisor.whatif_after')}": round(m.fit),
            }
        )
    return pd.DataFrame(rows)


def _yes(flag: bool) -> str:
    return ta("advisor.yes") if flag else ta("advisor.no")


# --- notes ---------------------------------------------------------------------------------


def _notes(record: Any, user: Any) -> None:
    repo = repository()
    st.subheader(ta("advisor.notes"), anchor=False)
    with st.form(f"advisor.note:{record.id}", clear_on_submit=True):
        body = st.text_area(ta("advisor.note_new"), key="advisor.note_body")
        if st.form_submit_button(ta("advisor.note_save"), type="primary"):
            if body.strip():
                repo.add_note(record.id, user.username, body.strip())
                st.success(ta("advisor.note_saved"), icon="✅")
            else:
                st.warning(ta("advisor.note_empty"), icon="⚠️")
    notes = repo.notes_for(record.id)
    if not notes:
        st.caption(ta("advisor.no_notes"))
    for note in reversed(notes):
        with st.container(border=True):
            at = note.created_at.strftime("%Y-%m-%d %H:%M UTC")
            st.caption(ta("advisor.note_by", author=note.author, at=at))
            st.text(note.body)

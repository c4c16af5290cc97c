"""Review before submitting: unanswered and "don't know" questions by section, then submit."""

from __future__ import annotations

from typing import Any

import streamlit as st

from assessment import progress
from assessment.answers import validate_answers
from assessment.errors import AssessmentError
from assessment.questionnaire import QuestionnaireSet
from ui import actions, layout, session, wizard_state
from ui.goto import go
from ui.i18n import error_text, t, tx
from ui.resources import questionnaires

STALE_KEY = "stale"


def render() -> None:
    """Draw the review page."""
    qset = questionnaires()
    all_steps = progress.steps(qset)
    layout.banner(t("ui.review.title"), t("ui.review.subtitle"))
    cur = session.current()
    if cur is None:
        st.info(t("ui.common.no_assessment"), icon=":material/info:")
        if st.button(t("ui.common.to_landing"), type="primary"):
            go("landing")
        return
    if cur.status == "submitted":
        st.success(t("ui.review.already_submitted"), icon=":material/check_circle:")
        if st.button(t("ui.wizard.to_results"), type="primary"):
            go("results")
        return

    answers = wizard_state.answers()
    effective = progress.effective(answers, qset)
    total = progress.total_progress(all_steps, effective)
    open_items = progress.open_items(all_steps, effective)
    dont_know = progress.dont_know_items(all_steps, effective)
    n_dk = sum(len(v) for v in dont_know.values())

    c1, c2, c3 = st.columns(3)
    c1.metric(t("ui.review.answered"), f"{total.answered} / {total.total}")
    c2.metric(t("ui.review.missing_required"), total.missing_required)
    c3.metric(t("ui.review.dont_know"), n_dk)

    if not open_items and not dont_know:
        st.success(t("ui.review.all_answered"), icon=":material/check_circle:")
    for index, step in enumerate(all_steps):
        missing = open_items.get(step.id, [])
        unsure = dont_know.get(step.id, [])
        if not missing and not unsure:
            continue
        with st.container(border=True):
            st.markdown(
                f"**{index + 1}. {tx(step.questionnaire.title)} · {tx(step.section.label)}**"
            )
            lines = [
                f"- {tx(it.label)}" + (f" — *{t('ui.review.required')}*" if it.required else "")
                for it in missing
            ]
            if lines:
                st.markdown(t("ui.review.unanswered_heading") + "\n\n" + "\n".join(lines))
            if unsure:
                st.markdown(
                    t("ui.review.dont_know_heading")
                    + "\n\n"
                    + "\n".join(f"- {tx(it.label)}" for it in unsure)
                )
            if st.button(t("ui.review.edit"), key=f"edit:{step.id}"):
                wizard_state.go_to(index)
                wizard_state.bump()
                go("wizard")

    st.divider()
    _submit(qset, answers)


def _submit(qset: QuestionnaireSet, answers: dict[str, Any]) -> None:
    stale = st.session_state.get(STALE_KEY)
    if stale is not None:
        st.error(error_text(stale), icon=":material/warning:")
        if st.button(t("ui.wizard.reload")):
            st.session_state.pop(STALE_KEY, None)
            actions.reload()
            st.rerun()
    blocking = validate_answers(answers, qset)
    st.subheader(t("ui.review.submit_title"), anchor=False)
    if blocking:
        st.warning(t("ui.review.blocked", count=len(blocking)), icon=":material/warning:")
    st.markdown(t("ui.review.submit_body"))
    confirmed = st.checkbox(t("ui.review.confirm"), key="confirm_submit", disabled=bool(blocking))
    if st.button(
        t("ui.review.submit"),
        type="primary",
        disabled=bool(blocking) or not confirmed,
        key="submit",
    ):
        try:
            actions.submit()
        except AssessmentError as err:
            if err.code == "S402":
                st.session_state[STALE_KEY] = err
                st.rerun()
            raise
        go("results")

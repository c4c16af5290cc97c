"""The assessment wizard: profile first, then the three domains, one form per section.

One `st.form` per section, so typing does not rerun the page. On "save", every answer of
the section is coerced and validated by the library; problems are shown under their
question and nothing is saved until the section is clean.

Skip logic: questions whose `relevant` condition is false are not shown. Conditions that
refer to earlier sections (usually the profile) are known before the section opens. A
condition that refers to a question on the same page can only be re-evaluated when the
form is submitted: the new answers are kept in hand, the page is redrawn with the
questions that now apply, and if one of those is required and still empty the section
is not saved yet and the message says so beside the question.

The save runs in the form buttons' on_click callback, which Streamlit calls before the
script: the same run then draws the next section (or the refused one with its
messages), so a click costs one script run, not a run that saves and a rerun that draws.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from assessment.answers import coerce_answer, validate_answers
from assessment.errors import AssessmentError, Problem, problem
from assessment.questionnaire import QuestionnaireSet
from ui import actions, layout, navigation, session, state
from ui.i18n import error_text, t, tx
from ui.resources import questionnaires
from ui.widgets import render_item, submitted_raw

PENDING_KEY = "pending"
JUST_CREATED_KEY = "just_created"
STALE_KEY = "stale"
ERROR_KEY = "wizard_error"  # an unexpected save error, raised on the page (after the form)
JUMP_KEY = "jump:section"
GOTO_KEY = "wizard_goto"  # a page to switch to, set by the save of the last section
RESUME_BOX_KEY = "resume_box"


def render() -> None:
    """Draw the wizard page."""
    goto = st.session_state.pop(GOTO_KEY, None)
    if goto is not None:
        navigation.go(goto)
    qset = questionnaires()
    all_steps = state.steps(qset)
    cur = session.current()
    if cur is not None and cur.status == "submitted":
        layout.banner(t("wizard.title"))
        st.info(t("wizard.already_submitted"), icon=":material/check_circle:")
        if st.button(t("wizard.to_results"), type="primary"):
            navigation.go("results")
        return

    index = min(state.section_index(), len(all_steps) - 1)
    if cur is None:
        index = 0  # the assessment exists once the first profile page is saved
    step = all_steps[index]
    pending = st.session_state.get(PENDING_KEY, {}).get(step.id, {})
    in_hand = {**state.answers(), **pending}
    effective = state.effective(in_hand, qset)

    layout.banner(t("wizard.title"), tx(step.questionnaire.title))
    state.show_flash()
    _stale_notice()
    _resume_notice(cur)
    _progress(all_steps, state.effective(state.answers(), qset), index, cur is not None)
    _form(all_steps, index, in_hand, effective)
    err = st.session_state.pop(ERROR_KEY, None)
    if err is not None:
        raise err  # the page boundary shows it, below the form as typed


def _progress(all_steps: list[state.Step], answers: dict, index: int, started: bool) -> None:
    parts = [state.section_progress(s.section, answers) for s in all_steps]
    complete = [p.complete for p in parts]
    done = sum(complete)
    total = state.combined(parts)
    share = total.answered / total.total if total.total else 0.0
    st.progress(
        share,
        text=t(
            "wizard.progress",
            done=done,
            sections=len(all_steps),
            answered=total.answered,
            questions=total.total,
        ),
    )
    if not started:
        return
    labels = []
    for i, s in enumerate(all_steps):
        mark = "✓" if complete[i] else "○"
        labels.append(f"{mark} {i + 1}. {tx(s.questionnaire.title)} · {tx(s.section.label)}")
    # One widget for the whole wizard (not one per page and revision), so a page change
    # does not remount it; it shows the open page, and a choice moves in its callback.
    st.session_state[JUMP_KEY] = index
    st.selectbox(
        t("wizard.jump"),
        range(len(all_steps)),
        format_func=labels.__getitem__,
        key=JUMP_KEY,
        on_change=_on_jump,
    )


def _on_jump() -> None:
    choice = st.session_state.get(JUMP_KEY)
    if choice is not None and choice != state.section_index():
        _leave(choice)


def _leave(target: int) -> None:
    st.session_state.pop(PENDING_KEY, None)
    st.session_state.pop(JUST_CREATED_KEY, None)
    state.go_to(target)
    state.bump()


def _form(
    all_steps: list[state.Step],
    index: int,
    in_hand: dict[str, Any],
    effective: dict[str, Any],
) -> None:
    step = all_steps[index]
    section = step.section
    items = state.visible_items(section, effective)
    problems = state.problems()
    levels = state.levels_of(step)
    rev = state.rev()
    with st.form(f"form:{section.id}:{rev}", enter_to_submit=False):
        st.subheader(
            t("wizard.section_heading", n=index + 1, total=len(all_steps), label=tx(section.label)),
            anchor=False,
        )
        if section.hint is not None:
            st.caption(tx(section.hint))
        if problems:
            st.error(t("wizard.fix_problems", n=sum(len(v) for v in problems.values())))
        subdomain = None
        labels = {sd.id: sd.label for sd in section.subdomains}
        for item in items:
            if item.subdomain and item.subdomain != subdomain:
                subdomain = item.subdomain
                st.markdown(f"#### {tx(labels.get(subdomain))}")
            render_item(
                item,
                in_hand.get(item.id),
                key=_widget_key(item.id, rev),
                problems=problems.get(item.id, ()),
                levels=levels,
            )
        if not items:
            st.info(t("wizard.nothing_applies"))
        back_col, next_col = st.columns(2)
        shown = tuple(it.id for it in items)
        if index > 0:
            back_col.form_submit_button(
                t("wizard.back"),
                width="stretch",
                on_click=_on_submit,
                args=(index, index - 1, shown, rev),
            )
        last = index == len(all_steps) - 1
        next_col.form_submit_button(
            t("wizard.save_review") if last else t("wizard.save_next"),
            type="primary",
            width="stretch",
            on_click=_on_submit,
            args=(index, index + 1, shown, rev),
        )


def _widget_key(item_id: str, rev: int) -> str:
    return f"w:{item_id}:{rev}"


def _on_submit(index: int, target: int, shown: tuple[str, ...], rev: int) -> None:
    """A form button's callback: check and save the section as the form was submitted."""
    if rev != state.rev():
        return  # a form drawn before a save or reload that another click got to first
    try:
        qset = questionnaires()
        all_steps = state.steps(qset)
        step = all_steps[index]
        pending = st.session_state.get(PENDING_KEY, {}).get(step.id, {})
        in_hand = {**state.answers(), **pending}
        raws = {}
        for item_id in shown:
            item = qset.item(item_id)
            assert item is not None
            raws[item_id] = submitted_raw(item, _widget_key(item_id, rev))
        _submit(qset, all_steps, index, raws, in_hand, target)
    except AssessmentError as err:
        # Raised in a callback it would bypass the page boundary: the page raises it.
        st.session_state[ERROR_KEY] = err


def _coerce(items_raw: dict[str, Any], qset: QuestionnaireSet) -> tuple[dict, list[Problem]]:
    values: dict[str, Any] = {}
    found: list[Problem] = []
    for item_id, raw in items_raw.items():
        item = qset.item(item_id)
        assert item is not None
        try:
            values[item_id] = coerce_answer(item, raw)
        except AssessmentError as err:
            found.extend(
                p if p.path else Problem(p.code, p.params, path=item_id) for p in err.problems
            )
    return values, found


def _submit(
    qset: QuestionnaireSet,
    all_steps: list[state.Step],
    index: int,
    raws: dict[str, Any],
    in_hand: dict[str, Any],
    target: int,
) -> None:
    step = all_steps[index]
    values, found = _coerce(raws, qset)
    merged = {**in_hand, **values}
    merged = {k: v for k, v in merged.items() if v is not None}
    bad = {p.path for p in found}
    # An answer that could not be read keeps its old value for the rest of the check.
    checked = {k: v for k, v in merged.items() if k not in bad}
    found += [
        p
        for p in validate_answers(checked, qset, partial=True, section=step.id)
        if p.path not in bad
        and (p.path in raws or (p.code == "A205" and _in_section(qset, p.path, step.id)))
    ]
    effective = state.effective(merged, qset)
    shown_before = set(raws)
    shown_now = {it.id for it in state.visible_items(step.section, effective)}
    appeared = shown_now - shown_before
    # Keep what was typed so that questions revealed by these answers appear now.
    section_values = {
        item_id: merged[item_id]
        for item_id in shown_now
        if item_id in merged and item_id not in bad
    }
    st.session_state.setdefault(PENDING_KEY, {})[step.id] = section_values
    if found or appeared:
        grouped = state.group_problems(found)
        for item_id in appeared:
            it = qset.item(item_id)
            if it is not None and it.required and not state.is_answered(merged.get(item_id)):
                grouped.setdefault(item_id, []).append(problem("A205", path=item_id))
        if appeared and not grouped:
            # New optional questions appeared: show them once before moving on.
            state.flash("info", t("wizard.new_questions"))
            state.set_problems({})
        else:
            state.set_problems(grouped)
        state.bump()
        return
    _save(qset, step, section_values, target)


def _in_section(qset: QuestionnaireSet, item_id: str | None, section_id: str) -> bool:
    item = qset.item(item_id) if item_id else None
    return item is not None and item.section == section_id


def _save(
    qset: QuestionnaireSet,
    step: state.Step,
    section_values: dict[str, Any],
    target: int,
) -> None:
    # Only the shown (relevant) questions of this page are written.
    cur = session.current()
    try:
        if cur is None:
            actions.create(section_values)
        else:
            actions.save_section(step.id, section_values)
    except AssessmentError as err:
        if err.code in ("S401", "S414", "S415"):
            # Beside the field concerned: the credit code unless the problem names another.
            state.set_problems({p.path or "profile.credit_code": [p] for p in err.problems})
            state.bump()
            return
        if err.code == "S402":
            st.session_state[STALE_KEY] = err
            return
        raise
    answers = state.answers()
    for item in step.section.items:
        answers.pop(item.id, None)
    answers.update(section_values)
    st.session_state.pop(PENDING_KEY, None)
    state.set_problems({})
    state.bump()
    state.flash("success", t("wizard.saved", label=tx(step.section.label)))
    if target >= len(state.steps(qset)):
        st.session_state[GOTO_KEY] = "review"
        return
    state.go_to(target)
    st.session_state[JUST_CREATED_KEY] = cur is None


def _stale_notice() -> None:
    err = st.session_state.get(STALE_KEY)
    if err is None:
        return
    st.error(error_text(err), icon=":material/warning:")
    if st.button(t("wizard.reload"), type="primary"):
        st.session_state.pop(STALE_KEY, None)
        st.session_state.pop(PENDING_KEY, None)
        actions.reload()
        st.rerun()


def _resume_notice(cur: session.Current | None) -> None:
    if cur is None:
        st.info(t("wizard.before_start"), icon=":material/info:")
        return
    just_created = st.session_state.get(JUST_CREATED_KEY, False)
    # Open right after the assessment is created; afterwards folded, and its content is
    # drawn only while opened (a click on it reruns the page), not on every section.
    box = st.expander(
        t("wizard.resume.title"),
        expanded=just_created,
        icon=":material/key:",
        key=resume_box_key(cur, just_created),
        on_change="rerun",
    )
    if not box.open:
        return
    with box:
        if just_created:
            st.success(t("wizard.resume.created"))
        st.markdown(t("wizard.resume.code"))
        st.code(cur.resume_code, language=None)
        st.markdown(t("wizard.resume.link"))
        st.code(session.resume_link(cur.resume_code), language=None)
        st.warning(t("wizard.resume.warning"), icon=":material/warning:")


def resume_box_key(cur: session.Current, just_created: bool) -> str:
    """The resume box's widget key: one per assessment, another for the page after creation."""
    return f"{RESUME_BOX_KEY}:{cur.assessment_id}:{'new' if just_created else 'kept'}"

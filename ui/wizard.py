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

from assessment import progress
from assessment.errors import AssessmentError
from assessment.questionnaire import QuestionnaireSet
from assessment.section_check import check_section, problems_on_page
from ui import actions, layout, session, wizard_state
from ui.goto import go
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
        go(goto)
    qset = questionnaires()
    all_steps = progress.steps(qset)
    cur = session.current()
    if cur is not None and cur.status == "submitted":
        layout.banner(t("ui.wizard.title"))
        st.info(t("ui.wizard.already_submitted"), icon=":material/check_circle:")
        if st.button(t("ui.wizard.to_results"), type="primary"):
            go("results")
        return

    index = min(wizard_state.section_index(), len(all_steps) - 1)
    if cur is None:
        index = 0  # the assessment exists once the first profile page is saved
    step = all_steps[index]
    pending = st.session_state.get(PENDING_KEY, {}).get(step.id, {})
    in_hand = {**wizard_state.answers(), **pending}
    effective = progress.effective(in_hand, qset)

    layout.banner(t("ui.wizard.title"), tx(step.questionnaire.title))
    wizard_state.show_flash()
    _stale_notice()
    _resume_notice(cur)
    _progress(all_steps, progress.effective(wizard_state.answers(), qset), index, cur is not None)
    _form(all_steps, index, in_hand, effective)
    err = st.session_state.pop(ERROR_KEY, None)
    if err is not None:
        raise err  # the page boundary shows it, below the form as typed


def _progress(
    all_steps: list[progress.Step], answers: dict[str, Any], index: int, started: bool
) -> None:
    parts = [progress.section_progress(s.section, answers) for s in all_steps]
    complete = [p.complete for p in parts]
    done = sum(complete)
    total = progress.combined(parts)
    share = total.answered / total.total if total.total else 0.0
    st.progress(
        share,
        text=t(
            "ui.wizard.progress",
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
        t("ui.wizard.jump"),
        range(len(all_steps)),
        format_func=labels.__getitem__,
        key=JUMP_KEY,
        on_change=_on_jump,
    )


def _on_jump() -> None:
    choice = st.session_state.get(JUMP_KEY)
    if choice is not None and choice != wizard_state.section_index():
        _leave(choice)


def _leave(target: int) -> None:
    st.session_state.pop(PENDING_KEY, None)
    st.session_state.pop(JUST_CREATED_KEY, None)
    wizard_state.go_to(target)
    wizard_state.bump()


def _form(
    all_steps: list[progress.Step],
    index: int,
    in_hand: dict[str, Any],
    effective: dict[str, Any],
) -> None:
    step = all_steps[index]
    section = step.section
    items = progress.visible_items(section, effective)
    problems = wizard_state.problems()
    levels = progress.levels_of(step)
    rev = wizard_state.rev()
    with st.form(f"form:{section.id}:{rev}", enter_to_submit=False):
        st.subheader(
            t(
                "ui.wizard.section_heading",
                n=index + 1,
                total=len(all_steps),
                label=tx(section.label),
            ),
            anchor=False,
        )
        if section.hint is not None:
            st.caption(tx(section.hint))
        if problems:
            st.error(t("ui.wizard.fix_problems", count=sum(len(v) for v in problems.values())))
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
            st.info(t("ui.wizard.nothing_applies"))
        back_col, next_col = st.columns(2)
        shown = tuple(it.id for it in items)
        if index > 0:
            back_col.form_submit_button(
                t("ui.wizard.back"),
                width="stretch",
                on_click=_on_submit,
                args=(index, index - 1, shown, rev),
            )
        last = index == len(all_steps) - 1
        next_col.form_submit_button(
            t("ui.wizard.save_review") if last else t("ui.wizard.save_next"),
            type="primary",
            width="stretch",
            on_click=_on_submit,
            args=(index, index + 1, shown, rev),
        )


def _widget_key(item_id: str, rev: int) -> str:
    return f"w:{item_id}:{rev}"


def _on_submit(index: int, target: int, shown: tuple[str, ...], rev: int) -> None:
    """A form button's callback: check and save the section as the form was submitted."""
    if rev != wizard_state.rev():
        return  # a form drawn before a save or reload that another click got to first
    try:
        qset = questionnaires()
        all_steps = progress.steps(qset)
        step = all_steps[index]
        pending = st.session_state.get(PENDING_KEY, {}).get(step.id, {})
        in_hand = {**wizard_state.answers(), **pending}
        raws = {}
        for item_id in shown:
            item = qset.item(item_id)
            assert item is not None
            raws[item_id] = submitted_raw(item, _widget_key(item_id, rev))
        _submit(qset, step, raws, in_hand, target)
    except AssessmentError as err:
        # Raised in a callback it would bypass the page boundary: the page raises it.
        st.session_state[ERROR_KEY] = err


def _submit(
    qset: QuestionnaireSet,
    step: progress.Step,
    raws: dict[str, Any],
    in_hand: dict[str, Any],
    target: int,
) -> None:
    check = check_section(qset, step.id, in_hand, raws)
    # Keep what was typed so that questions revealed by these answers appear now.
    st.session_state.setdefault(PENDING_KEY, {})[step.id] = check.values
    if check.ready:
        _save(qset, step, check.values, target, raws)
        return
    # Nothing is saved. (A save is checked once, by the repository; its problems are shown
    # the same way.)
    if check.appeared and not check.problems:
        # New optional questions appeared: show them once before moving on.
        wizard_state.flash("info", t("ui.wizard.new_questions"))
        wizard_state.set_problems({})
    else:
        wizard_state.set_problems(check.problems)
    wizard_state.bump()


def _save(
    qset: QuestionnaireSet,
    step: progress.Step,
    section_values: dict[str, Any],
    target: int,
    raws: dict[str, Any],
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
            wizard_state.set_problems({p.path or "profile.credit_code": [p] for p in err.problems})
            wizard_state.bump()
            return
        if err.code == "S402":
            st.session_state[STALE_KEY] = err
            return
        shown = problems_on_page(err.problems, qset, step.id, raws)
        if shown and all(p.code.startswith("A") for p in err.problems):
            wizard_state.set_problems(progress.group_problems(shown))
            wizard_state.bump()
            return
        raise
    answers = wizard_state.answers()
    for item in step.section.items:
        answers.pop(item.id, None)
    answers.update(section_values)
    st.session_state.pop(PENDING_KEY, None)
    wizard_state.set_problems({})
    wizard_state.bump()
    wizard_state.flash("success", t("ui.wizard.saved", label=tx(step.section.label)))
    if target >= len(progress.steps(qset)):
        st.session_state[GOTO_KEY] = "review"
        return
    wizard_state.go_to(target)
    st.session_state[JUST_CREATED_KEY] = cur is None


def _stale_notice() -> None:
    err = st.session_state.get(STALE_KEY)
    if err is None:
        return
    st.error(error_text(err), icon=":material/warning:")
    if st.button(t("ui.wizard.reload"), type="primary"):
        st.session_state.pop(STALE_KEY, None)
        st.session_state.pop(PENDING_KEY, None)
        actions.reload()
        st.rerun()


def _resume_notice(cur: session.Current | None) -> None:
    if cur is None:
        st.info(t("ui.wizard.before_start"), icon=":material/info:")
        return
    just_created = st.session_state.get(JUST_CREATED_KEY, False)
    # Open right after the assessment is created; afterwards folded, and its content is
    # drawn only while opened (a click on it reruns the page), not on every section.
    box = st.expander(
        t("ui.wizard.resume.title"),
        expanded=just_created,
        icon=":material/key:",
        key=resume_box_key(cur, just_created),
        on_change="rerun",
    )
    if not box.open:
        return
    with box:
        if just_created:
            st.success(t("ui.wizard.resume.created"))
        st.markdown(t("ui.wizard.resume.code"))
        st.code(cur.resume_code, language=None)
        st.markdown(t("ui.wizard.resume.link"))
        st.code(session.resume_link(cur.resume_code), language=None)
        st.warning(t("ui.wizard.resume.warning"), icon=":material/warning:")


def resume_box_key(cur: session.Current, just_created: bool) -> str:
    """The resume box's widget key: one per assessment, another for the page after creation."""
    return f"{RESUME_BOX_KEY}:{cur.assessment_id}:{'new' if just_created else 'kept'}"

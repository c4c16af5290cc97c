"""An assessment's progress: the sections in order, which items show, what is answered.

Pure functions of a questionnaire set and an answers mapping: the wizard, the review page
and the library's checks all count "answered", "open" and "don't know" the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assessment.answers import effective_answers, is_relevant
from assessment.errors import Problem
from assessment.questionnaire import (
    DONT_KNOW,
    Item,
    Level,
    Questionnaire,
    QuestionnaireSet,
    Section,
)


@dataclass(frozen=True, slots=True)
class Step:
    """One wizard page: a section and the questionnaire it belongs to."""

    questionnaire: Questionnaire
    section: Section

    @property
    def id(self) -> str:
        return self.section.id


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a section (or the whole assessment) is: answered of relevant items."""

    answered: int
    total: int
    missing_required: int

    @property
    def complete(self) -> bool:
        """No required question open, and something answered (or nothing applies)."""
        return self.missing_required == 0 and (self.answered > 0 or self.total == 0)


def steps(qset: QuestionnaireSet) -> list[Step]:
    """The wizard pages in order: the profile first, then the three domains."""
    ordered = sorted(qset.questionnaires, key=lambda q: 0 if q.kind == "profile" else 1)
    return [Step(q, s) for q in ordered for s in q.sections]


def profile_steps(qset: QuestionnaireSet) -> list[Step]:
    """The profile pages (answered before the assessment exists in the database)."""
    return [s for s in steps(qset) if s.questionnaire.kind == "profile"]


def is_answered(value: object) -> bool:
    """Whether a stored value counts as an answer ("don't know" does)."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple):
        return bool(value)
    return True


def effective(answers: Mapping[str, Any], qset: QuestionnaireSet) -> dict[str, Any]:
    """The answers without those to skipped items (a skip cascades), for skip logic."""
    return effective_answers(answers, qset)


def relevant(item: Item, answers: Mapping[str, Any]) -> bool:
    """Whether the item applies given the (effective) answers so far (skip logic)."""
    return is_relevant(item, answers)


def visible_items(section: Section, answers: Mapping[str, Any]) -> list[Item]:
    """The items of a section that are shown: those whose `relevant` holds."""
    return [it for it in section.items if relevant(it, answers)]


def section_progress(section: Section, answers: Mapping[str, Any]) -> Progress:
    """Answered / relevant items of one section, and required ones still missing."""
    items = visible_items(section, answers)
    answered = sum(1 for it in items if is_answered(answers.get(it.id)))
    missing = sum(1 for it in items if it.required and not is_answered(answers.get(it.id)))
    return Progress(answered, len(items), missing)


def total_progress(all_steps: Sequence[Step], answers: Mapping[str, Any]) -> Progress:
    """Progress over the whole assessment."""
    return combined([section_progress(s.section, answers) for s in all_steps])


def combined(parts: Sequence[Progress]) -> Progress:
    """The progress of several sections together."""
    return Progress(
        sum(p.answered for p in parts),
        sum(p.total for p in parts),
        sum(p.missing_required for p in parts),
    )


def first_incomplete(all_steps: Sequence[Step], answers: Mapping[str, Any]) -> int:
    """Index of the first page with required questions still open (the last when none)."""
    for index, step in enumerate(all_steps):
        prog = section_progress(step.section, answers)
        if prog.missing_required or prog.answered == 0:
            return index
    return max(0, len(all_steps) - 1)


def levels_of(step: Step) -> tuple[Level, ...]:
    """The CMMM levels of the step's questionnaire (empty for the others)."""
    return step.questionnaire.levels


def open_items(all_steps: Sequence[Step], answers: Mapping[str, Any]) -> dict[str, list[Item]]:
    """Relevant items unanswered, by section id (what the review page lists)."""
    out: dict[str, list[Item]] = {}
    for step in all_steps:
        missing = [
            it for it in visible_items(step.section, answers) if not is_answered(answers.get(it.id))
        ]
        if missing:
            out[step.id] = missing
    return out


def dont_know_items(all_steps: Sequence[Step], answers: Mapping[str, Any]) -> dict[str, list[Item]]:
    """Relevant items answered "don't know", by section id."""
    out: dict[str, list[Item]] = {}
    for step in all_steps:
        dk = [it for it in visible_items(step.section, answers) if answers.get(it.id) == DONT_KNOW]
        if dk:
            out[step.id] = dk
    return out


def group_problems(problems: Sequence[Problem]) -> dict[str, list[Problem]]:
    """Problems keyed by item id (their path)."""
    out: dict[str, list[Problem]] = {}
    for prob in problems:
        out.setdefault(prob.path or "", []).append(prob)
    return out

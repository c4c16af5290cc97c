"""One wizard page as submitted: what to keep, which problems to show, whether to save.

The wizard shows a section as one form. When the form is submitted, `check_section` turns
the raw widget values into answers (`coerce_answer`), merges them with the answers in
hand, and re-evaluates skip logic: a question on the same page may now apply. The page is
saved only when every input could be read and no question appeared; otherwise it is shown
again with the problems that belong to it — of the questions on it, and a required one
still empty (A205) — all at once. A save's own check is the repository's; its problems
are filtered to the page the same way (`problems_on_page`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assessment.answers import coerce_answer, validate_answers
from assessment.errors import AssessmentError, Problem, problem
from assessment.progress import effective, group_problems, is_answered, visible_items
from assessment.questionnaire import Item, QuestionnaireSet, Section


@dataclass(frozen=True, slots=True)
class SectionCheck:
    """A submitted page checked: the answers to keep, problems by item, questions revealed.

    `values` are the page's answers that apply now and could be read (blanks dropped); the
    page keeps them in hand whether or not it is saved. `problems` are keyed by item id.
    `appeared` lists, in page order, the questions the submitted answers revealed.
    """

    values: dict[str, Any]
    problems: dict[str, list[Problem]]
    appeared: tuple[str, ...]

    @property
    def ready(self) -> bool:
        """Whether the page can be saved: nothing to show first."""
        return not self.problems and not self.appeared


def check_section(
    qset: QuestionnaireSet,
    section_id: str,
    in_hand: Mapping[str, Any],
    raws: Mapping[str, Any],
) -> SectionCheck:
    """Check a submitted page: `raws` are its shown questions' raw inputs, by item id.

    Raises KeyError for a section or item id the questionnaires do not have (a caller's
    bug, not an answer's problem).
    """
    section = _section(qset, section_id)
    values, found = _coerce(qset, raws)
    merged = {k: v for k, v in {**in_hand, **values}.items() if v is not None}
    unreadable = {p.path for p in found if p.path}
    shown_now = [it.id for it in visible_items(section, effective(merged, qset))]
    appeared = tuple(item_id for item_id in shown_now if item_id not in raws)
    keep = {i: merged[i] for i in shown_now if i in merged and i not in unreadable}
    if not found and not appeared:
        return SectionCheck(keep, {}, ())
    # Not saved: check the rest of the page now, to show every problem at once. An answer
    # that could not be read keeps its old value for the rest of the check.
    checked = {k: v for k, v in merged.items() if k not in unreadable}
    found += problems_on_page(
        validate_answers(checked, qset, partial=True, section=section_id),
        qset,
        section_id,
        raws,
        unreadable,
    )
    grouped = group_problems(found)
    for item_id in appeared:
        item = _item(qset, item_id)
        said = any(p.code == "A205" for p in grouped.get(item_id, ()))
        if item.required and not is_answered(merged.get(item_id)) and not said:
            grouped.setdefault(item_id, []).append(problem("A205", path=item_id))
    return SectionCheck(keep, grouped, appeared)


def problems_on_page(
    problems: Sequence[Problem],
    qset: QuestionnaireSet,
    section_id: str,
    shown: Collection[str],
    unreadable: Collection[str] = (),
) -> list[Problem]:
    """The problems that belong on this page: of a question `shown` on it (unless its input
    was `unreadable`, already reported), or a required question of the section missing."""
    return [
        p
        for p in problems
        if p.path not in unreadable
        and (p.path in shown or (p.code == "A205" and _in_section(qset, p.path, section_id)))
    ]


def _coerce(
    qset: QuestionnaireSet, raws: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Problem]]:
    values: dict[str, Any] = {}
    found: list[Problem] = []
    for item_id, raw in raws.items():
        try:
            values[item_id] = coerce_answer(_item(qset, item_id), raw)
        except AssessmentError as err:
            found.extend(
                p if p.path else Problem(p.code, p.params, path=item_id) for p in err.problems
            )
    return values, found


def _section(qset: QuestionnaireSet, section_id: str) -> Section:
    for q in qset.questionnaires:
        section = q.section(section_id)
        if section is not None:
            return section
    raise KeyError(f"no section {section_id!r} in questionnaires {', '.join(qset.ids)}")


def _item(qset: QuestionnaireSet, item_id: str) -> Item:
    item = qset.item(item_id)
    if item is None:
        raise KeyError(f"no item {item_id!r} in questionnaires {', '.join(qset.ids)}")
    return item


def _in_section(qset: QuestionnaireSet, item_id: str | None, section_id: str) -> bool:
    item = qset.item(item_id) if item_id else None
    return item is not None and item.section == section_id

"""Valid answer sets built from the shipped questionnaires, varied by a seed."""

from __future__ import annotations

import random
from typing import Any

from assessment.questionnaire import QuestionnaireSet
from assessment.reference import USCC_ALPHABET, uscc_check_char

RATINGS = ("full", "most", "partial", "none")


def credit_code(n: int) -> str:
    """A valid Shanxi (Taiyuan) unified social credit code, distinct for each n."""
    body = ""
    m = n
    for _ in range(9):
        body = USCC_ALPHABET[m % len(USCC_ALPHABET)] + body
        m //= len(USCC_ALPHABET)
    first17 = "91140100" + body
    return first17 + uscc_check_char(first17)


def _value(item: Any, rng: random.Random, n: int) -> Any:
    if item.type == "requirement":
        return rng.choice(RATINGS)
    if item.type == "single":
        return rng.choice(item.options).value
    if item.type == "multiple":
        return [item.options[0].value]
    if item.type == "yesno":
        return rng.random() < 0.5
    if item.type == "numeric":
        low = item.constraint.min if item.constraint and item.constraint.min is not None else 0
        high = item.constraint.max if item.constraint and item.constraint.max is not None else None
        high = low + 1000 if high is None else high
        return round(rng.uniform(low, high), 2)
    return None


def profile_answers(qset: QuestionnaireSet, n: int, section: str | None = None) -> dict[str, Any]:
    """Answers to the profile questionnaire (or one of its sections)."""
    out = {k: v for k, v in full_answers(qset, n).items() if k.startswith("profile.")}
    if section is None:
        return out
    own = {item.id for item in qset["profile"].section(section).items}
    return {k: v for k, v in out.items() if k in own}


def section_answers(qset: QuestionnaireSet, n: int, section: str) -> dict[str, Any]:
    """Answers to one section of any questionnaire."""
    answers = full_answers(qset, n)
    for q in qset.questionnaires:
        found = q.section(section)
        if found is not None:
            return {it.id: answers[it.id] for it in found.items if it.id in answers}
    raise KeyError(section)


def full_answers(qset: QuestionnaireSet, n: int) -> dict[str, Any]:
    """A complete, valid answer set for enterprise number n."""
    rng = random.Random(n)
    out: dict[str, Any] = {}
    for item in qset.items():
        if item.id == "profile.name":
            out[item.id] = f"山西测试企业{n}"
        elif item.id == "profile.credit_code":
            out[item.id] = credit_code(n)
        elif item.type == "text":
            continue
        else:
            value = _value(item, rng, n)
            if value is not None:
                out[item.id] = value
    return out

"""Data-quality flags over the stored assessments, for staff to check before they report.

Four kinds, each a plain rule documented in docs/staff.md: duplicate enterprises (names that
are the same once spacing, width and punctuation are ignored, or credit codes that differ
only in their check character or look-alike letters), straight-lined answers (every CMMM
requirement rated the same), implausible numbers (R&D ratio over 50 %, investment growth
over 1000 %), and drafts nobody has touched for more than 90 days. The rows are read by
assessment/storage/queries/quality.py; this module holds the rules.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from assessment.numbers import finite
from assessment.questionnaire import DONT_KNOW, QuestionnaireSet, Text

RD_RATIO_MAX = 50.0  # %, profile.rd_ratio
INVEST_GROWTH_MAX = 10.0  # +1000 %: this year ÷ last year − 1
ABANDONED_AFTER = timedelta(days=90)
MIN_STRAIGHT_LINE = 10  # fewer rated requirements than this is too little to judge
KINDS: Mapping[str, Text] = {
    "duplicate_name": Text("疑似重复企业（名称相同）", "Possible duplicate enterprise (same name)"),
    "duplicate_code": Text(
        "疑似重复企业（信用代码变体）", "Possible duplicate enterprise (credit code variant)"
    ),
    "straight_lined": Text(
        "答题一刀切（所有要求评级相同）", "Straight-lined (all requirements rated the same)"
    ),
    "rd_ratio": Text("研发投入占比不合理（> 50%）", "Implausible R&D ratio (> 50 %)"),
    "invest_growth": Text(
        "技改投资增速不合理（> 1000%）", "Implausible investment growth (> 1000 %)"
    ),
    "abandoned_draft": Text("草稿超过 90 天未更新", "Draft abandoned for more than 90 days"),
}
# Legal-form words that do not tell two enterprises apart.
_NAME_NOISE = re.compile(
    r"(股份有限公司|有限责任公司|有限公司|集团|公司|co\.?,?\s*ltd\.?|ltd\.?|inc\.?)"
)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
# Letters GB 32100 never uses, typed for the digits they resemble.
_CODE_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "Z": "2", "S": "5", "V": "U"})


@dataclass(frozen=True, slots=True)
class Flag:
    """One thing that looks wrong, on one assessment or enterprise."""

    kind: str
    enterprise_id: int
    name: str
    assessment_id: int | None
    year: int | None
    detail: str  # plain facts (numbers, ids), the same in both languages

    def label(self, lang: str) -> str:
        return KINDS[self.kind].get(lang)


def name_key(name: str) -> str:
    """A name reduced for duplicate detection: NFKC, lower case, no legal form or punctuation."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = _NAME_NOISE.sub("", text)
    return _NOT_WORD.sub("", text)


def code_key(code: str) -> str:
    """A credit code reduced for duplicate detection: its first 17 characters, look-alikes fixed."""
    text = re.sub(r"[^0-9A-Za-z]", "", unicodedata.normalize("NFKC", code)).upper()
    return text.translate(_CODE_LOOKALIKES)[:17]


def duplicate_flags(enterprises: Sequence[tuple[int, str, str]]) -> list[Flag]:
    """(id, name, credit code) rows → a flag for every enterprise in a suspicious group."""
    flags: list[Flag] = []
    for kind, key in (("duplicate_name", 1), ("duplicate_code", 2)):
        groups: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        for row in enterprises:
            reduced = name_key(row[1]) if key == 1 else code_key(row[2])
            if reduced:
                groups[reduced].append(row)
        for members in groups.values():
            if len(members) < 2:
                continue
            ids = sorted(m[0] for m in members)
            for eid, name, code in sorted(members):
                others = ", ".join(f"#{i}" for i in ids if i != eid)
                flags.append(Flag(kind, eid, name, None, None, f"{code} ~ {others}"))
    return flags


def straight_lined(answers: Mapping[str, Any], qset: QuestionnaireSet) -> str | None:
    """The one rating given to every answered CMMM requirement, or None when they differ."""
    given = [
        value
        for item in qset.items()
        if item.type == "requirement"
        and isinstance(value := answers.get(item.id), str)
        and value not in ("", DONT_KNOW)
    ]
    if len(given) >= MIN_STRAIGHT_LINE and len(set(given)) == 1:
        return given[0]
    return None


def answer_flags(
    assessment_id: int,
    enterprise_id: int,
    name: str,
    year: int,
    answers: Mapping[str, Any],
    qset: QuestionnaireSet,
) -> list[Flag]:
    """Flags about one assessment's answers: straight-lining and implausible numbers."""
    out: list[Flag] = []

    def flag(kind: str, detail: str) -> None:
        out.append(Flag(kind, enterprise_id, name, assessment_id, year, detail))

    rating = straight_lined(answers, qset)
    if rating is not None:
        flag("straight_lined", rating)
    rd = finite(answers.get("profile.rd_ratio"))
    if rd is not None and rd > RD_RATIO_MAX:
        flag("rd_ratio", f"{rd:g} %")
    this = finite(answers.get("profile.invest_this_year"))
    last = finite(answers.get("profile.invest_last_year"))
    if this is not None and last is not None and last > 0 and this / last - 1 > INVEST_GROWTH_MAX:
        flag("invest_growth", f"{last:g} → {this:g} (+{(this / last - 1) * 100:.0f} %)")
    return out


@dataclass(frozen=True, slots=True)
class StoredAssessment:
    """What the rules read of one stored assessment (draft or submitted)."""

    id: int
    enterprise_id: int
    name: str
    year: int
    status: str
    updated_at: datetime
    answers: Mapping[str, Any]


def all_flags(
    enterprises: Sequence[tuple[int, str, str]],
    assessments: Iterable[StoredAssessment],
    qset: QuestionnaireSet,
    now: datetime,
) -> list[Flag]:
    """Every flag over the stored enterprises and assessments, grouped by kind in KINDS order."""
    flags = duplicate_flags(enterprises)
    for r in assessments:
        flags += answer_flags(r.id, r.enterprise_id, r.name, r.year, r.answers, qset)
        if r.status == "draft" and now - r.updated_at > ABANDONED_AFTER:
            days = (now - r.updated_at).days
            flags.append(
                Flag("abandoned_draft", r.enterprise_id, r.name, r.id, r.year, f"{days} d")
            )
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(flags, key=lambda f: (order[f.kind], f.enterprise_id, f.assessment_id or 0))


def flags_frame(flags: Iterable[Flag], lang: str = "zh") -> pd.DataFrame:
    """Flags as a table for the page and for download."""
    columns = ["kind", "label", "enterprise_id", "name", "assessment_id", "year", "detail"]
    records = [
        (f.kind, f.label(lang), f.enterprise_id, f.name, f.assessment_id, f.year, f.detail)
        for f in flags
    ]
    return pd.DataFrame.from_records(records, columns=columns)

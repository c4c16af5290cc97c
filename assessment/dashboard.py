"""Provincial dashboard: what it looks at (`Filters`), the §1 targets and the figures it shows.

The figures are aggregated in the database (assessment/storage/queries/dashboard.py) over
submitted assessments; this module holds their pure half: the filters, the target
constants, the result types and what is derived from a query's rows in memory.
docs/staff.md lists the formulas.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from assessment.questionnaire import QuestionnaireSet
from assessment.reference import INDUSTRIES

# Policy §1 targets and the proxies this toolkit computes for them.
INVEST_GROWTH_TARGET = 0.12
EQUIPMENT_SHARE_TARGET = 0.60
EQUIPMENT_LEVEL = 3
EQUIPMENT_SIZES = ("large", "medium")
KEY_INDUSTRIES = tuple(i.code for i in INDUSTRIES if i.key)
TABLE_LIMIT = 1000
GROUPS = ("city", "industry", "year")  # what level_distribution groups by


@dataclass(frozen=True, slots=True)
class Filters:
    """What the dashboard is looking at; None means all."""

    year: int | None = None
    city: str | None = None
    industry: str | None = None
    size_class: str | None = None
    level: int | None = None

    def without_year(self) -> Filters:
        """The same filters over every year (for trends)."""
        return replace(self, year=None)


@dataclass(frozen=True, slots=True)
class Headline:
    """The headline figures of the filtered assessments."""

    assessments: int
    enterprises: int
    mean_level: float | None
    share_level3: float | None
    mean_readiness: float | None
    mean_cmmm_score: float | None
    mean_green: float | None
    mean_integration: float | None


@dataclass(frozen=True, slots=True)
class Target:
    """A §1 target, the proxy value the data gives, and how many assessments it rests on."""

    value: float | None
    target: float
    basis: int

    @property
    def met(self) -> bool | None:
        return None if self.value is None else self.value >= self.target


@dataclass(frozen=True, slots=True)
class Overview:
    """The headline, both §1 target proxies and the level counts, for one set of filters."""

    headline: Headline
    investment: Target
    equipment: Target
    levels: pd.DataFrame  # city, industry, level, n


def growth(this_year: float | None, last_year: float | None, n: int) -> float | None:
    """The investment-growth proxy: Σ this year's ÷ Σ last year's − 1 (None without a basis)."""
    if not n or not last_year:
        return None
    return float(this_year or 0.0) / float(last_year) - 1.0


def subdomain_ids(qset: QuestionnaireSet) -> list[str]:
    """The CMMM sub-domain score keys (im.factory.equipment, …), in questionnaire order."""
    return [
        sub.id
        for q in qset.questionnaires
        if q.kind == "cmmm"
        for section in q.sections
        for sub in section.subdomains
    ]


def level_shares(levels: pd.DataFrame, by: str) -> pd.DataFrame:
    """`level_distribution` by "city" or "industry", from `Overview.levels`."""
    if levels.empty:
        return pd.DataFrame(columns=["group", "level", "n", "share"])
    frame = (
        levels.groupby([by, "level"], dropna=False, sort=True)["n"]
        .sum()
        .reset_index()
        .rename(columns={by: "group"})
    )
    frame = frame.sort_values(["group", "level"], ignore_index=True)
    frame["n"] = frame["n"].astype(int)
    frame["share"] = frame["n"] / frame.groupby("group", dropna=False)["n"].transform("sum")
    return frame


TABLE_COLUMNS = (
    "assessment_id",
    "name",
    "credit_code",
    "city",
    "industry",
    "size_class",
    "year",
    "cmmm_level",
    "cmmm_score",
    "green_score",
    "integration_index",
    "readiness_score",
    "confidence",
)

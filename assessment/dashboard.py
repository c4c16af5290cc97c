"""Provincial dashboard figures, aggregated in the database with SQLAlchemy Core GROUP BY.

Every function takes an engine and a `Filters` (year, city, industry, size class, CMMM level)
and reads submitted assessments only. The same query runs on SQLite and PostgreSQL; averages
are taken over floats so both return the same numbers (docs/staff.md lists the formulas).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Float, Select, and_, case, cast, func, select, true

from assessment.questionnaire import QuestionnaireSet
from assessment.reference import INDUSTRIES
from assessment.storage.db import transaction
from assessment.storage.models import Assessment, Enterprise, Score, ScoreRollup
from assessment.storage.rollup import UNKNOWN

# Policy §1 targets and the proxies this toolkit computes for them.
INVEST_GROWTH_TARGET = 0.12
EQUIPMENT_SHARE_TARGET = 0.60
EQUIPMENT_LEVEL = 3
EQUIPMENT_SIZES = ("large", "medium")
KEY_INDUSTRIES = tuple(i.code for i in INDUSTRIES if i.key)
TABLE_LIMIT = 1000


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


def scope(query: Select, filters: Filters) -> Select:
    """Restrict a query to submitted assessments in the filters, joining what they need."""
    query = (
        query.join_from(Assessment, Enterprise, Enterprise.id == Assessment.enterprise_id)
        .join(Score, Score.assessment_id == Assessment.id)
        .where(Assessment.status == "submitted")
    )
    dims = (Assessment.year, Enterprise.city, Enterprise.industry, Enterprise.size_class)
    return _filtered(query, (*dims, Score.cmmm_level), filters)


def _filtered(query: Select, columns: Sequence[Any], filters: Filters) -> Select:
    """`query` where each of the columns (year, city, industry, size, level) is filtered."""
    values = (filters.year, filters.city, filters.industry, filters.size_class, filters.level)
    for column, value in zip(columns, values, strict=True):
        if value is not None:
            query = query.where(column == value)
    return query


def _avg(column: Any) -> Any:
    # PostgreSQL averages integers as NUMERIC; a float cast gives both backends one type.
    return func.avg(cast(column, Float))


def _share(condition: Any) -> Any:
    return func.avg(case((condition, 1.0), else_=0.0))


def _frame(engine: Engine, query: Select) -> pd.DataFrame:
    with transaction(engine) as conn:
        result = conn.execute(query)
        columns = list(result.keys())
        rows = [tuple(r) for r in result.all()]
    return pd.DataFrame.from_records(rows, columns=columns)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


# --- headline ----------------------------------------------------------------------------


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


def _headline_columns() -> tuple[Any, ...]:
    return (
        func.count(Assessment.id),
        func.count(func.distinct(Assessment.enterprise_id)),
        _avg(Score.cmmm_level),
        _share(Score.cmmm_level >= EQUIPMENT_LEVEL),
        _avg(Score.readiness_score),
        _avg(Score.cmmm_score),
        _avg(Score.green_score),
        _avg(Score.integration_index),
    )


def _headline_of(row: Sequence[Any]) -> Headline:
    n = int(row[0])
    return Headline(
        assessments=n,
        enterprises=int(row[1]),
        mean_level=_float(row[2]),
        share_level3=_float(row[3]) if n else None,
        mean_readiness=_float(row[4]),
        mean_cmmm_score=_float(row[5]),
        mean_green=_float(row[6]),
        mean_integration=_float(row[7]),
    )


def headline(engine: Engine, filters: Filters) -> Headline:
    """Counts and means over the filtered assessments."""
    query = scope(select(*_headline_columns()), filters)
    with transaction(engine) as conn:
        return _headline_of(conn.execute(query).one())


# --- distributions -----------------------------------------------------------------------

GROUPS = {"city": Enterprise.city, "industry": Enterprise.industry, "year": Assessment.year}


def level_distribution(engine: Engine, filters: Filters, by: str = "city") -> pd.DataFrame:
    """Assessments per (group, CMMM level): columns group, level, n, share (within group)."""
    group = GROUPS[by].label("group")
    query = scope(
        select(group, Score.cmmm_level.label("level"), func.count(Assessment.id).label("n")),
        filters,
    ).group_by(group, Score.cmmm_level)
    frame = _frame(engine, query).sort_values(["group", "level"], ignore_index=True)
    if frame.empty:
        return pd.DataFrame(columns=["group", "level", "n", "share"])
    frame["n"] = frame["n"].astype(int)
    frame["share"] = frame["n"] / frame.groupby("group")["n"].transform("sum")
    return frame


def subdomain_ids(qset: QuestionnaireSet) -> list[str]:
    """The CMMM sub-domain score keys (im.factory.equipment, …), in questionnaire order."""
    return [
        sub.id
        for q in qset.questionnaires
        if q.kind == "cmmm"
        for section in q.sections
        for sub in section.subdomains
    ]


def subdomain_heatmap(engine: Engine, filters: Filters, keys: Sequence[str]) -> pd.DataFrame:
    """Mean sub-domain score by industry: columns industry, key, mean, n (answered).

    Read from the score rollup (assessment.storage.rollup): sums and counts per dashboard
    cell, so the mean is Σ sums ÷ Σ answered over the cells in the filters — the same
    number as averaging every assessment's score, from thousands of rows, not millions.
    """
    rows = ScoreRollup.__table__.c
    answered = func.sum(rows.answered)
    query = select(
        rows.industry.label("industry"),
        rows.key.label("key"),
        (cast(func.sum(rows.total), Float) / func.nullif(answered, 0)).label("mean"),
        answered.label("n"),
    ).where(rows.key.in_(list(keys)))
    dims = (rows.year, rows.city, rows.industry, rows.size_class, rows.level)
    query = _filtered(query, dims, filters)
    frame = _frame(engine, query.group_by(rows.industry, rows.key))
    if frame.empty:
        return pd.DataFrame(columns=["industry", "key", "mean", "n"])
    frame["industry"] = frame["industry"].replace({UNKNOWN: None})
    frame["mean"] = frame["mean"].astype(float)
    frame["n"] = frame["n"].astype(int)
    return frame.sort_values(["industry", "key"], ignore_index=True)


def trend(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Per year (all years, other filters kept): n, mean level, share ≥ 3, mean readiness."""
    query = scope(
        select(
            Assessment.year.label("year"),
            func.count(Assessment.id).label("n"),
            _avg(Score.cmmm_level).label("mean_level"),
            _share(Score.cmmm_level >= EQUIPMENT_LEVEL).label("share_level3"),
            _avg(Score.readiness_score).label("mean_readiness"),
        ),
        filters.without_year(),
    ).group_by(Assessment.year)
    frame = _frame(engine, query)
    if frame.empty:
        return pd.DataFrame(columns=["year", "n", "mean_level", "share_level3", "mean_readiness"])
    for name in ("mean_level", "share_level3", "mean_readiness"):
        frame[name] = frame[name].astype(float)
    return frame.sort_values("year", ignore_index=True)


# --- policy targets ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """A §1 target, the proxy value the data gives, and how many assessments it rests on."""

    value: float | None
    target: float
    basis: int

    @property
    def met(self) -> bool | None:
        return None if self.value is None else self.value >= self.target


def investment_growth(engine: Engine, filters: Filters) -> Target:
    """Proxy for +12 %/year: Σ this year's ÷ Σ last year's technical-transformation investment − 1.

    Over assessments that report both numbers with last year's above zero.
    """
    this, last = Score.invest_this_year, Score.invest_last_year
    query = scope(select(func.sum(this), func.sum(last), func.count(Assessment.id)), filters).where(
        this.is_not(None), last > 0
    )
    with transaction(engine) as conn:
        total_this, total_last, n = conn.execute(query).one()
    value = None
    if n and total_last:
        value = float(total_this) / float(total_last) - 1.0
    return Target(value, INVEST_GROWTH_TARGET, int(n or 0))


def equipment_share(engine: Engine, filters: Filters) -> Target:
    """Proxy for the 60 % target: share of large and medium key-industry enterprises at CMMM ≥ 3."""
    query = scope(
        select(_share(Score.cmmm_level >= EQUIPMENT_LEVEL), func.count(Assessment.id)), filters
    ).where(
        Enterprise.size_class.in_(EQUIPMENT_SIZES),
        Enterprise.industry.in_(KEY_INDUSTRIES),
    )
    with transaction(engine) as conn:
        share, n = conn.execute(query).one()
    return Target(_float(share) if n else None, EQUIPMENT_SHARE_TARGET, int(n or 0))


def investment_by_year(engine: Engine, filters: Filters) -> pd.DataFrame:
    """The investment-growth proxy per year: columns year, growth, n."""
    this, last = Score.invest_this_year, Score.invest_last_year
    query = (
        scope(
            select(
                Assessment.year.label("year"),
                func.sum(this).label("this"),
                func.sum(last).label("last"),
                func.count(Assessment.id).label("n"),
            ),
            filters.without_year(),
        )
        .where(this.is_not(None), last > 0)
        .group_by(Assessment.year)
    )
    frame = _frame(engine, query)
    if frame.empty:
        return pd.DataFrame(columns=["year", "growth", "n"])
    frame["growth"] = frame["this"].astype(float) / frame["last"].astype(float) - 1.0
    return frame[["year", "growth", "n"]].sort_values("year", ignore_index=True)


# --- everything above the tabs, in two scans -------------------------------------------


@dataclass(frozen=True, slots=True)
class Overview:
    """The headline, both §1 target proxies and the level counts, for one set of filters."""

    headline: Headline
    investment: Target
    equipment: Target
    levels: pd.DataFrame  # city, industry, level, n


def overview(engine: Engine, filters: Filters) -> Overview:
    """What a dashboard render and every filter change need, in two scans instead of five.

    Equal to `headline`, `investment_growth`, `equipment_share` and `level_distribution`
    (by city and by industry, through `level_shares`); at 100,000 assessments each scan
    is what costs, so one aggregate with conditional sums replaces three.
    """
    this, last = Score.invest_this_year, Score.invest_last_year
    invest = and_(this.is_not(None), last > 0)
    equip = and_(
        Enterprise.size_class.in_(EQUIPMENT_SIZES), Enterprise.industry.in_(KEY_INDUSTRIES)
    )
    query = scope(
        select(
            *_headline_columns(),
            func.sum(case((invest, this), else_=None)),
            func.sum(case((invest, last), else_=None)),
            func.count(case((invest, 1), else_=None)),
            func.sum(case((equip, case((Score.cmmm_level >= EQUIPMENT_LEVEL, 1.0), else_=0.0)))),
            func.count(case((equip, 1), else_=None)),
        ),
        filters,
    )
    levels = scope(
        select(
            Enterprise.city.label("city"),
            Enterprise.industry.label("industry"),
            Score.cmmm_level.label("level"),
            func.count(Assessment.id).label("n"),
        ),
        filters,
    ).group_by(Enterprise.city, Enterprise.industry, Score.cmmm_level)
    with transaction(engine) as conn:
        row = conn.execute(query).one()
    head = _headline_of(row)
    total_this, total_last, n_invest = row[8], row[9], int(row[10] or 0)
    growth = None
    if n_invest and total_last:
        growth = float(total_this) / float(total_last) - 1.0
    n_equip = int(row[12] or 0)
    share = float(row[11]) / n_equip if n_equip else None
    frame = _frame(engine, levels)
    if frame.empty:
        frame = pd.DataFrame(columns=["city", "industry", "level", "n"])
    else:
        frame["n"] = frame["n"].astype(int)
    return Overview(
        headline=head,
        investment=Target(growth, INVEST_GROWTH_TARGET, n_invest),
        equipment=Target(share, EQUIPMENT_SHARE_TARGET, n_equip),
        levels=frame,
    )


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


# --- the table and one assessment --------------------------------------------------------

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


def assessments_table(
    engine: Engine, filters: Filters, search: str = "", *, limit: int = TABLE_LIMIT
) -> pd.DataFrame:
    """The filtered assessments, newest and most ready first; `search` matches name or code."""
    query = scope(
        select(
            Assessment.id.label("assessment_id"),
            Enterprise.name,
            Enterprise.credit_code,
            Enterprise.city,
            Enterprise.industry,
            Enterprise.size_class,
            Assessment.year,
            Score.cmmm_level,
            Score.cmmm_score,
            Score.green_score,
            Score.integration_index,
            Score.readiness_score,
            Score.confidence,
        ),
        filters,
    )
    term = search.strip()
    if term:
        query = query.where(
            func.lower(Enterprise.name).contains(term.lower(), autoescape=True)
            | Enterprise.credit_code.contains(term.upper(), autoescape=True)
        )
    query = query.order_by(
        Assessment.year.desc(), Score.readiness_score.desc(), Assessment.id
    ).limit(limit)
    frame = _frame(engine, query)
    return frame if not frame.empty else pd.DataFrame(columns=list(TABLE_COLUMNS))


def data_version(engine: Engine) -> tuple[int, str]:
    """A value that changes whenever assessments change: a cache key for UI-side caching."""
    query = select(func.count(Assessment.id), func.max(Assessment.updated_at)).where(true())
    with transaction(engine) as conn:
        n, newest = conn.execute(query).one()
    return int(n), str(newest)

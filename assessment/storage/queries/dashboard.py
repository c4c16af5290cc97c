"""Provincial dashboard figures, aggregated in the database with SQLAlchemy Core GROUP BY.

Every function takes an engine and a `Filters` (assessment/dashboard.py: year, city,
industry, size class, CMMM level) and reads submitted assessments only. The same query runs
on SQLite and PostgreSQL; averages are taken over floats so both return the same numbers
(docs/staff.md lists the formulas).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import ColumnExpressionArgument, Engine, Float, and_, case, cast, func, select, true
from sqlalchemy.sql.functions import Function

from assessment.dashboard import (
    EQUIPMENT_LEVEL,
    EQUIPMENT_SHARE_TARGET,
    EQUIPMENT_SIZES,
    INVEST_GROWTH_TARGET,
    KEY_INDUSTRIES,
    TABLE_COLUMNS,
    TABLE_LIMIT,
    Filters,
    Headline,
    Overview,
    Target,
    growth,
)
from assessment.storage.db import AnySelect, transaction
from assessment.storage.models import Assessment, Enterprise, Score, ScoreRollup
from assessment.storage.rollup import UNKNOWN


def scope(query: AnySelect, filters: Filters) -> AnySelect:
    """Restrict a query to submitted assessments in the filters, joining what they need."""
    query = (
        query.join_from(Assessment, Enterprise, Enterprise.id == Assessment.enterprise_id)
        .join(Score, Score.assessment_id == Assessment.id)
        .where(Assessment.status == "submitted")
    )
    dims = (Assessment.year, Enterprise.city, Enterprise.industry, Enterprise.size_class)
    return _filtered(query, (*dims, Score.cmmm_level), filters)


def _filtered(query: AnySelect, columns: Sequence[Any], filters: Filters) -> AnySelect:
    """`query` where each of the columns (year, city, industry, size, level) is filtered."""
    values = (filters.year, filters.city, filters.industry, filters.size_class, filters.level)
    for column, value in zip(columns, values, strict=True):
        if value is not None:
            query = query.where(column == value)
    return query


def avg(column: ColumnExpressionArgument[Any]) -> Function[float]:
    """AVG over floats: PostgreSQL averages integers as NUMERIC, a cast gives one type."""
    return func.avg(cast(column, Float))


def share(condition: ColumnExpressionArgument[bool]) -> Function[float]:
    """The share of rows meeting a condition."""
    return func.avg(case((condition, 1.0), else_=0.0))


def frame(engine: Engine, query: AnySelect) -> pd.DataFrame:
    """A query's rows as a DataFrame with its column names."""
    with transaction(engine) as conn:
        result = conn.execute(query)
        columns = list(result.keys())
        rows = [tuple(r) for r in result.all()]
    return pd.DataFrame.from_records(rows, columns=columns)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


# --- headline ----------------------------------------------------------------------------


def _headline_columns() -> tuple[Any, ...]:
    return (
        func.count(Assessment.id),
        func.count(func.distinct(Assessment.enterprise_id)),
        avg(Score.cmmm_level),
        share(Score.cmmm_level >= EQUIPMENT_LEVEL),
        avg(Score.readiness_score),
        avg(Score.cmmm_score),
        avg(Score.green_score),
        avg(Score.integration_index),
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
    out = frame(engine, query).sort_values(["group", "level"], ignore_index=True)
    if out.empty:
        return pd.DataFrame(columns=["group", "level", "n", "share"])
    out["n"] = out["n"].astype(int)
    out["share"] = out["n"] / out.groupby("group")["n"].transform("sum")
    return out


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
    out = frame(engine, query.group_by(rows.industry, rows.key))
    if out.empty:
        return pd.DataFrame(columns=["industry", "key", "mean", "n"])
    out["industry"] = out["industry"].replace({UNKNOWN: None})
    out["mean"] = out["mean"].astype(float)
    out["n"] = out["n"].astype(int)
    return out.sort_values(["industry", "key"], ignore_index=True)


def trend(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Per year (all years, other filters kept): n, mean level, share ≥ 3, mean readiness."""
    query = scope(
        select(
            Assessment.year.label("year"),
            func.count(Assessment.id).label("n"),
            avg(Score.cmmm_level).label("mean_level"),
            share(Score.cmmm_level >= EQUIPMENT_LEVEL).label("share_level3"),
            avg(Score.readiness_score).label("mean_readiness"),
        ),
        filters.without_year(),
    ).group_by(Assessment.year)
    out = frame(engine, query)
    if out.empty:
        return pd.DataFrame(columns=["year", "n", "mean_level", "share_level3", "mean_readiness"])
    for name in ("mean_level", "share_level3", "mean_readiness"):
        out[name] = out[name].astype(float)
    return out.sort_values("year", ignore_index=True)


# --- policy targets ----------------------------------------------------------------------


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
    return Target(growth(total_this, total_last, n), INVEST_GROWTH_TARGET, int(n or 0))


def equipment_share(engine: Engine, filters: Filters) -> Target:
    """Proxy for the 60 % target: share of large and medium key-industry enterprises at CMMM ≥ 3."""
    query = scope(
        select(share(Score.cmmm_level >= EQUIPMENT_LEVEL), func.count(Assessment.id)), filters
    ).where(
        Enterprise.size_class.in_(EQUIPMENT_SIZES),
        Enterprise.industry.in_(KEY_INDUSTRIES),
    )
    with transaction(engine) as conn:
        value, n = conn.execute(query).one()
    return Target(_float(value) if n else None, EQUIPMENT_SHARE_TARGET, int(n or 0))


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
    out = frame(engine, query)
    if out.empty:
        return pd.DataFrame(columns=["year", "growth", "n"])
    out["growth"] = out["this"].astype(float) / out["last"].astype(float) - 1.0
    return out[["year", "growth", "n"]].sort_values("year", ignore_index=True)


# --- everything above the tabs, in two scans -------------------------------------------


def overview(engine: Engine, filters: Filters) -> Overview:
    """What a dashboard render and every filter change need, in two scans instead of five.

    Equal to `headline`, `investment_growth`, `equipment_share` and `level_distribution`
    (by city and by industry, through `dashboard.level_shares`); at 100,000 assessments
    each scan is what costs, so one aggregate with conditional sums replaces three.
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
    n_invest = int(row[10] or 0)
    n_equip = int(row[12] or 0)
    equipment = float(row[11]) / n_equip if n_equip else None
    counts = frame(engine, levels)
    if counts.empty:
        counts = pd.DataFrame(columns=["city", "industry", "level", "n"])
    else:
        counts["n"] = counts["n"].astype(int)
    return Overview(
        headline=head,
        investment=Target(growth(row[8], row[9], n_invest), INVEST_GROWTH_TARGET, n_invest),
        equipment=Target(equipment, EQUIPMENT_SHARE_TARGET, n_equip),
        levels=counts,
    )


# --- the table and the cache key ---------------------------------------------------------


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
    out = frame(engine, query)
    return out if not out.empty else pd.DataFrame(columns=list(TABLE_COLUMNS))


def data_version(engine: Engine) -> tuple[int, str]:
    """A value that changes whenever assessments change: a cache key for UI-side caching."""
    query = select(func.count(Assessment.id), func.max(Assessment.updated_at)).where(true())
    with transaction(engine) as conn:
        n, newest = conn.execute(query).one()
    return int(n), str(newest)

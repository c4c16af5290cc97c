"""Dashboard figures from the database equal a direct pandas computation on the demo population,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import staff_seed
from staff_seed import BACKENDS

from assessment import dashboard
from assessment.dashboard import Filters
from assessment.reference import INDUSTRIES
from assessment.storage.queries import dashboard as dashboard_db

KEY = {i.code for i in INDUSTRIES if i.key}


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(request, tmp_path_factory):
    return staff_seed.module_engine(request, tmp_path_factory, "dashboard")


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return staff_seed.frame()


def select_rows(frame: pd.DataFrame, f: Filters) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    for column, value in (
        ("year", f.year),
        ("city", f.city),
        ("industry", f.industry),
        ("size_class", f.size_class),
        ("im.level", f.level),
    ):
        if value is not None:
            mask &= frame[column] == value
    return frame[mask]


FILTERS = [
    Filters(),
    Filters(year=2026),
    Filters(year=2025, city="taiyuan"),
    Filters(industry="equipment", size_class="small"),
    Filters(year=2026, level=2),
    Filters(city="xinzhou", industry="coking", year=2026),
]


def close(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("f", FILTERS, ids=str)
def test_headline_equals_pandas(seeded, truth, f):
    got = dashboard_db.headline(seeded, f)
    want = select_rows(truth, f)
    assert got.assessments == len(want)
    assert got.enterprises == want["credit_code"].nunique()
    if want.empty:
        assert got.mean_level is None and got.share_level3 is None
        return
    assert close(got.mean_level, want["im.level"].mean())
    assert close(got.share_level3, (want["im.level"] >= 3).mean())
    assert close(got.mean_readiness, want["readiness.score"].mean())
    assert close(got.mean_cmmm_score, want["im.score"].mean())
    assert close(got.mean_green, want["green.score"].mean())
    assert close(got.mean_integration, want["integration.index"].mean())


@pytest.mark.parametrize("by", ["city", "industry", "year"])
@pytest.mark.parametrize("f", FILTERS[:3], ids=str)
def test_level_distribution_equals_pandas(seeded, truth, f, by):
    got = dashboard_db.level_distribution(seeded, f, by)
    want = (
        select_rows(truth, f)
        .groupby([by, "im.level"])
        .size()
        .rename("n")
        .reset_index()
        .rename(columns={by: "group", "im.level": "level"})
    )
    merged = got.merge(want, on=["group", "level"], how="outer", suffixes=("", "_want"))
    assert (merged["n"] == merged["n_want"]).all()
    assert got.groupby("group")["share"].sum().round(9).eq(1.0).all()


def test_heatmap_equals_pandas(seeded, truth):
    keys = dashboard.subdomain_ids(staff_seed.qset())
    assert "im.factory.equipment" in keys and len(keys) >= 10
    f = Filters(year=2026)
    got = dashboard_db.subdomain_heatmap(seeded, f, keys)
    rows = select_rows(truth, f)
    want = rows.groupby("industry")[keys].mean().stack().rename("mean").reset_index()
    want.columns = ["industry", "key", "mean"]
    merged = got.merge(want, on=["industry", "key"], suffixes=("", "_want"))
    assert len(merged) == len(want) == len(got)
    assert all(close(a, b) for a, b in zip(merged["mean"], merged["mean_want"], strict=True))


def long_table_heatmap(engine, f: Filters, keys) -> pd.DataFrame:
    """The heatmap straight from the long score table, as before the rollup (the reference)."""
    from sqlalchemy import Float, cast, func, select

    from assessment.storage.db import transaction
    from assessment.storage.models import Assessment, AssessmentScore, Enterprise

    query = dashboard_db.scope(
        select(
            Enterprise.industry,
            AssessmentScore.key,
            func.avg(cast(AssessmentScore.value, Float)),
            func.count(AssessmentScore.value),
        ),
        f,
    ).join(AssessmentScore, AssessmentScore.assessment_id == Assessment.id)
    query = query.where(AssessmentScore.key.in_(list(keys))).group_by(
        Enterprise.industry, AssessmentScore.key
    )
    with transaction(engine) as conn:
        rows = [tuple(r) for r in conn.execute(query)]
    frame = pd.DataFrame(rows, columns=["industry", "key", "mean", "n"])
    return frame.sort_values(["industry", "key"], ignore_index=True)


@pytest.mark.parametrize(
    "f",
    [
        Filters(),
        Filters(year=2026),
        Filters(year=2025, city="taiyuan"),
        Filters(industry="coking", size_class="large"),
        Filters(level=2),
        Filters(level=0),
        Filters(city="nowhere"),
    ],
    ids=["all", "year", "year-city", "industry-size", "level", "level-0", "none"],
)
def test_heatmap_from_the_rollup_equals_the_long_table(seeded, f):
    keys = dashboard.subdomain_ids(staff_seed.qset())
    got = dashboard_db.subdomain_heatmap(seeded, f, keys)
    want = long_table_heatmap(seeded, f, keys)
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    if want.empty:
        return
    assert list(got["industry"]) == list(want["industry"]) and list(got["key"]) == list(want["key"])
    assert [int(n) for n in got["n"]] == [int(n) for n in want["n"]]
    assert all(close(a, b) for a, b in zip(got["mean"], want["mean"], strict=True))


def test_the_seeded_rollup_is_in_step_with_the_scores(seeded):
    from assessment.storage import rollup
    from assessment.storage.db import transaction

    with transaction(seeded) as conn:
        assert rollup.differences(conn) == []


def test_no_submissions_give_an_empty_heatmap(engine):
    assert dashboard_db.subdomain_heatmap(engine, Filters(), ["im.factory.equipment"]).empty


@pytest.mark.parametrize("f", [*FILTERS, Filters(city="nowhere")], ids=str)
def test_overview_equals_the_separate_queries(seeded, f):
    got = dashboard_db.overview(seeded, f)
    head = dashboard_db.headline(seeded, f)
    assert got.headline.assessments == head.assessments
    assert got.headline.enterprises == head.enterprises
    for name in (
        "mean_level",
        "share_level3",
        "mean_readiness",
        "mean_cmmm_score",
        "mean_green",
        "mean_integration",
    ):
        assert close(getattr(got.headline, name), getattr(head, name)), name
    for mine, theirs in (
        (got.investment, dashboard_db.investment_growth(seeded, f)),
        (got.equipment, dashboard_db.equipment_share(seeded, f)),
    ):
        assert mine.basis == theirs.basis and mine.target == theirs.target
        assert close(mine.value, theirs.value)
    for by in ("city", "industry"):
        mine = dashboard.level_shares(got.levels, by)
        theirs = dashboard_db.level_distribution(seeded, f, by)
        assert len(mine) == len(theirs)
        if theirs.empty:
            continue
        assert list(mine["group"]) == list(theirs["group"])
        assert [int(x) for x in mine["level"]] == [int(x) for x in theirs["level"]]
        assert [int(x) for x in mine["n"]] == [int(x) for x in theirs["n"]]
        assert all(close(a, b) for a, b in zip(mine["share"], theirs["share"], strict=True))


def test_trend_equals_pandas(seeded, truth):
    f = Filters(city="taiyuan", year=2026)  # the year is dropped for a trend
    got = dashboard_db.trend(seeded, f).set_index("year")
    rows = select_rows(truth, f.without_year())
    assert list(got.index) == sorted(rows["year"].unique()) == [2025, 2026]
    for year, part in rows.groupby("year"):
        assert got.loc[year, "n"] == len(part)
        assert close(got.loc[year, "mean_level"], part["im.level"].mean())
        assert close(got.loc[year, "share_level3"], (part["im.level"] >= 3).mean())
        assert close(got.loc[year, "mean_readiness"], part["readiness.score"].mean())


def _growth(rows: pd.DataFrame) -> tuple[float, int]:
    ok = rows[
        rows["invest_this"].map(lambda v: isinstance(v, int | float))
        & rows["invest_last"].map(lambda v: isinstance(v, int | float) and v > 0)
    ]
    return ok["invest_this"].astype(float).sum() / ok["invest_last"].astype(float).sum() - 1, len(
        ok
    )


@pytest.mark.parametrize("f", FILTERS[:4], ids=str)
def test_policy_targets_equal_pandas(seeded, truth, f):
    rows = select_rows(truth, f)
    growth = dashboard_db.investment_growth(seeded, f)
    want_growth, basis = _growth(rows)
    assert growth.basis == basis and close(growth.value, want_growth)
    assert growth.target == 0.12 and growth.met == (want_growth >= 0.12)
    equip = dashboard_db.equipment_share(seeded, f)
    pool = rows[rows["size_class"].isin(["large", "medium"]) & rows["industry"].isin(KEY)]
    assert equip.basis == len(pool) and equip.target == 0.60
    if pool.empty:
        assert equip.value is None and equip.met is None
    else:
        assert close(equip.value, (pool["im.level"] >= 3).mean())


def test_investment_by_year_equals_pandas(seeded, truth):
    got = dashboard_db.investment_by_year(seeded, Filters()).set_index("year")
    for year, part in truth.groupby("year"):
        value, n = _growth(part)
        assert got.loc[year, "n"] == n and close(got.loc[year, "growth"], value)


def test_investment_skips_dont_know_and_text(engine):
    # "dont_know" (and any non-number) must be skipped by the SQL, not break the cast.
    from dataclasses import replace

    from assessment import spreadsheets

    rows = list(staff_seed.rows()[:3])
    edited = []
    for r, this in zip(rows, ["dont_know", 150.0, 300], strict=True):
        answers = dict(r.answers)
        answers["profile.invest_this_year"] = this
        answers["profile.invest_last_year"] = 100
        edited.append(replace(r, answers=answers))
    spreadsheets.commit(engine, staff_seed.qset(), edited, actor="t")
    f = Filters()
    growth = dashboard_db.investment_growth(engine, f)
    assert growth.basis == 2 and close(growth.value, 450 / 200 - 1)


def test_table_search_and_filters(seeded, truth):
    name = truth.iloc[5]["name"]
    hit = dashboard_db.assessments_table(seeded, Filters(), name[-5:])
    assert name in set(hit["name"])
    by_code = dashboard_db.assessments_table(
        seeded, Filters(), truth.iloc[5]["credit_code"].lower()
    )
    assert set(by_code["credit_code"]) == {truth.iloc[5]["credit_code"]}
    f = Filters(year=2026, city="datong")
    table = dashboard_db.assessments_table(seeded, f)
    assert len(table) == len(select_rows(truth, f))
    assert set(table["city"]) == {"datong"} and set(table["year"]) == {2026}
    # A LIKE wildcard typed by a user is a literal character, not "match anything".
    assert dashboard_db.assessments_table(seeded, Filters(), "%").empty
    assert list(dashboard_db.assessments_table(seeded, Filters(), limit=3).columns) == list(
        dashboard.TABLE_COLUMNS
    )


def test_empty_scope_gives_empty_frames(seeded):
    f = Filters(year=1999)
    assert dashboard_db.headline(seeded, f).assessments == 0
    assert dashboard_db.level_distribution(seeded, f).empty
    assert dashboard_db.subdomain_heatmap(seeded, f, ["im.factory.equipment"]).empty
    assert dashboard_db.trend(seeded, Filters(city="nowhere")).empty
    assert dashboard_db.investment_growth(seeded, f).value is None
    assert dashboard_db.investment_by_year(seeded, Filters(city="nowhere")).empty
    assert dashboard_db.assessments_table(seeded, f).empty


def test_data_version_counts_assessments(seeded, truth):
    n, newest = dashboard_db.data_version(seeded)
    assert n == len(truth) and newest != "None"


def test_investment_columns_are_filled_at_submission_and_by_migration_0002(engine):
    # The dashboard sums scores.invest_*; every writer fills them and 0002 back-fills old rows.
    from dataclasses import replace

    from sqlalchemy import select

    from assessment import spreadsheets
    from assessment.storage import db
    from assessment.storage.facts import answer_facts
    from assessment.storage.models import Assessment, Score

    rows = list(staff_seed.rows()[:4])
    values = [("dont_know", 80), (150.0, 100), (True, 100), (300, 0)]
    edited = []
    for r, (this, last) in zip(rows, values, strict=True):
        answers = dict(r.answers)
        answers["profile.invest_this_year"] = this
        answers["profile.invest_last_year"] = last
        edited.append(replace(r, answers=answers))
    spreadsheets.commit(engine, staff_seed.qset(), edited, actor="t")
    query = (
        select(Score.invest_this_year, Score.invest_last_year, Assessment.answers)
        .join(Assessment, Assessment.id == Score.assessment_id)
        .order_by(Assessment.id)
    )

    def stored():
        with engine.connect() as conn:
            return [
                ((row[0], row[1]), tuple(answer_facts(row[2]).values()))
                for row in conn.execute(query)
            ]

    before = stored()
    assert all(columns == facts for columns, facts in before)
    expected = [(None, 80.0), (150.0, 100.0), (None, 100.0), (300.0, 0.0)]
    assert sorted(map(str, (c for c, _ in before))) == sorted(map(str, expected))
    db.downgrade(engine, "0001")
    db.upgrade(engine)
    assert stored() == before
    growth = dashboard_db.investment_growth(engine, Filters())
    assert growth.basis == 1 and close(growth.value, 150 / 100 - 1)


@pytest.mark.parametrize("f", FILTERS, ids=str)
def test_the_benchmarks_raw_heatmap_sql_gives_the_same_numbers(seeded, f):
    from bench.dashboard_sql import queries, run_sql

    keys = dashboard.subdomain_ids(staff_seed.qset())
    sql = {"heat": queries(seeded.dialect.name, f, keys)["subdomain_heatmap"]}
    raw = seeded.raw_connection()
    try:
        rows = sorted(run_sql(raw, sql)["heat"], key=lambda r: (r[0], r[1]))
    finally:
        raw.close()
    got = dashboard_db.subdomain_heatmap(seeded, f, keys)
    assert [(r[0] or None, r[1], int(r[3])) for r in rows] == list(
        zip(got["industry"], got["key"], got["n"], strict=True)
    )
    assert all(close(float(r[2]), m) for r, m in zip(rows, got["mean"], strict=True))

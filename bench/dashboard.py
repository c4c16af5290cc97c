"""Staff dashboard with 100,000 submitted assessments, on SQLite and PostgreSQL.

Four figures per backend:
- first render: ui/staff_dashboard.py under AppTest (server side: every query, chart spec
  and table of the page, all tabs), signed in as staff, with Streamlit's caches cleared
  before each sample so that every query runs;
- filter change: the same page, city filter changed to another city (new cache keys, so
  the queries run again for the new filters);
- heatmap tab: the first render done with caches cleared, then the heatmap tab opened
  (tabs are lazy: this is when its query runs, on the score rollup), and a filter change
  there;
- aggregation: the `assessment.dashboard` functions one render calls, run directly,
  against the same queries written as raw SQL on the bare DBAPI cursor
  (bench/dashboard_sql.py), interleaved.
"""

from __future__ import annotations

import os
import secrets
from urllib.parse import quote

from argon2 import PasswordHasher

from assessment import dashboard, settings
from assessment.dashboard import Filters
from assessment.storage import Repository, make_engine
from assessment.storage.queries import city_ranking as city_ranking_db
from assessment.storage.queries import dashboard as dashboard_db
from bench import database
from bench.context import PG_URL
from bench.dashboard_sql import queries, run_sql
from bench.timing import Partial, Row, Target, Timing, clock, interleaved, paired_ratio
from ui.staff_dashboard import TAB_KEY

NAME = "dashboard"
CITIES = ("taiyuan", "datong", "changzhi", "jinzhong", "yuncheng", "linfen")
HEATMAP_TAB = "子域热力图"  # the tab's label in Chinese, the AppTest session's language
HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # sign-in is not timed


def library_render(engine, f: Filters, keys: list[str]) -> None:
    """The dashboard functions one render calls (what ui/staff_dashboard.py caches)."""
    dashboard_db.data_version(engine)
    city_ranking_db.years(engine)
    over = dashboard_db.overview(engine, f)
    dashboard.level_shares(over.levels, "city")
    dashboard.level_shares(over.levels, "industry")
    dashboard_db.subdomain_heatmap(engine, f, keys)
    dashboard_db.trend(engine, f)
    dashboard_db.investment_by_year(engine, f)
    dashboard_db.assessments_table(engine, f, "")


def _apptest(token: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(
        "from ui import staff_dashboard\nstaff_dashboard.render()\n", default_timeout=300
    )
    at.session_state["lang"] = "zh"
    at.session_state["staff_token"] = token
    return at


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()


def _check(at) -> None:
    if at.exception or at.error:
        raise AssertionError(f"dashboard page failed: {at.exception or at.error}")
    if not at.metric:
        raise AssertionError("dashboard page rendered no headline figures")


def _page_figures(ctx, url: str, engine) -> tuple:
    """(first render, filter change) Timings of the page under AppTest."""
    repo = Repository(engine, ctx.qset, hasher=HASHER)
    name = f"bench-{secrets.token_hex(4)}"
    repo.add_user(name, "staff", "bench password 123")
    token = repo.authenticate(name, "bench password 123").token
    old = settings.DATABASE_URL.given()  # restored afterwards
    os.environ["DATABASE_URL"] = url
    try:
        first, change = [], []
        warm = _apptest(token)
        warm.run()  # imports, resources, engine: not part of a render
        _check(warm)
        for i in range(ctx.repeats):
            _clear_caches()
            at = _apptest(token)
            t, _ = clock(at.run)
            _check(at)
            first.append(t)
            at.selectbox(key="dash:city").select(CITIES[i % len(CITIES)])
            t, _ = clock(at.run)
            _check(at)
            change.append(t)
        heat, heat_change = [], []
        for i in range(ctx.repeats):
            _clear_caches()
            at = _apptest(token)
            at.run()
            _check(at)
            at.session_state[TAB_KEY] = HEATMAP_TAB
            t, _ = clock(at.run)
            _check(at)
            if not at.get("vega_lite_chart"):
                raise AssertionError("the heatmap tab drew no chart")
            heat.append(t)
            at.selectbox(key="dash:city").select(CITIES[i % len(CITIES)])
            t, _ = clock(at.run)
            _check(at)
            heat_change.append(t)
        return (
            Timing(tuple(first)),
            Timing(tuple(change)),
            Timing(tuple(heat)),
            Timing(tuple(heat_change)),
        )
    finally:
        if old is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = old


def _figures(ctx, backend: str, url: str, engine, n: int) -> list[Row]:
    keys = dashboard.subdomain_ids(ctx.qset)
    year = max(city_ranking_db.years(engine))
    f = Filters(year=year)
    sql = queries(engine.dialect.name, f, keys)
    raw = engine.raw_connection()
    try:
        agg = interleaved(
            {"lib": lambda: library_render(engine, f, keys), "raw": lambda: run_sql(raw, sql)},
            ctx.repeats,
        )
    finally:
        raw.close()
    first, change, heat, heat_change = _page_figures(ctx, url, engine)
    ctx.log(
        f"dashboard {backend}: first {first.median:.2f}s change {change.median:.2f}s "
        f"heatmap tab {heat.median:.2f}s then filter {heat_change.median:.2f}s "
        f"lib {agg['lib'].median:.3f}s raw {agg['raw'].median:.3f}s"
    )
    return [
        Row(
            bench=NAME,
            what=f"staff dashboard, {n:,} submitted, {backend}: first render (AppTest)",
            value=first.median,
            unit="s",
            target=Target("max", 2.0),
            repeats=ctx.repeats,
            note=(
                "query caches (`st.cache_data`) cleared before each sample, the process's "
                f"engine and questionnaires warm; {first.low:.2f}–{first.high:.2f} s"
            ),
            extra={"samples": first.samples},
        ),
        Row(
            bench=NAME,
            what=f"staff dashboard, {n:,} submitted, {backend}: filter change (AppTest)",
            value=change.median,
            unit="s",
            target=Target("max", 0.5),
            repeats=ctx.repeats,
            note=f"city filter changed; {change.low:.2f}–{change.high:.2f} s",
            extra={"samples": change.samples},
        ),
        Row(
            bench=NAME,
            what=f"staff dashboard, {n:,} submitted, {backend}: heatmap tab opened (AppTest)",
            value=heat.median,
            unit="s",
            target=Target("max", 2.0),
            repeats=ctx.repeats,
            note=(
                "caches cleared, first render done, then the heatmap tab selected: its "
                f"query runs on the score rollup; {heat.low:.2f}–{heat.high:.2f} s. A city "
                f"filter changed on that tab then takes {heat_change.median:.2f} s (median)"
            ),
            extra={"samples": heat.samples, "filter_change_samples": heat_change.samples},
        ),
        Row(
            bench=NAME,
            what=f"dashboard aggregation, {n:,} submitted, {backend} (`assessment.dashboard`)",
            value=agg["lib"].median,
            unit="s",
            target=Target("ratio", 2.0),
            limit_what="the same queries as raw SQL on the DBAPI cursor",
            limit_value=agg["raw"].median,
            ratio=paired_ratio(agg["lib"], agg["raw"]),
            repeats=ctx.repeats,
            extra={"lib_samples": agg["lib"].samples, "raw_samples": agg["raw"].samples},
        ),
    ]


def run(ctx) -> list[Row]:
    """Dashboard figures on SQLite, then PostgreSQL."""
    n = ctx.size(100_000)
    rows = []
    url = database.sqlite_database(ctx, n)
    engine = make_engine(url)
    try:
        rows += _figures(ctx, "SQLite", url, engine, n)
    finally:
        engine.dispose()
    if ctx.pg:
        try:
            pg = database.PgDatabase(ctx, n, PG_URL)
            try:
                pg_url = f"{PG_URL}?options={quote(pg.options)}"
                rows += _figures(ctx, "PostgreSQL", pg_url, pg.engine, n)
            finally:
                pg.close()
        except Exception as err:  # keep the SQLite figures when PostgreSQL fails
            raise Partial(rows, err) from err
    return rows

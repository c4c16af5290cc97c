"""The dashboard page: figures match the library, filters apply, drill-down opens a result."""

from __future__ import annotations

import pytest
import staff_apphelpers as h

from assessment import dashboard
from assessment.storage import make_engine
from assessment.storage.queries import dashboard as dashboard_db
from ui.staff_dashboard import TAB_KEY


@pytest.fixture
def staff(db_url):
    h.seed(db_url)
    return h.user_token(db_url, "staff")


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_headline_and_targets_match_the_library(db_url, staff):
    at = h.page("staff_dashboard", "en", staff)
    at.run()
    assert not at.exception
    year = at.selectbox(key="dash:year").value
    head = dashboard_db.headline(make_engine(db_url), dashboard.Filters(year=year))
    shown = metrics(at)
    assert shown["Assessments"] == f"{head.assessments:,}"
    assert shown["Enterprises"] == f"{head.enterprises:,}"
    assert shown["Mean CMMM level"] == f"{head.mean_level:.2f}"
    growth = dashboard_db.investment_growth(make_engine(db_url), dashboard.Filters(year=year))
    assert shown["Technical-transformation investment growth"] == f"{growth.value * 100:.1f}%"
    captions = " ".join(str(c.value) for c in at.caption)
    assert "Proxy" in captions and "12%" in captions and "60%" in captions
    assert len(at.tabs) == 4


def test_filters_change_the_figures(db_url, staff):
    # Chinese: AppTest formats select options outside the session, in the default language.
    at = h.page("staff_dashboard", "zh", staff)
    at.run()
    at.selectbox(key="dash:year").select_index(0).run()  # "all years"
    at.selectbox(key="dash:city").select("taiyuan").run()
    want = dashboard_db.headline(make_engine(db_url), dashboard.Filters(city="taiyuan"))
    assert metrics(at)["评估份数"] == f"{want.assessments:,}"
    at.selectbox(key="dash:industry").select("nev").run()
    at.selectbox(key="dash:level").select(5).run()
    f = dashboard.Filters(city="taiyuan", industry="nev", level=5)
    assert dashboard_db.headline(make_engine(db_url), f).assessments == 0
    assert any("没有已提交的评估" in str(i.value) for i in at.info) and not at.metric


def test_tabs_run_only_when_open(db_url, staff):
    at = h.page("staff_dashboard", "en", staff)
    at.run()
    assert len(at.tabs) == 4 and at.tabs[0].label == "Level distribution"
    assert len(at.tabs[0].get("vega_lite_chart")) == 2  # cities and industries
    assert not at.tabs[1].get("vega_lite_chart") and not at.dataframe
    at.session_state[TAB_KEY] = "Sub-domain heatmap"
    at.run()
    assert not at.exception
    assert len(at.tabs[1].get("vega_lite_chart")) == 1 and not at.tabs[0].get("vega_lite_chart")
    at.session_state[TAB_KEY] = "Trend"
    at.run()
    assert at.tabs[2].get("vega_lite_chart") and not at.tabs[1].get("vega_lite_chart")


def test_search_and_drill_down(db_url, staff):
    at = h.page("staff_dashboard", "zh", staff)
    at.session_state[TAB_KEY] = "评估列表"
    at.run()
    table = at.dataframe[0].value
    assert "企业名称" in table.columns and len(table) > 0
    first = table.iloc[0]["企业名称"]
    at.text_input(key="dash:search").input(first[-5:]).run()
    assert first in set(at.dataframe[0].value["企业名称"])
    assert at.selectbox(key="dash:drill").options[0] == "（请选择）"
    at.selectbox(key="dash:drill").set_value(
        dashboard_db.assessments_table(make_engine(db_url), dashboard.Filters(), first[-5:])[
            "assessment_id"
        ].iloc[0]
    ).run()
    assert not at.exception
    labels = {m.label for m in at.metric}
    assert "成熟度等级" in labels and "综合就绪度" in labels
    programs = at.dataframe[1].value
    assert len(programs) == 8 and "匹配度" in programs.columns

"""AppTest for the city assessment, typical cases, export, data quality and users pages."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import staff_apphelpers as h
from openpyxl import load_workbook

from assessment.storage import make_engine
from assessment.storage.queries import city_ranking as city_ranking_db


@pytest.fixture
def seeded(db_url):
    h.seed(db_url)
    return db_url


def test_city_assessment_table_and_downloads(seeded):
    token = h.user_token(seeded, "staff")
    at = h.page("staff_cities", "en", token)
    at.run()
    assert not at.exception
    shown = at.dataframe[0].value
    assert len(shown) == 11 and list(shown.columns)[:3] == ["Rank", "City", "Composite"]
    year = at.selectbox(key="cities:year").value
    want = city_ranking_db.city_assessment(make_engine(seeded), h.qset(), year)
    assert shown["Composite"].tolist() == want["composite"].round(3).tolist()
    assert shown["Rank"].tolist() == want["rank"].tolist()
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download CSV", "Download Excel"]
    assert at.expander and "Program uptake" in at.expander[0].markdown[0].value


def test_typical_cases_mark_unmark_and_list(seeded):
    token = h.user_token(seeded, "staff", "chen.staff")
    at = h.page("staff_cases", "en", token)
    at.run()
    assert any("No typical cases" in str(i.value) for i in at.info)
    chosen = at.selectbox(key="cases:pick").value
    at.text_area(key="cases:note").input("示范：数字化车间 =A1").run()
    at.button(key="cases:mark_btn").click().run()
    assert any(f"#{chosen}" in str(x.value) for x in at.success)
    cases = h.repo(seeded).typical_cases()
    assert [(c.assessment_id, c.note, c.marked_by) for c in cases] == [
        (chosen, "示范：数字化车间 =A1", "chen.staff")
    ]
    listed = at.dataframe[0].value
    assert listed["Note"].tolist() == ["示范：数字化车间 =A1"]
    assert [b.label for b in at.get("download_button")] == ["Download CSV", "Download Excel"]
    at.button(key="cases:unmark_btn").click().run()
    assert h.repo(seeded).typical_cases() == []
    at.button(key="cases:unmark_btn").click().run()
    assert any("was not marked" in str(i.value) for i in at.info)


def test_export_page_counts_and_offers_both_formats(seeded):
    token = h.user_token(seeded, "staff")
    at = h.page("staff_export", "zh", token)
    at.run()
    assert not at.exception
    assert [b.label for b in at.get("download_button")] == ["下载 Excel", "下载 CSV（UTF-8）"]
    at.radio(key="export:headers").set_value("en").run()
    assert not at.exception


def test_export_bytes_offered_reimport(seeded):
    # What the page offers is spreadsheets.export_bytes of the filtered frame: check the layout.
    from assessment import spreadsheets
    from assessment.dashboard import Filters

    frame = spreadsheets.export_frame(make_engine(seeded), h.qset(), Filters(year=2026))
    data = spreadsheets.export_bytes(frame, h.qset(), "xlsx", "zh")
    rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert rows[1][:2] == ("assessment_id", "year") and len(rows) == 2 + len(frame)


def test_quality_page_lists_flags(seeded):
    token = h.user_token(seeded, "staff")
    at = h.page("staff_quality", "en", token)
    at.run()
    assert not at.exception
    labels = {m.label for m in at.metric}
    assert "Draft abandoned for more than 90 days" in labels and len(labels) == 6


def test_users_page_adds_and_disables(db_url):
    token = h.user_token(db_url, "admin", "root.admin")
    h.repo(db_url).add_user("old.staff", "staff", h.PASSWORD)
    at = h.page("staff_users", "en", token)
    at.run()
    table = at.dataframe[0].value
    assert set(table["User name"]) == {"root.admin", "old.staff"}
    at.text_input(key="users:name").input("new.staff")
    at.text_input(key="users:password").input("short")
    at.button[0].click().run()
    assert h.error_codes(at) == ["U507"]
    at.text_input(key="users:name").input("new.staff")
    at.text_input(key="users:password").input(h.PASSWORD)
    at.button[0].click().run()
    assert any("new.staff" in str(x.value) for x in at.success)
    assert h.repo(db_url).get_user("new.staff").role == "staff"
    at.selectbox(key="users:disable_pick").set_value("old.staff")
    at.button(key="users:disable_btn").click().run()
    assert h.repo(db_url).get_user("old.staff").disabled
    assert isinstance(at.dataframe[0].value, pd.DataFrame)

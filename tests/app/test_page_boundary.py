"""Through the router (app.py): a library error raised by a page becomes its message in the
session's language; any other exception is a bug and reaches Streamlit, not the user's page."""

from __future__ import annotations

import pytest
from apphelpers import errors, new_app

from assessment.errors import NOUNS, fail

pytestmark = pytest.mark.usefixtures("db_url", "small_set")


@pytest.mark.parametrize(("lang", "text"), [("zh", "未找到评估 42。"), ("en", "Assessment 42 was")])
def test_a_library_error_in_a_page_is_shown_as_its_message(monkeypatch, lang, text):
    def render() -> None:
        raise fail("S406", what=NOUNS["assessment"], value=42)

    monkeypatch.setattr("ui.landing.render", render)
    at = new_app(lang).run()
    assert not at.exception
    assert any(text in m and "S406" in m for m in errors(at)), errors(at)


def test_any_other_exception_in_a_page_is_not_swallowed(monkeypatch):
    def render() -> None:
        raise AttributeError("a bug in a page")

    monkeypatch.setattr("ui.landing.render", render)
    at = new_app("en").run()
    assert len(at.exception) == 1
    assert not errors(at)

"""The lookup of texts (assessment.texts.text, ui.i18n.t) and the session's language.

The catalogue itself (same keys in both languages, placeholders, every key the code asks
for, Chinese without stray English) is checked in tests/contract/test_catalogue.py.
"""

from __future__ import annotations

import pytest

from assessment.questionnaire import Text
from assessment.texts import DEFAULT_LANG, LANGS, bilingual, catalogue, load_catalogue, text
from ui.i18n import lang_from_locale


@pytest.mark.parametrize(
    ("locale", "lang"),
    [
        ("zh-CN", "zh"),
        ("zh_TW", "zh"),
        ("en-US", "en"),
        ("en", "en"),
        ("EN-gb", "en"),
        ("fr-FR", "zh"),
        ("", "zh"),
        (None, "zh"),
    ],
)
def test_language_from_the_browser_locale(locale, lang):
    assert lang_from_locale(locale) == lang


def test_one_catalogue_per_language():
    assert LANGS == ("zh", "en") and DEFAULT_LANG == "zh"
    assert set(catalogue()) == set(LANGS)
    assert len(catalogue()["zh"]) > 500


@pytest.mark.parametrize(
    ("key", "lang", "params", "shown"),
    [
        ("ui.nav.landing", "zh", {}, "首页"),
        ("ui.nav.landing", "en", {}, "Home"),
        ("level.n", "zh", {"n": 3}, "3 级"),
        ("level.n", "en", {"n": 3}, "Level 3"),
        ("ui.results.subtitle", "en", {"name": "ACME", "year": 2025}, "ACME · 2025"),
        # an unknown language falls back to Chinese; an unknown key shows itself
        ("ui.nav.landing", "fr", {}, "首页"),
        ("no.such.key", "en", {}, "no.such.key"),
        # a missing param shows the placeholder word (and is logged), never the braces
        ("level.n", "en", {}, "Level (unknown)"),
        ("level.n", "zh", {}, "（未知） 级"),
    ],
)
def test_text_in_a_language(key, lang, params, shown):
    assert text(key, lang, **params) == shown


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (1, "1 answer changed."),
        (0, "0 answers changed."),
        (3, "3 answers changed."),
        (1200, "1,200 answers changed."),
    ],
)
def test_english_plurals_follow_the_count(count, shown):
    assert text("advisor.whatif_changed", "en", count=count) == shown


def test_chinese_has_one_form():
    assert text("advisor.whatif_changed", "zh", count=1) == "已修改 1 项答案。"
    assert text("advisor.whatif_changed", "zh", count=3) == "已修改 3 项答案。"


def test_a_plural_without_its_count_reads_the_other_form():
    assert text("advisor.whatif_changed", "en") == "(unknown) answers changed."


def test_key_and_params_are_positional_so_any_param_name_works():
    assert text("peers.group.industry", "en", key="Coking") == "Same industry (Coking)"


def test_bilingual_text_for_the_library():
    assert bilingual("reference.city.lvliang") == Text("吕梁", "Lüliang")
    assert bilingual("level.n", n=2) == Text("2 级", "Level 2")


def test_plural_forms_load_as_mappings(tmp_path):
    (tmp_path / "zh.yaml").write_text("a: '{count} 项'\n", encoding="utf-8")
    (tmp_path / "en.yaml").write_text(
        "a:\n  one: '{count} item'\n  other: '{count} items'\n", encoding="utf-8"
    )
    loaded = load_catalogue(tmp_path)
    assert loaded["zh"]["a"] == "{count} 项"
    assert dict(loaded["en"]["a"]) == {"one": "{count} item", "other": "{count} items"}


def test_a_text_missing_its_parameter_shows_the_placeholder_word_not_the_braces() -> None:
    from assessment.errors import PLACEHOLDER
    from assessment.texts import catalogue, text

    key, raw = next((k, v) for k, v in catalogue()["zh"].items() if isinstance(v, str) and "{" in v)
    for lang in ("zh", "en"):
        shown = text(key, lang)
        assert "{" not in shown and PLACEHOLDER.get(lang) in shown, (key, raw, shown)

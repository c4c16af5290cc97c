"""Every UI string exists in both languages, and every key the UI asks for exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assessment.questionnaire import DONT_KNOW, ITEM_TYPES, RATINGS
from ui.i18n import LANGS, lang_from_locale, load_catalogs
from ui.navigation import PAGES

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "ui"
# t("key") / t('key') and t(f"family.{x}") calls, in either quote style.
LITERAL = re.compile(r"""\bt\(\s*(?P<q>["'])(?P<key>[a-z0-9_.]+)(?P=q)\s*[,)]""")
FORMATTED = re.compile(r"""\bt\(\s*f(?P<q>["'])(?P<key>[^"']+)(?P=q)\s*[,)]""")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
CJK = r"[\u4e00-\u9fff]"

# Keys built at run time (f-strings): the families and the values they take.
DYNAMIC = {
    "rating": [*RATINGS, DONT_KNOW],
    "yesno": ["true", "false", DONT_KNOW],
    "type": list(ITEM_TYPES),
    "measure": ["im.score", "green.score", "integration.index", "readiness.score"],
    "program": [str(n) for n in range(1, 9)],
}


@pytest.fixture(scope="module")
def catalogs() -> dict[str, dict[str, str]]:
    return load_catalogs()


USES_T = re.compile(r"^from ui\.i18n import [^\n]*\bt\b", re.MULTILINE)


def _sources() -> str:
    # Files that translate with ui.i18n.t (pages with their own catalogs are not ours).
    files = [ROOT / "app.py", *sorted(UI.rglob("*.py"))]
    texts = [p.read_text(encoding="utf-8") for p in files]
    return "\n".join(text for text in texts if USES_T.search(text))


def _used_keys() -> tuple[set[str], list[str]]:
    src = _sources()
    literal = {m.group("key") for m in LITERAL.finditer(src)}
    literal |= {spec.title_key for spec in PAGES.values()}
    return literal, [m.group("key") for m in FORMATTED.finditer(src)]


def _expand(pattern: str) -> set[str]:
    # "rating.{c}" → rating.full, …; "landing.{key}.title" → the three frameworks.
    head = pattern.split(".", 1)[0]
    if head in DYNAMIC:
        return {f"{head}.{value}" for value in DYNAMIC[head]}
    if pattern.startswith("landing.continue."):
        return {"landing.continue.wizard", "landing.continue.results"}
    if pattern.startswith("landing."):
        tail = pattern.rsplit(".", 1)[1]
        return {f"landing.{fw}.{tail}" for fw in ("cmmm", "green", "integration")}
    raise AssertionError(f'unknown dynamic key pattern t(f"{pattern}"): add it to DYNAMIC')


def test_both_catalogs_have_the_same_keys(catalogs):
    zh, en = (set(catalogs[lang]) for lang in LANGS)
    assert zh - en == set(), "only in zh.yaml"
    assert en - zh == set(), "only in en.yaml"


def test_no_value_is_empty(catalogs):
    for lang in LANGS:
        empty = [k for k, v in catalogs[lang].items() if not v.strip()]
        assert empty == [], lang


def test_placeholders_match_between_languages(catalogs):
    for key, zh in catalogs["zh"].items():
        assert set(PLACEHOLDER.findall(zh)) == set(PLACEHOLDER.findall(catalogs["en"][key])), key


def test_every_key_the_ui_uses_exists(catalogs):
    literal, formatted = _used_keys()
    missing = sorted(k for k in literal if k not in catalogs["zh"])
    assert missing == []
    for pattern in formatted:
        expanded = _expand(pattern)
        assert expanded <= set(catalogs["zh"]), (pattern, sorted(expanded - set(catalogs["zh"])))


def test_every_catalog_key_is_used(catalogs):
    literal, formatted = _used_keys()
    used = set(literal)
    for pattern in formatted:
        used |= _expand(pattern)
    assert sorted(set(catalogs["zh"]) - used) == []


def test_chinese_texts_have_no_folding_spaces(catalogs):
    # A YAML folded block joins lines with a space, which shows between two 汉字.
    bad = [k for k, v in catalogs["zh"].items() if re.search(f"{CJK} {CJK}", v)]
    assert bad == []


def test_chinese_texts_are_chinese(catalogs):
    # Every zh string carries Chinese characters or full-width punctuation.
    latin_only = [
        k
        for k, v in catalogs["zh"].items()
        if not re.search(r"[\u3000-\u303f\uff00-\uffef\u4e00-\u9fff]", v)
    ]
    assert latin_only == []


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


def test_a_catalog_missing_a_key_is_noticed(tmp_path):
    (tmp_path / "zh.yaml").write_text("a: 甲\nb: 乙\n", encoding="utf-8")
    (tmp_path / "en.yaml").write_text("a: A\n", encoding="utf-8")
    loaded = load_catalogs(tmp_path)
    assert set(loaded["zh"]) - set(loaded["en"]) == {"b"}

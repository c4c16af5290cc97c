"""The one catalogue of texts (assessment/catalogue/{zh,en}.yaml) against the code that reads it.

Fails when a key exists in one language only, a text is empty, a placeholder differs
between the Chinese and English text of a key, the code asks for a key the catalogue does
not have (literal keys found in the source; keys built at run time come from DYNAMIC), a
key is never asked for, or a Chinese text contains English words outside ALLOWED_WORDS.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterable
from pathlib import Path

import pytest

from assessment import city_ranking, dashboard, quality, spreadsheets
from assessment.questionnaire import DONT_KNOW, ITEM_TYPES, RATINGS
from assessment.reference import CITY_CODES, INDUSTRY_CODES, SIZES
from assessment.texts import LANGS, PLURAL_FORMS, load_catalogue

ROOT = Path(__file__).resolve().parents[2]
STORAGE = ROOT / "assessment" / "storage"  # SQL only; its text() is SQLAlchemy's
SOURCES = sorted(
    p
    for p in [ROOT / "app.py", *(ROOT / "ui").rglob("*.py"), *(ROOT / "assessment").rglob("*.py")]
    if STORAGE not in p.parents
)
# Functions whose first argument is a catalogue key: t (ui.i18n), text and bilingual
# (assessment.texts), and the library's thin wrappers over them.
LOOKUPS = frozenset({"t", "text", "bilingual", "tr", "_in_sentence"})


def _dynamic() -> dict[str, set[str]]:
    """Keys built at run time (f-strings), by pattern ({…} holes written as *)."""
    from ui import results, staff_cities
    from ui.peer_views import GROUP_ORDER, HEADLINE_KEYS

    def family(prefix: str, values: Iterable[str], suffix: str = "") -> set[str]:
        return {f"{prefix}{v}{suffix}" for v in values}

    frameworks = ("cmmm", "green", "integration")
    return {
        "rating.*": family("rating.", [*RATINGS, DONT_KNOW]),
        "yesno.*": family("yesno.", ["true", "false", DONT_KNOW]),
        "size.*": family("size.", SIZES),
        "ui.type.*": family("ui.type.", ITEM_TYPES),
        "ui.measure.*": family("ui.measure.", results.HISTORY_MEASURES),
        "ui.program.*": family("ui.program.", (str(n) for n in range(1, 9))),
        "ui.landing.*.title": family("ui.landing.", frameworks, ".title"),
        "ui.landing.*.standard": family("ui.landing.", frameworks, ".standard"),
        "ui.landing.*.body": family("ui.landing.", frameworks, ".body"),
        "ui.landing.continue.*": family("ui.landing.continue.", ("wizard", "results")),
        "reference.*.*": family("reference.city.", CITY_CODES)
        | family("reference.industry.", INDUSTRY_CODES),
        "peers.group.*": family("peers.group.", GROUP_ORDER),
        "peers.headline.*": family("peers.headline.", HEADLINE_KEYS),
        "staff.col.*": family("staff.col.", dashboard.TABLE_COLUMNS),
        "staff.filter.*": family("staff.filter.", ("city", "industry")),
        "staff.dash.*": family("staff.dash.", ("mean_level", "share_level3")),
        "staff.dash.tab.*": family("staff.dash.tab.", ("levels", "heatmap", "trend", "table")),
        "staff.dash.levels_by.*": family("staff.dash.levels_by.", ("city", "industry")),
        "staff.cities.col.*": family(
            "staff.cities.col.", (*staff_cities.SHOWN, *city_ranking.INDICATORS)
        ),
        "staff.cases.col.*": family(
            "staff.cases.col.",
            ("assessment_id", "name", "year", "note", "marked_by", "marked_at"),
        ),
        "staff.import.col.*": family("staff.import.col.", ("row", "codes", "reasons")),
        "staff.quality.col.*": family(
            "staff.quality.col.", (c for c in quality.flags_frame([]).columns if c != "kind")
        ),
        "staff.export.headers.*": family("staff.export.headers.", spreadsheets.HEADER_LANGS),
        "staff.export.download_*": family("staff.export.download_", spreadsheets.KINDS),
    }


def _declared_elsewhere() -> set[str]:
    """Keys held in tables rather than passed literally to a lookup."""
    from assessment.programs import DERIVED_KEYS
    from assessment.report import AREA_TABLES, GATE_KEYS, HISTORY_KEYS
    from ui.navigation import PAGES
    from ui.results import GATE_VERDICT

    return (
        {spec.title_key for spec in PAGES.values()}
        | {key for _, key in HISTORY_KEYS}
        | {key for key, _ in AREA_TABLES}
        | set(DERIVED_KEYS.values())
        | set(GATE_KEYS.values())
        | set(GATE_VERDICT.values())
    )


def _key_arguments(node: ast.expr) -> Iterable[ast.expr]:
    # t("a" if x else "b") asks for both.
    if isinstance(node, ast.IfExp):
        yield from _key_arguments(node.body)
        yield from _key_arguments(node.orelse)
    else:
        yield node


def _pattern(node: ast.JoinedStr) -> str:
    return "".join(v.value if isinstance(v, ast.Constant) else "*" for v in node.values)


def scan(path: Path) -> tuple[set[str], set[str]]:
    """(literal keys, f-string key patterns) passed to a lookup function in one file."""
    literal: set[str] = set()
    patterns: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in LOOKUPS:
            continue
        for arg in _key_arguments(node.args[0]):
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                literal.add(arg.value)
            elif isinstance(arg, ast.JoinedStr):
                patterns.add(_pattern(arg))
    return literal, patterns


@pytest.fixture(scope="module")
def catalogue() -> dict[str, dict]:
    return load_catalogue()


@pytest.fixture(scope="module")
def used() -> tuple[set[str], set[str]]:
    literal: set[str] = set()
    patterns: set[str] = set()
    for path in SOURCES:
        found, shapes = scan(path)
        literal |= found
        patterns |= shapes
    return literal, patterns


def _forms(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value.values())


PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def placeholders(value) -> set[str]:
    """Placeholder names of a text or of all its plural forms."""
    names = set()
    for form in _forms(value):
        names |= {field for _, field, _, _ in string.Formatter().parse(form) if field}
    return names


# --- both languages ---------------------------------------------------------------------------


def test_both_languages_have_the_same_keys(catalogue):
    zh, en = (set(catalogue[lang]) for lang in LANGS)
    assert sorted(zh - en) == [], "only in zh.yaml"
    assert sorted(en - zh) == [], "only in en.yaml"


def test_no_text_is_empty(catalogue):
    for lang in LANGS:
        empty = [k for k, v in catalogue[lang].items() if not all(f.strip() for f in _forms(v))]
        assert empty == [], lang


def test_placeholders_match_between_languages(catalogue):
    differ = {
        key: (sorted(placeholders(zh)), sorted(placeholders(catalogue["en"][key])))
        for key, zh in catalogue["zh"].items()
        if placeholders(zh) != placeholders(catalogue["en"].get(key, ""))
    }
    assert differ == {}


def test_plural_forms_are_cldr_categories_with_other(catalogue):
    for lang in LANGS:
        for key, value in catalogue[lang].items():
            if isinstance(value, str):
                continue
            assert "other" in value and set(value) <= set(PLURAL_FORMS), (lang, key)
            assert "count" in placeholders(catalogue["zh"][key]), key


def test_a_catalogue_missing_a_key_is_noticed(tmp_path):
    (tmp_path / "zh.yaml").write_text("a: 甲\nb: 乙\n", encoding="utf-8")
    (tmp_path / "en.yaml").write_text("a: A\n", encoding="utf-8")
    loaded = load_catalogue(tmp_path)
    assert set(loaded["zh"]) - set(loaded["en"]) == {"b"}


# --- the code against the catalogue -----------------------------------------------------------


def test_the_scan_finds_the_keys(used):
    literal, patterns = used
    assert len(literal) > 400
    assert {"ui.app.title", "staff.dash.title", "advisor.title", "report.title"} <= literal
    assert "reference.*.*" in patterns


def test_the_scan_reads_both_branches_of_a_choice(tmp_path):
    src = tmp_path / "page.py"
    src.write_text('t("a.yes" if ok else "a.no")\nr.tr(f"b.{x}")\nprint("c.d")\n')
    assert scan(src) == ({"a.yes", "a.no"}, {"b.*"})


def test_every_key_the_code_asks_for_exists(catalogue, used):
    literal, patterns = used
    missing = sorted((literal | _declared_elsewhere()) - set(catalogue["zh"]))
    assert missing == []
    dynamic = _dynamic()
    unknown = sorted(patterns - set(dynamic))
    assert unknown == [], "key patterns built at run time: declare their values in _dynamic()"
    for pattern in patterns:
        assert sorted(dynamic[pattern] - set(catalogue["zh"])) == [], pattern


def test_every_catalogue_key_is_asked_for(catalogue, used):
    literal, patterns = used
    dynamic = _dynamic()
    asked = literal | _declared_elsewhere()
    for pattern in patterns:
        asked |= dynamic.get(pattern, set())
    assert sorted(set(catalogue["zh"]) - asked) == []


# --- Chinese is Chinese -----------------------------------------------------------------------

# Codes, formats and units a Chinese text may name as they are (everything else is translated).
ALLOWED_WORDS = frozenset(
    {"CMMM", "PDF", "Excel", "JSON", "CSV", "XLSX", "SQL", "UTF", "UTC", "MB", "KB", "kWh"}
)
_NOT_WORDS = (
    re.compile(r"\{[^{}]*\}"),  # placeholders
    re.compile(r"`[^`]*`"),  # code: commands, ids
    re.compile(r"\bGB(?:/T)?\s*\d+(?:[.-]\d+)*"),  # standard numbers: GB/T 39116-2020
    re.compile(r"\b(?:docs|questionnaires)/[\w./-]+"),  # files in the repository
    re.compile(r"\.(?:xlsx|csv|json|pdf|yaml)\b"),  # file extensions
    re.compile(r"\b[A-Z0-9]{4}(?:-[A-Z0-9]{4})*-…"),  # a sample resume code: ABCD-EFGH-…
)
_WORD = re.compile(r"[A-Za-z]{2,}")  # single letters are symbols (S, k, I/O)


def english_words(text: str) -> list[str]:
    """Latin words in a Chinese text that are not on the allow-list."""
    for pattern in _NOT_WORDS:
        text = pattern.sub(" ", text)
    return [w for w in _WORD.findall(text) if w not in ALLOWED_WORDS]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("依据 GB/T 39116-2020（CMMM）评估", []),
        ("下载 Excel 模板或 CSV（UTF-8）", []),
        ("详见 docs/staff.md；上传 .xlsx 文件", []),
        ("成熟度总分 S = {total}，k-匿名", []),
        ("请点击 Submit 按钮", ["Submit"]),
        ("Level {n}", ["Level"]),
    ],
)
def test_english_words_are_found(text, words):
    assert english_words(text) == words


def test_chinese_texts_have_no_english_words(catalogue):
    found = {
        key: words
        for key, value in catalogue["zh"].items()
        if (words := [w for form in _forms(value) for w in english_words(form)])
    }
    assert found == {}


def test_chinese_texts_are_chinese(catalogue):
    # Every zh text carries Chinese characters or full-width punctuation.
    cjk = re.compile(r"[\u3000-\u303f\uff00-\uffef\u4e00-\u9fff]")
    latin_only = [
        k for k, v in catalogue["zh"].items() if not all(cjk.search(f) for f in _forms(v))
    ]
    assert latin_only == []


# Spaces meant between two 汉字: they set off the examples of a search hint.
SPACED = frozenset({"staff.dash.search_hint"})


def test_chinese_texts_have_no_folding_spaces(catalogue):
    # A YAML folded block joins lines with a space, which shows between two 汉字.
    between = re.compile(r"[\u4e00-\u9fff] [\u4e00-\u9fff]")
    bad = [
        k
        for k, v in catalogue["zh"].items()
        if k not in SPACED and any(between.search(f) for f in _forms(v))
    ]
    assert bad == []

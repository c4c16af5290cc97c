"""Every string the staff pages use exists in Chinese and English (the catalogue's staff keys)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assessment import city_ranking, dashboard, quality, spreadsheets
from assessment.reference import SIZES
from assessment.texts import load_catalogue
from ui import staff_cities

UI = Path(__file__).resolve().parents[2] / "ui"
CATALOGUE = load_catalogue()
STATIC = re.compile(r"""\bt\(\s*["']((?:staff|size|level)\.[a-z0-9_.]*)["']""")


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in sorted(UI.glob("staff_*.py")):
        keys |= set(STATIC.findall(path.read_text(encoding="utf-8")))
    # Keys built at run time, family by family.
    keys |= {f"staff.col.{c}" for c in dashboard.TABLE_COLUMNS}
    keys |= {f"staff.cities.col.{c}" for c in (*staff_cities.SHOWN, *city_ranking.INDICATORS)}
    keys |= {f"staff.cases.col.{c}" for c in ("assessment_id", "name", "year", "note", "marked_by")}
    keys |= {"staff.cases.col.marked_at"}
    keys |= {f"staff.quality.col.{c}" for c in quality.flags_frame([]).columns if c != "kind"}
    keys |= {f"staff.import.col.{c}" for c in ("row", "codes", "reasons")}
    keys |= {f"staff.export.headers.{v}" for v in spreadsheets.HEADER_LANGS}
    keys |= {f"staff.export.download_{k}" for k in spreadsheets.KINDS}
    keys |= {f"size.{v}" for v in SIZES}
    keys |= {f"staff.filter.{v}" for v in ("city", "industry")}
    keys |= {f"staff.dash.levels_by.{v}" for v in ("city", "industry")}
    keys |= {"staff.dash.mean_level", "staff.dash.share_level3", "level.n"}
    return keys


def test_static_keys_were_found():
    assert len(used_keys()) > 100


@pytest.mark.parametrize("key", sorted(used_keys()))
def test_every_used_key_has_both_languages(key):
    texts = {lang: CATALOGUE[lang].get(key) for lang in ("zh", "en")}
    assert all(texts.values()), f"{key} is missing from assessment/catalogue/"
    assert all(_joined(t).strip() for t in texts.values())


def _joined(value) -> str:
    # A plural entry is a mapping of forms; its placeholders are those of all forms.
    return value if isinstance(value, str) else " ".join(value.values())


@pytest.mark.parametrize("key", sorted(k for k in CATALOGUE["zh"] if k.startswith("staff.")))
def test_placeholders_agree_between_languages(key):
    names = [set(re.findall(r"\{(\w+)", _joined(CATALOGUE[lang][key]))) for lang in ("zh", "en")]
    assert names[0] == names[1]

"""Every string the staff pages use exists in Chinese and English (ui/i18n_staff.yaml)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assessment import city_ranking, dashboard, quality, spreadsheets
from ui import staff_cities
from ui.staff_common import SIZES, load_catalog

UI = Path(__file__).resolve().parents[2] / "ui"
CATALOG = load_catalog()
STATIC = re.compile(r"""\bs\(\s*["']([a-z_][a-z0-9_.]*)["']""")


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in sorted(UI.glob("staff_*.py")):
        keys |= set(STATIC.findall(path.read_text(encoding="utf-8")))
    # Keys built at run time, family by family.
    keys |= {f"col.{c}" for c in dashboard.TABLE_COLUMNS}
    keys |= {f"cities.col.{c}" for c in (*staff_cities.SHOWN, *city_ranking.INDICATORS)}
    keys |= {f"cases.col.{c}" for c in ("assessment_id", "name", "year", "note", "marked_by")}
    keys |= {"cases.col.marked_at"}
    keys |= {f"quality.col.{c}" for c in quality.flags_frame([]).columns if c != "kind"}
    keys |= {f"import.col.{c}" for c in ("row", "codes", "reasons")}
    keys |= {f"export.headers.{v}" for v in spreadsheets.HEADER_LANGS}
    keys |= {f"export.download_{k}" for k in spreadsheets.KINDS}
    keys |= {f"size.{v}" for v in SIZES}
    keys |= {f"filter.{v}" for v in ("city", "industry")}
    keys |= {f"dash.levels_by.{v}" for v in ("city", "industry")}
    keys |= {"dash.mean_level", "dash.share_level3", "level.n"}
    return keys


def test_static_keys_were_found():
    assert len(used_keys()) > 100


@pytest.mark.parametrize("key", sorted(used_keys()))
def test_every_used_key_has_both_languages(key):
    assert key in CATALOG, f"{key} is missing from ui/i18n_staff.yaml"
    texts = CATALOG[key]
    assert set(texts) == {"zh", "en"} and all(t.strip() for t in texts.values())


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_placeholders_agree_between_languages(key):
    names = [set(re.findall(r"\{(\w+)", CATALOG[key][lang])) for lang in ("zh", "en")]
    assert names[0] == names[1]

"""questionnaires/profile.yaml matches the documented profile contract and loads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from assessment import reference
from assessment.loader import load_questionnaire

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "questionnaires" / "profile.yaml"


def _documented() -> dict[str, str]:
    """Item id → type cell of the "Profile item ids" table in docs/architecture.md."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text.split("## Profile item ids", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(profile\.[a-z0-9_]+)` \| ([^|]+) \|", table, flags=re.M)
    return {item_id: cell.strip() for item_id, cell in rows}


DOCUMENTED = _documented()


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(PROFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def items(raw) -> dict[str, dict]:
    return {item["id"]: item for section in raw["sections"] for item in section["items"]}


@pytest.fixture(scope="module")
def loaded():
    return load_questionnaire(str(PROFILE))


def test_header(raw):
    assert (raw["id"], raw["kind"], raw["version"]) == ("profile", "profile", "2026.1")
    assert 3 <= len(raw["sections"]) <= 4
    assert all(s["id"].startswith("profile.") for s in raw["sections"])


def test_item_ids_are_exactly_the_documented_set(items):
    assert len(DOCUMENTED) == 20
    assert set(items) == set(DOCUMENTED)


@pytest.mark.parametrize("item_id", sorted(DOCUMENTED))
def test_item_type_matches_documentation(items, item_id):
    documented = DOCUMENTED[item_id].split()[0].rstrip(":,")
    assert items[item_id]["type"] == documented


@pytest.mark.parametrize(
    ("item_id", "options"),
    [
        ("profile.production_type", ["process", "discrete", "mixed"]),
        ("profile.tech_centre", ["none", "municipal", "provincial", "national"]),
        ("profile.four_bases", ["materials", "components", "processes", "tech_foundation", "none"]),
    ],
)
def test_documented_options(items, item_id, options):
    assert [o["value"] for o in items[item_id]["options"]] == options
    for code in options:
        assert f"`{code}`" in DOCUMENTED[item_id]


@pytest.mark.parametrize(
    ("item_id", "source"), [("profile.city", "cities"), ("profile.industry", "industries")]
)
def test_reference_lists(items, loaded, item_id, source):
    assert items[item_id]["options_from"] == source
    expected = reference.CITY_CODES if source == "cities" else reference.INDUSTRY_CODES
    assert tuple(o.value for o in loaded.item(item_id).options) == expected


def test_required_items(loaded):
    required = {it.id for it in loaded.items() if it.required}
    assert required == {
        "profile.name",
        "profile.credit_code",
        "profile.city",
        "profile.industry",
        "profile.production_type",
        "profile.employees",
        "profile.revenue",
    }


def test_dont_know_allowed_only_for_hard_to_know_figures(loaded):
    assert {it.id for it in loaded.items() if it.dont_know} == {
        "profile.rd_ratio",
        "profile.service_revenue_share",
        "profile.invest_last_year",
        "profile.invest_this_year",
    }


@pytest.mark.parametrize(
    ("item_id", "low", "high", "unit_zh"),
    [
        ("profile.employees", 0, 2_000_000, "人"),
        ("profile.revenue", 0, None, "万元"),
        ("profile.rd_ratio", 0, 100, "%"),
        ("profile.service_revenue_share", 0, 100, "%"),
        ("profile.invest_last_year", 0, None, "万元"),
        ("profile.invest_this_year", 0, None, "万元"),
    ],
)
def test_numeric_bounds_and_units(loaded, item_id, low, high, unit_zh):
    item = loaded.item(item_id)
    assert item.type == "numeric"
    assert (item.constraint.min, item.constraint.max) == (low, high)
    assert item.constraint.message.zh and item.constraint.message.en
    assert item.unit.zh == unit_zh and item.unit.en
    assert not item.scored, "profile facts are not scored"


def test_credit_code_uses_the_uscc_check(loaded):
    assert loaded.item("profile.credit_code").constraint.check == "uscc"


@pytest.mark.parametrize(
    ("answer", "accepted"),
    [
        ("C3110", True),
        ("3110", True),
        ("c31", True),
        ("I6510", True),
        ("C31101", False),
        ("钢铁", False),
        ("C-3110", False),
        ("3", False),
    ],
)
def test_gbt4754_pattern(loaded, answer, accepted):
    pattern = loaded.item("profile.gbt4754").constraint.pattern
    assert bool(re.fullmatch(pattern, answer)) is accepted
    if accepted:
        assert reference.normalise_gbt4754(answer) is not None


def test_every_text_is_bilingual_and_every_item_cites_a_source(loaded):
    for section in loaded.sections:
        assert section.label.zh and section.label.en
        for item in section.items:
            assert item.label.zh and item.label.en, item.id
            assert item.hint.zh and item.hint.en, item.id
            assert item.source.strip(), item.id
            for option in item.options:
                assert option.label.zh and option.label.en, f"{item.id}={option.value}"


def test_no_profile_fact_is_hidden_by_skip_logic(loaded):
    # Program matching needs every fact; see the comment at the top of profile.yaml.
    assert [it.id for it in loaded.items() if it.relevant_src] == []

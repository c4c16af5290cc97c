"""Contract: every shipped questionnaire validates and is documented for its users."""

from __future__ import annotations

import pytest

from assessment.answers import load_answers_file, validate_answers
from assessment.loader import DEFAULT_FOLDER, DEFAULT_IDS, load_questionnaires, validate_path
from assessment.questionnaire import KINDS

SHIPPED = [DEFAULT_FOLDER / f"{qid}.yaml" for qid in DEFAULT_IDS]
KIND_OF = {"profile": "profile", "im": "cmmm", "green": "green", "integration": "integration"}


def test_the_shipped_folder_validates():
    problems = validate_path(DEFAULT_FOLDER)
    assert problems == [], "\n".join(p.message() for p in problems)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_each_file_validates_on_its_own(path):
    # Alone, a file may refer to its own items and to profile.yaml beside it.
    problems = validate_path(path)
    assert problems == [], "\n".join(p.message() for p in problems)


@pytest.fixture(scope="module")
def qset():
    return load_questionnaires()


def test_the_set_has_the_documented_questionnaires(qset):
    assert qset.ids == DEFAULT_IDS
    for q in qset.questionnaires:
        assert q.kind == KIND_OF[q.id] and q.kind in KINDS
        assert q.version and q.source, q.id


def test_every_item_has_a_source_and_a_hint_in_both_languages(qset):
    missing = [
        item.id
        for item in qset.items()
        if not item.source.strip() or not item.hint.zh.strip() or not item.hint.en.strip()
    ]
    assert missing == []


def test_profile_has_the_items_other_modules_rely_on(qset):
    # docs/architecture.md, "Profile item ids": scoring, programs and peers read these.
    expected = {
        "profile.name": "text", "profile.credit_code": "text", "profile.city": "single",
        "profile.industry": "single", "profile.gbt4754": "text",
        "profile.production_type": "single", "profile.employees": "numeric",
        "profile.revenue": "numeric", "profile.rd_ratio": "numeric",
        "profile.tech_centre": "single", "profile.university_coop": "yesno",
        "profile.first_unit": "yesno", "profile.defence_qualification": "yesno",
        "profile.dual_use": "yesno", "profile.four_bases": "multiple",
        "profile.service_revenue_share": "numeric", "profile.park_member": "yesno",
        "profile.platform_operator": "yesno", "profile.invest_last_year": "numeric",
        "profile.invest_this_year": "numeric",
    }  # fmt: skip
    actual = {item.id: item.type for item in qset["profile"].items()}
    assert {k: actual.get(k) for k in expected} == expected
    assert qset.item("profile.credit_code").constraint.check == "uscc"
    values = [o.value for o in qset.item("profile.production_type").options]
    assert set(values) == {"process", "discrete", "mixed"}


def test_cmmm_requirements_cover_levels_in_declared_subdomains(qset):
    im = qset["im"]
    for section in im.sections:
        declared = {s.id for s in section.subdomains}
        for item in section.items:
            if item.type == "requirement":
                assert item.subdomain in declared and 1 <= item.level <= 5, item.id
    assert {i.level for i in im.items() if i.type == "requirement"} <= {1, 2, 3, 4, 5}


EXAMPLES = sorted((DEFAULT_FOLDER.parent / "examples").glob("*.json"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_answers_load_and_validate(path, qset):
    answers = load_answers_file(path, qset)
    problems = validate_answers(answers.answers, qset)
    assert problems == [], "\n".join(p.message() for p in problems)

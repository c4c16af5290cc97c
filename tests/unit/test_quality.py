"""Data-quality rules on plain data: duplicate keys, straight-lining, implausible numbers."""

from __future__ import annotations

import pytest

import assessment
from assessment import quality


@pytest.fixture(scope="module")
def qset():
    return assessment.load_questionnaires()


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("太原重工股份有限公司", "太原重工 股份有限公司", True),
        ("太原重工股份有限公司", "太原重工有限公司", True),
        ("ＴＹ Steel Co., Ltd.", "ty steel", True),
        ("太原重工", "大同重工", False),
        ("合成示例·taiyuan·steel·00001", "合成示例·taiyuan·steel·00002", False),
    ],
)
def test_name_key(a, b, same):
    assert (quality.name_key(a) == quality.name_key(b)) is same


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("91350100M000100Y43", "91350100M000100Y4X", True),  # only the check character differs
        ("91350100M000100Y43", "91350100 M000100Y43", True),
        ("9135010OM000100Y43", "91350100M000100Y43", True),  # letter O typed for zero
        ("91350100M000100Y43", "91350100M000200Y43", False),
    ],
)
def test_code_key(a, b, same):
    assert (quality.code_key(a) == quality.code_key(b)) is same


def test_duplicate_flags_name_every_member():
    flags = quality.duplicate_flags(
        [
            (1, "太原重工有限公司", "91140100MA0000001A"),
            (2, "太原重工 有限公司", "91140100MA0000002B"),
            (3, "大同机车", "91140100MA0000002C"),
            (4, "长治钢铁", "91140400MA0000009D"),
        ]
    )
    got = {(f.kind, f.enterprise_id) for f in flags}
    assert got == {
        ("duplicate_name", 1),
        ("duplicate_name", 2),
        ("duplicate_code", 2),
        ("duplicate_code", 3),
    }
    assert next(f for f in flags if f.enterprise_id == 1).detail.endswith("#2")


def requirement_ids(qset) -> list[str]:
    return [i.id for i in qset.items() if i.type == "requirement"]


def test_straight_lined(qset):
    ids = requirement_ids(qset)
    assert len(ids) >= quality.MIN_STRAIGHT_LINE
    same = dict.fromkeys(ids, "most")
    assert quality.straight_lined(same, qset) == "most"
    mixed = {**same, ids[3]: "full"}
    assert quality.straight_lined(mixed, qset) is None
    # "don't know" is not a rating; too few ratings are not judged.
    assert quality.straight_lined({**same, ids[0]: "dont_know"}, qset) == "most"
    few = dict.fromkeys(ids[: quality.MIN_STRAIGHT_LINE - 1], "none")
    assert quality.straight_lined(few, qset) is None


@pytest.mark.parametrize(
    ("answers", "kinds"),
    [
        ({"profile.rd_ratio": 51}, {"rd_ratio"}),
        ({"profile.rd_ratio": 50}, set()),
        ({"profile.rd_ratio": "dont_know"}, set()),
        ({"profile.invest_last_year": 10, "profile.invest_this_year": 111}, {"invest_growth"}),
        ({"profile.invest_last_year": 10, "profile.invest_this_year": 110}, set()),
        ({"profile.invest_last_year": 0, "profile.invest_this_year": 500}, set()),
        ({"profile.invest_last_year": True, "profile.invest_this_year": 500}, set()),
    ],
)
def test_implausible_numbers(qset, answers, kinds):
    flags = quality.answer_flags(7, 3, "x", 2026, answers, qset)
    assert {f.kind for f in flags} == kinds
    assert all(f.assessment_id == 7 and f.enterprise_id == 3 for f in flags)


def test_flags_frame_is_bilingual():
    flag = quality.Flag("rd_ratio", 1, "x", 2, 2026, "60 %")
    zh = quality.flags_frame([flag], "zh")
    en = quality.flags_frame([flag], "en")
    assert zh.loc[0, "label"] == quality.KINDS["rd_ratio"].zh
    assert en.loc[0, "label"] == quality.KINDS["rd_ratio"].en
    assert list(zh.columns)[:2] == ["kind", "label"]

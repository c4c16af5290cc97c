"""Reference codes: cities, industries and GB/T 4754, credit-code check, size class."""

from __future__ import annotations

import dataclasses
import re

import pytest

from assessment import reference as ref
from assessment.questionnaire import Text

# --- cities ---------------------------------------------------------------------------


def test_eleven_cities_in_documented_order_with_division_codes():
    assert [(c.code, c.division) for c in ref.CITIES] == [
        ("taiyuan", "140100"),
        ("datong", "140200"),
        ("yangquan", "140300"),
        ("changzhi", "140400"),
        ("jincheng", "140500"),
        ("shuozhou", "140600"),
        ("jinzhong", "140700"),
        ("yuncheng", "140800"),
        ("xinzhou", "140900"),
        ("linfen", "141000"),
        ("lvliang", "141100"),
    ]
    assert tuple(c.code for c in ref.CITIES) == ref.CITY_CODES


@pytest.mark.parametrize("item", ref.CITIES + ref.INDUSTRIES, ids=lambda x: x.code)
def test_every_city_and_industry_has_both_labels(item):
    assert isinstance(item.label, Text)
    assert item.label.zh.strip() and item.label.en.strip()
    assert re.search(r"[\u4e00-\u9fff]", item.label.zh), "zh label should be Chinese"


@pytest.mark.parametrize(
    ("code", "zh", "en"),
    [("taiyuan", "太原", "Taiyuan"), ("lvliang", "吕梁", "Lüliang"), ("linfen", "临汾", "Linfen")],
)
def test_city_lookup(code, zh, en):
    city = ref.city(code)
    assert city is not None
    assert (city.label.get("zh"), city.label.get("en")) == (zh, en)


def test_unknown_city_is_none():
    assert ref.city("beijing") is None


@pytest.mark.parametrize(
    ("division", "expected"),
    [
        ("140100", "taiyuan"),
        ("140105", "taiyuan"),
        ("141127", "lvliang"),
        ("140000", None),
        ("350100", None),
    ],
)
def test_city_for_division(division, expected):
    found = ref.city_for_division(division)
    assert (found.code if found else None) == expected


def test_reference_records_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.CITIES[0].code = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.INDUSTRIES[0].key = False  # type: ignore[misc]


# --- industries -----------------------------------------------------------------------


def test_industry_codes_match_architecture():
    assert ref.INDUSTRY_CODES == (
        "steel",
        "nonferrous",
        "coking",
        "food",
        "building_materials",
        "light_textile",
        "coal_chemical",
        "equipment",
        "energy_env",
        "new_materials",
        "prefab_building",
        "nev",
        "it",
        "pharma",
        "other",
    )


def test_groups_sections_and_key_industries():
    groups = {i.code: i.group for i in ref.INDUSTRIES}
    traditional = {"steel", "nonferrous", "coking", "food", "building_materials", "light_textile"}
    assert {c for c, g in groups.items() if g == "traditional"} == traditional
    assert {c for c, g in groups.items() if g == "other"} == {"other"}
    for ind in ref.INDUSTRIES:
        if ind.group == "traditional":
            assert ind.policy_section == "§2(1)"
        elif ind.group == "emerging":
            assert ind.policy_section == "§2(2)"
    assert set(ref.INDUSTRY_CODES) - ref.KEY_INDUSTRIES == {"other"}
    assert ref.industry("other").key is False
    assert ref.industry("steel").key is True
    assert ref.industry("nope") is None


def test_gbt4754_prefixes_are_well_formed_and_unique():
    seen: dict[str, str] = {}
    for ind in ref.INDUSTRIES:
        for prefix in ind.gbt4754:
            assert re.fullmatch(r"[A-T][0-9]{2,4}", prefix), prefix
            assert ref.normalise_gbt4754(prefix) == prefix, f"{prefix} has the wrong section"
            assert prefix not in seen, f"{prefix} in both {seen.get(prefix)} and {ind.code}"
            seen[prefix] = ind.code
            assert ref.industry_for_gbt4754(prefix) == ind.code
    assert ref.industry("other").gbt4754 == ()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # the user's code in every spelling
        ("C3110", "steel"),  # 炼铁
        ("3110", "steel"),
        ("c3110", "steel"),
        (" C 31 ", "steel"),
        ("C31", "steel"),
        ("312", "steel"),
        ("3240", "new_materials"),  # 有色金属合金制造 beats C32
        ("3216", "nonferrous"),  # 铝冶炼
        ("C32", "nonferrous"),
        # longest prefix: coking is one class of coal processing
        ("2521", "coking"),
        ("C2522", "coal_chemical"),  # 煤制合成气生产
        ("2523", "coal_chemical"),  # 煤制液体燃料生产
        ("2524", None),  # 煤制品制造 (briquettes): neither coking nor coal chemicals
        ("2511", None),  # 原油加工: not a policy industry
        ("2614", "coal_chemical"),  # 有机化学原料制造
        ("2661", "new_materials"),  # 化学试剂和助剂制造
        ("2681", "light_textile"),  # 肥皂及洗涤剂制造
        # food: vinegar, liquor, dairy
        ("C1462", "food"),
        ("1512", "food"),
        ("1441", "food"),
        ("C13", "food"),
        ("1610", None),  # tobacco is not named by the policy
        ("3011", "building_materials"),  # 水泥制造
        ("3041", "building_materials"),  # 平板玻璃制造
        ("3022", "prefab_building"),  # 砼结构构件制造
        ("3091", "new_materials"),  # 石墨及碳素制品制造
        ("3061", "new_materials"),  # 玻璃纤维及制品制造
        ("3311", "prefab_building"),  # 金属结构制造
        ("3312", "equipment"),
        ("3411", "equipment"),
        ("3591", "energy_env"),  # 环境保护专用设备制造
        ("3581", "pharma"),  # 医疗诊断设备
        ("2710", "pharma"),  # 化学药品原料药制造
        ("3611", "equipment"),  # 汽柴油车整车制造
        ("3612", "nev"),  # 新能源车整车制造
        ("3670", "equipment"),
        ("3985", "new_materials"),  # 电子专用材料制造 beats C39
        ("3911", "it"),
        ("I6510", "it"),  # 软件开发
        ("6510", "it"),
        ("I64", "it"),
        ("4210", "energy_env"),  # 金属废料和碎屑加工处理
        ("N7721", "energy_env"),  # 水污染治理
        ("N7712", None),  # 生态保护, not environmental treatment
        ("1713", "light_textile"),  # 棉印染精加工
        ("2221", "light_textile"),  # 机制纸及纸板制造
        ("2431", "light_textile"),  # 工艺美术
        ("2921", "light_textile"),  # 塑料薄膜制造
        ("2911", None),  # rubber tyres
        ("0111", None),  # agriculture
        ("D4411", None),
    ],
)
def test_industry_for_gbt4754(code, expected):
    assert ref.industry_for_gbt4754(code) == expected


@pytest.mark.parametrize(
    "code",
    ["", "C", "3", "C3", "31101", "C31101", "ABC", "C31X0", "I3110", "D3110", "9910", "C-31"],
)
def test_malformed_or_inconsistent_gbt4754_is_none(code):
    assert ref.normalise_gbt4754(code) is None
    assert ref.industry_for_gbt4754(code) is None


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("3110", "C3110"),
        ("c31", "C31"),
        ("0111", "A0111"),
        ("6510", "I6510"),
        ("97", "T97"),
        ("7721", "N7721"),
        ("4700", "E4700"),
    ],
)
def test_normalise_gbt4754_adds_section_letter(code, expected):
    assert ref.normalise_gbt4754(code) == expected


# --- unified social credit code -------------------------------------------------------

# Codes printed on published business licences (and the GB 32100-2015 example): an
# independent check that the weights and the 31 → 0 rule are right.
PUBLISHED = [
    "91350100M000100Y43",
    "914403001922038216",
    "91440300708461136T",
    "91330100716105852F",
    "91110000100006485K",
    "911400001100598288",  # a Shanxi code
]


def _shanxi(first17: str) -> str:
    return first17 + ref.uscc_check_char(first17)


SHANXI = [
    _shanxi("91140100MA0GT6RK2"),  # Taiyuan
    _shanxi("91141100MA0KQ1W8L"),  # Lüliang
    _shanxi("12140700405740211"),  # a public institution in Jinzhong
]


@pytest.mark.parametrize("code", PUBLISHED + SHANXI)
def test_valid_codes(code):
    assert ref.uscc_problem(code) is None
    assert ref.uscc_detail(code) is None
    assert ref.is_valid_uscc(code)


@pytest.mark.parametrize(
    "code",
    [
        "91350100m000100y43",
        " 91350100M000100Y43 ",
        "9135 0100 M000 100Y 43",
        "9135010\t0M000100Y43",
    ],
)
def test_input_is_normalised(code):
    assert ref.normalise_uscc(code) == "91350100M000100Y43"
    assert ref.uscc_problem(code) is None


@pytest.mark.parametrize(
    ("code", "en"),
    [
        ("91350100M000100Y4", "must be 18 characters, got 17"),
        ("91350100M000100Y433", "must be 18 characters, got 19"),
        ("", "must be 18 characters, got 0"),
        ("9135I100M000100Y43", "character 'I' at position 5 is not allowed"),
        ("9135010OM000100Y43", "character 'O' at position 8 is not allowed"),
        ("Z1350100M000100Y43", "character 'Z' at position 1 is not allowed"),
        ("91350100M000100S43", "character 'S' at position 16 is not allowed"),
        ("91350100M000100Y4V", "character 'V' at position 18 is not allowed"),
        ("91350100M000100Y4-", "character '-' at position 18 is not allowed"),
        ("91350100M000100Y44", "check character should be '3', not '4'"),
        ("91350100M000100Y34", "check character should be '0', not '4'"),  # swapped; 31 → 0
        ("913501OOM000100Y43", "character 'O' at position 7 is not allowed"),
    ],
)
def test_invalid_codes_say_why(code, en):
    assert ref.uscc_problem(code) == en
    detail = ref.uscc_detail(code)
    assert detail is not None and detail.en == en
    assert re.search(r"[\u4e00-\u9fff]", detail.zh)
    assert not ref.is_valid_uscc(code)
    assert not ref.is_shanxi_uscc(code)


def test_wrong_check_char_detail_in_chinese_names_both_characters():
    detail = ref.uscc_detail("91350100M000100Y44")
    assert "'3'" in detail.zh and "'4'" in detail.zh


@pytest.mark.parametrize("code", PUBLISHED[:5])
def test_every_single_character_typo_is_caught(code):
    # A check character exists to catch one mistyped character; prove it does.
    for pos in range(17):
        for ch in ref.USCC_ALPHABET:
            if ch != code[pos]:
                typo = code[:pos] + ch + code[pos + 1 :]
                assert ref.uscc_problem(typo) is not None, typo


def test_check_char_31_maps_to_zero():
    # Find a prefix whose weighted sum is divisible by 31: its check character is '0'.
    first17 = "91140100MA0GT6RK"
    for ch in ref.USCC_ALPHABET:
        candidate = first17 + ch
        total = sum(
            ref.USCC_ALPHABET.index(c) * w for c, w in zip(candidate, ref.USCC_WEIGHTS, strict=True)
        )
        if total % 31 == 0:
            assert ref.uscc_check_char(candidate) == "0"
            assert ref.uscc_problem(candidate + "0") is None
            break
    else:  # pragma: no cover - the last weight (28) is coprime with 31, so one ch fits
        pytest.fail("no prefix with sum divisible by 31")


@pytest.mark.parametrize(
    ("first17", "expected"), [("91350100M000100Y4", "3"), ("9144030019220382", None)]
)
def test_uscc_check_char(first17, expected):
    if expected is None:
        with pytest.raises(ValueError, match="17 characters"):
            ref.uscc_check_char(first17)
    else:
        assert ref.uscc_check_char(first17) == expected
        assert ref.uscc_check_char(first17.lower()) == expected


def test_uscc_check_char_rejects_forbidden_letters():
    with pytest.raises(ValueError, match="not allowed"):
        ref.uscc_check_char("9135I100M000100Y4")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (SHANXI[0], True),
        (SHANXI[1].lower(), True),
        (SHANXI[2], True),
        ("911400001100598288", True),
        ("91350100M000100Y43", False),  # Fujian
        ("914403001922038216", False),  # Guangdong
        (SHANXI[0][:17] + ("0" if SHANXI[0][17] != "0" else "1"), False),  # wrong check char
    ],
)
def test_is_shanxi_uscc(code, expected):
    assert ref.is_shanxi_uscc(code) is expected


# --- size class -----------------------------------------------------------------------


def test_size_classes_have_labels():
    assert list(ref.SIZE_CLASSES) == ["large", "medium", "small", "micro"]
    assert [t.zh for t in ref.SIZE_CLASSES.values()] == ["大型", "中型", "小型", "微型"]
    assert all(t.en for t in ref.SIZE_CLASSES.values())


@pytest.mark.parametrize(
    ("employees", "revenue", "expected"),
    [
        (1000, 40000, "large"),  # exactly on both bounds
        (5000, 1_000_000, "large"),
        (999, 40000, "medium"),  # one employee short
        (1000, 39999.9, "medium"),  # revenue just short
        (5000, 1999, "small"),  # many employees, little revenue: drops two classes
        (300, 2000, "medium"),
        (299, 2000, "small"),
        (300, 1999, "small"),
        (20, 300, "small"),
        (19, 300, "micro"),
        (20, 299, "micro"),
        (10, 100_000, "micro"),  # big revenue, few employees
        (0, 0, "micro"),
        (1000.0, 40000.0, "large"),
    ],
)
def test_size_class_nbs_2017(employees, revenue, expected):
    assert ref.size_class(employees, revenue) == expected
    assert expected in ref.SIZE_CLASSES


@pytest.mark.parametrize(
    ("employees", "revenue"),
    [(None, 100), (100, None), (None, None), (float("nan"), 100), (100, float("nan"))],
)
def test_size_class_unknown_when_either_is_missing(employees, revenue):
    assert ref.size_class(employees, revenue) is None

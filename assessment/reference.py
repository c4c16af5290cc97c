"""Reference codes: Shanxi cities, the policy's industries, credit-code check, size class.

Stored answers use the codes defined here, never display text. Sources:
docs/background/reference-data.md (cities, GB 32100-2015, NBS 2017 size rule) and
Policy §2 (industries). The GB/T 4754-2017 codes below were checked against copies of
the classification table (门类/大类/中类/小类), e.g. 2521 炼焦, 2522 煤制合成气生产,
3612 新能源车整车制造, 3985 电子专用材料制造.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from assessment.numbers import finite
from assessment.questionnaire import Text
from assessment.texts import bilingual


def _label(family: str, code: str) -> Text:
    # Display names live in the catalogue (assessment/catalogue/*.yaml), keyed by code.
    return bilingual(f"reference.{family}.{code}")


# --- cities -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class City:
    """A prefecture-level city of Shanxi with its administrative division code."""

    code: str
    division: str
    label: Text


CITIES: tuple[City, ...] = (
    City("taiyuan", "140100", _label("city", "taiyuan")),
    City("datong", "140200", _label("city", "datong")),
    City("yangquan", "140300", _label("city", "yangquan")),
    City("changzhi", "140400", _label("city", "changzhi")),
    City("jincheng", "140500", _label("city", "jincheng")),
    City("shuozhou", "140600", _label("city", "shuozhou")),
    City("jinzhong", "140700", _label("city", "jinzhong")),
    City("yuncheng", "140800", _label("city", "yuncheng")),
    City("xinzhou", "140900", _label("city", "xinzhou")),
    City("linfen", "141000", _label("city", "linfen")),
    City("lvliang", "141100", _label("city", "lvliang")),
)
CITY_CODES: tuple[str, ...] = tuple(c.code for c in CITIES)
_CITY_BY_CODE = MappingProxyType({c.code: c for c in CITIES})


def city(code: str) -> City | None:
    """The city with this code, or None."""
    return _CITY_BY_CODE.get(code)


def city_for_division(division: str) -> City | None:
    """The city whose prefecture-level division (first four digits) matches, or None."""
    prefix = division.strip()[:4]
    for c in CITIES:
        if c.division[:4] == prefix:
            return c
    return None


# --- industries ---------------------------------------------------------------------

IndustryGroup = Literal["traditional", "emerging", "other"]


@dataclass(frozen=True, slots=True)
class Industry:
    """An industry named by Policy §2, with the GB/T 4754-2017 codes it covers."""

    code: str
    label: Text
    group: IndustryGroup
    policy_section: str
    gbt4754: tuple[str, ...]
    key: bool


# GB/T 4754-2017 codes: section letter + division (2 digits), group (3) or class (4).
# Mapping is by longest prefix, so a narrower code (C2521 coking, C358 medical devices,
# C3612 NEV) wins over its division (C25, C35, C36). Judgement calls, documented:
# - coal_chemical takes the whole of C26 (chemical raw materials): in Shanxi it is
#   mostly coal-based; daily chemicals (C268) go to light_textile and special chemicals
#   (C266) to new_materials. C2524 (briquettes) and C2529 stay with coal processing.
# - equipment follows the NBS 装备制造业 scope (C33–C40) except C39 (it) and C3612 (nev).
# - nev: new-energy vehicle assembly (C3612) and trolley vehicles (C3650); parts
#   makers (C367) cannot be told apart from conventional ones and stay in equipment.
# - new_materials has no division of its own in GB/T 4754; we take the classes that are
#   new materials by nature (graphite/carbon, glass fibre, special chemicals, alloys,
#   electronic materials). Other new-material makers should pick it by hand.
# - prefab_building: concrete structural components (C3022) and metal structures (C3311).
# - light_textile follows China's 轻工 scope (textiles, garments, leather, wood, furniture,
#   paper, printing, crafts, daily chemicals, plastics products); glass and ceramics are
#   in building_materials (C30) as docs/architecture.md says. Rubber (C291), tobacco
#   (C16), chemical fibres (C28) and petroleum refining (C251) are "other".
INDUSTRIES: tuple[Industry, ...] = (
    Industry("steel", _label("industry", "steel"), "traditional", "§2(1)", ("C31",), True),
    Industry(
        "nonferrous",
        _label("industry", "nonferrous"),
        "traditional",
        "§2(1)",
        ("C32",),
        True,
    ),
    Industry("coking", _label("industry", "coking"), "traditional", "§2(1)", ("C2521",), True),
    Industry(
        "food",
        _label("industry", "food"),
        "traditional",
        "§2(1)",
        ("C13", "C14", "C15"),
        True,
    ),
    Industry(
        "building_materials",
        _label("industry", "building_materials"),
        "traditional",
        "§2(1)",
        ("C30",),
        True,
    ),
    Industry(
        "light_textile",
        _label("industry", "light_textile"),
        "traditional",
        "§2(1)",
        ("C17", "C18", "C19", "C20", "C21", "C22", "C23", "C24", "C268", "C292"),
        True,
    ),
    Industry(
        "coal_chemical",
        _label("industry", "coal_chemical"),
        "emerging",
        "§2(2)",
        ("C2522", "C2523", "C26"),
        True,
    ),
    Industry(
        "equipment",
        _label("industry", "equipment"),
        "emerging",
        "§2(2)",
        ("C33", "C34", "C35", "C36", "C37", "C38", "C40"),
        True,
    ),
    Industry(
        "energy_env",
        _label("industry", "energy_env"),
        "emerging",
        "§2(2)",
        ("C3591", "C42", "N772"),
        True,
    ),
    Industry(
        "new_materials",
        _label("industry", "new_materials"),
        "emerging",
        "§2(2)",
        ("C266", "C306", "C3091", "C324", "C3985"),
        True,
    ),
    Industry(
        "prefab_building",
        _label("industry", "prefab_building"),
        "emerging",
        "§2(2)",
        ("C3022", "C3311"),
        True,
    ),
    Industry(
        "nev",
        _label("industry", "nev"),
        "emerging",
        "§2(2)",
        ("C3612", "C3650"),
        True,
    ),
    Industry(
        "it",
        _label("industry", "it"),
        "emerging",
        "§2(2)",
        ("C39", "I63", "I64", "I65"),
        True,
    ),
    Industry(
        "pharma",
        _label("industry", "pharma"),
        "emerging",
        "§2(2)",
        ("C27", "C358"),
        True,
    ),
    Industry("other", _label("industry", "other"), "other", "", (), False),
)
INDUSTRY_CODES: tuple[str, ...] = tuple(i.code for i in INDUSTRIES)
KEY_INDUSTRIES: frozenset[str] = frozenset(i.code for i in INDUSTRIES if i.key)
_INDUSTRY_BY_CODE = MappingProxyType({i.code: i for i in INDUSTRIES})
_GBT_PREFIXES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        ((prefix, i.code) for i in INDUSTRIES for prefix in i.gbt4754),
        key=lambda pair: -len(pair[0]),
    )
)
# Division (2 digits) → section letter, so "3110" can be read as "C3110".
_SECTIONS: tuple[tuple[str, int, int], ...] = (
    ("A", 1, 5),
    ("B", 6, 12),
    ("C", 13, 43),
    ("D", 44, 46),
    ("E", 47, 50),
    ("F", 51, 52),
    ("G", 53, 60),
    ("H", 61, 62),
    ("I", 63, 65),
    ("J", 66, 69),
    ("K", 70, 70),
    ("L", 71, 72),
    ("M", 73, 75),
    ("N", 76, 79),
    ("O", 80, 82),
    ("P", 83, 83),
    ("Q", 84, 85),
    ("R", 86, 90),
    ("S", 91, 96),
    ("T", 97, 97),
)


def industry(code: str) -> Industry | None:
    """The industry with this code, or None."""
    return _INDUSTRY_BY_CODE.get(code)


def normalise_gbt4754(code: str) -> str | None:
    """A GB/T 4754 code as section letter + 2–4 digits ("3110" → "C3110"), or None."""
    text = code.strip().upper().replace(" ", "")
    letter = ""
    if text[:1].isalpha():
        letter, text = text[0], text[1:]
    if not (2 <= len(text) <= 4 and text.isdigit()):
        return None
    division = int(text[:2])
    section = next((s for s, lo, hi in _SECTIONS if lo <= division <= hi), None)
    if section is None or (letter and letter != section):
        return None
    return section + text


def industry_for_gbt4754(code: str) -> str | None:
    """Our industry code for a GB/T 4754 code ("C3110", "3110", "C31"), by longest prefix."""
    normal = normalise_gbt4754(code)
    if normal is None:
        return None
    for prefix, industry_code in _GBT_PREFIXES:
        if normal.startswith(prefix):
            return industry_code
    return None


# --- unified social credit code (GB 32100-2015) -------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS: tuple[int, ...] = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = MappingProxyType({ch: i for i, ch in enumerate(USCC_ALPHABET)})


def normalise_uscc(code: str) -> str:
    """The code as users mean it: spaces removed, upper-case."""
    return "".join(code.split()).upper()


def uscc_check_char(first17: str) -> str:
    """The check character (18th) for the first 17 characters of a credit code."""
    first17 = normalise_uscc(first17)
    if len(first17) != 17:
        raise ValueError(f"need 17 characters, got {len(first17)}")
    try:
        total = sum(_USCC_VALUE[ch] * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not allowed") from exc
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_detail(code: str) -> Text | None:
    """Why a unified social credit code is invalid (zh and en), or None when it is valid."""
    text = normalise_uscc(code)
    if len(text) != 18:
        return bilingual("reference.uscc.length", length=len(text))
    for pos, ch in enumerate(text, start=1):
        if ch not in _USCC_VALUE:
            return bilingual("reference.uscc.character", char=ch, position=pos)
    expected = uscc_check_char(text[:17])
    if text[17] != expected:
        return bilingual("reference.uscc.check", expected=expected, found=text[17])
    return None


def uscc_problem(code: str) -> str | None:
    """Why a unified social credit code is invalid (English), or None when it is valid."""
    detail = uscc_detail(code)
    return detail.en if detail else None


def is_valid_uscc(code: str) -> bool:
    """Whether a unified social credit code is well-formed with a correct check character."""
    return uscc_detail(code) is None


def is_shanxi_uscc(code: str) -> bool:
    """Whether a valid credit code was issued in Shanxi (division 14xxxx, characters 3–8)."""
    text = normalise_uscc(code)
    return is_valid_uscc(text) and text[2:4] == "14"


# --- enterprise size (国家统计局《统计上大中小微型企业划分办法(2017)》, industry) ------------

SIZES: tuple[str, ...] = ("large", "medium", "small", "micro")
SIZE_CLASSES: MappingProxyType[str, Text] = MappingProxyType(
    {code: bilingual(f"size.{code}") for code in SIZES}
)
# (class, minimum employees, minimum operating revenue in 万元); both bounds must hold.
_SIZE_RULE: tuple[tuple[str, float, float], ...] = (
    ("large", 1000, 40000),
    ("medium", 300, 2000),
    ("small", 20, 300),
)


def size_class(employees: float | None, revenue_wan: float | None) -> str | None:
    """Size class of an industrial enterprise (revenue in 万元); None when either is unknown."""
    # NaN is how pandas spells "unknown"; treat it like None.
    employees, revenue_wan = finite(employees), finite(revenue_wan)
    if employees is None or revenue_wan is None:
        return None
    for name, min_employees, min_revenue in _SIZE_RULE:
        if employees >= min_employees and revenue_wan >= min_revenue:
            return name
    return "micro"

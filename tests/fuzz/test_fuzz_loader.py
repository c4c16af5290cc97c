"""Property-based tests of the questionnaire loader (assessment/loader.py) on hostile files.

Whatever the file holds — random YAML text, a valid questionnaire with keys dropped,
values of the wrong type, unicode, huge numbers, NaN, deep nesting, unusual YAML tags —
`validate_path` returns coded problems and `load_questionnaire` returns a questionnaire or
raises AssessmentError with catalogue codes, and the two agree. Nothing else escapes.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from assessment.errors import CATALOGUE, AssessmentError
from assessment.loader import load_questionnaire, validate_path
from assessment.questionnaire import Questionnaire


def text(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


PROFILE = {
    "id": "profile",
    "version": "1",
    "kind": "profile",
    "title": text("企业档案", "Profile"),
    "sections": [
        {
            "id": "profile.basic",
            "label": text("基本", "Basic"),
            "items": [
                {
                    "id": "profile.production_type",
                    "type": "single",
                    "label": text("类型", "Type"),
                    "hint": text("提示", "Hint"),
                    "options": [
                        {"value": "process", "label": text("流程", "Process")},
                        {"value": "discrete", "label": text("离散", "Discrete")},
                    ],
                },
                {
                    "id": "profile.name",
                    "type": "text",
                    "label": text("名称", "Name"),
                    "hint": text("提示", "Hint"),
                    "constraint": {"pattern": "^.+$", "check": "uscc"},
                },
            ],
        }
    ],
}
IM = {
    "id": "im",
    "version": "1",
    "kind": "cmmm",
    "title": text("智能制造", "IM"),
    "source": "GB/T 39116-2020",
    "levels": [
        {"level": n, "name": text(str(n), str(n)), "description": text("级", "Level")}
        for n in range(1, 6)
    ],
    "sections": [
        {
            "id": "im.a",
            "label": text("甲", "A"),
            "weight": {"process": 60, "discrete": 50},
            "subdomains": [{"id": "im.a.x", "label": text("子", "X"), "weight": 100}],
            "items": [
                {
                    "id": "im.a.x.one",
                    "type": "requirement",
                    "subdomain": "im.a.x",
                    "level": 1,
                    "label": text("要求", "Requirement"),
                    "hint": text("提示", "Hint"),
                    "dont_know": True,
                    "relevant": "${profile.production_type} = 'process'",
                }
            ],
        },
        {
            "id": "im.b",
            "label": text("乙", "B"),
            "weight": {"process": 40, "discrete": 50},
            "items": [
                {
                    "id": "im.b.num",
                    "type": "numeric",
                    "direction": "lower",
                    "benchmarks": {
                        "default": {"baseline": 200, "leading": 120},
                        "coking": {"baseline": 150, "leading": 100},
                    },
                    "constraint": {"min": 0, "max": 1000},
                    "unit": text("吨", "t"),
                    "label": text("数", "Number"),
                    "hint": text("提示", "Hint"),
                },
                {
                    "id": "im.b.multi",
                    "type": "multiple",
                    "cap": 10,
                    "options": [
                        {"value": "a", "label": text("甲", "A"), "points": 5},
                        {"value": "b", "label": text("乙", "B"), "points": 8},
                    ],
                    "label": text("多", "Multi"),
                    "hint": text("提示", "Hint"),
                },
            ],
        },
    ],
}

# Raw YAML put where a value was: tags, anchors, merges, numbers Python cannot hold.
RAW_SNIPPETS = (
    "!!int x", "!!float x", "!!timestamp 2020-13-45", "!!binary '%%%'", "!!bool maybe",
    "!!python/object/apply:os.system [ls]", "!!set {a, b}", "!!omap [a: 1]", "*nothing",
    "&a [*a]", "{<<: 5}", "{<<: [1]}", "? [1]\n", "9" * 400, "9" * 5000, "-" + "9" * 320,
    "1e999", "-.inf", ".nan", "0x" + "f" * 300, "0o777", "0b101", "1_000", "2026-02-30",
    "~", "''", '"\\ud800"', '"\\x00"', "yes", "No", "on", "!!str", "!custom x", "|\n  a",
)  # fmt: skip
HOSTILE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**500), max_value=10**500),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(["", " ", "<script>alert(1)</script>", "**粗体**", "im.a", "cmmm", "中文"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=3),
    st.integers(min_value=1, max_value=60).map(lambda n: _nest(n)),
    st.sampled_from(range(len(RAW_SNIPPETS))).map(lambda i: f"__RAW{i}__"),
)


def _nest(depth: int) -> Any:
    value: Any = "deep"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (keys and list indices) inside a document, the root excluded."""
    out: list[tuple] = []
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in children:
        out.append((*prefix, key))
        out.extend(_paths(child, (*prefix, key)))
    return out


@st.composite
def mutated(draw: st.DrawFn, base: dict) -> dict:
    """The document with one to three random edits."""
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        action = draw(st.sampled_from(["drop", "replace", "replace", "add", "duplicate"]))
        if action == "drop":
            del parent[last]
        elif action == "replace":
            parent[last] = draw(HOSTILE_VALUES)
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.one_of(st.text(max_size=8), st.integers()))] = draw(HOSTILE_VALUES)
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
    return doc


def dump(doc: Any) -> str:
    out = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=10_000)
    for i, snippet in enumerate(RAW_SNIPPETS):
        out = out.replace(f"__RAW{i}__", snippet)
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("questionnaires")
    (out / "profile.yaml").write_text(dump(PROFILE), encoding="utf-8")
    return out


def check_file(path: Path) -> Questionnaire | None:
    """Validate and load one file; both must agree and report only catalogue codes."""
    problems = validate_path(path)
    assert isinstance(problems, list)
    for p in problems:
        assert p.code in CATALOGUE, p.code
        assert p.message("en") and p.message("zh")
    try:
        loaded = load_questionnaire(path)
    except AssessmentError as err:
        assert set(err.codes) <= set(CATALOGUE)
        assert problems, "load_questionnaire refused a file that validate_path accepts"
        return None
    assert not problems, "load_questionnaire accepted a file with problems"
    assert isinstance(loaded, Questionnaire)
    return loaded


@pytest.mark.parametrize("base", [PROFILE, IM], ids=["profile", "im"])
def test_the_unmutated_questionnaires_load(folder: Path, base: dict) -> None:
    # The properties below would hold trivially if the bases did not load.
    path = folder / f"{base['id']}.yaml"
    if base is IM:
        path.write_text(dump(IM), encoding="utf-8")
    assert check_file(path) is not None


@given(case=st.tuples(st.just("im"), mutated(IM)) | st.tuples(st.just("profile"), mutated(PROFILE)))
def test_a_mutated_questionnaire_is_loaded_or_refused_with_codes(
    folder: Path, case: tuple[str, dict]
) -> None:
    base, doc = case
    # im.yaml sits beside the valid profile.yaml its `relevant` refers to; a mutated
    # profile sits alone (beside profile.yaml its ids would clash with the valid one's).
    path = folder / "im.yaml" if base == "im" else folder.parent / "fuzz-profile.yaml"
    path.write_text(dump(doc), encoding="utf-8", errors="surrogatepass")
    check_file(path)


YAML_ALPHABET = "abcdefgimnorstuvwxyz_.0123456789 :-[]{}&*!|>'\"#%@`,?~\n\t中文\\"


@given(
    prefix=st.sampled_from(["", "id: im\nversion: '1'\nkind: cmmm\n", "sections:\n  - "]),
    body=st.text(alphabet=YAML_ALPHABET, max_size=120) | st.text(max_size=60),
    raw=st.none() | st.binary(max_size=120),
)
def test_random_yaml_text_or_bytes_give_coded_problems(
    folder: Path, prefix: str, body: str, raw: bytes | None
) -> None:
    path = folder / "random.yaml"
    data = raw if raw is not None else (prefix + body).encode("utf-8", errors="surrogatepass")
    path.write_bytes(data)
    check_file(path)


@pytest.mark.parametrize("depth", [10, 100, 300, 600, 999, 1001, 3000])
@pytest.mark.parametrize("opener", ["[", "{a: ", "- ", "a:\n"])
def test_deeply_nested_yaml_gives_coded_problems(folder: Path, depth: int, opener: str) -> None:
    if opener == "- ":
        body = "".join("  " * i + "-\n" for i in range(depth)) + "  " * depth + "x\n"
    elif opener == "a:\n":
        body = "".join("  " * i + "a:\n" for i in range(depth)) + "  " * depth + "x\n"
    else:
        closer = "]" if opener == "[" else "}"
        body = opener * depth + "x" + closer * depth
    path = folder / "deep.yaml"
    path.write_text(body, encoding="utf-8")
    check_file(path)


@pytest.mark.parametrize("snippet", RAW_SNIPPETS, ids=[repr(s)[:16] for s in RAW_SNIPPETS])
@pytest.mark.parametrize("where", ["version", "weight", "constraint", "subdomain"])
def test_unusual_yaml_values_give_coded_problems(folder: Path, snippet: str, where: str) -> None:
    # Every snippet at a few places, deterministically (the random walk may miss some).
    doc = copy.deepcopy(IM)
    marker = f"__RAW{RAW_SNIPPETS.index(snippet)}__"
    if where == "version":
        doc["version"] = marker
    elif where == "weight":
        doc["sections"][0]["weight"]["process"] = marker
    elif where == "subdomain":
        doc["sections"][0]["items"][0]["subdomain"] = marker
    else:
        doc["sections"][1]["items"][0]["constraint"]["min"] = marker
    path = folder / "snippet.yaml"
    path.write_text(dump(doc), encoding="utf-8")
    check_file(path)

"""Questionnaire loader and validator: one broken fixture per error code, lines included."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assessment.errors import AssessmentError
from assessment.expressions import Compare
from assessment.loader import (
    DEFAULT_FOLDER,
    load_questionnaire,
    load_questionnaires,
    questionnaire_files,
    validate_path,
)
from assessment.questionnaire import Questionnaire, QuestionnaireSet, Weights

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "questionnaires"

PROFILE = """\
id: profile
version: "1"
kind: profile
title: {zh: 企业档案, en: Profile}
source: "test"
sections:
  - id: profile.basic
    label: {zh: 基本, en: Basic}
    items:
      - id: profile.production_type
        type: single
        label: {zh: 类型, en: Type}
        hint: {zh: 提示, en: Hint}
        options:
          - {value: process, label: {zh: 流程, en: Process}}
          - {value: discrete, label: {zh: 离散, en: Discrete}}
      - id: profile.employees
        type: numeric
        label: {zh: 人数, en: Employees}
        hint: {zh: 提示, en: Hint}
      - id: profile.first_unit
        type: yesno
        label: {zh: 首台套, en: First unit}
        hint: {zh: 提示, en: Hint}
      - id: profile.name
        type: text
        label: {zh: 名称, en: Name}
        hint: {zh: 提示, en: Hint}
        constraint: {pattern: "^.+$", check: uscc}
"""

IM = """\
id: im
version: "1"
kind: cmmm
title: {zh: 智能制造, en: IM}
source: "GB/T 39116-2020"
levels:
  - {level: 1, name: {zh: 一, en: One}, description: {zh: 一, en: One}}
  - {level: 2, name: {zh: 二, en: Two}, description: {zh: 二, en: Two}}
  - {level: 3, name: {zh: 三, en: Three}, description: {zh: 三, en: Three}}
  - {level: 4, name: {zh: 四, en: Four}, description: {zh: 四, en: Four}}
  - {level: 5, name: {zh: 五, en: Five}, description: {zh: 五, en: Five}}
sections:
  - id: im.a
    label: {zh: 甲, en: A}
    weight: {process: 60, discrete: 50}
    subdomains:
      - {id: im.a.x, label: {zh: 子, en: X}, weight: 100}
    items:
      - id: im.a.x.one
        type: requirement
        subdomain: im.a.x
        level: 1
        label: {zh: 要求, en: Requirement}
        hint: {zh: 提示, en: Hint}
        source: "GB/T 39116-2020 a)"
        relevant: "${profile.production_type} = 'process'"
  - id: im.b
    label: {zh: 乙, en: B}
    weight: {process: 40, discrete: 50}
    items:
      - id: im.b.num
        type: numeric
        direction: lower
        benchmarks:
          default: {baseline: 200, leading: 120}
          coking: {baseline: 150, leading: 100}
        constraint: {min: 0, max: 1000}
        label: {zh: 数, en: Number}
        hint: {zh: 提示, en: Hint}
      - id: im.b.multi
        type: multiple
        cap: 10
        options:
          - {value: a, label: {zh: 甲, en: A}, points: 5}
          - {value: b, label: {zh: 乙, en: B}, points: 8}
        label: {zh: 多, en: Multi}
        hint: {zh: 提示, en: Hint}
      - id: im.b.flag
        type: yesno
        relevant: "${profile.first_unit} = true and ${profile.employees} > 10"
        label: {zh: 是否, en: Flag}
        hint: {zh: 提示, en: Hint}
"""

GREEN = """\
id: green
version: "1"
kind: green
title: {zh: 绿色, en: Green}
source: "GB/T 36132-2025"
bands:
  - {min_score: 80, name: {zh: 优, en: Good}}
sections:
  - id: green.a
    label: {zh: 甲, en: A}
    weight: 100
    items:
      - id: green.a.veto
        type: yesno
        veto: true
        label: {zh: 否决, en: Veto}
        hint: {zh: 提示, en: Hint}
"""

INTEGRATION = """\
id: integration
version: "1"
kind: integration
title: {zh: 两化, en: Integration}
source: "GB/T 23020-2013"
stages:
  - {stage: 1, min_index: 0, name: {zh: 一, en: One}, description: {zh: 一, en: One}}
  - {stage: 2, min_index: 40, name: {zh: 二, en: Two}, description: {zh: 二, en: Two}}
  - {stage: 3, min_index: 60, name: {zh: 三, en: Three}, description: {zh: 三, en: Three}}
  - {stage: 4, min_index: 80, name: {zh: 四, en: Four}, description: {zh: 四, en: Four}}
sections:
  - id: integration.a
    label: {zh: 甲, en: A}
    weight: 100
    items:
      - id: integration.a.erp
        type: single
        options:
          - {value: none, label: {zh: 无, en: None}, points: 0}
          - {value: full, label: {zh: 全, en: Full}, points: 100}
        label: {zh: ERP, en: ERP}
        hint: {zh: 提示, en: Hint}
"""

BASE = {
    "profile.yaml": PROFILE,
    "im.yaml": IM,
    "green.yaml": GREEN,
    "integration.yaml": INTEGRATION,
}


def write_set(folder: Path, changes: dict[str, str | None] | None = None) -> Path:
    """Write the base set with some files replaced (None removes a file)."""
    files = {**BASE, **(changes or {})}
    for name, text in files.items():
        if text is not None:
            (folder / name).write_text(text, encoding="utf-8")
    return folder


def line_of(text: str, marker: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if marker in line:
            return number
    raise AssertionError(f"marker {marker!r} not in fixture")


def test_base_set_is_clean(tmp_path):
    write_set(tmp_path)
    assert validate_path(tmp_path) == []
    qset = load_questionnaires(tmp_path)
    assert qset.ids == ("profile", "im", "green", "integration")


# (case id, file, old text, new text, expected code, marker of the expected line or None)
CASES = [
    ("yaml-syntax", "im.yaml", "kind: cmmm", "kind: [cmmm", "Q101", "title:"),
    ("yaml-tab", "im.yaml", "    label: {zh: 乙, en: B}", "\tlabel: x", "Q101", "\tlabel"),
    ("duplicate-key", "im.yaml", 'version: "1"', 'version: "1"\nversion: "2"', "Q101",
     'version: "2"'),
    ("comma-in-text", "im.yaml", "label: {zh: 多, en: Multi}", "label: {zh: 多, en: Multi, more}",
     "Q101", "en: Multi, more"),
    ("empty-file", "im.yaml", IM, "", "Q101", None),
    ("list-file", "im.yaml", IM, "- a\n- b\n", "Q101", None),
    ("unknown-type", "im.yaml", "type: yesno", "type: checkbox", "Q102", "type: checkbox"),
    ("duplicate-item", "im.yaml", "id: im.b.flag", "id: im.b.num", "Q103", None),
    ("duplicate-section", "im.yaml", "id: im.b\n", "id: im.a\n", "Q103", None),
    ("missing-en", "im.yaml", "label: {zh: 数, en: Number}", "label: {zh: 数}", "Q104", None),
    ("empty-zh", "im.yaml", "label: {zh: 数, en: Number}", "label: {zh: '', en: Number}",
     "Q104", "en: Number"),
    ("section-weights", "im.yaml", "weight: {process: 40, discrete: 50}",
     "weight: {process: 45, discrete: 50}", "Q105", "sections:"),
    ("subdomain-weights", "im.yaml", "weight: 100}", "weight: 90}", "Q105", "subdomains:"),
    ("green-weights", "green.yaml", "weight: 100", "weight: 99.5", "Q105", "sections:"),
    ("unknown-ref", "im.yaml", "${profile.production_type}", "${profile.process}", "Q106",
     "relevant: \"${profile.process}"),
    ("ref-to-section", "im.yaml", "${profile.employees}", "${profile.basic}", "Q106", None),
    ("min-above-max", "im.yaml", "{min: 0, max: 1000}", "{min: 10, max: 1}", "Q107",
     "min: 10"),
    ("benchmark-direction", "im.yaml", "{baseline: 150, leading: 100}",
     "{baseline: 150, leading: 180}", "Q107", "coking:"),
    ("benchmark-higher", "im.yaml", "direction: lower", "direction: higher", "Q107", None),
    ("cap-zero", "im.yaml", "cap: 10", "cap: 0", "Q107", "cap: 0"),
    ("stage-cutoffs", "integration.yaml", "min_index: 60", "min_index: 30", "Q107", None),
    ("stage-start", "integration.yaml", "min_index: 0", "min_index: 5", "Q107", None),
    ("band-range", "green.yaml", "min_score: 80", "min_score: 120", "Q107", "min_score"),
    ("band-duplicate", "green.yaml", "  - {min_score: 80, name: {zh: 优, en: Good}}",
     "  - {min_score: 80, name: {zh: 优, en: Good}}\n  - {min_score: 80, name: {zh: 良, en: Ok}}",
     "Q107", None),
    ("relevant-syntax", "im.yaml", "= 'process'", "== 'process'", "Q108", "== 'process'"),
    ("missing-label", "im.yaml", "        label: {zh: 是否, en: Flag}\n", "", "Q109",
     "id: im.b.flag"),
    ("missing-hint", "im.yaml", "        hint: {zh: 提示, en: Hint}\n", "", "Q109", None),
    ("missing-version", "im.yaml", 'version: "1"\n', "", "Q109", None),
    ("missing-kind", "im.yaml", "kind: cmmm\n", "", "Q109", None),
    ("missing-id", "im.yaml", "id: im\n", "", "Q109", None),
    ("missing-title", "im.yaml", "title: {zh: 智能制造, en: IM}\n", "", "Q109", None),
    ("missing-section-weight", "im.yaml", "    weight: {process: 40, discrete: 50}\n", "",
     "Q109", "id: im.b"),
    ("missing-subdomain-weight", "im.yaml", ", weight: 100}", "}", "Q109", None),
    ("missing-levels", "im.yaml", IM[IM.index("levels:") : IM.index("sections:")], "", "Q109",
     None),
    ("missing-stages", "integration.yaml",
     INTEGRATION[INTEGRATION.index("stages:") : INTEGRATION.index("sections:")], "", "Q109",
     None),
    ("missing-subdomain", "im.yaml", "        subdomain: im.a.x\n", "", "Q109", None),
    ("missing-level", "im.yaml", "        level: 1\n", "", "Q109", None),
    ("missing-options", "im.yaml", "type: multiple", "type: single", "Q110", None),
    ("missing-sections", "green.yaml", GREEN[GREEN.index("sections:") :], "", "Q109", None),
    ("empty-items", "green.yaml", GREEN[GREEN.index("    items:") :], "    items: []\n", "Q109",
     None),
    ("option-without-value", "integration.yaml", "{value: none, label", "{label", "Q109", None),
    ("benchmark-without-leading", "im.yaml", "{baseline: 150, leading: 100}", "{baseline: 150}",
     "Q109", None),
    ("benchmarks-without-direction", "im.yaml", "        direction: lower\n", "", "Q109", None),
    ("level-6", "im.yaml", "level: 1\n", "level: 6\n", "Q110", "level: 6"),
    ("level-text", "im.yaml", "level: 1\n", "level: one\n", "Q110", None),
    ("option-value-case", "integration.yaml", "value: full", "value: Full", "Q110", None),
    ("option-value-yes", "integration.yaml", "value: full", "value: yes", "Q110", None),
    ("option-value-dont-know", "integration.yaml", "value: full", "value: dont_know", "Q110",
     None),
    ("option-duplicate", "integration.yaml", "value: full", "value: none", "Q110", None),
    ("option-points-text", "integration.yaml", "points: 100", "points: many", "Q110", None),
    ("requirement-outside-cmmm", "green.yaml", "type: yesno\n        veto: true",
     "type: requirement", "Q110", "type: requirement"),
    ("levels-1-to-4", "im.yaml",
     "  - {level: 5, name: {zh: 五, en: Five}, description: {zh: 五, en: Five}}\n", "", "Q110",
     "levels:"),
    ("levels-outside-cmmm", "green.yaml", "bands:", "levels: []\nbands:", "Q110", None),
    ("stages-outside-integration", "im.yaml", "sections:", "stages: []\nsections:", "Q110", None),
    ("bands-outside-green", "im.yaml", "sections:", "bands: []\nsections:", "Q110", None),
    ("stages-1-to-3", "integration.yaml",
     INTEGRATION[INTEGRATION.index("  - {stage: 4") : INTEGRATION.index("sections:")], "",
     "Q110", None),
    ("stage-text", "integration.yaml", "stage: 4,", "stage: four,", "Q110", None),
    ("stage-missing", "integration.yaml", "stage: 4,", "", "Q109", None),
    ("unquoted-version", "im.yaml", 'version: "1"', "version: 2026.1", "Q110", "version:"),
    ("unknown-kind", "im.yaml", "kind: cmmm", "kind: maturity", "Q110", None),
    ("bad-questionnaire-id", "im.yaml", "id: im\n", "id: IM\n", "Q110", None),
    ("file-name-mismatch", "green.yaml", "id: green\n", "id: greenx\n", "Q110", None),
    ("relevant-unknown-option", "im.yaml", "= 'process'", "= 'proces'", "Q110", None),
    ("relevant-yesno-text", "im.yaml", "${profile.first_unit} = true",
     "${profile.first_unit} = 'yes'", "Q110", None),
    ("relevant-numeric-text", "im.yaml", "${profile.employees} > 10",
     "${profile.employees} > 'ten'", "Q110", None),
    ("options-from-unknown", "integration.yaml", "        options:\n",
     "        options_from: towns\n        options:\n", "Q110", None),
    ("options-on-yesno", "green.yaml", "veto: true", "veto: true\n        options: []", "Q110",
     None),
    ("veto-on-single", "integration.yaml", "type: single", "type: single\n        veto: true",
     "Q110", None),
    ("veto-not-bool", "green.yaml", "veto: true", "veto: maybe", "Q110", None),
    ("cap-on-single", "integration.yaml", "type: single", "type: single\n        cap: 3",
     "Q110", None),
    ("unit-on-yesno", "green.yaml", "veto: true", "veto: true\n        unit: {zh: 吨, en: t}",
     "Q110", None),
    ("bad-direction", "im.yaml", "direction: lower", "direction: down", "Q110", None),
    ("benchmark-unknown-industry", "im.yaml", "coking:", "cokes:", "Q110", "cokes:"),
    ("unknown-check", "profile.yaml", "check: uscc", "check: iban", "Q110", None),
    ("bad-pattern", "profile.yaml", 'pattern: "^.+$"', 'pattern: "^(.+$"', "Q110", None),
    ("pattern-on-numeric", "im.yaml", "{min: 0, max: 1000}", "{pattern: x}", "Q110", None),
    ("min-on-text", "profile.yaml", "{pattern: \"^.+$\", check: uscc}", "{min: 1}", "Q110", None),
    ("weight-negative", "im.yaml", "weight: 100}", "weight: -100}", "Q110", None),
    ("weight-text", "im.yaml", "weight: {process: 40, discrete: 50}",
     "weight: {process: forty, discrete: 50}", "Q110", None),
    ("item-weight-negative", "green.yaml", "veto: true", "veto: true\n        weight: -1", "Q110",
     None),
    ("required-not-bool", "green.yaml", "veto: true", "veto: true\n        required: often",
     "Q110", None),
    ("profile-weight", "profile.yaml", "    label: {zh: 基本, en: Basic}",
     "    label: {zh: 基本, en: Basic}\n    weight: 10", "Q110", None),
    ("text-not-mapping", "im.yaml", "label: {zh: 数, en: Number}", "label: Number", "Q110", None),
    ("sections-not-list", "green.yaml", GREEN[GREEN.index("sections:") :], "sections: 3\n",
     "Q110", None),
    ("item-not-mapping", "green.yaml", GREEN[GREEN.index("      - id: green.a.veto") :],
     "      - just text\n", "Q110", None),
    ("source-not-text", "green.yaml", "veto: true", "veto: true\n        source: 12", "Q110",
     None),
    ("benchmarks-without-default", "im.yaml", "          default: {baseline: 200, leading: 120}\n",
     "", "Q111", "benchmarks:"),
    ("unknown-subdomain", "im.yaml", "subdomain: im.a.x\n", "subdomain: im.a.y\n", "Q112",
     "subdomain: im.a.y"),
    ("item-prefix", "im.yaml", "id: im.b.flag", "id: ix.b.flag", "Q113", "id: ix.b.flag"),
    ("item-upper-case", "im.yaml", "id: im.b.flag", "id: im.b.Flag", "Q113", None),
    ("section-no-dot", "green.yaml", "id: green.a\n", "id: greena\n", "Q113", None),
    ("subdomain-outside-section", "im.yaml", "{id: im.a.x,", "{id: im.b.x,", "Q113", None),
    ("options-missing", "integration.yaml",
     "        options:\n"
     "          - {value: none, label: {zh: 无, en: None}, points: 0}\n"
     "          - {value: full, label: {zh: 全, en: Full}, points: 100}\n",
     "", "Q109", "id: integration.a.erp"),
    ("type-missing", "green.yaml", "        type: yesno\n", "", "Q109", None),
    ("section-id-missing", "green.yaml", "  - id: green.a\n    label", "  - label", "Q109", None),
    ("level-number-missing", "im.yaml", "{level: 5, name", "{name", "Q109", None),
    ("level-not-mapping", "im.yaml", "levels:\n", "levels:\n  - five\n", "Q110", None),
    ("stage-not-mapping", "integration.yaml", "stages:\n", "stages:\n  - five\n", "Q110", None),
    ("band-not-mapping", "green.yaml", "bands:\n", "bands:\n  - five\n", "Q110", None),
    ("section-not-mapping", "green.yaml", "sections:\n", "sections:\n  - five\n", "Q110", None),
    ("subdomain-not-mapping", "im.yaml", "    subdomains:\n", "    subdomains:\n      - five\n",
     "Q110", None),
    ("option-not-mapping", "integration.yaml", "        options:\n",
     "        options:\n          - five\n", "Q110", None),
    ("benchmarks-not-mapping", "im.yaml", "        benchmarks:\n", "        benchmarks: 3\n"
     "        old_benchmarks:\n", "Q110", None),
    ("benchmark-not-mapping", "im.yaml", "default: {baseline: 200, leading: 120}", "default: 3",
     "Q110", None),
    ("constraint-not-mapping", "im.yaml", "constraint: {min: 0, max: 1000}", "constraint: 0-1000",
     "Q110", None),
    ("weight-nan", "green.yaml", "weight: 100", "weight: .nan", "Q110", None),
    ("unhashable-key", "green.yaml", "bands:", "? [a, b]\n: c\nbands:", "Q101", None),
    ("relevant-requirement-yes", "im.yaml", "${profile.first_unit} = true",
     "${im.a.x.one} = 'yes'", "Q110", None),
    ("unknown-field", "im.yaml", "relevant:", "relevent:", "Q116", "relevent:"),
    ("unknown-top-field", "im.yaml", "source:", "sauce:", "Q116", "sauce:"),
    ("unknown-text-lang", "im.yaml", "label: {zh: 数, en: Number}",
     "label: {zh: 数, en: Number, fr: Nombre}", "Q116", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("file", "old", "new", "code", "marker"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_broken_fixture_reports_its_code(tmp_path, file, old, new, code, marker):
    text = BASE[file]
    assert old in text, "fixture edit does not apply"
    broken = text.replace(old, new, 1)
    write_set(tmp_path, {file: broken})
    problems = validate_path(tmp_path)
    codes = [p.code for p in problems]
    assert code in codes, [p.message() for p in problems]
    hit = next(p for p in problems if p.code == code)
    assert hit.file and hit.file.endswith(file)
    if marker is not None:
        assert hit.line == line_of(broken, marker), hit.message()
    # The same problems stop loading the set.
    with pytest.raises(AssessmentError) as err:
        load_questionnaires(tmp_path)
    assert code in err.value.codes


def test_all_problems_of_a_file_are_collected(tmp_path):
    broken = (
        IM.replace("type: yesno", "type: checkbox")
        .replace("level: 1\n", "level: 9\n")
        .replace("subdomain: im.a.x\n", "subdomain: im.a.q\n")
        .replace("= 'process'", "== 'process'")
    )
    path = tmp_path / "im.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(AssessmentError) as err:
        load_questionnaire(path)
    assert {"Q102", "Q110", "Q112", "Q108"} <= set(err.value.codes)


def test_problem_message_puts_location_first(tmp_path):
    write_set(tmp_path, {"im.yaml": IM.replace("${profile.production_type}", "${profile.x}")})
    [p] = validate_path(tmp_path)
    line = line_of(IM, 'relevant: "${profile.production_type}')
    assert p.message().startswith(f"{p.file}:{line} [im.a.x.one] Q106 ")
    assert "${profile.x}" in p.message("zh")


def test_duplicate_id_across_files_names_the_first(tmp_path):
    # A second file (with its own id) reuses an item id of im.yaml.
    extra = GREEN.replace("id: green\n", "id: im\n").replace("green.", "im.")
    write_set(tmp_path, {"other.yaml": extra})
    problems = validate_path(tmp_path)
    dup = [p for p in problems if p.code == "Q103"]
    assert dup and all(p.file.endswith("other.yaml") for p in dup)
    assert "im.yaml:" in dup[0].params["first"]


def test_single_file_may_refer_to_a_sibling_profile(tmp_path):
    write_set(tmp_path)
    assert validate_path(tmp_path / "im.yaml") == []
    q = load_questionnaire(tmp_path / "im.yaml")
    assert isinstance(q, Questionnaire) and q.id == "im"


def test_single_file_without_profile_reports_unknown_refs(tmp_path):
    (tmp_path / "im.yaml").write_text(IM, encoding="utf-8")
    codes = [p.code for p in validate_path(tmp_path / "im.yaml")]
    assert codes.count("Q106") == 3  # production_type, first_unit, employees


def test_single_file_does_not_see_other_questionnaires(tmp_path):
    write_set(
        tmp_path,
        {
            "green.yaml": GREEN.replace(
                "veto: true", 'veto: true\n        relevant: "answered(${im.b.num})"'
            )
        },
    )
    assert [p.code for p in validate_path(tmp_path / "green.yaml")] == ["Q106"]
    assert validate_path(tmp_path) == []  # the whole set knows im.b.num


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"\xff\xfe\x00bad", "Q114"), (None, "Q114")],
    ids=["not-utf8", "missing"],
)
def test_unreadable_file_is_q114(tmp_path, content, code):
    path = tmp_path / "im.yaml"
    if content is not None:
        path.write_bytes(content)
    assert [p.code for p in validate_path(path)] == [code]
    with pytest.raises(AssessmentError) as err:
        load_questionnaire(path)
    assert err.value.codes == [code]


def test_missing_file_in_a_set_is_q114(tmp_path):
    write_set(tmp_path, {"green.yaml": None})
    with pytest.raises(AssessmentError) as err:
        load_questionnaires(tmp_path)
    assert err.value.codes == ["Q114"]
    assert load_questionnaires(tmp_path, ids=("profile", "im")).ids == ("profile", "im")


def test_empty_folder_is_q114(tmp_path):
    assert [p.code for p in validate_path(tmp_path)] == ["Q114"]


def test_programs_yaml_is_not_a_questionnaire(tmp_path):
    write_set(tmp_path)
    (tmp_path / "programs.yaml").write_text("programs: []\n", encoding="utf-8")
    assert [p.name for p in questionnaire_files(tmp_path)] == [
        "green.yaml", "im.yaml", "integration.yaml", "profile.yaml",
    ]  # fmt: skip
    assert validate_path(tmp_path) == []


def test_loaded_objects_carry_what_scoring_needs(tmp_path):
    write_set(tmp_path)
    qset = load_questionnaires(tmp_path)
    assert isinstance(qset, QuestionnaireSet)
    im = qset["im"]
    assert [lv.level for lv in im.levels] == [1, 2, 3, 4, 5]
    assert im.section("im.a").weight == Weights(60, 50)
    assert im.section("im.a").subdomains[0].weight == Weights(100, 100)
    req = qset.item("im.a.x.one")
    assert (req.level, req.subdomain, req.section, req.required) == (1, "im.a.x", "im.a", True)
    assert isinstance(req.relevant, Compare)
    assert req.relevant_src == "${profile.production_type} = 'process'"
    assert req.line == line_of(IM, "id: im.a.x.one")
    assert req.source == "GB/T 39116-2020 a)"
    num = qset.item("im.b.num")
    assert num.benchmark("coking").leading == 100
    assert num.benchmark("steel").baseline == 200
    assert (num.constraint.min, num.constraint.max) == (0, 1000)
    assert qset.item("im.b.multi").cap == 10
    assert [s.min_index for s in qset["integration"].stages] == [0, 40, 60, 80]
    assert qset["green"].bands[0].min_score == 80
    assert qset.item("green.a.veto").veto is True
    # unscored items default to optional, scored ones to required
    assert qset.item("profile.employees").required is False
    assert qset.item("profile.production_type").required is True
    assert qset.item("profile.name").constraint.check == "uscc"


def test_multiple_cap_defaults_to_the_sum_of_points(tmp_path):
    write_set(tmp_path, {"im.yaml": IM.replace("        cap: 10\n", "")})
    assert load_questionnaires(tmp_path).item("im.b.multi").cap == 13


def test_options_from_expands_reference_lists(tmp_path):
    from assessment import reference

    profile = PROFILE.replace(
        "      - id: profile.employees",
        "      - id: profile.city\n        type: single\n        options_from: cities\n"
        "        label: {zh: 城市, en: City}\n        hint: {zh: 提示, en: Hint}\n"
        "      - id: profile.industry\n        type: single\n        options_from: industries\n"
        "        label: {zh: 行业, en: Industry}\n        hint: {zh: 提示, en: Hint}\n"
        "      - id: profile.employees",
    )
    write_set(tmp_path, {"profile.yaml": profile})
    qset = load_questionnaires(tmp_path)
    city = qset.item("profile.city")
    assert [o.value for o in city.options] == [c.code for c in reference.CITIES]
    assert city.option("taiyuan").label.zh == "太原"
    assert len(qset.item("profile.industry").options) == len(reference.INDUSTRIES)


def test_fixture_folder_loads():
    qset = load_questionnaires(FIXTURES)
    assert qset.versions() == {
        "profile": "2026.1", "im": "2026.1", "green": "2026.1", "integration": "2026.1",
    }  # fmt: skip


def test_default_folder_is_the_shipped_one(tmp_path, monkeypatch):
    assert DEFAULT_FOLDER.name == "questionnaires"
    assert DEFAULT_FOLDER.parent == Path(__file__).resolve().parent.parent.parent
    # load_questionnaires() without a folder reads DEFAULT_FOLDER
    import assessment.loader as loader

    write_set(tmp_path)
    monkeypatch.setattr(loader, "DEFAULT_FOLDER", tmp_path)
    assert loader.load_questionnaires().ids == ("profile", "im", "green", "integration")


def test_loading_does_not_cache(tmp_path):
    write_set(tmp_path)
    first = load_questionnaire(tmp_path / "green.yaml")
    shutil.copy(tmp_path / "green.yaml", tmp_path / "g.bak")
    (tmp_path / "green.yaml").write_text(GREEN.replace('version: "1"', 'version: "2"'))
    assert load_questionnaire(tmp_path / "green.yaml").version == "2" != first.version

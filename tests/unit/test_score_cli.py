"""`python -m assessment score`, the shipped examples, and their golden scores.

The golden files hold the flat scores of examples/*.json. They change only on purpose:
after a deliberate change to the method, a questionnaire or an example, regenerate them
with `UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_score_cli.py` and review the diff.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from assessment.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "golden"
EXAMPLES = {
    # name: (expected CMMM level range, variant)
    "beginner": ((0, 1), "discrete"),
    "process-mid": ((2, 3), "process"),
    "discrete-advanced": ((3, 4), "discrete"),
}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def scored():
    from assessment.answers import load_answers_file
    from assessment.loader import load_questionnaires
    from assessment.scoring import score_assessment

    qset = load_questionnaires()
    out = {}
    for name in EXAMPLES:
        doc = load_answers_file(ROOT / "examples" / f"{name}.json", qset)
        out[name] = (dict(doc.answers), score_assessment(dict(doc.answers), qset), qset)
    return out


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_examples_answer_every_shown_question(name, scored):
    answers, result, qset = scored[name]
    assert result.unanswered == ()
    from assessment.answers import validate_answers

    assert validate_answers(answers, qset) == []  # complete: no A205 either
    profile_ids = {it.id for it in qset["profile"].items()}
    assert profile_ids <= set(answers)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_examples_reach_their_intended_levels(name, scored):
    (low, high), variant = EXAMPLES[name]
    result = scored[name][1]
    assert low <= result.cmmm.level <= high
    assert result.cmmm.variant == variant


def test_examples_differ_in_the_expected_order(scored):
    levels = [scored[n][1].cmmm.total for n in EXAMPLES]
    readiness = [scored[n][1].readiness.score for n in EXAMPLES]
    assert levels == sorted(levels) and len(set(levels)) == 3
    assert readiness == sorted(readiness)
    assert scored["beginner"][1].green.unconfirmed_vetoes == ("green.basic.metering",)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_golden_flat_scores(name, scored):
    flat = scored[name][1].flat()
    path = GOLDEN / f"{name}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(parents=True, exist_ok=True)
        data = {k: (None if math.isnan(v) else v) for k, v in flat.items()}
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    golden = json.loads(path.read_text(encoding="utf-8"))
    assert list(golden) == list(flat)
    for key, expected in golden.items():
        if expected is None:
            assert math.isnan(flat[key]), key
        else:
            assert flat[key] == pytest.approx(expected, abs=1e-9), key


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_summary(capsys, lang):
    code, out, err = run(
        capsys, "score", str(ROOT / "examples" / "process-mid.json"), "--lang", lang
    )
    assert code == 0 and err == ""
    assert ("Standardised" if lang == "en" else "规范级") in out
    assert "S = 2." in out
    assert ("Integration" if lang == "en" else "集成提升") in out
    assert "山西临汾焦化化工有限公司" in out


def test_summary_shows_veto_states(capsys):
    _, out, _ = run(capsys, "score", str(ROOT / "examples" / "beginner.json"))
    assert "unconfirmed: green.basic.metering" in out
    assert "not yet level 1" not in out


def test_json_shape(capsys, scored):
    code, out, _ = run(capsys, "score", str(ROOT / "examples" / "discrete-advanced.json"), "--json")
    assert code == 0
    data = json.loads(out)
    flat = scored["discrete-advanced"][1].flat()
    for key in flat:
        assert key in data
    assert data["im.level"] == scored["discrete-advanced"][1].cmmm.level
    assert data["im.level_name"] == "Integrated"
    assert data["integration.stage_name"]
    assert data["green.band"]
    assert data["dont_know"] == [] and data["unanswered"] == []


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (None, "C801"),  # no such file
        ("{", "A208"),  # not JSON
        ('{"format": "other"}', "A208"),
        (
            '{"format": "shanxi-readiness-answers/1", "questionnaires": {}, '
            '"answers": {"im.nope": "full"}}',
            "A201",
        ),
        (
            '{"format": "shanxi-readiness-answers/1", "questionnaires": {}, '
            '"answers": {"profile.production_type": "robotic"}}',
            "A203",
        ),
    ],
)
def test_bad_files_exit_2_with_a_coded_message(capsys, tmp_path, content, code):
    path = tmp_path / "answers.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    rc, out, err = run(capsys, "score", str(path))
    assert rc == 2
    assert out == ""
    assert code in err and "Traceback" not in err


def test_not_yet_level_one(capsys, tmp_path):
    doc = {
        "format": "shanxi-readiness-answers/1",
        "questionnaires": {},
        "answers": {"profile.production_type": "discrete", "green.basic.metering": False},
    }
    path = tmp_path / "a.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    rc, out, _ = run(capsys, "score", str(path), "--lang", "zh")
    assert rc == 0
    assert "未达到一级" in out
    assert "基本要求未满足" in out
    rc, out, _ = run(capsys, "score", str(path), "--json")
    data = json.loads(out)
    assert data["green.veto"] == 1.0 and data["integration.index"] is None

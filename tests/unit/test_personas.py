"""Twelve persona enterprises: their top three programs are argued from the policy text."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from assessment.answers import load_answers_file
from assessment.loader import load_questionnaires
from assessment.programs import PROGRAM_IDS, load_programs, recommend_programs
from assessment.roadmap import improvement_roadmap, next_level_plan
from assessment.scoring import score_assessment

PERSONAS = Path(__file__).resolve().parents[1] / "data" / "personas"
FILES = sorted(PERSONAS.glob("*.json"))


@pytest.fixture(scope="module")
def qset():
    return load_questionnaires()


@pytest.fixture(scope="module")
def programs(qset):
    return load_programs(qset=qset)


def _load(path: Path, qset):
    doc = load_answers_file(path, qset)
    return dict(doc.answers), dict(doc.meta)


def test_there_are_at_least_twelve_personas():
    assert len(FILES) >= 12


def test_persona_files_are_what_the_builder_makes(qset):
    spec = importlib.util.spec_from_file_location("build_personas", PERSONAS / "build_personas.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    built = builder.build(qset)
    assert sorted(built) == [f.stem for f in FILES]
    for stem, doc in built.items():
        committed = json.loads((PERSONAS / f"{stem}.json").read_text(encoding="utf-8"))
        assert committed == json.loads(json.dumps(doc, ensure_ascii=False)), stem


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_top_three_programs_match_the_argued_expectation(path, qset, programs):
    answers, meta = _load(path, qset)
    expected = meta["expected_top3"]
    assert len(set(expected)) == 3 and set(expected) <= set(PROGRAM_IDS)
    assert "§3(" in meta["argument"]  # the argument quotes the policy section
    ranked = recommend_programs(score_assessment(answers, qset), answers, programs)
    top3 = [m.program_id for m in ranked[:3]]
    assert set(top3) == set(expected), [m.explanation.en for m in ranked]
    for m in ranked[:3]:
        assert m.recommended, m.explanation.en


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_every_recommendation_names_its_sources(path, qset, programs):
    answers, _ = _load(path, qset)
    for m in recommend_programs(score_assessment(answers, qset), answers, programs):
        if m.recommended:
            assert m.reasons
            for reason in m.reasons:
                assert reason.refs and reason.section.startswith("§")
                assert all(
                    ref in answers or ref.startswith(("score.", "profile.")) for ref in reason.refs
                )
            assert m.instruments and {i.section for i in m.instruments} <= {"§4(2)", "§4(3)"}
        else:
            assert not m.eligible or m.fit == 0
        assert m.explanation.zh and m.explanation.en


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_next_level_plan_reaches_the_next_level(path, qset):
    answers, _ = _load(path, qset)
    plan = next_level_plan(answers, qset)
    assert plan.reached and plan.steps
    rescored = score_assessment(plan.apply(answers), qset).cmmm
    assert rescored.level == plan.target_level == plan.current_level + 1


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_roadmap_is_ranked_and_traceable(path, qset, programs):
    answers, _ = _load(path, qset)
    result = score_assessment(answers, qset)
    roadmap = improvement_roadmap(result, answers, qset, programs)
    assert roadmap
    priorities = [e.priority for e in roadmap]
    assert priorities == sorted(priorities, reverse=True)
    for entry in roadmap:
        assert entry.priority == pytest.approx(
            entry.gap * entry.weight * (1 + len(entry.programs)), abs=1e-5
        )
        assert entry.actions

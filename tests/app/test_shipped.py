"""The shipped questionnaires end to end: enter an example's answers page by page, submit,
and see the same levels the library computes for that example."""

from __future__ import annotations

import json
import re

import pytest
from apphelpers import (
    ROOT,
    errors,
    fill_page_from,
    new_app,
    save,
    start,
    submit,
    texts,
    widget_section,
)

from assessment import load_questionnaires, score_assessment

EXAMPLES = ROOT / "examples"
# An item id as it could leak into the Chinese page: "im.factory…", "profile.name".
ITEM_ID = re.compile(r"\b(?:profile|im|green|integration)\.[a-z_]+")


@pytest.mark.parametrize(
    ("example", "lang", "level_fmt", "stage_fmt"),
    [
        ("process-mid.json", "zh", "{} 级", "第 {} 阶段"),
        ("discrete-advanced.json", "en", "Level {}", "Stage {}"),
        ("beginner.json", "zh", "{} 级", "第 {} 阶段"),
    ],
)
def test_example_answers_entered_in_the_wizard_score_as_in_the_library(
    db_url, example, lang, level_fmt, stage_fmt
):
    answers = json.loads((EXAMPLES / example).read_text(encoding="utf-8"))["answers"]
    qset = load_questionnaires()
    expected = score_assessment(answers, qset)
    at = start(new_app(lang))
    seen: set[str] = set()
    while (section := widget_section(at)) is not None:
        assert section not in seen, f"stuck on {section}: {errors(at)}"
        seen.add(section)
        if lang == "zh":
            page = texts(at)
            assert not ITEM_ID.search(page), (section, ITEM_ID.search(page))
            assert "Fully met" not in page and "Don't know" not in page
        fill_page_from(at, answers)
        save(at)
        assert not at.exception, at.exception
    assert len(seen) == sum(len(q.sections) for q in qset.questionnaires)
    submit(at)
    metrics = [m.value for m in at.metric]
    assert level_fmt.format(expected.cmmm.level) in metrics
    assert f"{expected.green.score:.0f}" in metrics
    assert stage_fmt.format(expected.integration.stage) in metrics
    assert f"{expected.readiness.score:.0f}" in metrics
    name = answers["profile.name"]
    assert name in texts(at)

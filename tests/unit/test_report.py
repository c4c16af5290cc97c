"""The results summary and the PDF report: content in both languages, fonts, charts."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from assessment import load_questionnaires, score_assessment
from assessment.charts import AreaPoint
from assessment.errors import AssessmentError
from assessment.report import (
    FONT_CANDIDATES,
    CjkFont,
    bars_png,
    build_pdf,
    find_cjk_font,
    radar_png,
    summarise,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def qset():
    return load_questionnaires()


def _answers(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))["answers"]


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is needed to read the PDF back")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


@pytest.mark.parametrize("example", ["beginner.json", "process-mid.json", "discrete-advanced.json"])
def test_summary_names_the_levels_of_the_result(qset, example):
    answers = _answers(example)
    result = score_assessment(answers, qset)
    s = summarise(result, qset)
    assert s.level == result.cmmm.level
    if result.cmmm.level >= 1:
        assert s.level_name == qset["im"].levels[result.cmmm.level - 1].name
    assert s.stage == result.integration.stage
    assert s.stage_name == qset["integration"].stages[result.integration.stage - 1].name
    assert s.green_veto == result.green.veto
    assert len(s.domains) == len(qset["im"].sections)
    assert [a.id for a in s.domains] == [sec.id for sec in qset["im"].sections]
    assert s.name == answers["profile.name"]
    # Strongest areas score at least as high as the weakest.
    assert s.strongest and s.weakest
    assert min(a.score for a in s.strongest) >= max(a.score for a in s.weakest)


def test_summary_below_level_one_says_so(qset):
    answers = {k: v for k, v in _answers("beginner.json").items() if k.startswith("profile.")}
    s = summarise(score_assessment(answers, qset), qset)
    assert s.level == 0
    assert s.level_name.zh == "未达到一级"
    assert s.readiness is None or s.readiness >= 0


def _history(years_scores):
    return [
        SimpleNamespace(year=y, submitted=True, scores=sc, created_at=datetime(y, 1, 1))
        for y, sc in years_scores
    ]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh", ["企业智能制造能力自评估报告", "统一社会信用代码", "智能制造能力成熟度", "级 ·"]),
        ("en", ["Smart-manufacturing readiness self-assessment report", "Level ", "Stage "]),
    ],
)
def test_pdf_holds_the_name_level_and_charts_in_the_language(qset, tmp_path, lang, expected):
    answers = _answers("process-mid.json")
    answers["profile.name"] = "太原<b>重型</b>**机械**有限公司 & Co."
    result = score_assessment(answers, qset)
    s = summarise(result, qset)
    history = _history([(2025, {"im.level": 1.0, "im.score": 30.0}), (2026, result.flat())])
    data = build_pdf(s, lang=lang, year=2026, history=history, today=date(2026, 11, 27))
    assert data.startswith(b"%PDF")
    text = _pdf_text(data, tmp_path)
    # The name prints literally: markup in user text is not interpreted.
    assert "太原<b>重型</b>**机械**有限公司 & Co." in text
    assert s.level_name.get(lang) in text
    assert s.stage_name.get(lang) in text
    for phrase in expected:
        assert phrase in text, phrase
    assert "2025" in text and "2026-11-27" in text
    assert data.count(b"/Subtype /Image") >= 2  # the radar and the domain bars


def test_pdf_lists_matching_programs(qset, tmp_path):
    answers = _answers("discrete-advanced.json")
    result = score_assessment(answers, qset)
    from assessment.programs import load_programs, recommend_programs

    matches = recommend_programs(result, answers, load_programs(qset=qset))
    data = build_pdf(summarise(result, qset), lang="zh", year=2026, matches=matches)
    text = _pdf_text(data, tmp_path)
    assert "适合的专项工程" in text
    for m in matches:
        assert m.name.zh[:4] in text


def test_font_from_the_environment_wins(monkeypatch, tmp_path):
    font = tmp_path / "MyFont.ttf"
    font.write_bytes(b"\0")
    monkeypatch.setenv("ASSESSMENT_CJK_FONT", str(font))
    assert find_cjk_font() == CjkFont(str(font), 0)


def test_noto_collection_uses_the_simplified_chinese_face(monkeypatch):
    monkeypatch.delenv("ASSESSMENT_CJK_FONT", raising=False)
    path, _ = FONT_CANDIDATES[0]
    if not Path(path).exists():
        pytest.skip("fonts-noto-cjk is not installed")
    assert find_cjk_font() == CjkFont(path, 2)


def test_no_font_is_a_coded_error(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSESSMENT_CJK_FONT", str(tmp_path / "missing.ttc"))
    with pytest.raises(AssessmentError) as info:
        find_cjk_font([(str(tmp_path / "nope.ttc"), 0)])
    assert info.value.code == "R901"
    assert "missing.ttc" in info.value.message("en")
    assert "fonts-noto-cjk" in info.value.message("zh")


def test_chart_images_are_png():
    font = find_cjk_font()
    points = [AreaPoint(f"a{i}", f"领域{i}", s) for i, s in enumerate([80, 55.5, None, 20])]
    for png in (radar_png(points, font), bars_png(points, font)):
        assert png.startswith(b"\x89PNG")

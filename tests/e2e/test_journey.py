"""A real browser through the enterprise journey: start, reload, submit, results, PDF.

The browser enters the profile and the first domain pages itself; the remaining pages are
saved through the repository (as if filled in another sitting), which keeps the suite
short while every page is still opened, reloaded and submitted in Chromium.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, shot

from assessment import load_questionnaires, score_assessment
from assessment.storage import Repository, make_engine

pytestmark = pytest.mark.e2e

NAME = "山西示例<b>智能</b>装备有限公司"
CREDIT_CODE = "91140100MA0K000017"
EXAMPLE = ROOT / "examples" / "process-mid.json"


def _widget(page, testid: str, label: str):
    return page.get_by_test_id(testid).filter(has=page.get_by_text(label, exact=True))


def _textbox(page, label: str):
    return page.get_by_role("textbox", name=label, exact=True)


def _select(page, label: str, option: str) -> None:
    _widget(page, "stSelectbox", label).click()
    page.get_by_role("option", name=option, exact=True).click()


def _radio(page, label: str, option: str) -> None:
    _widget(page, "stRadio", label).get_by_text(option, exact=True).click()


def _save(page, button: str = "保存并继续 →") -> None:
    page.get_by_role("button", name=button).click()


def _heading(page, text: str) -> None:
    page.get_by_text(re.compile(re.escape(text))).first.wait_for()


def test_enterprise_journey_in_chinese(page, app_server, tmp_path):
    app_url = app_server.url
    page.goto(app_url)
    page.get_by_role("button", name="开始评估").wait_for()
    assert page.get_by_text("30–45 分钟").first.is_visible()
    shot(page, "01-landing-zh")

    page.get_by_role("button", name="开始评估").click()
    _heading(page, "第 1/20 节")
    shot(page, "02-wizard-profile-zh")
    # A wrong credit code is refused beside the field; nothing is saved.
    _textbox(page, "企业名称 *").fill(NAME)
    _textbox(page, "统一社会信用代码 *").fill(CREDIT_CODE[:-1] + "8")
    # City, industry and production type as in the example the rest is taken from.
    qset = load_questionnaires()
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))["answers"]
    for item_id, label in (("profile.city", "所在城市 *"), ("profile.industry", "所属行业 *")):
        _select(page, label, qset.item(item_id).option(example[item_id]).label.zh)
    production = qset.item("profile.production_type").option(example["profile.production_type"])
    _radio(page, "生产方式 *", production.label.zh)
    _save(page)
    page.get_by_text("校验位应为 '7'").wait_for()
    assert "resume=" not in page.url
    _textbox(page, "统一社会信用代码 *").fill(CREDIT_CODE)
    _save(page)
    _heading(page, "第 2/20 节")
    code = page.get_by_test_id("stCode").first.inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9-]{10,}", code), code
    assert f"resume={code}" in page.url
    shot(page, "03-wizard-resume-code-zh")

    # Second page: numbers are typed as text and checked by the library.
    _textbox(page, "从业人员数（人） *").fill("850")
    _textbox(page, "营业收入（万元） *").fill("52000")
    _save(page)
    _heading(page, "第 3/20 节")

    # Hints are captions under their questions. The resume box is folded from now on and
    # drawn when opened; opening it keeps what was typed in the form but not yet saved.
    assert page.get_by_text(qset.item("profile.rd_ratio").hint.zh).is_visible()
    _textbox(page, "研发投入强度（%）").fill("3.5")
    link = page.get_by_text(f"?resume={code}")
    assert link.count() == 0
    page.get_by_test_id("stExpander").get_by_text("您的续填码").click()
    link.wait_for()
    assert _textbox(page, "研发投入强度（%）").input_value() == "3.5"

    # Reload the tab: everything comes back from the database via ?resume=.
    page.reload()
    _heading(page, "第 3/20 节")
    _select(page, "跳转到", "✓ 1. 企业基本情况 · 基本信息")
    _heading(page, "第 1/20 节")
    assert _textbox(page, "企业名称 *").input_value() == NAME
    assert _textbox(page, "统一社会信用代码 *").input_value() == CREDIT_CODE

    # The other pages are saved as if filled in another sitting.
    repo = Repository(make_engine(app_server.db_url), qset)
    record = repo.resume(code)
    version = record.version
    answers = dict(record.answers)
    for q in qset.questionnaires:
        for section in q.sections:
            if section.id in ("profile.basic", "profile.scale"):
                continue
            values = {it.id: example[it.id] for it in section.items if it.id in example}
            version = repo.save_section(record.id, section.id, values, version)
            answers.update(values)
    expected = score_assessment(repo.resume(code).answers, qset)
    level_name = qset["im"].levels[expected.cmmm.level - 1].name

    page.goto(f"{app_url}review?resume={code}")
    _heading(page, "提交评估")
    shot(page, "04-review-zh")
    page.get_by_text("我已核对答案，确认提交").click()
    page.get_by_role("button", name="提交评估").click()
    page.get_by_text(f"{expected.cmmm.level} 级", exact=True).first.wait_for(timeout=60_000)
    assert page.get_by_text(level_name.zh, exact=True).first.is_visible()
    page.get_by_role("button", name="下载评估报告（PDF）").wait_for()  # the page's end
    page.wait_for_timeout(1500)  # let the charts draw
    shot(page, "05-results-zh")

    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="下载评估报告（PDF）").click()
    pdf = tmp_path / "report.pdf"
    info.value.save_as(pdf)
    text = _pdf_text(pdf)
    assert NAME in text
    assert f"{expected.cmmm.level} 级 · {level_name.zh}" in text

    # The same results in English, switched in the sidebar.
    page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    page.get_by_text(f"Level {expected.cmmm.level}", exact=True).first.wait_for()
    page.get_by_role("button", name="Download the report (PDF)").wait_for()
    page.get_by_test_id("stMain").evaluate("el => el.scrollTo(0, 0)")
    page.wait_for_timeout(1500)
    shot(page, "06-results-en")


def test_unknown_resume_code_is_refused(page, app_url):
    page.goto(app_url)
    _textbox(page, "续填码").fill("AAAA-BBBB-CCCC-DDDD")
    page.get_by_role("button", name="继续填写").click()
    page.get_by_text("续填码无效或已过期").wait_for()
    shot(page, "07-landing-bad-code-zh")


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is needed to read the PDF")
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def test_english_browsers_get_the_english_page(browser, app_url):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 2200})
    try:
        page = context.new_page()
        page.goto(app_url)
        page.get_by_role("button", name="Start the assessment").wait_for(timeout=30_000)
        assert page.get_by_text("About 30–45 minutes", exact=False).first.is_visible()
        shot(page, "08-landing-en")
    finally:
        context.close()

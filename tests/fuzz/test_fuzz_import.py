"""Property-based tests of spreadsheet imports (assessment/spreadsheets.py) on hostile uploads.

Random cell values per column, random bytes and damaged XLSX files: `validate_upload`
either raises AssessmentError with catalogue codes (a file-level fault, I70x) or returns
a preview in which every row is accounted for, every rejected row carries coded problems
and every accepted row holds answers that validate cleanly. Files over the documented
size are refused (I701) before any parsing.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment import spreadsheets
from assessment.answers import validate_answers
from assessment.errors import CATALOGUE, AssessmentError
from assessment.loader import load_questionnaires
from assessment.questionnaire import DONT_KNOW, RATINGS, Item
from assessment.reference import USCC_ALPHABET, uscc_check_char

QSET = load_questionnaires()
ITEMS = {item.id: item for item in QSET.items()}
REQUIRED = spreadsheets.required_columns(QSET)
OPTIONAL = [c for c in spreadsheets.answer_columns(QSET) if c not in REQUIRED]
# Writing and reading a workbook per example costs ~20 ms: fewer examples than the others.
XLSX_EXAMPLES = min(300, settings.default.max_examples)

HOSTILE_CELLS = st.one_of(
    st.text(max_size=20),
    st.sampled_from([
        "", " ", "=1+1", "'=1+1", "+1", "-1", "@SUM(A1)", "\t=x", "NaN", "inf", "-inf",
        "1e999", "9" * 400, "9" * 5000, "1,000", "1，000", "0x10", "是", "否", "不清楚",
        "dont_know", "全部满足", "<script>alert(1)</script>", "**粗体**", "a, b、c；d",
        "\x00", "\u202e", "长" * 2000,
    ]),
)  # fmt: skip


def credit_code(body: str) -> str:
    return body + uscc_check_char(body)


CREDIT_CODES = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17).map(credit_code)


def plausible(item: Item | None, column: str) -> st.SearchStrategy[str]:
    """Cell texts close to valid for a column, so rows also get past the first check."""
    if column == spreadsheets.YEAR:
        return st.one_of(st.integers(1990, 2110).map(str), st.just("2026.0"), st.just("二〇二六"))
    if column == "profile.credit_code":
        return st.one_of(
            CREDIT_CODES, CREDIT_CODES.map(str.lower), CREDIT_CODES.map(lambda c: c[:-1])
        )
    if item is None:  # assessment_id, score.* or an unknown column
        return st.one_of(st.integers(0, 10**6).map(str), st.text(max_size=8))
    words: list[str] = [DONT_KNOW, "不清楚"]
    if item.type == "requirement":
        words += [*RATINGS, "大部分满足", "Mostly"]
    for opt in item.options:
        words += [opt.value, opt.label.zh, opt.label.en.upper()]
    if item.type == "multiple" and item.options:
        words.append("，".join(o.label.zh for o in item.options[:2]))
    if item.type == "yesno":
        words += ["true", "false", "是", "否", "Y", "0", "1"]
    numbers = st.one_of(
        st.integers(-10, 10**7).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
    )
    return st.one_of(st.sampled_from(words), numbers, st.text(max_size=12))


@st.composite
def uploads(draw: st.DrawFn) -> tuple[list[str], list[list[Any]]]:
    """Columns (required ones usually present) and 0–3 data rows of cell texts."""
    columns = [c for c in REQUIRED if draw(st.integers(0, 30))]  # rarely one goes missing
    columns += draw(st.lists(st.sampled_from(OPTIONAL), max_size=8, unique=True))
    if draw(st.integers(0, 20)) == 0:
        columns.append(draw(st.sampled_from(["unknown.column", "score.im.level", "assessment_id",
                                             spreadsheets.YEAR])))  # fmt: skip
    columns = draw(st.permutations(columns))
    cells = [cell_strategy(c) for c in columns]
    rows = [[draw(s) for s in cells] for _ in range(draw(st.integers(0, 3)))]
    return columns, rows


@functools.cache
def cell_strategy(column: str) -> st.SearchStrategy[str]:
    """Mostly plausible texts for the column, sometimes hostile ones."""
    near = plausible(ITEMS.get(column), column)
    return st.one_of(near, near, HOSTILE_CELLS)


def csv_bytes(header_rows: list[list[Any]], rows: list[list[Any]], encoding: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(header_rows)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


def check_upload(data: bytes, filename: str, rows_given: int | None) -> None:
    """The import property: coded file-level refusal, or every row accounted for."""
    try:
        preview = spreadsheets.validate_upload(data, filename, QSET)
    except AssessmentError as err:
        assert set(err.codes) <= set(CATALOGUE), err.codes
        return
    if rows_given is not None:
        assert preview.total <= rows_given
    for rejected in preview.rejected:
        assert rejected.problems or rejected.row
        for p in rejected.problems:
            assert p.code in CATALOGUE, p.code
            assert p.text("zh") and p.text("en")
    for row in preview.valid:
        assert spreadsheets.MIN_YEAR <= row.year <= spreadsheets.MAX_YEAR
        assert validate_answers(row.answers, QSET) == []
        for value in row.scores.values():
            assert value is None or math.isfinite(value)


@given(
    upload=uploads(),
    labels=st.sampled_from(["none", "above", "below", "only"]),
    encoding=st.sampled_from(["utf-8-sig", "utf-8", "gb18030"]),
)
def test_random_csv_cells_give_coded_results(upload, labels: str, encoding: str) -> None:
    columns, rows = upload
    label_row = [
        spreadsheets.header_text(spreadsheets.column_label(c, QSET), "both") for c in columns
    ]
    header = {
        "none": [columns],
        "above": [label_row, columns],
        "below": [columns, label_row],
        "only": [label_row],
    }[labels]
    check_upload(csv_bytes(header, rows, encoding), "upload.csv", len(rows))


def _xlsx_value(draw: st.DrawFn, text: str) -> Any:
    """A cell as a spreadsheet may hold it: the text, or a number, bool or date."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.floats(allow_nan=False, allow_infinity=False))
    if kind == 1:
        return draw(st.integers(-(2**53), 2**53))
    if kind == 2:
        return draw(st.booleans())
    if kind == 3:
        return draw(st.sampled_from([datetime(2026, 1, 2, 3, 4), date(1900, 3, 1)]))
    return text or None


@settings(max_examples=XLSX_EXAMPLES)
@given(upload=uploads(), data=st.data())
def test_random_xlsx_cells_give_coded_results(upload, data) -> None:
    from openpyxl import Workbook

    columns, rows = upload
    book = Workbook()
    sheet = book.active
    sheet.append(columns)
    for row in rows:
        # An XLSX cell cannot hold control characters; openpyxl refuses them on writing.
        cells = [_xlsx_value(data.draw, "".join(ch for ch in v if ch >= " ")) for v in row]
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    check_upload(out.getvalue(), "upload.xlsx", len(rows))


TEMPLATE_XLSX = spreadsheets.template(QSET, "xlsx")


@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(TEMPLATE_XLSX) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=6,
    ),
    cut=st.one_of(st.none(), st.integers(0, len(TEMPLATE_XLSX))),
)
def test_a_damaged_xlsx_is_refused_with_a_code(edits, cut) -> None:
    data = bytearray(TEMPLATE_XLSX)
    for at, byte in edits:
        data[at] = byte
    check_upload(bytes(data[:cut]), "damaged.xlsx", None)


@given(data=st.binary(max_size=300), name=st.sampled_from(["x.csv", "x.xlsx", "x.txt", "x"]))
def test_random_bytes_are_refused_or_read_with_codes(data: bytes, name: str) -> None:
    check_upload(data, name, None)


# --- the upload size limit ---------------------------------------------------------------


@pytest.mark.parametrize("filename", ["big.csv", "big.xlsx"])
def test_an_upload_over_the_limit_is_refused_before_parsing(filename: str) -> None:
    # Garbage that would be I702 if it were parsed: I701 proves it never was.
    data = b"\x00PK garbage " * (spreadsheets.MAX_BYTES // 12 + 1)
    assert len(data) > spreadsheets.MAX_BYTES
    with pytest.raises(AssessmentError) as caught:
        spreadsheets.validate_upload(data, filename, QSET)
    assert caught.value.codes == ["I701"]
    assert str(spreadsheets.MAX_BYTES) in caught.value.problems[0].text("en")


@pytest.mark.parametrize(("size", "limit"), [(0, 0), (1, 0), (99, 100), (100, 100), (101, 100)])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_limit_is_exact(size: int, limit: int, kind: str) -> None:
    data = b"\xff" * size  # not a workbook; as CSV, one GB18030 cell
    try:
        spreadsheets.read_rows(data, kind, limit=limit)
    except AssessmentError as err:
        assert err.codes == (["I701"] if size > limit else ["I702"])
    else:
        assert size <= limit and kind == "csv"


def test_the_default_limit_is_documented() -> None:
    # SECURITY.md and docs/deployment.md name the limit; keep them in step with the code.
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    megabytes = spreadsheets.MAX_BYTES // (1024 * 1024)
    for doc in ("SECURITY.md", "docs/deployment.md"):
        assert f"{megabytes} MiB" in (root / doc).read_text(encoding="utf-8"), doc

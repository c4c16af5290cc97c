"""Spreadsheet import and export without a database: template, reading, row validation with
coded problems, formula-injection neutralising, and the file layout."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

import assessment
from assessment import demo, spreadsheets
from assessment.errors import AssessmentError


@pytest.fixture(scope="module")
def qset():
    return assessment.load_questionnaires()


@pytest.fixture(scope="module")
def population(qset):
    return demo.generate(qset, 6, seed=3)


def csv_bytes(rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload_rows(qset, population, *, lang="both", ids_first=False) -> list[list]:
    """A file's rows: two header rows and one row per demo assessment, answers as cells."""
    columns = [spreadsheets.YEAR, *spreadsheets.answer_columns(qset)]
    labels = [spreadsheets.header_text(spreadsheets.column_label(c, qset), lang) for c in columns]
    header = [columns, labels] if ids_first else [labels, columns]
    body = [
        [p.year, *(spreadsheets.cell_text(qset.item(c), p.answers.get(c)) for c in columns[1:])]
        for p in population
    ]
    return [*header, *[["" if v is None else v for v in row] for row in body]]


# --- cells -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+86 351", "'+86 351"),
        ("-rf", "'-rf"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("'quoted", "''quoted"),
        ("太原钢铁", "太原钢铁"),
        ("a=b", "a=b"),
        (-5, -5),
        (None, None),
    ],
)
def test_neutralise_prefixes_formula_starts_only(raw, written):
    assert spreadsheets.neutralise(raw) == written
    assert spreadsheets.restore(written) == raw


@given(st.text())
def test_restore_inverts_neutralise_for_every_text(text):
    assert spreadsheets.restore(spreadsheets.neutralise(text)) == text


@given(st.text())
def test_neutralised_text_never_starts_a_formula(text):
    out = spreadsheets.neutralise(text)
    assert not out.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (True, "true"),
        (False, "false"),
        (["materials", "components"], "materials, components"),
        ("=HYPERLINK()", "'=HYPERLINK()"),
        (12.0, 12),
        (12.5, 12.5),
        (None, None),
    ],
)
def test_cell_text(qset, value, cell):
    assert spreadsheets.cell_text(qset.item("profile.employees"), value) == cell


# --- template ----------------------------------------------------------------------------


def test_template_xlsx_has_bilingual_labels_and_every_question(qset):
    book = load_workbook(io.BytesIO(spreadsheets.template(qset, "xlsx")))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2
    labels, ids = rows
    assert list(ids) == [spreadsheets.YEAR, *spreadsheets.answer_columns(qset)]
    assert len(ids) == 1 + len(list(qset.items()))
    name = qset.item("profile.name").label
    assert labels[ids.index("profile.name")] == f"{name.zh} / {name.en}"


def test_template_csv_starts_with_bom_and_reads_back_empty(qset):
    data = spreadsheets.template(qset, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    preview = spreadsheets.validate_upload(data, "template.csv", qset)
    assert preview.total == 0 and preview.columns[0] == spreadsheets.YEAR


def test_unknown_kind_is_refused(qset):
    with pytest.raises(ValueError):
        spreadsheets.template(qset, "ods")
    with pytest.raises(ValueError):
        spreadsheets.read_rows(b"", "ods")


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("ids_first", [False, True])
def test_valid_file_all_rows_pass(qset, population, kind, ids_first):
    rows = upload_rows(qset, population, ids_first=ids_first)
    data = csv_bytes(rows) if kind == "csv" else xlsx_bytes(rows)
    preview = spreadsheets.validate_upload(data, f"up.{kind}", qset)
    assert preview.rejected == () and len(preview.valid) == len(population)
    first = preview.valid[0]
    assert first.row == 3 and first.year == population[0].year
    assert dict(first.answers) == dict(population[0].answers)
    assert first.scores["im.level"] is not None


def test_label_only_header_is_accepted(qset, population):
    rows = upload_rows(qset, population, lang="zh")
    del rows[1]  # the id row
    preview = spreadsheets.validate_upload(csv_bytes(rows), "labels.csv", qset)
    assert len(preview.valid) == len(population)


def test_gbk_csv_from_chinese_excel_is_read(qset, population):
    rows = upload_rows(qset, population[:2], lang="zh")
    preview = spreadsheets.validate_upload(csv_bytes(rows, "gb18030"), "gbk.csv", qset)
    assert len(preview.valid) == 2


def broken(qset, population) -> tuple[list[list], dict[int, set[str]]]:
    """A file whose rows break in known ways; returns the rows and the codes expected per row."""
    rows = upload_rows(qset, population)
    ids = rows[1]
    col = {c: i for i, c in enumerate(ids)}
    expected: dict[int, set[str]] = {}

    def edit(n: int, column: str, value, code: str) -> None:
        rows[n - 1][col[column]] = value
        expected.setdefault(n, set()).add(code)

    edit(3, "profile.city", "atlantis", "A203")  # not an option
    edit(4, "profile.employees", "many", "A204")  # not a number
    edit(5, "profile.credit_code", "91140100MA0000000X", "A206")  # bad check character
    edit(6, "year", "", "A205")  # year missing
    edit(6, "profile.name", "", "A205")  # required answer missing
    rows[6][col["year"]] = 1850  # row 7: out of range
    expected[7] = {"A202"}
    # Row 8 repeats row 3's enterprise and year after row 3 is fixed: a duplicate in the file.
    rows[2][col["profile.city"]] = rows[3][col["profile.city"]]
    del expected[3]
    dup = list(rows[2])
    rows.append(dup)
    expected[len(rows)] = {"S411"}
    return rows, expected


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_mixed_rows_are_split_with_codes_row_and_column(qset, population, kind):
    rows, expected = broken(qset, population)
    data = csv_bytes(rows) if kind == "csv" else xlsx_bytes(rows)
    preview = spreadsheets.validate_upload(data, f"mixed.{kind}", qset)
    got = {r.row: {p.code for p in r.problems} for r in preview.rejected}
    assert got == expected
    assert {v.row for v in preview.valid} == set(range(3, len(rows) + 1)) - set(expected)
    bad_city = next(r for r in preview.rejected if r.row == 4)
    assert bad_city.problems[0].path == "profile.employees"
    assert bad_city.problems[0].line == 4 and bad_city.problems[0].file == f"mixed.{kind}"
    # A cell that does not parse is reported once, not again as "required".
    assert [p.code for p in bad_city.problems] == ["A204"]


def test_rejected_rows_download_with_reasons(qset, population):
    rows, expected = broken(qset, population)
    preview = spreadsheets.validate_upload(csv_bytes(rows), "mixed.csv", qset)
    frame = spreadsheets.rejected_frame(preview, "en")
    assert list(frame["row"]) == sorted(expected)
    assert frame.loc[frame["row"] == 3 + 1, "codes"].item() == "A204"
    assert "[profile.employees]" in frame.loc[frame["row"] == 4, "reasons"].item()
    data = spreadsheets.rejected_bytes(preview, "zh")
    assert data.startswith(b"\xef\xbb\xbf")
    back = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert back[0][:3] == ["row", "codes", "reasons"] and len(back) == 1 + len(expected)


def test_progress_is_reported_per_row(qset, population):
    seen = []
    rows = upload_rows(qset, population)
    spreadsheets.validate_upload(
        csv_bytes(rows), "p.csv", qset, progress=lambda d, t: seen.append((d, t))
    )
    n = len(population)
    assert seen == [(i, n) for i in range(1, n + 1)]


def test_blank_lines_are_skipped(qset, population):
    rows = upload_rows(qset, population[:2])
    rows.insert(3, [""] * 5)
    preview = spreadsheets.validate_upload(csv_bytes(rows), "b.csv", qset)
    assert len(preview.valid) == 2 and preview.rejected == ()


# --- file-level problems -----------------------------------------------------------------


def codes(err: pytest.ExceptionInfo) -> list[str]:
    return err.value.codes


def test_oversized_file_is_refused_before_parsing(qset):
    with pytest.raises(AssessmentError) as err:
        spreadsheets.validate_upload(b"x" * 101, "big.csv", qset, limit=100)
    assert codes(err) == ["I701"]
    assert spreadsheets.MAX_BYTES == 20 * 1024 * 1024


@pytest.mark.parametrize(
    ("data", "name", "zh"),
    [
        (b"not a zip", "x.xlsx", "文件已损坏或不是有效的 XLSX 文件"),
        (b"a,b", "x.txt", "既不是 .csv 也不是 .xlsx"),
        (b"", "x.csv", "文件没有表头行"),
    ],
)
def test_unreadable_files_are_I702_in_both_languages(qset, data, name, zh):
    with pytest.raises(AssessmentError) as err:
        spreadsheets.validate_upload(data, name, qset)
    assert codes(err) == ["I702"]
    (prob,) = err.value.problems
    assert zh in prob.text("zh") and zh not in prob.text("en")


def test_unknown_and_duplicate_columns_are_I703(qset, population):
    rows = upload_rows(qset, population[:1])
    rows[1].append("im.no_such_item")
    rows[0].append("?")
    rows[2].append("x")
    with pytest.raises(AssessmentError) as err:
        spreadsheets.validate_upload(csv_bytes(rows), "u.csv", qset)
    assert codes(err) == ["I703"] and err.value.problems[0].path == "im.no_such_item"
    rows = upload_rows(qset, population[:1])
    for r in rows:
        r.append(r[1])
    with pytest.raises(AssessmentError) as err:
        spreadsheets.validate_upload(csv_bytes(rows), "d.csv", qset)
    assert codes(err) == ["I703"]


def test_missing_required_columns_are_I704(qset, population):
    rows = upload_rows(qset, population[:1])
    drop = {rows[1].index("year"), rows[1].index("profile.credit_code")}
    rows = [[v for i, v in enumerate(r) if i not in drop] for r in rows]
    with pytest.raises(AssessmentError) as err:
        spreadsheets.validate_upload(csv_bytes(rows), "m.csv", qset)
    assert codes(err) == ["I704", "I704"]
    assert {p.path for p in err.value.problems} == {"year", "profile.credit_code"}


# --- export layout -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en", "both"])
def test_export_bytes_headers_in_language(qset, population, lang):
    import pandas as pd

    columns = [spreadsheets.ASSESSMENT_ID, spreadsheets.YEAR, *spreadsheets.answer_columns(qset)]
    frame = pd.DataFrame(
        [{spreadsheets.ASSESSMENT_ID: 1, spreadsheets.YEAR: 2026, **population[0].answers}],
        columns=columns,
    )
    frame.loc[0, "profile.name"] = '=HYPERLINK("http://x")'
    data = spreadsheets.export_bytes(frame, qset, "csv", lang)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    label = qset.item("profile.name").label
    assert rows[0][columns.index("profile.name")] == spreadsheets.header_text(label, lang)
    assert rows[1] == columns
    assert rows[2][columns.index("profile.name")].startswith("'=")
    book = load_workbook(io.BytesIO(spreadsheets.export_bytes(frame, qset, "xlsx", lang)))
    cell = book.worksheets[0].cell(row=3, column=columns.index("profile.name") + 1)
    assert cell.data_type == "s" and cell.value.startswith("'=")
    with pytest.raises(ValueError):
        spreadsheets.export_bytes(frame, qset, "csv", "fr")


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    import io
    import zipfile

    from assessment import spreadsheets
    from assessment.errors import AssessmentError

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (spreadsheets.MAX_UNZIPPED + 1))
    data = buf.getvalue()
    assert len(data) < spreadsheets.MAX_BYTES  # small on disk, huge inflated
    with pytest.raises(AssessmentError) as exc:
        spreadsheets.read_rows(data, "xlsx")
    assert exc.value.code == "I701"

"""Spreadsheet exchange: the import template, validating an upload row by row, committing the
valid rows in one transaction, and exporting assessments with their scores (CSV and XLSX).

One layout for every file (docs/staff.md, "Import format"): a header row of labels (Chinese,
English or both), a second header row of column ids (`year`, then one column per question
id; exports add `assessment_id` and `score.<key>` columns, which an import ignores because
scores are recomputed), then one row per assessment. Reading accepts either header order.

Text that a spreadsheet would run as a formula (it starts with = + - @ tab or CR) is written
with a leading apostrophe; reading removes exactly that apostrophe, so an export re-imports
without loss (a text that itself starts with an apostrophe gets one more, for the same reason).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import pandas as pd
from openpyxl import Workbook, load_workbook

from assessment.answers import coerce_answer, validate_answers
from assessment.dashboard import Filters
from assessment.errors import AssessmentError, Bilingual, Problem, fail, foreign, problem
from assessment.questionnaire import Item, QuestionnaireSet, Text
from assessment.scored import batch_scores
from assessment.scoring import flat_keys
from assessment.scoring_batch import score_batch
from assessment.storage.db import Engine
from assessment.storage.queries.exports import submitted_with_scores
from assessment.storage.submissions import Audit, NewSubmission, existing_pairs, store_new

MAX_BYTES = 20 * 1024 * 1024  # I701: refused before parsing
# An XLSX is a zip: its members' declared uncompressed sizes are checked before opening
# it, so a small "zip bomb" that would inflate to gigabytes is refused too (I701).
MAX_UNZIPPED = 10 * MAX_BYTES
MIN_YEAR, MAX_YEAR = 2000, 2100
YEAR = "year"
ASSESSMENT_ID = "assessment_id"
SCORE_PREFIX = "score."
KINDS = ("csv", "xlsx")
# Cells starting with these run as formulas in Excel, LibreOffice and Sheets (OWASP CSV
# injection); the apostrophe itself is included so that un-neutralising is exact.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NEUTRAL_PREFIX = "'"
META_LABELS: Mapping[str, Text] = {
    YEAR: Text("评估年度", "Assessment year"),
    ASSESSMENT_ID: Text("评估编号", "Assessment id"),
}
HEADER_LANGS = ("zh", "en", "both")

ProgressFn = Callable[[int, int], None]
T = TypeVar("T")


# --- cells -------------------------------------------------------------------------------


def neutralise(value: T) -> T | str:
    """A text cell made safe against formula injection (other values unchanged)."""
    if isinstance(value, str) and value.startswith((*FORMULA_START, NEUTRAL_PREFIX)):
        return NEUTRAL_PREFIX + value
    return value


def restore(value: T) -> T | str:
    """The inverse of `neutralise` for a cell read back from a file."""
    if (
        isinstance(value, str)
        and value.startswith(NEUTRAL_PREFIX)
        and value[1:2] != ""
        and value[1:].startswith((*FORMULA_START, NEUTRAL_PREFIX))
    ):
        return value[1:]
    return value


def cell_text(item: Item | None, value: object) -> object:
    """An answer as it is written into a cell: codes, numbers, true/false, a, b lists."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return neutralise(", ".join(str(v) for v in value))
    if isinstance(value, float) and value.is_integer() and item is not None:
        return int(value) if item.type == "numeric" else value
    return neutralise(value) if isinstance(value, str) else value


# --- columns -----------------------------------------------------------------------------


def answer_columns(qset: QuestionnaireSet) -> list[str]:
    """One column per question id, in questionnaire order."""
    return [item.id for item in qset.items()]


def score_columns(qset: QuestionnaireSet) -> list[str]:
    """The export's `score.<flat key>` columns."""
    return [SCORE_PREFIX + key for key in flat_keys(qset)]


def column_label(column: str, qset: QuestionnaireSet) -> Text:
    """The display label of a column in both languages."""
    if column in META_LABELS:
        return META_LABELS[column]
    if column.startswith(SCORE_PREFIX):
        key = column[len(SCORE_PREFIX) :]
        return Text(f"得分 {key}", f"Score {key}")
    item = qset.item(column)
    return item.label if item is not None else Text(column, column)


def header_text(label: Text, lang: str) -> str:
    """A label in the header language: zh, en, or both as `中文 / English`."""
    if lang == "both":
        return f"{label.zh} / {label.en}"
    return label.get(lang)


def required_columns(qset: QuestionnaireSet) -> list[str]:
    """Columns an import cannot do without (I704): the year and the required profile facts."""
    profile = [q for q in qset.questionnaires if q.kind == "profile"]
    needed = [item.id for q in profile for item in q.items() if item.required]
    return [YEAR, *needed]


# --- writing -----------------------------------------------------------------------------


def _rows_bytes(header_rows: list[list[Any]], rows: Iterable[list[Any]], kind: str) -> bytes:
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerows(header_rows)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
        # UTF-8 with BOM: Excel on Chinese Windows opens it as UTF-8, not GBK.
        return buffer.getvalue().encode("utf-8-sig")
    if kind == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet("assessments")
        for row in header_rows:
            sheet.append(row)
        ids = header_rows[-1] if header_rows else []
        for n, row in enumerate(rows, start=len(header_rows) + 1):
            _fits_xlsx(row, n, ids)
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    raise ValueError(f"unknown kind {kind!r}; use one of {KINDS}")


# What one XLSX cell holds (Excel's limit); longer text would be cut without a word.
XLSX_CELL_LIMIT = 32_767


def _fits_xlsx(row: Sequence[Any], n: int, ids: Sequence[Any]) -> None:
    """I705 for the first text in `row` longer than an XLSX cell holds."""
    for i, value in enumerate(row):
        if isinstance(value, str) and len(value) > XLSX_CELL_LIMIT:
            column = ids[i] if i < len(ids) else i + 1
            raise fail("I705", row=n, value=column, n=len(value), limit=XLSX_CELL_LIMIT)


def check_xlsx_frame(frame: pd.DataFrame) -> None:
    """I705 when a text in `frame` is longer than an XLSX cell holds (openpyxl would cut it)."""
    ids = [str(c) for c in frame.columns]
    for n, record in enumerate(frame.itertuples(index=False, name=None), start=2):
        _fits_xlsx(record, n, ids)


def _headers(columns: Sequence[str], qset: QuestionnaireSet, lang: str) -> list[list[Any]]:
    labels = [neutralise(header_text(column_label(c, qset), lang)) for c in columns]
    return [labels, list(columns)]


def template(qset: QuestionnaireSet, kind: str = "xlsx") -> bytes:
    """The empty import template: bilingual labels, then column ids, no data rows."""
    columns = [YEAR, *answer_columns(qset)]
    return _rows_bytes(_headers(columns, qset, "both"), [], kind)


def export_bytes(
    frame: pd.DataFrame, qset: QuestionnaireSet, kind: str = "xlsx", lang: str = "zh"
) -> bytes:
    """Assessments (an `export_frame`) as CSV (UTF-8 with BOM) or XLSX, headers in `lang`."""
    if lang not in HEADER_LANGS:
        raise ValueError(f"unknown header language {lang!r}; use one of {HEADER_LANGS}")
    columns = list(frame.columns)
    items = {c: qset.item(c) for c in columns}

    def rows() -> Iterable[list[Any]]:
        for record in frame.itertuples(index=False, name=None):
            yield [
                None if _missing(v) else cell_text(items.get(c), v)
                for c, v in zip(columns, record, strict=True)
            ]

    return _rows_bytes(_headers(columns, qset, lang), rows(), kind)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    return value is pd.NA or value is pd.NaT


# --- reading -----------------------------------------------------------------------------


def detect_kind(filename: str) -> str:
    """csv or xlsx from the file name (I702 for anything else)."""
    name = filename.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".xlsx"):
        return "xlsx"
    raise fail(
        "I702",
        kind="CSV / XLSX",
        detail=Bilingual(
            f"'{filename}' is neither .csv nor .xlsx",
            f"'{filename}' 的扩展名既不是 .csv 也不是 .xlsx",
        ),
    )


def read_rows(data: bytes, kind: str, *, limit: int = MAX_BYTES) -> list[list[Any]]:
    """The cells of the first sheet (or the CSV), refusing files over `limit` bytes (I701)."""
    if len(data) > limit:
        raise fail("I701", limit=limit)
    if kind == "csv":
        for encoding in ("utf-8-sig", "gb18030"):
            # Excel on Chinese Windows saves CSV as GBK unless told otherwise.
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise fail(
                "I702",
                kind="CSV",
                detail=Bilingual("not UTF-8 or GB18030 text", "文本编码不是 UTF-8 或 GB18030"),
            )
        try:
            return [row for row in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as err:
            raise fail("I702", kind="CSV", detail=_damaged(err, "CSV")) from None
    if kind == "xlsx":
        _check_unzipped(data)
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                return [list(row) for row in sheet.iter_rows(values_only=True)]
            finally:
                book.close()
        except Exception as err:
            # A damaged workbook fails anywhere in openpyxl, zipfile, zlib or the XML parser
            # (BadZipFile, zlib.error, ParseError, IndexError, NotImplementedError, ...):
            # all of them mean "not a readable XLSX".
            raise fail("I702", kind="XLSX", detail=_damaged(err, "XLSX")) from None
    raise ValueError(f"unknown kind {kind!r}; use one of {KINDS}")


def _damaged(err: Exception, kind: str) -> Bilingual:
    # What the reader said is technical and English either way; the Chinese says what it means.
    return foreign(str(err) or type(err).__name__, f"文件已损坏或不是有效的 {kind} 文件")


def _check_unzipped(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as err:
        raise fail("I702", kind="XLSX", detail=_damaged(err, "XLSX")) from None
    if total > MAX_UNZIPPED:
        raise fail("I701", limit=MAX_UNZIPPED)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _known_columns(qset: QuestionnaireSet) -> set[str]:
    return {YEAR, ASSESSMENT_ID, *answer_columns(qset), *score_columns(qset)}


def _label_index(qset: QuestionnaireSet) -> dict[str, str]:
    index: dict[str, str] = {}
    for column in sorted(_known_columns(qset)):
        label = column_label(column, qset)
        for lang in HEADER_LANGS:
            index.setdefault(header_text(label, lang).strip(), column)
    return index


def _header(rows: list[list[Any]], qset: QuestionnaireSet) -> tuple[list[str | None], int]:
    """Column ids per position and the index of the first data row."""
    known = _known_columns(qset)
    labels = _label_index(qset)

    def cells(row: list[Any]) -> list[str]:
        return ["" if _blank(v) else str(restore(v)).strip() for v in row]

    candidates = [cells(r) for r in rows[:2]]
    hits = [sum(1 for c in row if c in known) for row in candidates]
    if hits and max(hits) > 0:
        at = hits.index(max(hits))
        columns: list[str | None] = [c or None for c in candidates[at]]
        start = at + 1
        if at == 0 and len(candidates) > 1:
            # A label row under the ids (the other accepted order) is not data.
            other = candidates[1]
            named = [(c, columns[i]) for i, c in enumerate(other) if c and i < len(columns)]
            if named and all(labels.get(c) == col for c, col in named):
                start = 2
        return columns, start
    if candidates and any(candidates[0]):
        # No id row: a single header row of labels (ids deleted by hand).
        return [labels.get(c, c) if c else None for c in candidates[0]], 1
    raise fail(
        "I702",
        kind="CSV / XLSX",
        detail=Bilingual("the file has no header row", "文件没有表头行"),
    )


# --- validation --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportRow:
    """A valid row, scored and ready to commit."""

    row: int  # the spreadsheet row number (1-based, header rows included)
    year: int
    answers: Mapping[str, Any]
    scores: Mapping[str, float | None]


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row that will not be imported, with every reason (coded problems)."""

    row: int
    cells: Mapping[str, Any]
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """The outcome of validating an upload: what would be imported and what not."""

    filename: str
    columns: tuple[str, ...]
    valid: tuple[ImportRow, ...]
    rejected: tuple[RejectedRow, ...]
    ignored_columns: tuple[str, ...] = field(default=())

    @property
    def total(self) -> int:
        return len(self.valid) + len(self.rejected)


A_YEAR = Bilingual("a year", "整数年份")


def _year(raw: Any, filename: str, row: int) -> tuple[int | None, list[Problem]]:
    def bad(code: str, **params: object) -> tuple[None, list[Problem]]:
        return None, [problem(code, file=filename, line=row, path=YEAR, **params)]

    if _blank(raw):
        return bad("A205")
    try:
        number = float(str(raw).strip()) if not isinstance(raw, int | float) else float(raw)
    except ValueError:
        return bad("A204", value=raw, expected=A_YEAR)
    if not number.is_integer():
        return bad("A204", value=raw, expected=A_YEAR)
    if not MIN_YEAR <= number <= MAX_YEAR:
        return bad("A202", value=int(number), detail=f"{MIN_YEAR} – {MAX_YEAR}")
    return int(number), []


def _parse_row(
    cells: Mapping[str, Any], qset: QuestionnaireSet, filename: str, row: int
) -> tuple[dict[str, Any], list[Problem]]:
    answers: dict[str, Any] = {}
    problems: list[Problem] = []
    for column, raw in cells.items():
        item = qset.item(column)
        if item is None or _blank(raw):
            continue
        value = restore(raw)
        if item.type == "text" and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(int(value)) if float(value).is_integer() else str(value)
        try:
            coerced = coerce_answer(item, value)
        except AssessmentError as err:
            problems.extend(_located(err.problems, filename, row))
            continue
        if coerced is not None:
            answers[column] = coerced
    return answers, problems


def _located(problems: Iterable[Problem], filename: str, row: int) -> list[Problem]:
    return [
        Problem(code=p.code, params=dict(p.params), file=filename, line=row, path=p.path)
        for p in problems
    ]


def _credit_code(answers: Mapping[str, Any]) -> str | None:
    code = answers.get("profile.credit_code")
    return code.strip().upper() if isinstance(code, str) and code.strip() else None


def validate_upload(
    data: bytes,
    filename: str,
    qset: QuestionnaireSet,
    engine: Engine | None = None,
    *,
    progress: ProgressFn | None = None,
    limit: int = MAX_BYTES,
) -> ImportPreview:
    """Read and check every row of an upload; file-level faults raise I701–I704."""
    rows = read_rows(data, detect_kind(filename), limit=limit)
    columns, start = _header(rows, qset)
    known = _known_columns(qset)
    unknown = [c for c in columns if c is not None and c not in known]
    if unknown:
        raise AssessmentError(
            [problem("I703", file=filename, line=start, path=c, value=c) for c in unknown]
        )
    seen_columns = [c for c in columns if c is not None]
    duplicated = sorted({c for c in seen_columns if seen_columns.count(c) > 1})
    if duplicated:
        raise AssessmentError(
            [problem("I703", file=filename, line=start, path=c, value=c) for c in duplicated]
        )
    missing = [c for c in required_columns(qset) if c not in seen_columns]
    if missing:
        raise AssessmentError([problem("I704", file=filename, path=c, value=c) for c in missing])
    body = [
        (number, row)
        for number, row in enumerate(rows[start:], start=start + 1)
        if not all(_blank(v) for v in row)
    ]
    parsed: list[tuple[int, dict[str, Any], dict[str, Any], int | None, list[Problem]]] = []
    total = len(body)
    for done, (number, row) in enumerate(body, start=1):
        cells = {c: row[i] if i < len(row) else None for i, c in enumerate(columns) if c}
        year, problems = _year(cells.get(YEAR), filename, number)
        answers, more = _parse_row(cells, qset, filename, number)
        problems += more
        bad_items = {p.path for p in more}
        problems += [
            p
            for p in _located(validate_answers(answers, qset), filename, number)
            if p.path not in bad_items  # a cell that did not parse is reported once
        ]
        parsed.append((number, cells, answers, year, problems))
        if progress is not None:
            progress(done, total)
    # Duplicates within the file and against the database: (credit code, year) is unique.
    pairs = {
        (code, year)
        for _, _, answers, year, problems in parsed
        if not problems and year is not None and (code := _credit_code(answers))
    }
    taken: set[tuple[str, int]] = set()
    if engine is not None:
        taken = existing_pairs(engine, pairs)
    first_seen: set[tuple[str, int]] = set()
    valid: list[ImportRow] = []
    rejected: list[RejectedRow] = []
    for number, cells, answers, year, problems in parsed:
        code = _credit_code(answers)
        if not problems and code is not None and year is not None:
            name = str(answers.get("profile.name", code))
            if (code, year) in taken or (code, year) in first_seen:
                problems = [
                    problem(
                        "S411",
                        file=filename,
                        line=number,
                        path="profile.credit_code",
                        value=f"{name} ({code})",
                        year=year,
                    )
                ]
            first_seen.add((code, year))
        if problems or year is None:
            rejected.append(RejectedRow(number, dict(cells), tuple(problems)))
            continue
        valid.append(ImportRow(number, year, dict(answers), {}))
    scored = _score(valid, qset)
    return ImportPreview(
        filename=filename,
        columns=tuple(seen_columns),
        valid=tuple(scored),
        rejected=tuple(rejected),
        ignored_columns=tuple(
            c for c in seen_columns if c == ASSESSMENT_ID or c.startswith(SCORE_PREFIX)
        ),
    )


def _score(rows: list[ImportRow], qset: QuestionnaireSet) -> list[ImportRow]:
    if not rows:
        return []
    # score_batch gives the numbers of score_assessment (its contract) at a fraction of
    # the cost: one by one, scoring was a third of a 10,000-row import.
    flat = score_batch(pd.DataFrame.from_records([dict(r.answers) for r in rows]), qset)
    return [
        ImportRow(r.row, r.year, r.answers, scores)
        for r, scores in zip(rows, batch_scores(flat), strict=True)
    ]


def prepared_rows(
    assessments: Iterable[tuple[int, Mapping[str, Any]]], qset: QuestionnaireSet
) -> list[ImportRow]:
    """(year, answers) pairs already known to be valid, scored and ready for `commit`."""
    rows = [ImportRow(n, year, dict(answers), {}) for n, (year, answers) in enumerate(assessments)]
    return _score(rows, qset)


def rejected_frame(preview: ImportPreview, lang: str = "zh") -> pd.DataFrame:
    """The rejected rows as they were uploaded, with their row numbers and reasons."""
    records = []
    for rej in preview.rejected:
        reasons = "; ".join(f"[{p.path or '-'}] {p.code} {p.text(lang)}" for p in rej.problems)
        codes = ", ".join(dict.fromkeys(p.code for p in rej.problems))
        record = {"row": rej.row, "codes": codes, "reasons": reasons}
        record.update({c: rej.cells.get(c) for c in preview.columns})
        records.append(record)
    columns = ["row", "codes", "reasons", *preview.columns]
    return pd.DataFrame.from_records(records, columns=columns)


def rejected_bytes(preview: ImportPreview, lang: str = "zh") -> bytes:
    """The rejected rows with their reasons as a CSV (UTF-8 with BOM) to fix and re-upload."""
    frame = rejected_frame(preview, lang)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(frame.columns))
    for record in frame.itertuples(index=False, name=None):
        writer.writerow(["" if _missing(v) else neutralise(v) for v in record])
    return buffer.getvalue().encode("utf-8-sig")


# --- commit ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommitResult:
    """What a commit wrote."""

    assessment_ids: tuple[int, ...]
    enterprises_created: int

    @property
    def count(self) -> int:
        return len(self.assessment_ids)


def commit(
    engine: Engine,
    qset: QuestionnaireSet,
    rows: Sequence[ImportRow],
    *,
    actor: str,
    filename: str = "",
    now: datetime | None = None,
) -> CommitResult:
    """Write the valid rows as submitted assessments, all or nothing (S411 on a race)."""
    if not rows:
        return CommitResult((), 0)
    now = now or datetime.now(UTC)
    ordered = sorted(rows, key=lambda r: (r.year, r.row))  # earlier years first: links
    stored = store_new(
        engine,
        [NewSubmission(r.year, dict(r.answers), r.scores, now) for r in ordered],
        versions=qset.versions(),
        audit=Audit(actor, "import_assessments", now, "import", filename[:64] or None),
        name=filename or Bilingual("import", "导入"),
    )
    return CommitResult(stored.assessment_ids, stored.enterprises_created)


# --- export ------------------------------------------------------------------------------


def export_frame(
    engine: Engine, qset: QuestionnaireSet, filters: Filters | None = None
) -> pd.DataFrame:
    """Submitted assessments in the filter's scope: id, year, score.* and every answer column."""
    items = answer_columns(qset)
    score_cols = score_columns(qset)
    records = []
    for assessment_id, year, answers, scores in submitted_with_scores(engine, filters):
        record: dict[str, Any] = {ASSESSMENT_ID: assessment_id, YEAR: year}
        record.update({c: scores.get(c[len(SCORE_PREFIX) :]) for c in score_cols})
        record.update({c: answers.get(c) for c in items})
        records.append(record)
    return pd.DataFrame.from_records(records, columns=[ASSESSMENT_ID, YEAR, *score_cols, *items])


def answers_of(frame_row: Mapping[str, Any], qset: QuestionnaireSet) -> dict[str, Any]:
    """The answers held in one export row (blank cells dropped)."""
    return {
        c: v
        for c in answer_columns(qset)
        if not _missing(v := frame_row.get(c)) and v != "" and v != []
    }

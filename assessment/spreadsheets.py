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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine, and_, insert, or_, select, update

from assessment.answers import coerce_answer, validate_answers
from assessment.errors import AssessmentError, Problem, Template, fail, problem
from assessment.questionnaire import Item, QuestionnaireSet, Text

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


# --- cells -------------------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """A text cell made safe against formula injection (other values unchanged)."""
    if isinstance(value, str) and value.startswith((*FORMULA_START, NEUTRAL_PREFIX)):
        return NEUTRAL_PREFIX + value
    return value


def restore(value: Any) -> Any:
    """The inverse of `neutralise` for a cell read back from a file."""
    if (
        isinstance(value, str)
        and value.startswith(NEUTRAL_PREFIX)
        and value[1:2] != ""
        and value[1:].startswith((*FORMULA_START, NEUTRAL_PREFIX))
    ):
        return value[1:]
    return value


def cell_text(item: Item | None, value: Any) -> Any:
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
    from assessment.scoring import flat_keys

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
        from openpyxl import Workbook

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
        detail=Template(
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
                detail=Template("not UTF-8 or GB18030 text", "文本编码不是 UTF-8 或 GB18030"),
            )
        try:
            return [row for row in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as err:
            raise fail("I702", kind="CSV", detail=_damaged(err, "CSV")) from None
    if kind == "xlsx":
        from openpyxl import load_workbook

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


def _damaged(err: Exception, kind: str) -> Template:
    # What the reader said is technical and English either way; the Chinese says what it means.
    said = str(err) or type(err).__name__
    return Template(said, f"文件已损坏或不是有效的 {kind} 文件（{said}）")


def _check_unzipped(data: bytes) -> None:
    import zipfile

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
        detail=Template("the file has no header row", "文件没有表头行"),
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


def _year(raw: Any, filename: str, row: int) -> tuple[int | None, list[Problem]]:
    where = {"file": filename, "line": row, "path": YEAR}
    if _blank(raw):
        return None, [problem("A205", **where)]
    try:
        number = float(str(raw).strip()) if not isinstance(raw, int | float) else float(raw)
    except ValueError:
        return None, [problem("A204", value=raw, expected="整数年份 / a year", **where)]
    if not number.is_integer():
        return None, [problem("A204", value=raw, expected="整数年份 / a year", **where)]
    if not MIN_YEAR <= number <= MAX_YEAR:
        return None, [
            problem("A202", value=int(number), detail=f"{MIN_YEAR} – {MAX_YEAR}", **where)
        ]
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


def _existing(engine: Engine, pairs: set[tuple[str, int]]) -> set[tuple[str, int]]:
    from assessment.storage.db import transaction
    from assessment.storage.models import Assessment, Enterprise

    if not pairs:
        return set()
    found: set[tuple[str, int]] = set()
    codes = sorted({code for code, _ in pairs})
    with transaction(engine) as conn:
        for start in range(0, len(codes), 500):
            chunk = codes[start : start + 500]
            rows = conn.execute(
                select(Enterprise.credit_code, Assessment.year)
                .join(Assessment, Assessment.enterprise_id == Enterprise.id)
                .where(Enterprise.credit_code.in_(chunk))
            ).all()
            found.update((r.credit_code, r.year) for r in rows)
    return found & pairs


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
    taken = _existing(engine, pairs) if engine is not None else set()
    first_seen: set[tuple[str, int]] = set()
    valid: list[ImportRow] = []
    rejected: list[RejectedRow] = []
    for number, cells, answers, year, problems in parsed:
        code = _credit_code(answers)
        if not problems and code is not None and year is not None:
            name = str(answers.get("profile.name", code))
            where = {"file": filename, "line": number, "path": "profile.credit_code"}
            if (code, year) in taken or (code, year) in first_seen:
                problems = [problem("S411", value=f"{name} ({code})", year=year, **where)]
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
    from assessment.scoring import score_batch

    if not rows:
        return []
    # score_batch gives the numbers of score_assessment (its contract) at a fraction of
    # the cost: one by one, scoring was a third of a 10,000-row import.
    flat = score_batch(pd.DataFrame.from_records([dict(r.answers) for r in rows]), qset)
    out = []
    for r, values in zip(rows, flat.itertuples(index=False, name=None), strict=True):
        scores = {
            k: (None if v is None or v != v else float(v))
            for k, v in zip(flat.columns, values, strict=True)
        }
        out.append(ImportRow(r.row, r.year, r.answers, scores))
    return out


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


KEY_SCORE_SOURCES = {
    "cmmm_level": "im.level",
    "cmmm_total": "im.total",
    "cmmm_score": "im.score",
    "green_score": "green.score",
    "green_veto": "green.veto",
    "integration_index": "integration.index",
    "integration_stage": "integration.stage",
    "readiness_score": "readiness.score",
    "confidence": "readiness.confidence",
}


def key_scores(flat: Mapping[str, float | None]) -> dict[str, Any]:
    """The `scores` table's columns from a `result.flat()` mapping."""
    out: dict[str, Any] = {}
    for column, key in KEY_SCORE_SOURCES.items():
        value = flat.get(key)
        if value is None:
            out[column] = None
        elif column in ("cmmm_level", "integration_stage"):
            out[column] = int(value)
        elif column == "green_veto":
            out[column] = bool(value)
        else:
            out[column] = float(value)
    return out


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
    from sqlalchemy.exc import IntegrityError

    from assessment.reference import size_class
    from assessment.storage import rollup
    from assessment.storage.db import transaction
    from assessment.storage.facts import answer_facts
    from assessment.storage.models import Assessment, AssessmentScore, AuditEntry, Enterprise, Score

    if not rows:
        return CommitResult((), 0)
    now = now or datetime.now(UTC)
    versions = qset.versions()
    ordered = sorted(rows, key=lambda r: (r.year, r.row))  # earlier years first: links
    ids: list[int] = []
    created = 0
    try:
        with transaction(engine, write=True) as conn:
            codes = sorted({_credit_code(r.answers) for r in ordered} - {None})
            enterprise_ids: dict[str, int] = {}
            for start in range(0, len(codes), 500):
                found = conn.execute(
                    select(Enterprise.credit_code, Enterprise.id).where(
                        Enterprise.credit_code.in_(codes[start : start + 500])
                    )
                ).all()
                enterprise_ids.update({r.credit_code: r.id for r in found})
            # Checked again inside the transaction: another import may have won the race.
            wanted = [
                and_(Enterprise.credit_code == c, Assessment.year == r.year)
                for r in ordered
                if (c := _credit_code(r.answers)) in enterprise_ids
            ]
            for start in range(0, len(wanted), 200):
                clash = conn.execute(
                    select(Enterprise.credit_code, Assessment.year)
                    .join(Assessment, Assessment.enterprise_id == Enterprise.id)
                    .where(or_(*wanted[start : start + 200]))
                ).first()
                if clash is not None:
                    raise fail("S411", value=clash.credit_code, year=clash.year)
            # Enterprises already stored may move to other dashboard cells (new facts).
            before = rollup.cells_of(conn, enterprise_ids.values())
            score_rows: list[dict[str, Any]] = []
            long_rows: list[dict[str, Any]] = []
            for r in ordered:
                answers = dict(r.answers)
                code = _credit_code(answers)
                assert code is not None, "validated rows have a credit code"
                facts = {
                    "name": str(answers["profile.name"]),
                    "city": answers.get("profile.city"),
                    "industry": answers.get("profile.industry"),
                    "size_class": size_class(
                        _num(answers.get("profile.employees")), _num(answers.get("profile.revenue"))
                    ),
                }
                enterprise_id = enterprise_ids.get(code)
                if enterprise_id is None:
                    enterprise_id = conn.execute(
                        insert(Enterprise)
                        .values(credit_code=code, created_at=now, **facts)
                        .returning(Enterprise.id)
                    ).scalar_one()
                    enterprise_ids[code] = enterprise_id
                    created += 1
                else:
                    # Rows are in year order, so the enterprise ends with its latest facts.
                    conn.execute(
                        update(Enterprise).where(Enterprise.id == enterprise_id).values(**facts)
                    )
                previous = conn.execute(
                    select(Assessment.id).where(
                        Assessment.enterprise_id == enterprise_id, Assessment.year == r.year - 1
                    )
                ).scalar_one_or_none()
                assessment_id = conn.execute(
                    insert(Assessment)
                    .values(
                        enterprise_id=enterprise_id,
                        year=r.year,
                        status="submitted",
                        questionnaire_versions=versions,
                        answers=answers,
                        version=1,
                        created_at=now,
                        updated_at=now,
                        submitted_at=now,
                        resume_code_hash=None,
                        resume_expires_at=None,
                        previous_assessment_id=previous,
                    )
                    .returning(Assessment.id)
                ).scalar_one()
                ids.append(assessment_id)
                score_rows.append(
                    {
                        "assessment_id": assessment_id,
                        "scored_at": now,
                        **key_scores(r.scores),
                        **answer_facts(answers),
                    }
                )
                long_rows.extend(
                    {"assessment_id": assessment_id, "key": k, "value": v}
                    for k, v in r.scores.items()
                )
            conn.execute(insert(Score), score_rows)
            for start in range(0, len(long_rows), 5000):
                conn.execute(insert(AssessmentScore), long_rows[start : start + 5000])
            rollup.refresh(conn, before | rollup.cells_of(conn, enterprise_ids.values()))
            conn.execute(
                insert(AuditEntry).values(
                    at=now,
                    actor=actor,
                    action="import_assessments",
                    target_type="import",
                    target_id=filename[:64] or None,
                    detail={"count": len(ids), "enterprises_created": created},
                )
            )
    except IntegrityError as err:  # (enterprise, year) or a credit code taken concurrently
        raise fail("S411", value=filename or "import", year="—") from err
    return CommitResult(tuple(ids), created)


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


# --- export ------------------------------------------------------------------------------


def export_frame(engine: Engine, qset: QuestionnaireSet, filters: Any = None) -> pd.DataFrame:
    """Submitted assessments in the filter's scope: id, year, score.* and every answer column."""
    from assessment.dashboard import Filters, scope
    from assessment.storage.db import transaction
    from assessment.storage.models import Assessment, AssessmentScore

    filters = filters or Filters()
    query = scope(select(Assessment.id, Assessment.year, Assessment.answers), filters).order_by(
        Assessment.year, Assessment.id
    )
    with transaction(engine) as conn:
        rows = conn.execute(query).all()
        ids = [r.id for r in rows]
        long: list[Any] = []
        for start in range(0, len(ids), 500):
            long += conn.execute(
                select(
                    AssessmentScore.assessment_id, AssessmentScore.key, AssessmentScore.value
                ).where(AssessmentScore.assessment_id.in_(ids[start : start + 500]))
            ).all()
    scores: dict[int, dict[str, float | None]] = {}
    for assessment_id, key, value in long:
        scores.setdefault(assessment_id, {})[key] = value
    items = answer_columns(qset)
    score_cols = score_columns(qset)
    records = []
    for r in rows:
        record: dict[str, Any] = {ASSESSMENT_ID: r.id, YEAR: r.year}
        own = scores.get(r.id, {})
        record.update({c: own.get(c[len(SCORE_PREFIX) :]) for c in score_cols})
        answers = r.answers or {}
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

"""Export every table to JSON lines and import it into an empty database, losslessly."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    Engine,
    Float,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

from assessment.errors import AssessmentError, Bilingual, fail, foreign, problem
from assessment.storage import rollup
from assessment.storage.db import current_revision, transaction
from assessment.storage.drafts import parse_answers
from assessment.storage.models import DERIVED, TABLES, UTCDateTime

FORMAT = "shanxi-readiness-export"
FORMAT_VERSION = 1
# Derived tables are not exported: an import computes them from what it loaded.
STORED = tuple(t for t in TABLES if t.name not in DERIVED)
_BY_NAME = {t.name: t for t in STORED}
_CHUNK = 1000


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def export_rows(engine: Engine) -> Iterator[dict[str, Any]]:
    """The export as objects: a header, then one {"table", "row"} per row, parents first."""
    yield {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema": current_revision(engine),
        "exported_at": datetime.now(UTC).isoformat(),
    }
    with transaction(engine) as conn:
        for table in STORED:
            query = select(table).order_by(*table.primary_key.columns)
            for row in conn.execute(query):
                yield {
                    "table": table.name,
                    "row": {key: _encode(value) for key, value in row._mapping.items()},
                }


def export_jsonl(engine: Engine, path: str | os.PathLike[str]) -> int:
    """Write every row of every table to `path` (JSON lines); returns the rows written."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    count = -1  # the header is not a row
    # Written beside the target and renamed, so a failed export never leaves half a file.
    with tmp.open("w", encoding="utf-8") as out:
        for obj in export_rows(engine):
            out.write(json.dumps(obj, ensure_ascii=False, allow_nan=False) + "\n")
            count += 1
    tmp.replace(path)
    return count


def _bad(file: str, line: int, detail: Bilingual) -> AssessmentError:
    return AssessmentError(problem("S410", file=file, line=line, detail=detail))


def _decode(table: Table, data: Any, file: str, line: int) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _bad(file, line, Bilingual("'row' must be an object", "'row' 必须是对象"))
    unknown = sorted(set(data) - set(table.c.keys()))
    if unknown:
        names = ", ".join(unknown)
        raise _bad(
            file,
            line,
            Bilingual(f"{table.name} has no column {names}", f"表 {table.name} 没有列 {names}"),
        )
    out: dict[str, Any] = {}
    for column in table.columns:
        if column.key not in data:
            where = f"{table.name}.{column.key}"
            raise _bad(file, line, Bilingual(f"the column {where} is missing", f"缺少列 {where}"))
        value = data[column.key]
        where = f"{table.name}.{column.key}"
        if value is None:
            if not column.nullable:
                raise _bad(file, line, Bilingual(f"{where} must not be null", f"{where} 不能为空"))
        elif isinstance(column.type, UTCDateTime):
            try:
                value = datetime.fromisoformat(value)
            except (TypeError, ValueError):
                raise _bad(
                    file,
                    line,
                    Bilingual(
                        f"{where} is not an ISO timestamp: {value!r}",
                        f"{where} 不是 ISO 格式的时间：{value!r}",
                    ),
                ) from None
            if value.tzinfo is None:
                given = repr(data[column.key])
                raise _bad(
                    file,
                    line,
                    Bilingual(f"{where} has no time zone: {given}", f"{where} 缺少时区：{given}"),
                )
        elif isinstance(column.type, Boolean):
            if not isinstance(value, bool):
                raise _bad(
                    file,
                    line,
                    Bilingual(f"{where} must be true or false", f"{where} 必须是 true 或 false"),
                )
        elif isinstance(column.type, Integer):
            if isinstance(value, bool) or not isinstance(value, int):
                raise _bad(
                    file, line, Bilingual(f"{where} must be an integer", f"{where} 必须是整数")
                )
        elif isinstance(column.type, Float):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _bad(
                    file, line, Bilingual(f"{where} must be a number", f"{where} 必须是数字")
                )
        elif isinstance(column.type, String | Text):
            if not isinstance(value, str):
                raise _bad(
                    file, line, Bilingual(f"{where} must be a string", f"{where} 必须是文本")
                )
        elif table.name == "assessments" and column.key == "answers":
            try:  # answers may come as JSON text from other tools
                value = parse_answers(value)
            except AssessmentError as err:
                raise AssessmentError(
                    problem("S404", file=file, line=line, **err.problems[0].params)
                ) from None
        out[column.key] = value
    return out


# An export's rows by table name: (line number in the file, the decoded row).
ExportRows = dict[str, list[tuple[int, dict[str, Any]]]]


def read_export(path: str | os.PathLike[str]) -> tuple[dict[str, Any], ExportRows]:
    """Parse and check an export file: its header and its rows by table (S410 on any fault)."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise fail("C801", value=file) from err
    except (OSError, UnicodeDecodeError) as err:
        raise _bad(
            file, 1, foreign(err, "无法按 UTF-8 文本读取", "cannot be read as UTF-8 text")
        ) from None
    header: dict[str, Any] | None = None
    rows: ExportRows = {t.name: [] for t in STORED}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise _bad(file, number, foreign(err.msg, "不是有效的 JSON", "not JSON")) from None
        if not isinstance(obj, dict):
            raise _bad(
                file, number, Bilingual("each line must be a JSON object", "每一行必须是 JSON 对象")
            )
        if header is None:
            if obj.get("format") != FORMAT or obj.get("format_version") != FORMAT_VERSION:
                raise _bad(
                    file,
                    number,
                    Bilingual(
                        f"the first line must be the {FORMAT} header, version 1",
                        f"第一行必须是 {FORMAT} 文件头（版本 1）",
                    ),
                )
            header = obj
            continue
        table = _BY_NAME.get(obj.get("table"))  # type: ignore[arg-type]
        if table is None:
            name = repr(obj.get("table"))
            raise _bad(file, number, Bilingual(f"unknown table {name}", f"未知的表 {name}"))
        rows[table.name].append((number, _decode(table, obj.get("row"), file, number)))
    if header is None:
        raise _bad(file, 1, Bilingual("the file is empty", "文件为空"))
    return header, rows


def import_jsonl(engine: Engine, path: str | os.PathLike[str]) -> int:
    """Load an export into an empty database in one transaction; returns the rows loaded."""
    file = str(path)
    header, rows = read_export(path)
    schema = current_revision(engine)
    if header.get("schema") != schema:
        theirs = header.get("schema")
        raise _bad(
            file,
            1,
            Bilingual(
                f"the export has schema {theirs}, the database {schema}",
                f"导出文件的数据库结构版本为 {theirs}，当前数据库为 {schema}",
            ),
        )
    total = 0
    with transaction(engine, write=True) as conn:
        for table in TABLES:
            n = conn.execute(select(func.count()).select_from(table)).scalar_one()
            if n:
                raise _bad(
                    file,
                    1,
                    Bilingual(
                        f"the database is not empty ({table.name} has {n} rows); "
                        "import only into a new database",
                        f"数据库不是空的（表 {table.name} 有 {n} 行）；只能导入到新数据库",
                    ),
                )
        for table in STORED:
            batch = [row for _, row in rows[table.name]]
            if not batch:
                continue
            try:
                _insert(conn, table, batch)
            except (IntegrityError, DBAPIError) as err:
                first = rows[table.name][0][0]
                detail = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
                raise _bad(
                    file,
                    first,
                    foreign(
                        detail,
                        f"表 {table.name} 的行（从此行起）无法写入",
                        f"{table.name} rows (from this line on)",
                    ),
                ) from None
            total += len(batch)
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn)
        rollup.rebuild(conn)
    return total


def _insert(conn: Connection, table: Table, batch: list[dict[str, Any]]) -> None:
    links = []
    if table.name == "assessments":
        # Insert without the self-reference first, so row order within the file is free.
        links = [
            {"row_id": r["id"], "prev": r["previous_assessment_id"]}
            for r in batch
            if r["previous_assessment_id"] is not None
        ]
        batch = [{**r, "previous_assessment_id": None} for r in batch]
    for start in range(0, len(batch), _CHUNK):
        conn.execute(table.insert(), batch[start : start + _CHUNK])
    if links:
        conn.execute(
            table.update()
            .where(table.c.id == bindparam("row_id"))
            .values(previous_assessment_id=bindparam("prev")),
            links,
        )


def _reset_sequences(conn: Connection) -> None:
    # Rows came with their ids; move each serial sequence past the largest one.
    for table in STORED:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].name == "id" and isinstance(pk[0].type, Integer):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )

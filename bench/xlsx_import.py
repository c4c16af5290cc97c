"""Importing a 10,000-row XLSX with validation, against reading the same file with pandas.

The file is what the export writes (`spreadsheets.export_bytes`: label row, id row, one row
per assessment) for 10,000 bench assessments with new credit codes; the import is
`spreadsheets.validate_upload` — read, parse and coerce each cell, validate every row, check
(credit code, year) against the database, score the valid rows — with an empty migrated
SQLite database. The limit is `pandas.read_excel` of the same bytes (openpyxl engine).
"""

from __future__ import annotations

import io

import pandas as pd

from assessment import spreadsheets
from assessment.storage import make_engine, upgrade
from bench.timing import Row, Target, interleaved, paired_ratio

NAME = "xlsx_import"


def workbook(ctx, n: int) -> bytes:
    """n bench assessments as an export-layout XLSX."""
    frame = ctx.population(n)
    columns = spreadsheets.answer_columns(ctx.qset)
    out = pd.concat(
        [
            frame[["_year"]].rename(columns={"_year": spreadsheets.YEAR}),
            frame.reindex(columns=columns),
        ],
        axis=1,
    ).astype(object)
    out = out.where(out.notna(), None)
    return spreadsheets.export_bytes(out, ctx.qset, "xlsx", "zh")


def run(ctx) -> list[Row]:
    """Time validate_upload and read_excel of the same bytes, interleaved."""
    n = ctx.size(10_000)
    data = workbook(ctx, n)
    engine = make_engine(f"sqlite:///{ctx.tmp / 'import.sqlite'}")
    upgrade(engine)
    qset = ctx.qset
    results: dict[str, list] = {"import": []}

    def keep(name: str, module) -> None:
        preview = module.validate_upload(data, "bench.xlsx", qset, engine)
        if not results[name]:  # the first is kept for the checks; the rest are dropped
            results[name].append(preview)

    fns = {
        "import": lambda: keep("import", spreadsheets),
        "pandas": lambda: pd.read_excel(io.BytesIO(data), header=None),
    }
    # No warm-up round: each run is tens of seconds and reads the file from scratch.
    t = interleaved(fns, ctx.repeats, warmup=0)
    engine.dispose()
    preview = results["import"][0]
    if preview.rejected or len(preview.valid) != n:
        first = preview.rejected[0].problems[:3] if preview.rejected else ()
        raise AssertionError(f"{len(preview.rejected)} of {n} rows rejected, e.g. {first}")
    ctx.log(f"xlsx: import {t['import'].median:.2f}s pandas {t['pandas'].median:.2f}s")
    return [
        Row(
            bench=NAME,
            what=f"importing a {n:,}-row XLSX with validation (`spreadsheets.validate_upload`)",
            value=t["import"].median,
            unit="s",
            target=Target("ratio", 5.0),
            limit_what="`pandas.read_excel` of the same file",
            limit_value=t["pandas"].median,
            ratio=paired_ratio(t["import"], t["pandas"]),
            repeats=ctx.repeats,
            note=(
                f"{len(data) / 2**20:.1f} MiB file, {len(preview.columns)} columns; every row "
                "valid and scored"
            ),
            extra={name: timing.samples for name, timing in t.items()},
        )
    ]

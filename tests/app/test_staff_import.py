"""The import page: template downloads, a mixed file checked with progress, preview, rejected
rows with reasons, an all-or-nothing commit, and files refused before parsing."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import staff_apphelpers as h
from sqlalchemy import func, select

from assessment import spreadsheets
from assessment.storage import make_engine
from assessment.storage.models import Assessment


def count(db_url: str) -> int:
    with make_engine(db_url).connect() as conn:
        return conn.execute(select(func.count()).select_from(Assessment)).scalar_one()


def mixed_file() -> tuple[bytes, int]:
    rows = list(h.demo_rows()[:12])
    rows[2] = replace(rows[2], answers={**rows[2].answers, "profile.city": "atlantis"})
    rows[5] = replace(rows[5], answers={**rows[5].answers, "profile.employees": -3})
    columns = [spreadsheets.YEAR, *spreadsheets.answer_columns(h.qset())]
    frame = pd.DataFrame([{spreadsheets.YEAR: r.year, **r.answers} for r in rows], columns=columns)
    return spreadsheets.export_bytes(frame, h.qset(), "xlsx", "both"), len(rows)


def test_mixed_file_preview_then_commit(db_url):
    token = h.user_token(db_url, "staff", "imp.staff")
    at = h.page("staff_import", "en", token)
    at.run()
    assert [b.label for b in at.get("download_button")] == [
        "Download the Excel template",
        "Download the CSV template",
    ]
    data, n = mixed_file()
    at.get("file_uploader")[0].upload("mixed.xlsx", data).run()
    at.button(key="import:check").click().run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown == {"Rows": str(n), "Valid": str(n - 2), "Rejected": "2"}
    rejected = at.dataframe[1].value
    assert rejected["Row"].tolist() == [5, 8]
    assert rejected["Codes"].tolist() == ["A203", "A202"]
    assert "Download the rejected rows with reasons" in [b.label for b in at.get("download_button")]
    assert count(db_url) == 0  # nothing is written before the commit
    at.button(key="import:commit").click().run()
    assert count(db_url) == n - 2
    assert any(f"{n - 2} assessments were imported" in str(x.value) for x in at.success)
    # Uploading the same file again: every valid row now exists (S411), nothing is added.
    at.button(key="import:check").click().run()
    assert {m.label: m.value for m in at.metric}["Valid"] == "0"
    assert any("No row can be imported" in str(w.value) for w in at.warning)
    assert count(db_url) == n - 2


def test_files_refused_before_or_while_parsing(db_url):
    token = h.user_token(db_url, "staff")
    at = h.page("staff_import", "en", token)
    at.run()
    at.get("file_uploader")[0].upload("big.csv", b"x" * (spreadsheets.MAX_BYTES + 1)).run()
    at.button(key="import:check").click().run()
    assert h.error_codes(at) == ["I701"] and not at.metric
    at.get("file_uploader")[0].set_value(("bad.xlsx", b"not a workbook", "application/zip")).run()
    at.button(key="import:check").click().run()
    assert h.error_codes(at) == ["I702"]

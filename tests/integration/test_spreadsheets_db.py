"""Import commits and exports through the database, on SQLite and PostgreSQL: mixed files,
all-or-nothing commits, duplicates against stored data, and export → import round trips."""

from __future__ import annotations

from dataclasses import replace

import pytest
import staff_seed
from sqlalchemy import func, select

from assessment import dashboard, spreadsheets
from assessment.errors import AssessmentError
from assessment.storage.models import Assessment, AssessmentScore, AuditEntry, Enterprise, Score
from assessment.storage.queries import dashboard as dashboard_db

ROWS = 40  # a slice of the demo population keeps these tests quick


def rows_slice():
    return list(staff_seed.rows()[:ROWS])


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def to_file(rows, qset, kind: str) -> bytes:
    import pandas as pd

    columns = [spreadsheets.YEAR, *spreadsheets.answer_columns(qset)]
    frame = pd.DataFrame([{spreadsheets.YEAR: r.year, **r.answers} for r in rows], columns=columns)
    return spreadsheets.export_bytes(frame, qset, kind, "both")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_mixed_file_commits_valid_rows_only(engine, kind):
    qset = staff_seed.qset()
    rows = rows_slice()
    bad = dict(rows[1].answers)
    bad["profile.industry"] = "unicorns"
    rows[1] = replace(rows[1], answers=bad)
    data = to_file(rows, qset, kind)
    preview = spreadsheets.validate_upload(data, f"mixed.{kind}", qset, engine)
    assert [r.row for r in preview.rejected] == [4]
    assert preview.rejected[0].problems[0].code == "A203"
    result = spreadsheets.commit(
        engine, qset, preview.valid, actor="staff1", filename=f"mixed.{kind}"
    )
    assert result.count == ROWS - 1 == count(engine, Assessment) == count(engine, Score)
    assert result.enterprises_created == count(engine, Enterprise)
    with engine.connect() as conn:
        statuses = conn.execute(select(Assessment.status).distinct()).scalars().all()
        audit = conn.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail)).all()
    assert statuses == ["submitted"]
    assert [(a.actor, a.action, a.detail["count"]) for a in audit] == [
        ("staff1", "import_assessments", ROWS - 1)
    ]
    # Imported assessments show on the dashboard like submitted ones.
    assert dashboard_db.headline(engine, dashboard.Filters()).assessments == ROWS - 1


def test_rows_already_in_the_database_are_rejected(engine):
    qset = staff_seed.qset()
    rows = rows_slice()
    spreadsheets.commit(engine, qset, rows[:5], actor="t")
    preview = spreadsheets.validate_upload(
        to_file(rows[:8], qset, "csv"), "again.csv", qset, engine
    )
    assert [r.row for r in preview.rejected] == [3, 4, 5, 6, 7]
    assert {p.code for r in preview.rejected for p in r.problems} == {"S411"}
    assert len(preview.valid) == 3


def test_commit_is_all_or_nothing(engine):
    qset = staff_seed.qset()
    rows = rows_slice()[:6]
    before = staff_seed.dump(engine)
    # The same enterprise and year twice (validation bypassed): the database refuses the
    # second, and nothing of the first five may remain.
    with pytest.raises(AssessmentError) as err:
        spreadsheets.commit(engine, qset, [*rows, rows[0]], actor="t")
    assert err.value.code == "S411"
    assert staff_seed.dump(engine) == before
    # A race: the rows were committed elsewhere after validation.
    spreadsheets.commit(engine, qset, rows[:1], actor="other")
    with pytest.raises(AssessmentError) as err:
        spreadsheets.commit(engine, qset, rows, actor="t")
    assert err.value.code == "S411"
    assert count(engine, Assessment) == 1


def test_commit_links_previous_year_and_updates_enterprise(engine):
    qset = staff_seed.qset()
    pairs = {}
    for r in staff_seed.rows():
        pairs.setdefault(r.answers["profile.credit_code"], []).append(r)
    two = next(v for v in pairs.values() if len(v) == 2)
    newer, older = sorted(two, key=lambda r: -r.year)
    spreadsheets.commit(engine, qset, [older], actor="t")
    spreadsheets.commit(engine, qset, [newer], actor="t")
    with engine.connect() as conn:
        got = conn.execute(
            select(Assessment.year, Assessment.previous_assessment_id, Assessment.id).order_by(
                Assessment.year
            )
        ).all()
    assert got[1].previous_assessment_id == got[0].id and got[0].previous_assessment_id is None
    assert spreadsheets.commit(engine, qset, [], actor="t").count == 0


@pytest.mark.parametrize(("kind", "lang"), [("csv", "zh"), ("xlsx", "en"), ("csv", "both")])
def test_export_reimports_without_loss(engine, other_engine, kind, lang):
    qset = staff_seed.qset()
    rows = rows_slice()
    # Text that a spreadsheet would run as a formula, and one with a leading apostrophe.
    names = ['=HYPERLINK("http://evil","x")', "'quoted", "-minus", "@at", "+plus"]
    for i, name in enumerate(names):
        rows[i] = replace(rows[i], answers={**rows[i].answers, "profile.name": name})
    spreadsheets.commit(engine, qset, rows, actor="t")
    frame = spreadsheets.export_frame(engine, qset)
    assert len(frame) == ROWS and frame["score.im.level"].notna().all()
    data = spreadsheets.export_bytes(frame, qset, kind, lang)
    preview = spreadsheets.validate_upload(data, f"export.{kind}", qset, other_engine)
    assert preview.rejected == ()
    assert set(preview.ignored_columns) >= {spreadsheets.ASSESSMENT_ID, "score.im.level"}
    spreadsheets.commit(other_engine, qset, preview.valid, actor="t")
    again = spreadsheets.export_frame(other_engine, qset)
    key = ["year", "profile.credit_code"]
    a = frame.drop(columns=[spreadsheets.ASSESSMENT_ID]).sort_values(key, ignore_index=True)
    b = again.drop(columns=[spreadsheets.ASSESSMENT_ID]).sort_values(key, ignore_index=True)
    for (_, x), (_, y) in zip(a.iterrows(), b.iterrows(), strict=True):
        assert spreadsheets.answers_of(x.to_dict(), qset) == spreadsheets.answers_of(
            y.to_dict(), qset
        )
        scores = [c for c in a.columns if c.startswith("score.")]
        assert x[scores].to_dict() == pytest.approx(y[scores].to_dict(), nan_ok=True)
    assert set(names) <= set(again["profile.name"])


def test_export_follows_the_filters(engine):
    qset = staff_seed.qset()
    spreadsheets.commit(engine, qset, rows_slice(), actor="t")
    f = dashboard.Filters(year=2026, city="taiyuan")
    frame = spreadsheets.export_frame(engine, qset, f)
    table = dashboard_db.assessments_table(engine, f)
    assert sorted(frame[spreadsheets.ASSESSMENT_ID]) == sorted(table["assessment_id"])
    assert set(frame["profile.city"]) <= {"taiyuan"} and set(frame["year"]) <= {2026}
    assert count(engine, AssessmentScore) > 0

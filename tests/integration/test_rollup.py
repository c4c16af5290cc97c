"""The score rollup stays equal to a fresh aggregate of the stored scores after every kind of
write, on SQLite and PostgreSQL: submissions, profile changes that move an enterprise to
another dashboard cell, imports into stored enterprises, failed writes, the migration that
creates it, and a repair of a damaged table."""

from __future__ import annotations

import pytest
import staff_seed
from answers_factory import profile_answers, section_answers
from sqlalchemy import func, select, update

from assessment import dashboard, spreadsheets
from assessment.dashboard import Filters
from assessment.errors import AssessmentError
from assessment.storage import rollup
from assessment.storage.db import downgrade, transaction, upgrade
from assessment.storage.models import Enterprise, ScoreRollup
from assessment.storage.queries import dashboard as dashboard_db

YEAR = 2026
DIM_COLUMNS = [ScoreRollup.__table__.c[name] for name in rollup.DIMS]


def sections(qset) -> list[str]:
    return [s.id for q in qset.questionnaires for s in q.sections]


def submit(repo, qset, n: int, year: int = YEAR, draft=None):
    """Fill every section of a (new) draft with answer set n and submit it."""
    draft = draft or repo.create_draft(profile_answers(qset, n, "profile.basic"), year)
    version = draft.version
    for section in sections(qset):
        version = repo.save_section(
            draft.assessment_id, section, section_answers(qset, n, section), version
        )
    return draft, repo.submit(draft.assessment_id, version)


def in_step(engine) -> list:
    with transaction(engine) as conn:
        return rollup.differences(conn)


def rows(engine) -> int:
    with transaction(engine) as conn:
        return conn.execute(select(func.count()).select_from(ScoreRollup)).scalar_one()


def cell_of(engine, record) -> tuple:
    with transaction(engine) as conn:
        (cell,) = rollup.cells_of(conn, [record.enterprise_id])
    return cell


def test_a_submission_adds_its_cell_and_the_heatmap_sees_it(repo, qset, engine):
    assert rows(engine) == 0
    _, first = submit(repo, qset, 1)
    assert in_step(engine) == [] and rows(engine) == len(first.scores)
    year, city, industry, size, level = cell_of(engine, first)
    f = Filters(year=year, city=city, industry=industry, size_class=size, level=level)
    keys = dashboard.subdomain_ids(qset)
    heat = dashboard_db.subdomain_heatmap(engine, f, keys)
    assert list(heat["n"]) == [1] * len(heat)
    equipment = heat.set_index("key").loc["im.factory.equipment", "mean"]
    assert equipment == pytest.approx(first.scores["im.factory.equipment"])
    submit(repo, qset, 2)
    assert in_step(engine) == []


def test_a_profile_change_moves_last_years_submission_to_another_cell(repo, qset, engine):
    draft, first = submit(repo, qset, 3, YEAR - 1)
    before = cell_of(engine, first)
    nxt = repo.start_next_year(first.id, draft.resume_code, YEAR)
    moved = {**profile_answers(qset, 3, "profile.basic")}
    moved["profile.city"] = "datong" if before[1] != "datong" else "taiyuan"
    # Issue 14 (item 5): a resume code can no longer move a submitted year (S414); the
    # move is a staff correction, which must keep the rollup in step the same way.
    with pytest.raises(AssessmentError) as err:
        repo.save_section(nxt.assessment_id, "profile.basic", moved, nxt.version)
    assert err.value.code == "S414"
    repo.correct_identity(
        first.enterprise_id, actor="staff1", reason="moved", city=moved["profile.city"]
    )
    assert in_step(engine) == []
    after = cell_of(engine, first)
    assert after[1] == moved["profile.city"] and after[0] == before[0]
    with transaction(engine) as conn:
        old = conn.execute(
            select(func.count())
            .select_from(ScoreRollup)
            .where(
                *(ScoreRollup.__table__.c[c] == v for c, v in zip(rollup.DIMS, before, strict=True))
            )
        ).scalar_one()
    assert old == 0, "the old cell held only this enterprise and is gone"


def test_a_failed_submission_leaves_the_rollup_as_it_was(repo, qset, engine):
    submit(repo, qset, 4)
    snapshot = staff_seed.dump(engine)["score_rollup"]
    draft = repo.create_draft(profile_answers(qset, 5, "profile.basic"), YEAR)
    version = draft.version
    for section in sections(qset):
        version = repo.save_section(
            draft.assessment_id, section, section_answers(qset, 5, section), version
        )
    # Another enterprise takes this draft's credit code before it is submitted: the
    # submission fails after its scores were written inside the transaction (S401).
    code = profile_answers(qset, 5, "profile.basic")["profile.credit_code"]
    with transaction(engine, write=True) as conn:
        conn.execute(
            update(Enterprise).values(credit_code="X").where(Enterprise.credit_code == code)
        )
    other = profile_answers(qset, 6, "profile.basic") | {"profile.credit_code": code}
    repo.create_draft(other, YEAR)
    with pytest.raises(AssessmentError) as err:
        repo.submit(draft.assessment_id, version)
    assert err.value.codes == ["S401"]
    assert staff_seed.dump(engine)["score_rollup"] == snapshot
    assert in_step(engine) == []


def test_an_import_into_stored_enterprises_refreshes_old_and_new_cells(repo, qset, engine):
    population = staff_seed.rows()
    first, later = population[:40], population[40:80]
    spreadsheets.commit(engine, qset, first, actor="test")
    assert in_step(engine) == []
    # The same enterprises a year later, some in another city: their earlier rows move.
    moved = []
    for i, r in enumerate(first[:20]):
        answers = dict(r.answers)
        if i % 2:
            answers["profile.city"] = (
                "yuncheng" if answers["profile.city"] != "yuncheng" else "jincheng"
            )
        moved.append(spreadsheets.ImportRow(r.row, r.year + 5, answers, r.scores))
    spreadsheets.commit(engine, qset, moved, actor="test")
    assert in_step(engine) == []
    spreadsheets.commit(engine, qset, later, actor="test")
    assert in_step(engine) == []


def test_a_bulk_import_rebuilds_and_a_small_one_refreshes(qset, engine, monkeypatch):
    calls = []
    real = rollup.rebuild
    monkeypatch.setattr(rollup, "rebuild", lambda conn: calls.append(1) or real(conn))
    spreadsheets.commit(engine, qset, staff_seed.rows()[:2], actor="test")
    assert calls == []
    spreadsheets.commit(engine, qset, staff_seed.rows()[2:200], actor="test")
    assert calls == [1]
    assert in_step(engine) == []


def test_refresh_repairs_a_damaged_cell_and_rebuild_the_whole_table(repo, qset, engine):
    _, first = submit(repo, qset, 7)
    _, second = submit(repo, qset, 8)
    cell = cell_of(engine, first)
    with transaction(engine, write=True) as conn:
        conn.execute(update(ScoreRollup).values(total=-1.0, answered=99))
    assert len(in_step(engine)) == rows(engine)
    with transaction(engine, write=True) as conn:
        rollup.refresh(conn, [cell])
    wrong = in_step(engine)
    assert wrong and all(key[:5] != cell for key, _, _ in wrong)
    with transaction(engine, write=True) as conn:
        conn.execute(
            ScoreRollup.__table__.insert().values(
                year=1990, city="", industry="", size_class="", level=-1, key="im.total",
                assessments=1, answered=1, total=1.0,
            )
        )  # fmt: skip
        assert rollup.rebuild(conn) == len(first.scores) * len({cell, cell_of(engine, second)})
    assert in_step(engine) == []


def test_unknown_city_and_level_have_their_own_cell(repo, qset, engine):
    _, record = submit(repo, qset, 9)
    with transaction(engine, write=True) as conn, rollup.tracking(conn, [record.enterprise_id]):
        conn.execute(update(Enterprise).values(city=None, size_class=""))
    year, city, _, size, _ = cell_of(engine, record)
    assert (city, size) == (rollup.UNKNOWN, rollup.UNKNOWN)
    assert in_step(engine) == []
    heat = dashboard_db.subdomain_heatmap(engine, Filters(year=year), ["im.factory.equipment"])
    assert list(heat["n"]) == [1]


def test_the_migration_fills_the_rollup_from_stored_scores(repo, qset, engine):
    spreadsheets.commit(engine, qset, staff_seed.rows()[:60], actor="test")
    want = staff_seed.dump(engine)["score_rollup"]
    downgrade(engine, "0002")
    upgrade(engine)
    assert in_step(engine) == []
    got = staff_seed.dump(engine)["score_rollup"]
    assert [r | {"total": None} for r in got] == [r | {"total": None} for r in want]
    assert all(
        (a["total"] is None and b["total"] is None) or a["total"] == pytest.approx(b["total"])
        for a, b in zip(got, want, strict=True)
    )

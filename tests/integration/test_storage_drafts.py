"""Drafts, resume codes, optimistic locking, submission and reading, on both backends."""

from __future__ import annotations

import dataclasses
import json

import pytest
from answers_factory import credit_code, full_answers, profile_answers, section_answers
from sqlalchemy import func, select
from storage_support import table_dump

from assessment.errors import AssessmentError
from assessment.questionnaire import QuestionnaireSet
from assessment.storage import Repository
from assessment.storage.drafts import (
    ANSWERS_LIMIT,
    new_resume_code,
    normalize_resume_code,
    resume_hash,
)
from assessment.storage.models import Assessment, AssessmentScore, AuditEntry, Enterprise, Score

YEAR = 2026


def sections(qset: QuestionnaireSet) -> list[str]:
    return [s.id for q in qset.questionnaires for s in q.sections]


def fill(repo: Repository, qset: QuestionnaireSet, draft, n: int) -> int:
    """Save every section of a draft; returns the final version."""
    version = draft.version
    for section in sections(qset):
        version = repo.save_section(
            draft.assessment_id, section, section_answers(qset, n, section), version
        )
    return version


def new_draft(repo: Repository, qset: QuestionnaireSet, n: int):
    return repo.create_draft(profile_answers(qset, n, "profile.basic"), YEAR)


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def codes(err: pytest.ExceptionInfo) -> list[str]:
    return err.value.codes


# --- resume codes -------------------------------------------------------------------


def test_resume_code_shape_and_entropy():
    code = new_resume_code()
    groups = code.split("-")
    assert len(groups) == 7 and all(len(g) == 4 for g in groups)
    assert len(set(new_resume_code() for _ in range(200))) == 200
    assert len(normalize_resume_code(code)) * 5 >= 128


@pytest.mark.parametrize(
    ("typed", "same"),
    [
        ("abcd-efgh-ijkl-mnop-qrst-uvwx-yz23", True),  # lower case
        ("ABCD EFGH IJKL MNOP QRST UVWX YZ23", True),  # spaces
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZ23", True),  # no separators
        ("ABCD-EFGH-1JKL-MN0P-QRST-UVWX-YZ23", True),  # 1 for I, 0 for O
        ("ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ24", False),
    ],
)
def test_resume_code_is_forgiving_about_typing(typed, same):
    assert (resume_hash(typed) == resume_hash("ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23")) is same


# --- drafts --------------------------------------------------------------------------


def test_create_draft_registers_enterprise_and_stores_only_the_hash(repo, qset, engine):
    draft = new_draft(repo, qset, 1)
    assert draft.version == 1
    record = repo.get(draft.assessment_id)
    assert record.status == "draft"
    assert record.credit_code == credit_code(1)
    assert record.city == profile_answers(qset, 1)["profile.city"]
    assert record.questionnaire_versions == qset.versions()
    assert record.scores is None
    with engine.connect() as conn:
        stored = conn.execute(select(Assessment.resume_code_hash)).scalar_one()
    assert stored == resume_hash(draft.resume_code)
    assert draft.resume_code not in json.dumps(table_dump(engine), default=str)


def test_duplicate_credit_code_is_refused_and_nothing_changes(repo, qset, engine):
    new_draft(repo, qset, 1)
    before = table_dump(engine)
    with pytest.raises(AssessmentError) as err:
        new_draft(repo, qset, 1)
    assert codes(err) == ["S401"]
    assert table_dump(engine) == before


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"profile.city": "paris"}, "A203"),
        ({"profile.credit_code": "91140100000000003X"}, "A206"),
        ({"profile.name": None}, "A205"),
        ({"im.strategy.x": "full"}, "A201"),
    ],
)
def test_create_draft_refuses_bad_profile_answers(repo, qset, engine, change, code):
    answers = {**profile_answers(qset, 1, "profile.basic"), **change}
    answers = {k: v for k, v in answers.items() if v is not None}
    with pytest.raises(AssessmentError) as err:
        repo.create_draft(answers, YEAR)
    assert code in codes(err)
    assert count(engine, Enterprise) == 0 and count(engine, Assessment) == 0


def test_save_section_merges_and_increments_version(repo, qset):
    draft = new_draft(repo, qset, 2)
    answers = section_answers(qset, 2, "profile.scale")
    version = repo.save_section(draft.assessment_id, "profile.scale", answers, 1)
    assert version == 2
    record = repo.get(draft.assessment_id)
    assert record.version == 2
    assert record.answers == {**profile_answers(qset, 2, "profile.basic"), **answers}
    assert record.updated_at >= record.created_at


def test_saving_a_section_again_replaces_its_answers(repo, qset):
    draft = new_draft(repo, qset, 3)
    section = "im.strategy"
    full = section_answers(qset, 3, section)
    v = repo.save_section(draft.assessment_id, section, full, 1)
    one = dict([next(iter(full.items()))])
    repo.save_section(draft.assessment_id, section, one, v, require_complete=False)
    answers = repo.get(draft.assessment_id).answers
    assert {k for k in answers if k.startswith(section + ".")} == set(one)


def test_profile_section_updates_enterprise_facts(repo, qset):
    draft = new_draft(repo, qset, 4)
    basic = {**profile_answers(qset, 4, "profile.basic"), "profile.city": "datong"}
    basic["profile.name"] = "新名称"
    repo.save_section(draft.assessment_id, "profile.basic", basic, 1)
    record = repo.get(draft.assessment_id)
    assert (record.name, record.city) == ("新名称", "datong")


def test_long_enterprise_name_is_kept(repo, qset):
    answers = {**profile_answers(qset, 31, "profile.basic"), "profile.name": "山西" * 300}
    draft = repo.create_draft(answers, YEAR)
    assert repo.get(draft.assessment_id).name == "山西" * 300


def test_profile_section_cannot_take_another_enterprises_credit_code(repo, qset, engine):
    new_draft(repo, qset, 5)
    draft = new_draft(repo, qset, 6)
    basic = {**profile_answers(qset, 6, "profile.basic"), "profile.credit_code": credit_code(5)}
    before = table_dump(engine)
    with pytest.raises(AssessmentError) as err:
        repo.save_section(draft.assessment_id, "profile.basic", basic, 1)
    assert codes(err) == ["S401"]
    assert table_dump(engine) == before


def test_bad_section_answers_are_refused_and_nothing_changes(repo, qset, engine):
    draft = new_draft(repo, qset, 7)
    before = table_dump(engine)
    cases = [
        ("im.strategy", {"im.strategy.nope": "full"}, "A201"),
        ("im.strategy", {"profile.city": "taiyuan"}, "A201"),
        ("no.such.section", {}, "S406"),
        ("profile.scale", {"profile.employees": -5}, "A202"),
        ("profile.scale", "{not json", "S404"),
        ("profile.scale", "[1, 2]", "S404"),
    ]
    for section, answers, code in cases:
        with pytest.raises(AssessmentError) as err:
            repo.save_section(draft.assessment_id, section, answers, 1)
        assert code in codes(err), (section, answers)
    assert table_dump(engine) == before


def test_required_items_of_the_saved_section_must_be_answered(repo, qset):
    draft = new_draft(repo, qset, 8)
    with pytest.raises(AssessmentError) as err:
        repo.save_section(draft.assessment_id, "profile.scale", {}, 1)
    assert set(codes(err)) == {"A205"}
    assert repo.save_section(draft.assessment_id, "profile.scale", {}, 1, require_complete=False)


def test_answers_json_text_is_accepted(repo, qset):
    draft = new_draft(repo, qset, 9)
    answers = section_answers(qset, 9, "profile.scale")
    repo.save_section(draft.assessment_id, "profile.scale", json.dumps(answers), 1)
    assert (
        repo.get(draft.assessment_id).answers["profile.employees"] == answers["profile.employees"]
    )


def test_answers_over_one_megabyte_are_refused(repo, qset, engine):
    draft = new_draft(repo, qset, 10)
    section = "profile.basic"  # the enterprise name is the one free-text answer
    answers = {**section_answers(qset, 10, section), "profile.name": "x" * ANSWERS_LIMIT}
    before = table_dump(engine)
    with pytest.raises(AssessmentError) as err:
        repo.save_section(draft.assessment_id, section, answers, 1)
    assert codes(err) == ["S403"]
    assert table_dump(engine) == before


def test_stale_version_is_refused(repo, qset, engine):
    draft = new_draft(repo, qset, 11)
    answers = section_answers(qset, 11, "profile.scale")
    repo.save_section(draft.assessment_id, "profile.scale", answers, 1)  # tab A
    before = table_dump(engine)
    with pytest.raises(AssessmentError) as err:  # tab B still holds version 1
        repo.save_section(draft.assessment_id, "profile.scale", answers, 1)
    assert codes(err) == ["S402"]
    assert err.value.problems[0].params == {"expected": 1, "actual": 2}
    assert table_dump(engine) == before


def test_unknown_assessment(repo):
    with pytest.raises(AssessmentError) as err:
        repo.get(999)
    assert codes(err) == ["S406"]
    with pytest.raises(AssessmentError) as err:
        repo.save_section(999, "profile.scale", {}, 1, require_complete=False)
    assert codes(err) == ["S406"]


def test_unknown_questionnaire_version_is_refused(repo, qset, engine, clock, hasher):
    draft = new_draft(repo, qset, 12)
    newer = QuestionnaireSet(
        tuple(
            dataclasses.replace(q, version="2099.1") if q.id == "im" else q
            for q in qset.questionnaires
        )
    )
    other = Repository(engine, newer, clock=clock, hasher=hasher)
    before = table_dump(engine)
    for call in (
        lambda: other.save_section(
            draft.assessment_id, "profile.scale", section_answers(qset, 12, "profile.scale"), 1
        ),
        lambda: other.submit(draft.assessment_id, 1),
    ):
        with pytest.raises(AssessmentError) as err:
            call()
        assert codes(err) == ["S405"]
        assert err.value.problems[0].params["questionnaire"] == "im"
    assert table_dump(engine) == before


# --- resume --------------------------------------------------------------------------


def test_resume_from_another_browser(repo, qset):
    draft = new_draft(repo, qset, 13)
    record = repo.resume(draft.resume_code.lower().replace("-", " "))
    assert record.id == draft.assessment_id


@pytest.mark.parametrize("code", ["", "AAAA-BBBB", "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"])
def test_resume_with_unknown_code(repo, qset, code):
    new_draft(repo, qset, 14)
    with pytest.raises(AssessmentError) as err:
        repo.resume(code)
    assert codes(err) == ["S408"]


def test_resume_code_expires_after_a_year(repo, qset, clock):
    draft = new_draft(repo, qset, 15)
    clock.advance(days=364)
    assert repo.resume(draft.resume_code).id == draft.assessment_id
    clock.advance(days=2)
    with pytest.raises(AssessmentError) as err:
        repo.resume(draft.resume_code)
    assert codes(err) == ["S408"]


# --- submission ---------------------------------------------------------------------


def test_submit_scores_and_stores_every_flat_key(repo, qset, engine):
    import assessment

    draft = new_draft(repo, qset, 16)
    version = fill(repo, qset, draft, 16)
    record = repo.submit(draft.assessment_id, version)
    assert record.status == "submitted" and record.submitted_at is not None
    assert record.version == version + 1
    expected = assessment.score_assessment(full_answers(qset, 16), qset)
    flat = expected.flat()
    assert set(record.scores) == set(flat)
    for key, value in flat.items():
        if value == value:  # NaN is stored as NULL
            assert record.scores[key] == pytest.approx(value)
        else:
            assert record.scores[key] is None
    with engine.connect() as conn:
        row = conn.execute(select(Score)).one()
        n_long = conn.execute(select(func.count()).select_from(AssessmentScore)).scalar_one()
    assert row.cmmm_level == expected.cmmm.level
    assert row.cmmm_score == pytest.approx(expected.cmmm.score)
    assert row.green_veto == expected.green.veto
    assert row.integration_stage == expected.integration.stage
    assert row.readiness_score == pytest.approx(expected.readiness.score)
    answers = full_answers(qset, 16)
    for column, key in (
        ("invest_this_year", "profile.invest_this_year"),
        ("invest_last_year", "profile.invest_last_year"),
    ):
        given = answers.get(key)
        want = float(given) if isinstance(given, int | float) else None
        assert getattr(row, column) == want
    assert n_long == len(flat)
    assert record.size_class == expected.profile.size_class
    assert repo.audit_log(target_type="assessment")[0].action == "submit"


def test_incomplete_draft_cannot_be_submitted(repo, qset, engine):
    draft = new_draft(repo, qset, 17)
    before = table_dump(engine)
    with pytest.raises(AssessmentError) as err:
        repo.submit(draft.assessment_id, 1)
    assert "A205" in codes(err)
    assert table_dump(engine) == before


def test_submitted_assessment_is_immutable(repo, qset, engine):
    draft = new_draft(repo, qset, 18)
    version = repo.submit(draft.assessment_id, fill(repo, qset, draft, 18)).version
    before = table_dump(engine)
    for call in (
        lambda: repo.save_section(
            draft.assessment_id,
            "profile.scale",
            section_answers(qset, 18, "profile.scale"),
            version,
        ),
        lambda: repo.submit(draft.assessment_id, version),
    ):
        with pytest.raises(AssessmentError) as err:
            call()
        assert codes(err) == ["S407"]
    assert table_dump(engine) == before


def test_stale_submit_is_refused(repo, qset):
    draft = new_draft(repo, qset, 19)
    version = fill(repo, qset, draft, 19)
    with pytest.raises(AssessmentError) as err:
        repo.submit(draft.assessment_id, version - 1)
    assert codes(err) == ["S402"]
    assert repo.get(draft.assessment_id).status == "draft"


# --- next year -----------------------------------------------------------------------


def test_next_year_links_to_the_previous_assessment(repo, qset):
    draft = new_draft(repo, qset, 20)
    first = repo.submit(draft.assessment_id, fill(repo, qset, draft, 20))
    nxt = repo.start_next_year(first.id, draft.resume_code, YEAR + 1)
    assert nxt.enterprise_id == first.enterprise_id
    assert nxt.resume_code != draft.resume_code
    second = repo.resume(nxt.resume_code)
    assert second.previous_assessment_id == first.id
    assert second.year == YEAR + 1 and second.status == "draft"
    assert second.answers == {k: v for k, v in first.answers.items() if k.startswith("profile.")}
    assert [r.year for r in repo.history(first.enterprise_id)] == [YEAR, YEAR + 1]
    # The old code still opens last year's (read-only) assessment.
    assert repo.resume(draft.resume_code).id == first.id


def test_next_year_refusals(repo, qset, engine):
    a = new_draft(repo, qset, 21)
    b = new_draft(repo, qset, 22)
    repo.start_next_year(a.assessment_id, a.resume_code, YEAR + 1)
    before = table_dump(engine)
    cases = [
        (a.assessment_id, a.resume_code, YEAR + 1, "S411"),  # that year exists
        (a.assessment_id, a.resume_code, YEAR, "S411"),
        (a.assessment_id, b.resume_code, YEAR + 2, "S408"),  # someone else's code
        (a.assessment_id, "AAAA-AAAA", YEAR + 2, "S408"),
    ]
    for previous, code, year, expected in cases:
        with pytest.raises(AssessmentError) as err:
            repo.start_next_year(previous, code, year)
        assert codes(err) == [expected]
    assert table_dump(engine) == before


# --- reading for dashboards ------------------------------------------------------------


def test_scores_frame_filters_and_flattens(repo, qset):
    submitted = []
    for n in range(23, 27):
        draft = new_draft(repo, qset, n)
        submitted.append(repo.submit(draft.assessment_id, fill(repo, qset, draft, n)))
    new_draft(repo, qset, 27)  # a draft never appears
    frame = repo.scores_frame()
    assert sorted(frame["assessment_id"]) == sorted(r.id for r in submitted)
    assert {"cmmm_level", "green_veto", "readiness_score", "city", "size_class"} <= set(frame)
    city = submitted[0].city
    assert set(repo.scores_frame(city=city)["city"]) == {city}
    wide = repo.scores_frame(flat=True)
    assert "im.score" in wide and "readiness.confidence" in wide
    first = wide.set_index("assessment_id").loc[submitted[0].id]
    assert first["readiness.score"] == pytest.approx(submitted[0].scores["readiness.score"])
    assert first["readiness_score"] == pytest.approx(submitted[0].scores["readiness.score"])
    assert repo.scores_frame(year=YEAR + 5).empty


def test_scores_frame_latest_keeps_the_newest_year(repo, qset):
    draft = new_draft(repo, qset, 28)
    first = repo.submit(draft.assessment_id, fill(repo, qset, draft, 28))
    nxt = repo.start_next_year(first.id, draft.resume_code, YEAR + 1)
    second = repo.submit(nxt.assessment_id, fill(repo, qset, nxt, 28))
    assert sorted(repo.scores_frame()["assessment_id"]) == [first.id, second.id]
    assert list(repo.scores_frame(latest=True)["assessment_id"]) == [second.id]


def test_audit_records_draft_lifecycle(repo, qset, engine):
    draft = new_draft(repo, qset, 30)
    entries = repo.audit_log(target_type="assessment", target_id=draft.assessment_id)
    assert [e.action for e in entries] == ["create_draft"]
    assert entries[0].detail == {"year": YEAR}
    assert count(engine, AuditEntry) == 1

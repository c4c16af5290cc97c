"""Issue 14, items 5, 6, 9 and 14 at the storage layer, on both backends: a resume code
cannot rewrite a submitted assessment's identity; an upload is all or nothing and a taken
credit code gets a neutral answer; wrong resume codes are throttled and logged; a NUL in a
name is refused before the database sees it."""

from __future__ import annotations

import pytest
from answers_factory import credit_code, full_answers, profile_answers, section_answers
from storage_support import table_dump

from assessment.errors import AssessmentError

YEAR = 2026


def sections(qset) -> list[str]:
    return [s.id for q in qset.questionnaires for s in q.sections]


def submitted(repo, qset, n: int):
    """Enterprise n's submitted assessment for YEAR and its resume code."""
    draft = repo.create_draft(profile_answers(qset, n, "profile.basic"), YEAR)
    version = draft.version
    for section in sections(qset):
        version = repo.save_section(
            draft.assessment_id, section, section_answers(qset, n, section), version
        )
    return repo.submit(draft.assessment_id, version), draft.resume_code


def code_of(call) -> str:
    try:
        call()
    except AssessmentError as err:
        return err.code
    return "ok"


# --- item 5: identity of submitted assessments ---------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"profile.name": "另一家公司"},
        {"profile.city": "datong"},
        {"profile.credit_code": credit_code(901)},
    ],
)
def test_a_resume_code_cannot_rewrite_a_submitted_identity(repo, qset, engine, change):
    first, code = submitted(repo, qset, 41)
    nxt = repo.start_next_year(first.id, code, YEAR + 1)
    basic = {**profile_answers(qset, 41, "profile.basic"), **change}
    if change.get("profile.city") == first.city:
        basic["profile.city"] = "taiyuan"
    before = table_dump(engine)
    with pytest.raises(AssessmentError) as err:
        repo.save_section(nxt.assessment_id, "profile.basic", basic, nxt.version)
    assert err.value.code == "S414"
    assert err.value.problems[0].path == next(iter(change))
    assert table_dump(engine) == before
    kept = repo.get(first.id)
    assert (kept.name, kept.city, kept.credit_code) == (first.name, first.city, first.credit_code)


def test_the_same_profile_can_be_saved_again_next_year(repo, qset):
    first, code = submitted(repo, qset, 42)
    nxt = repo.start_next_year(first.id, code, YEAR + 1)
    basic = profile_answers(qset, 42, "profile.basic")
    assert repo.save_section(nxt.assessment_id, "profile.basic", basic, nxt.version) == 2


def test_a_first_draft_may_still_correct_its_own_profile(repo, qset):
    draft = repo.create_draft(profile_answers(qset, 43, "profile.basic"), YEAR)
    basic = {**profile_answers(qset, 43, "profile.basic"), "profile.name": "更正后的名称"}
    repo.save_section(draft.assessment_id, "profile.basic", basic, draft.version)
    assert repo.get(draft.assessment_id).name == "更正后的名称"


def test_staff_correct_an_identity_for_every_year_audited(repo, qset):
    first, code = submitted(repo, qset, 44)
    nxt = repo.start_next_year(first.id, code, YEAR + 1)
    other = "jinzhong" if first.city != "jinzhong" else "datong"
    changes = repo.correct_identity(
        first.enterprise_id,
        actor="staff1",
        reason="business licence checked",
        name="新名称有限公司",
        city=other,
    )
    assert changes == {"name": "新名称有限公司", "city": other}
    for record in (repo.get(first.id), repo.get(nxt.assessment_id)):
        assert (record.name, record.city) == ("新名称有限公司", other)
    # The draft follows, so its next profile save is not refused.
    draft = repo.get(nxt.assessment_id)
    basic = {
        k: v for k, v in draft.answers.items() if k in profile_answers(qset, 44, "profile.basic")
    }
    repo.save_section(nxt.assessment_id, "profile.basic", basic, draft.version)
    entry = repo.audit_log(action="correct_identity")[0]
    assert entry.actor == "staff1" and entry.detail["before"]["name"] == first.name
    assert entry.detail["reason"] == "business licence checked"


def test_the_correction_command(qset, tmp_path, monkeypatch, capsys):
    from assessment import cli
    from assessment.storage import Repository, make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    upgrade(engine)
    repo = Repository(engine, qset)
    first, _ = submitted(repo, qset, 53)
    monkeypatch.setenv("DATABASE_URL", url)
    argv = ["enterprises", "correct", first.credit_code, "--name", "更名后有限公司"]
    assert cli.main([*argv, "--reason", "licence seen", "--by", "staff1"]) == 0
    assert "更名后有限公司" in capsys.readouterr().out
    assert repo.get(first.id).name == "更名后有限公司"
    assert repo.audit_log(action="correct_identity")[0].actor == "staff1"
    assert cli.main(["enterprises", "correct", "X", "--reason", "r", "--by", "s"]) == 2  # S406
    engine.dispose()


def test_a_correction_cannot_take_another_enterprises_code(repo, qset):
    first, _ = submitted(repo, qset, 45)
    second, _ = submitted(repo, qset, 46)
    assert (
        code_of(
            lambda: repo.correct_identity(
                first.enterprise_id, actor="s", reason="r", credit_code=second.credit_code
            )
        )
        == "S401"
    )


# --- item 6: all-or-nothing upload, neutral refusal ----------------------------------------------


def test_an_upload_is_written_whole(repo, qset):
    answers = full_answers(qset, 47)
    draft = repo.create_draft_from_answers(answers, YEAR)
    record = repo.get(draft.assessment_id)
    assert record.answers == answers and record.version == 1


def test_a_refused_upload_leaves_nothing_and_can_be_retried(repo, qset, engine):
    answers = full_answers(qset, 48)
    # Over the 1 MB a draft may hold: refused after the whole file was read (S403).
    huge = {**answers, "profile.name": "山西" * 600_000}
    before = table_dump(engine)
    assert code_of(lambda: repo.register_from_answers(huge, YEAR, source="10.1.1.1")) == "S403"
    assert table_dump(engine) == before
    assert repo.register_from_answers(answers, YEAR, source="10.1.1.1").version == 1


def test_a_taken_credit_code_gets_a_neutral_answer(repo, qset, engine):
    answers = full_answers(qset, 49)
    repo.register_from_answers(answers, YEAR)
    before = table_dump(engine)["assessments"]
    other = {**full_answers(qset, 50), "profile.credit_code": answers["profile.credit_code"]}
    with pytest.raises(AssessmentError) as err:
        repo.register_from_answers(other, YEAR, source="10.1.1.2")
    assert err.value.codes == ["S415"]
    assert answers["profile.credit_code"] not in err.value.message("en")
    assert code_of(lambda: repo.register(profile_answers(qset, 49, "profile.basic"), YEAR)) == (
        "S415"
    )
    assert table_dump(engine)["assessments"] == before
    details = [e.detail for e in repo.audit_log(action="registration_referred")]
    assert {"credit_code": answers["profile.credit_code"], "source": "10.1.1.2"} in details


# --- item 14: resume-code guessing -------------------------------------------------------------


GUESS = "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"


def test_wrong_resume_codes_are_throttled_per_source_and_logged(repo, qset, clock, caplog):
    draft = repo.create_draft(profile_answers(qset, 51, "profile.basic"), YEAR)
    for _ in range(20):
        assert code_of(lambda: repo.resume_from(GUESS, "203.0.113.5")) == "S408"
    # Even a right code is held back from that address for a while ...
    assert code_of(lambda: repo.resume_from(draft.resume_code, "203.0.113.5")) == "S416"
    # ... but not from another one, and not later.
    assert repo.resume_from(draft.resume_code, "198.51.100.5").id == draft.assessment_id
    clock.advance(minutes=11)
    assert repo.resume_from(draft.resume_code, "203.0.113.5").id == draft.assessment_id
    entries = repo.audit_log(action="resume_failed")
    assert len(entries) == 20 and entries[0].detail == {"source": "203.0.113.5"}
    assert GUESS not in str(entries) and GUESS.replace("-", "") not in str(entries)
    assert "wrong or expired resume code from 203.0.113.5" in caplog.text


# --- item 9: NUL in a name --------------------------------------------------------------------


def test_a_nul_in_a_name_is_a_coded_error_on_every_backend(repo, qset, engine):
    basic = {**profile_answers(qset, 52, "profile.basic"), "profile.name": "山西\x00公司"}
    before = table_dump(engine)
    with pytest.raises(AssessmentError) as err:
        repo.create_draft(basic, YEAR)
    assert err.value.codes == ["A212"]
    assert err.value.problems[0].path == "profile.name"
    assert table_dump(engine) == before

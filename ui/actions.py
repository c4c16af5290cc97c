"""What the enterprise pages do with the database: start, resume, save, submit.

Each function talks to the repository and updates the session; AssessmentErrors pass up
to the page, which shows them beside the field or at the page boundary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import streamlit as st

from assessment import progress
from assessment.answers import ANSWERS_FILE_LIMIT, long_texts, read_answers_bytes, validate_answers
from assessment.errors import AssessmentError, problem
from assessment.storage import AssessmentRecord, Draft
from ui import session, wizard_state
from ui.auth import client_source
from ui.resources import questionnaires, repository


def this_year() -> int:
    """The assessment year: the current calendar year."""
    return datetime.now(UTC).year


def _open(record: AssessmentRecord, resume_code: str) -> None:
    session.set_current(
        session.Current(
            assessment_id=record.id,
            enterprise_id=record.enterprise_id,
            resume_code=resume_code,
            version=record.version,
            status=record.status,
            year=record.year,
        )
    )
    wizard_state.set_answers(record.answers)
    st.session_state[wizard_state.LOADED_KEY] = record.id
    all_steps = progress.steps(questionnaires())
    wizard_state.go_to(progress.first_incomplete(all_steps, record.answers))


def resume(code: str) -> AssessmentRecord:
    """Open the assessment with this resume code (S408 unknown or expired, S416 throttled)."""
    code = code.strip()
    record = repository().resume_from(code, client_source())
    _open(record, code)
    return record


def _short_texts(answers: Mapping[str, Any]) -> None:
    # The form fields hold 500 characters; a client that sends more is refused here (A213).
    problems = long_texts(answers, questionnaires())
    if problems:
        raise AssessmentError(problems)


def record() -> AssessmentRecord | None:
    """The open assessment as stored (None when none is open)."""
    cur = session.current()
    if cur is None:
        return None
    return repository().resume(cur.resume_code)


def _open_draft(draft: Draft) -> None:
    """Make a draft just registered this session's open assessment."""
    session.set_current(
        session.Current(
            assessment_id=draft.assessment_id,
            enterprise_id=draft.enterprise_id,
            resume_code=draft.resume_code,
            version=draft.version,
            year=this_year(),
        )
    )
    st.session_state[wizard_state.LOADED_KEY] = draft.assessment_id


def create(profile_answers: Mapping[str, Any]) -> Draft:
    """Create the draft from the first profile page; returns the Draft with its code.

    A credit code that is already registered gets S415, which does not say so.
    """
    _short_texts(profile_answers)
    draft = repository().register(dict(profile_answers), this_year(), source=client_source())
    _open_draft(draft)
    return draft


def save_section(section_id: str, section_answers: Mapping[str, Any]) -> int:
    """Write one section's answers; raises S402 when another tab saved in between."""
    cur = session.current()
    assert cur is not None, "save_section needs an open assessment"
    _short_texts(section_answers)
    version = repository().save_section(
        cur.assessment_id, section_id, dict(section_answers), cur.version
    )
    session.set_current(_replace(cur, version=version))
    return version


def submit() -> AssessmentRecord:
    """Submit the open assessment (immutable afterwards); returns the stored record."""
    cur = session.current()
    assert cur is not None, "submit needs an open assessment"
    rec = repository().submit(cur.assessment_id, cur.version)
    session.set_current(_replace(cur, version=rec.version, status=rec.status))
    return rec


def history() -> list[AssessmentRecord]:
    """The enterprise's assessments, oldest first."""
    cur = session.current()
    if cur is None:
        return []
    records = list(repository().history(cur.enterprise_id))
    return sorted(records, key=lambda r: (r.year, r.id))


def start_next_year() -> Draft:
    """Start next year's assessment from the open (submitted) one; returns the new Draft."""
    cur = session.current()
    assert cur is not None, "start_next_year needs an open assessment"
    year = (cur.year or this_year()) + 1
    draft = repository().start_next_year(cur.assessment_id, cur.resume_code, year)
    session.set_current(
        session.Current(
            assessment_id=draft.assessment_id,
            enterprise_id=draft.enterprise_id,
            resume_code=draft.resume_code,
            version=draft.version,
            year=year,
        )
    )
    reload()
    return draft


def reload() -> None:
    """Re-read the open assessment from the database (after S402 or a new draft)."""
    cur = session.current()
    if cur is None:
        return
    resume(cur.resume_code)


def restore_from_url() -> AssessmentError | None:
    """Open the assessment named by `?resume=` when the session has none (tab reloaded)."""
    code = session.url_resume_code()
    cur = session.current()
    if not code or (cur is not None and cur.resume_code == code):
        session.sync_url()
        return None
    try:
        resume(code)
    except AssessmentError as err:
        del st.query_params[session.RESUME_PARAM]
        return err
    return None


def _replace(cur: session.Current, **changes: Any) -> session.Current:
    return replace(cur, **changes)


def open_answers_upload(upload: Any) -> AssessmentRecord:
    """Start a draft from an uploaded answers file (a Streamlit UploadedFile).

    The size is checked before the file is read (A211): Streamlit has it in memory already,
    but nothing copies or parses it.
    """
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > ANSWERS_FILE_LIMIT:
        raise AssessmentError(
            problem("A211", file=upload.name, size=size, limit=ANSWERS_FILE_LIMIT)
        )
    return open_answers_file(upload.getvalue(), upload.name)


def open_answers_file(data: bytes, name: str = "answers.json") -> AssessmentRecord:
    """Start a draft from an uploaded answers file (docs/answers-format.md); returns the record.

    The file is read from memory within bounds (A211 size, A208 nesting), checked whole —
    format and questionnaire versions (A208/A209), every answer (A2xx, partial: open
    questions are allowed) — and written in one transaction: a refusal leaves nothing.
    """
    qset = questionnaires()
    loaded = read_answers_bytes(data, qset, Path(name).name or "answers.json")
    answers = dict(loaded.answers)
    problems = validate_answers(answers, qset, partial=True) + long_texts(answers, qset)
    if problems:
        raise AssessmentError(problems)
    draft = repository().register_from_answers(answers, this_year(), source=client_source())
    _open_draft(draft)
    return resume(draft.resume_code)


def save_section_partial(section_id: str, section_answers: Mapping[str, Any]) -> int:
    """Write one section's answers without requiring it complete (an imported file)."""
    cur = session.current()
    assert cur is not None, "save_section_partial needs an open assessment"
    _short_texts(section_answers)
    version = repository().save_section(
        cur.assessment_id, section_id, dict(section_answers), cur.version, require_complete=False
    )
    session.set_current(_replace(cur, version=version))
    return version

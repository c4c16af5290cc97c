"""Export to JSON lines and import into an empty database: lossless, all or nothing."""

from __future__ import annotations

import json

import pytest
from answers_factory import full_answers, profile_answers, section_answers
from storage_support import table_dump

from assessment.errors import AssessmentError
from assessment.storage import export_jsonl, head_revision, import_jsonl
from assessment.storage.models import DERIVED, TABLES

PASSWORD = "correct horse battery"


def populate(repo, qset, clock) -> None:
    """Rows in every table."""
    sections = [s.id for q in qset.questionnaires for s in q.sections]
    for n in range(3):
        draft = repo.create_draft(profile_answers(qset, n, "profile.basic"), 2025)
        version = draft.version
        for section in sections:
            version = repo.save_section(
                draft.assessment_id, section, section_answers(qset, n, section), version
            )
        first = repo.submit(draft.assessment_id, version)
        clock.advance(days=300)
        repo.start_next_year(first.id, draft.resume_code, 2026)
    repo.create_draft(profile_answers(qset, 9, "profile.basic"), 2026)
    repo.add_user("alice", "staff", PASSWORD)
    repo.add_user("bob", "advisor", PASSWORD)
    repo.authenticate("alice", PASSWORD, source="10.0.0.2")
    with pytest.raises(AssessmentError):
        repo.authenticate("bob", "wrong password", source="10.0.0.3")
    with pytest.raises(AssessmentError):  # a wrong resume code is counted (resume_failures)
        repo.resume_from("AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA", source="10.0.0.4")
    repo.add_note(first.id, "bob", "能源管理体系尚未建立")
    repo.mark_typical_case(first.id, "alice", "典型案例")
    repo.register_peer_model("2026.1", "models/peers-2026.1.joblib", {"k": 4, "n": 3})
    repo.register_peer_model("2026.2", "models/peers-2026.2.joblib", {"k": 5}, activate=False)


def test_export_import_round_trip_reproduces_every_row(
    repo, qset, clock, engine, other_engine, tmp_path
):
    populate(repo, qset, clock)
    source = table_dump(engine)
    assert all(source[t.name] for t in TABLES), "every table has rows"
    path = tmp_path / "export.jsonl"
    written = export_jsonl(engine, path)
    # The derived rollup is not written: the import computes it from what it loaded.
    assert written == sum(len(rows) for name, rows in source.items() if name not in DERIVED)
    assert import_jsonl(other_engine, path) == written
    assert table_dump(other_engine) == source
    # Ids continue after the imported ones (sequences moved on PostgreSQL).
    from assessment.storage import Repository

    copy = Repository(other_engine, qset, clock=clock, hasher=repo.hasher)
    draft = copy.create_draft(profile_answers(qset, 50, "profile.basic"), 2026)
    assert draft.assessment_id > max(r["id"] for r in source["assessments"])
    assert copy.authenticate("alice", PASSWORD).user.username == "alice"


def test_export_lines_name_their_table(repo, qset, engine, tmp_path):
    repo.create_draft(profile_answers(qset, 1, "profile.basic"), 2026)
    path = tmp_path / "e.jsonl"
    export_jsonl(engine, path)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["format"] == "shanxi-readiness-export" and lines[0]["schema"] == head_revision()
    assert [line["table"] for line in lines[1:]] == ["audit_log", "enterprises", "assessments"]
    assessment_row = lines[3]["row"]
    assert assessment_row["created_at"].endswith("+00:00")
    assert isinstance(assessment_row["answers"], dict)


def test_import_refuses_a_non_empty_database(repo, qset, engine, other_engine, tmp_path):
    repo.create_draft(profile_answers(qset, 1, "profile.basic"), 2026)
    path = tmp_path / "e.jsonl"
    export_jsonl(engine, path)
    before = table_dump(engine)
    with pytest.raises(AssessmentError) as err:
        import_jsonl(engine, path)
    assert err.value.codes == ["S410"]
    assert table_dump(engine) == before


def _export_lines(repo, qset, engine, tmp_path) -> list[dict]:
    draft = repo.create_draft(profile_answers(qset, 1, "profile.basic"), 2026)
    repo.save_section(
        draft.assessment_id, "profile.scale", section_answers(qset, 1, "profile.scale"), 1
    )
    path = tmp_path / "good.jsonl"
    export_jsonl(engine, path)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _break(lines: list[dict], how: str) -> tuple[list[str], int]:
    """Damage one line; returns the file's lines and the 1-based damaged line number."""
    text = [json.dumps(obj, ensure_ascii=False) for obj in lines]
    idx = next(i for i, obj in enumerate(lines) if obj.get("table") == "assessments")
    row = lines[idx]["row"]
    if how == "not json":
        text[idx] = text[idx][:-5]
    elif how == "unknown table":
        text[idx] = json.dumps({"table": "secrets", "row": row})
    elif how == "unknown column":
        text[idx] = json.dumps({"table": "assessments", "row": {**row, "extra": 1}})
    elif how == "missing column":
        text[idx] = json.dumps({"table": "assessments", "row": {**row, "year": None} | {}})
        del_row = dict(row)
        del del_row["version"]
        text[idx] = json.dumps({"table": "assessments", "row": del_row})
    elif how == "null":
        text[idx] = json.dumps({"table": "assessments", "row": {**row, "year": None}})
    elif how == "bad timestamp":
        text[idx] = json.dumps({"table": "assessments", "row": {**row, "created_at": "soon"}})
    elif how == "naive timestamp":
        bad = {**row, "created_at": "2026-01-01T00:00:00"}
        text[idx] = json.dumps({"table": "assessments", "row": bad})
    elif how == "bad integer":
        text[idx] = json.dumps({"table": "assessments", "row": {**row, "version": "2"}})
    elif how == "not an object":
        text[idx] = "[1, 2]"
    elif how == "bad header":
        idx = 0
        text[0] = json.dumps({"format": "other"})
    elif how == "dangling reference":
        text[idx] = json.dumps({"table": "assessments", "row": {**row, "enterprise_id": 99}})
    return text, idx + 1


@pytest.mark.parametrize(
    "how",
    [
        "not json",
        "unknown table",
        "unknown column",
        "missing column",
        "null",
        "bad timestamp",
        "naive timestamp",
        "bad integer",
        "not an object",
        "bad header",
        "dangling reference",
    ],
)
def test_malformed_import_names_the_line_and_changes_nothing(
    repo, qset, engine, other_engine, tmp_path, how
):
    lines = _export_lines(repo, qset, engine, tmp_path)
    text, number = _break(lines, how)
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    before = table_dump(other_engine)
    with pytest.raises(AssessmentError) as err:
        import_jsonl(other_engine, path)
    assert err.value.codes == ["S410"]
    assert err.value.problems[0].line == number
    assert table_dump(other_engine) == before


@pytest.mark.parametrize(("answers", "code"), [("{oops", "S404"), ("[1]", "S404")])
def test_answers_as_json_text(repo, qset, engine, other_engine, tmp_path, answers, code):
    lines = _export_lines(repo, qset, engine, tmp_path)
    idx = next(i for i, obj in enumerate(lines) if obj.get("table") == "assessments")
    good = dict(lines[idx]["row"])
    path = tmp_path / "text.jsonl"
    # Valid JSON text is accepted and stored as the object it encodes.
    lines[idx]["row"] = {**good, "answers": json.dumps(good["answers"])}
    path.write_text("\n".join(json.dumps(o) for o in lines), encoding="utf-8")
    import_jsonl(other_engine, path)
    assert table_dump(other_engine) == table_dump(engine)
    from storage_support import empty_tables

    if other_engine.dialect.name == "postgresql":
        empty_tables(other_engine)
    else:
        from assessment.storage.models import TABLES as ALL

        with other_engine.begin() as conn:
            for table in reversed(ALL):
                conn.execute(table.delete())
    lines[idx]["row"] = {**good, "answers": answers}
    path.write_text("\n".join(json.dumps(o) for o in lines), encoding="utf-8")
    with pytest.raises(AssessmentError) as err:
        import_jsonl(other_engine, path)
    assert err.value.codes == [code]
    assert err.value.problems[0].line == idx + 1
    assert all(not rows for rows in table_dump(other_engine).values())


def test_import_refuses_another_schema_revision(repo, qset, engine, other_engine, tmp_path):
    lines = _export_lines(repo, qset, engine, tmp_path)
    lines[0]["schema"] = "0000"
    path = tmp_path / "old.jsonl"
    path.write_text("\n".join(json.dumps(o) for o in lines), encoding="utf-8")
    with pytest.raises(AssessmentError) as err:
        import_jsonl(other_engine, path)
    assert err.value.codes == ["S410"] and err.value.problems[0].line == 1


@pytest.mark.parametrize("content", ["", "\n\n"])
def test_import_of_an_empty_file(other_engine, tmp_path, content):
    path = tmp_path / "empty.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AssessmentError) as err:
        import_jsonl(other_engine, path)
    assert err.value.codes == ["S410"]


def test_import_of_a_missing_file(other_engine, tmp_path):
    with pytest.raises(AssessmentError) as err:
        import_jsonl(other_engine, tmp_path / "nope.jsonl")
    assert err.value.codes == ["C801"]


def test_full_answers_survive_the_round_trip(qset):
    # A guard for the factory itself: the answers it builds are what submit accepts.
    from assessment.answers import validate_answers

    assert validate_answers(full_answers(qset, 5), qset) == []

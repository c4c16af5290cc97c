"""A writer killed with SIGKILL mid-way leaves a consistent database that still works."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from answers_factory import profile_answers, section_answers
from sqlalchemy import func, select

from assessment.storage.models import Assessment, AssessmentScore, Score

WRITER = Path(__file__).with_name("storage_writer.py")


KILL_AFTER = 60  # progress lines: a few drafts in, some submitted


def _writer_args(engine) -> list[str]:
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "sqlite":
        return [url, "-"]
    with engine.connect() as conn:  # the writer must use this test's schema
        return [url, conn.exec_driver_sql("SHOW search_path").scalar()]


def test_sigkill_mid_write_leaves_a_consistent_database(repo, qset, engine):
    args = [sys.executable, str(WRITER), *_writer_args(engine)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    committed: dict[int, int] = {}
    submitted: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        lines = 0
        while lines < KILL_AFTER:
            line = proc.stdout.readline()
            if not line:
                pytest.fail(f"writer stopped early: {proc.stderr.read()}")
            kind, ident, *rest = line.split()
            if kind == "saved":
                committed[int(ident)] = int(rest[0])
            else:
                submitted.add(int(ident))
            lines += 1
            assert time.monotonic() < deadline, "writer too slow"
        time.sleep(random.uniform(0, 0.05))  # land somewhere inside the next write
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            raw = conn.exec_driver_sql("SELECT id, answers FROM assessments").all()
        else:
            raw = conn.exec_driver_sql("SELECT id, answers::text FROM assessments").all()
        rows = conn.execute(select(Assessment)).all()
        scored = set(conn.execute(select(Score.assessment_id)).scalars())
        long_counts = dict(
            conn.execute(
                select(AssessmentScore.assessment_id, func.count()).group_by(
                    AssessmentScore.assessment_id
                )
            ).all()
        )
    for _, text in raw:
        assert isinstance(json.loads(text), dict)
    by_id = {r.id: r for r in rows}
    # Everything the writer saw committed survived, at least at that version.
    for ident, version in committed.items():
        assert by_id[ident].version >= version
    assert submitted <= {r.id for r in rows if r.status == "submitted"}
    keys = {n for n in long_counts.values()}
    assert len(keys) <= 1, "every submitted assessment has all its score keys"
    for r in rows:
        assert r.version >= 1
        if r.status == "submitted":
            assert r.submitted_at is not None and r.id in scored and r.id in long_counts
        else:
            assert r.submitted_at is None and r.id not in scored and r.id not in long_counts

    # The database keeps working: finish a half-written draft and start a new one.
    draft = repo.create_draft(profile_answers(qset, 1, "profile.basic"), 2026)
    version = repo.save_section(
        draft.assessment_id, "profile.scale", section_answers(qset, 1, "profile.scale"), 1
    )
    assert repo.get(draft.assessment_id).version == version == 2

"""Fault injection on PostgreSQL: an app process SIGKILLed between and during section saves,
and the database server restarted (and stopped for a moment) while the app is in use.

(a) A worker process saves a draft's sections through `Repository.save_section`, the call
the wizard makes, and reports each save once it has returned; it is SIGKILLed part-way,
three times at different points. A new process then finds every reported section, the one
in flight either whole or absent, and the version counting exactly the committed saves.
(b) `streamlit run server.py` serves a draft; PostgreSQL is restarted, then stopped: a save
during the outage shows the coded S409 message (no traceback), a save after it succeeds.
PostgreSQL is started again at the end even when the test fails.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import helpers as h  # noqa: E402

from assessment.storage import Repository, make_engine, upgrade  # noqa: E402

pytestmark = pytest.mark.slow
FIGURES = {"faults": 0, "rows_lost": 0}


@pytest.fixture(scope="module")
def pg_url():
    why = h.pg_reachable()
    if why is not None:
        pytest.fail(why)  # PostgreSQL is what these faults are about
    with h.fresh_database("faults") as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture(scope="module")
def people():
    return h.enterprises(4, seed=11)


def _draft(url: str, answers: dict) -> h.Written:
    engine = make_engine(url)
    try:
        parts = h.sections(answers)
        profile = {k: v for sid, own in parts if sid.startswith("profile.") for k, v in own.items()}
        draft = Repository(engine, h.qset()).create_draft(profile, 2026)
        return h.Written(draft.assessment_id, draft.enterprise_id, draft.resume_code)
    finally:
        engine.dispose()


# --- (a) the app process killed in the middle of saving -----------------------------------------


@pytest.mark.parametrize(("kill_after", "person"), [(1, 0), (6, 1), (11, 2)])
def test_a_killed_process_loses_no_completed_section(pg_url, people, tmp_path, kill_after, person):
    answers = people[person]
    written = _draft(pg_url, answers)
    order = [
        (sid, own) for sid, own in h.sections(answers) if own and not sid.startswith("profile.")
    ]
    assert len(order) > kill_after + 1
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
    worker = subprocess.Popen(
        [sys.executable, str(HERE / "save_worker.py"), pg_url, written.resume_code, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reported: list[tuple[str, int]] = []
    try:
        assert worker.stdout.readline().startswith("ready")
        while len(reported) < kill_after:
            sid, version = worker.stdout.readline().split()
            reported.append((sid, int(version)))
        time.sleep(0.005 * kill_after)  # land inside the next save, or between two
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    # Lines the worker printed before it died also count as reported.
    for line in worker.stdout.read().splitlines():
        if line != "done":
            sid, version = line.split()
            reported.append((sid, int(version)))
    FIGURES["faults"] += 1

    # "After a restart": a new process with its own engine opens the draft by its code.
    engine = make_engine(pg_url)
    try:
        record = Repository(engine, h.qset()).resume(written.resume_code)
    finally:
        engine.dispose()
    committed = record.version - 1  # the draft was created at version 1; each save adds one
    assert len(reported) <= committed <= len(reported) + 1  # at most the one in flight
    lost = 0
    for index, (sid, own) in enumerate(order):
        stored = {k: record.answers[k] for k in own if k in record.answers}
        if index < committed:
            lost += sum(1 for k, v in own.items() if stored.get(k) != v)
        else:
            assert stored == {}, f"{sid} is half there after the kill"
    FIGURES["rows_lost"] += lost
    assert lost == 0
    assert record.status == "draft"
    # The draft carries on from where it stopped: the next save succeeds.
    engine = make_engine(pg_url)
    try:
        repo = Repository(engine, h.qset())
        if committed < len(order):
            sid, own = order[committed]
            assert repo.save_section(record.id, sid, own, record.version, require_complete=False)
    finally:
        engine.dispose()


# --- (b) PostgreSQL restarted while the app is in use -------------------------------------------


@pytest.fixture
def server(pg_url, tmp_path):
    if not Path(h.CHROMIUM).exists():
        pytest.skip(f"{h.CHROMIUM} is missing (apt-get install chromium); e2e tests need it")
    srv = h.start_server(h.ROOT / "server.py", pg_url, tmp_path / "server.log")
    try:
        yield srv
    finally:
        srv.close()
        if h.pg_reachable() is not None:  # whatever happened, leave PostgreSQL running
            h.pg_ctl("start")
            h.wait_for_pg()


def _complete_draft(url: str, answers: dict) -> h.Written:
    engine = make_engine(url)
    try:
        return h.write_assessment(Repository(engine, h.qset()), answers, 2026, submit=False)
    finally:
        engine.dispose()


@pytest.mark.e2e
def test_the_app_survives_a_database_restart(pg_url, people, server):
    from playwright.sync_api import sync_playwright

    written = _complete_draft(pg_url, people[3])
    save = "Save and review →"
    review = "I have checked the answers and want to submit"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=h.CHROMIUM, args=h.CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="en-US", viewport={"width": 1100, "height": 1400})
            context.set_default_timeout(60_000)
            page = context.new_page()
            wizard = f"{server.url}assessment?resume={written.resume_code}"
            page.goto(wizard)
            page.get_by_role("button", name=save).wait_for()

            # 1. Restarted between two runs: the pooled connections are dead; the next save
            # reconnects (pool_pre_ping) without the user noticing.
            h.pg_ctl("restart")
            h.wait_for_pg()
            FIGURES["faults"] += 1
            page.get_by_role("button", name=save).click()
            page.get_by_text(review).wait_for()

            # 2. Down while the user saves: the coded S409 message, no traceback.
            page.goto(wizard)
            page.get_by_role("button", name=save).wait_for()
            before = _version(pg_url, written.resume_code)
            h.pg_ctl("stop")
            try:
                FIGURES["faults"] += 1
                page.get_by_role("button", name=save).click()
                alert = page.get_by_test_id("stAlertContentError").filter(has_text="S409")
                alert.wait_for()
                assert "database cannot be reached" in alert.inner_text()
                assert page.get_by_test_id("stException").count() == 0
                # A new visit during the outage opens nothing, and shows no traceback.
                other = context.new_page()
                other.goto(wizard)
                other.get_by_test_id("stSidebar").wait_for()
                other.wait_for_timeout(2000)
                assert other.get_by_test_id("stException").count() == 0
                other.close()
            finally:
                h.pg_ctl("start")
                h.wait_for_pg()
            # 3. Back up: the same button saves.
            page.get_by_role("button", name=save).click()
            page.get_by_text(review).wait_for()
            assert page.get_by_test_id("stException").count() == 0
        finally:
            browser.close()
    after = _version(pg_url, written.resume_code)
    assert after == before + 1  # the failed save wrote nothing, the retry exactly once
    engine = make_engine(pg_url)
    try:
        record = Repository(engine, h.qset()).resume(written.resume_code)
    finally:
        engine.dispose()
    lost = sum(1 for k, v in people[3].items() if record.answers.get(k) != v)
    FIGURES["rows_lost"] += lost
    assert lost == 0
    assert "Traceback" not in server.output()
    print("\nFAULT FIGURES", json.dumps(FIGURES))


def _version(url: str, code: str) -> int:
    engine = make_engine(url)
    try:
        return Repository(engine, h.qset()).resume(code).version
    finally:
        engine.dispose()

"""Resume codes and session tokens: at least 128 random bits, stored only as hashes, expiring,
and never written to a log — neither Python logging during an in-process flow nor the
Streamlit server's stdout/stderr during a full browser flow.
"""

from __future__ import annotations

import base64
import logging
import math
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "app"))
sys.path.insert(0, str(ROOT / "tests" / "load"))
import helpers as lh  # noqa: E402
import staff_apphelpers as sh  # noqa: E402

from assessment.errors import AssessmentError  # noqa: E402
from assessment.storage import Repository, make_engine, upgrade  # noqa: E402
from assessment.storage.db import transaction  # noqa: E402
from assessment.storage.drafts import (  # noqa: E402
    RESUME_ALPHABET,
    RESUME_LENGTH,
    new_resume_code,
    resume_hash,
)
from assessment.storage.models import TABLES  # noqa: E402
from assessment.storage.users import SESSION_LIFETIME, token_hash  # noqa: E402

MIN_BITS = 128


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'secrets.db'}"
    engine = make_engine(url)
    upgrade(engine)
    clock = Clock()
    yield url, Repository(engine, lh.qset(), hasher=sh.HASHER, clock=clock), clock
    engine.dispose()


def dump(engine) -> str:
    """Every value of every table as text: what someone with a copy of the database reads."""
    out = []
    with transaction(engine) as conn:
        for table in TABLES:
            for row in conn.execute(select(table)).all():
                out.append(" ".join(str(v) for v in row))
    return "\n".join(out)


def test_resume_codes_carry_at_least_128_random_bits():
    assert RESUME_LENGTH * math.log2(len(set(RESUME_ALPHABET))) >= MIN_BITS
    codes = [new_resume_code() for _ in range(2000)]
    assert len(set(codes)) == len(codes)
    raw = [c.replace("-", "") for c in codes]
    assert all(len(r) == RESUME_LENGTH and set(r) <= set(RESUME_ALPHABET) for r in raw)
    # Every symbol is used, about equally (a biased generator would carry fewer bits).
    counts = {ch: sum(r.count(ch) for r in raw) for ch in RESUME_ALPHABET}
    expected = len(raw) * RESUME_LENGTH / len(RESUME_ALPHABET)
    assert all(0.8 * expected < n < 1.2 * expected for n in counts.values())


def test_session_tokens_carry_at_least_128_random_bits(db):
    _, repo, _ = db
    repo.add_user("s1", "staff", sh.PASSWORD)
    tokens = [repo.authenticate("s1", sh.PASSWORD).token for _ in range(20)]
    assert len(set(tokens)) == len(tokens)
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= MIN_BITS


def test_codes_and_tokens_are_stored_only_as_hashes(db):
    _, repo, _ = db
    answers = lh.enterprises(1, seed=5)[0]
    written = lh.write_assessment(repo, answers, 2026, submit=False)
    repo.add_user("s1", "staff", sh.PASSWORD)
    token = repo.authenticate("s1", sh.PASSWORD).token
    stored = dump(repo.engine)
    code = written.resume_code
    for plain in (code, code.replace("-", ""), token, sh.PASSWORD):
        assert plain not in stored
    assert resume_hash(code) in stored and token_hash(token) in stored


def test_resume_codes_and_sessions_expire(db):
    _, repo, clock = db
    written = lh.write_assessment(repo, lh.enterprises(1, seed=6)[0], 2026, submit=False)
    repo.add_user("s1", "staff", sh.PASSWORD)
    token = repo.authenticate("s1", sh.PASSWORD).token
    assert repo.resume(written.resume_code).id == written.assessment_id
    clock.now += SESSION_LIFETIME + timedelta(seconds=1)
    assert repo.session_user(token) is None  # twelve hours later: signed out
    assert repo.resume(written.resume_code).id == written.assessment_id  # a code lasts longer
    with transaction(repo.engine) as conn:
        expires = conn.execute(
            text("SELECT resume_expires_at FROM assessments WHERE id = :i"),
            {"i": written.assessment_id},
        ).scalar_one()
    assert expires is not None
    clock.now = datetime.now(UTC) + timedelta(days=366)
    with pytest.raises(AssessmentError) as err:
        repo.resume(written.resume_code)
    assert err.value.code == "S408"


def test_an_in_process_flow_logs_no_code_or_token(db, tmp_path, monkeypatch, caplog):
    """Upload, submit and a staff sign-in under AppTest, with every logger at DEBUG."""
    from streamlit.testing.v1 import AppTest

    url, repo, _ = db
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("ASSESSMENT_QUESTIONNAIRES", raising=False)
    answers = lh.enterprises(1, seed=8)[0]
    caplog.set_level(logging.DEBUG)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lang"] = "en"
    at.run()
    at.file_uploader(key="answers_upload").upload("a.json", lh.answers_file(answers)).run()
    at.button(key="upload_answers").click().run()
    code = at.session_state["current"].resume_code
    at.button(key="upload_review").click().run()
    at.checkbox(key="confirm_submit").check().run()
    at.button(key="submit").click().run()
    assert not at.exception
    assert repo.resume(code).status == "submitted"
    repo.add_user("s1", "staff", sh.PASSWORD)
    staff = sh.page("staff_signin", "en")
    staff.run()
    staff.text_input[0].input("s1")
    staff.text_input[1].input(sh.PASSWORD)
    staff.button[0].click().run()
    token = staff.session_state["staff_token"]
    assert repo.session_user(token) is not None
    logged = caplog.text
    assert len(caplog.records) > 0
    for secret in (code, code.replace("-", ""), token, sh.PASSWORD):
        assert secret not in logged


@pytest.mark.e2e
def test_a_browser_flow_leaves_no_code_or_token_in_the_server_output(tmp_path):
    """The full flow through `streamlit run server.py` at debug log level."""
    if not Path(lh.CHROMIUM).exists():
        pytest.skip(f"{lh.CHROMIUM} is missing (apt-get install chromium); e2e tests need it")
    from playwright.sync_api import sync_playwright

    from assessment.auth import COOKIE_NAME

    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    engine = make_engine(url)
    upgrade(engine)
    repo = Repository(engine, lh.qset(), hasher=sh.HASHER)
    repo.add_user("s1", "staff", sh.PASSWORD)
    answers = lh.enterprises(1, seed=9)[0]
    upload = tmp_path / "answers.json"
    upload.write_bytes(lh.answers_file(answers))
    server = lh.start_server(
        ROOT / "server.py",
        url,
        tmp_path / "server.log",
        extra_env={"STREAMLIT_LOGGER_LEVEL": "debug"},
    )
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=lh.CHROMIUM, args=lh.CHROMIUM_ARGS)
            try:
                ctx = browser.new_context(locale="en-US")
                ctx.set_default_timeout(60_000)
                page = ctx.new_page()
                page.goto(server.url)
                page.locator('input[type="file"]').set_input_files(str(upload))
                page.get_by_role("button", name="Load the answers").click()
                page.get_by_role("button", name="Review and submit").wait_for()
                code = repo_code(page)
                page.get_by_role("button", name="Review and submit").click()
                page.get_by_text("I have checked the answers and want to submit").click()
                page.get_by_role("button", name="Submit", exact=True).click()
                page.get_by_text("Maturity (CMMM)").first.wait_for()
                # The resume link in another browser reopens the results.
                other = browser.new_context(locale="en-US").new_page()
                other.goto(f"{server.url}results?resume={code}")
                other.get_by_text("Maturity (CMMM)").first.wait_for()
                # Staff sign-in: the session token goes into the HttpOnly cookie.
                staff = browser.new_context(locale="en-US")
                spage = staff.new_page()
                spage.goto(server.url + "sign-in")
                spage.get_by_role("textbox", name="User name").fill("s1")
                spage.get_by_role("textbox", name="Password").fill(sh.PASSWORD)
                spage.get_by_role("button", name="Sign in").click()
                spage.get_by_text("Signed in as s1").wait_for()
                token = None
                for _ in range(40):
                    cookie = next((c for c in staff.cookies() if c["name"] == COOKIE_NAME), None)
                    if cookie:
                        token = cookie["value"]
                        break
                    spage.wait_for_timeout(250)
                assert token
                spage.goto(server.url + "staff-dashboard")
                spage.get_by_test_id("stMetric").first.wait_for()
                spage.goto(server.url + "sign-in")
                spage.get_by_role("button", name="Sign out").click()
                spage.get_by_text("You are signed out.").wait_for()
            finally:
                browser.close()
    finally:
        server.close()
        engine.dispose()
    output = server.output()
    assert "Runtime state" in output  # a debug-level line: the log level took effect
    assert repo.resume(code).status == "submitted"
    for secret in (code, code.replace("-", ""), token, sh.PASSWORD):
        assert secret not in output


def repo_code(page) -> str:
    """The resume code as the landing page shows it after the upload.

    The URL can carry the code a rerun before the code block is drawn, so poll for it.
    """
    deadline = time.monotonic() + 60
    while True:
        blocks = page.locator('[data-testid="stCode"]').all_inner_texts()
        codes = [b.strip() for b in blocks if b.strip().count("-") == RESUME_LENGTH // 4 - 1]
        if codes or time.monotonic() > deadline:
            break
        page.wait_for_timeout(250)
    assert codes, blocks
    return codes[0]

"""UNFINISHED — not collected by pytest (no test_ prefix) until it passes end to end.
Status 2026-11-27: one run held 50 sessions on two processes and found all 50 submissions
intact in the database, then failed on a label in the staff cross-check; after the fix the
run exceeded its time box on the overloaded machine. Rename to test_two_processes.py when
it passes. Run it by hand: `.venv/bin/pytest tests/load/two_processes_unfinished.py`.

Load: 50 enterprises complete their assessments at once, served by two app processes over
one fresh PostgreSQL database; staff on one process see what was submitted on the other.

Each enterprise is its own browser context (own cookies, own Streamlit session) in one
Chromium. All 50 sessions are opened first and stay open to the end; a few at a time then
upload a distinct answers file on the landing page (the "continue from a saved answers
file" feature), submit on the review page and wait for their level on the results page.
Enterprises alternate between the two processes. Afterwards the database must hold 50
submitted assessments whose every answer equals the uploaded file, with scores, and neither
server log may hold an error.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import helpers as h  # noqa: E402

from assessment.scoring import score_assessment  # noqa: E402
from assessment.storage import Repository, make_engine, upgrade  # noqa: E402
from assessment.storage.db import transaction  # noqa: E402
from assessment.storage.models import (  # noqa: E402
    Assessment,
    AssessmentScore,
    Enterprise,
    Score,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

N = 50
ACTIVE = 6  # flows driven at the same moment (2 cores); all N sessions stay open throughout
STAFF = ("load-staff", "load staff password 1")
CODED = re.compile(r"\\?\([A-Z]\d{3}\\?\)")
FIGURES: dict[str, float | int] = {}


@pytest.fixture(scope="module")
def chromium() -> str:
    if not Path(h.CHROMIUM).exists():
        pytest.skip(f"{h.CHROMIUM} is missing (apt-get install chromium); e2e tests need it")
    return h.CHROMIUM


@pytest.fixture(scope="module")
def two_servers(chromium, tmp_path_factory):
    """Two `streamlit run server.py` processes on one fresh PostgreSQL database."""
    why = h.pg_reachable()
    if why is not None:
        pytest.fail(why)  # PostgreSQL is part of this test, not optional
    folder = tmp_path_factory.mktemp("load")
    with h.fresh_database("load") as url:
        engine = make_engine(url)
        upgrade(engine)
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        Repository(engine, h.qset(), hasher=cheap).add_user(STAFF[0], "staff", STAFF[1])
        servers = []
        try:
            for name in ("a", "b"):
                servers.append(h.start_server(h.ROOT / "server.py", url, folder / f"{name}.log"))
            yield url, engine, servers
        finally:
            for server in servers:
                h.stop_server(server)
            engine.dispose()


async def _open(browser, url: str):
    context = await browser.new_context(locale="en-US", viewport={"width": 900, "height": 700})
    context.set_default_timeout(180_000)
    page = await context.new_page()
    await page.goto(url)
    await page.get_by_role("button", name="Load the answers").wait_for()
    return context, page


async def _complete(page, file: Path, level: int, active: asyncio.Semaphore) -> float:
    async with active:
        started = time.monotonic()
        await page.locator('input[type="file"]').set_input_files(str(file))
        await page.get_by_role("button", name="Load the answers").click()
        await page.get_by_role("button", name="Review and submit").click()
        await page.get_by_text("I have checked the answers and want to submit").click()
        await page.get_by_role("button", name="Submit", exact=True).click()
        await page.get_by_text(f"Level {level}", exact=True).first.wait_for()
        print(f"flow {file.name} {time.monotonic() - started:.1f}s", flush=True)
        return time.monotonic() - started


async def _drive(urls: list[str], files: list[Path], levels: list[int]) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=h.CHROMIUM, args=h.CHROMIUM_ARGS)
        try:
            opening = asyncio.Semaphore(10)

            async def opened(url):
                async with opening:
                    return await _open(browser, url)

            t0 = time.monotonic()
            sessions = await asyncio.gather(*(opened(u) for u in urls))
            print(f"\nopened {len(sessions)} sessions in {time.monotonic() - t0:.1f}s", flush=True)
            active = asyncio.Semaphore(ACTIVE)
            started = time.monotonic()
            took = await asyncio.gather(
                *(
                    _complete(page, f, lvl, active)
                    for (_, page), f, lvl in zip(sessions, files, levels, strict=True)
                )
            )
            elapsed = time.monotonic() - started
            # The peak: every session is still open and still shows its own results.
            held = 0
            alerts: list[str] = []
            exceptions = 0
            for (_, page), lvl in zip(sessions, levels, strict=True):
                if await page.get_by_text(f"Level {lvl}", exact=True).first.is_visible():
                    held += 1
                for alert in await page.locator('[data-testid="stAlertContentError"]').all():
                    text = await alert.inner_text()
                    # Coded messages are errors; an uncoded red box is content (a green veto).
                    if CODED.search(text):
                        alerts.append(text)
                exceptions += await page.get_by_test_id("stException").count()
            open_contexts = len(browser.contexts)
            for context, _ in sessions:
                await context.close()
            return {
                "held": held,
                "open_contexts": open_contexts,
                "alerts": alerts,
                "exceptions": exceptions,
                "elapsed": elapsed,
                "slowest": max(took),
            }
        finally:
            await browser.close()


def _staff_sees(base: str, submitted_on_other: str) -> tuple[str, str]:
    """Sign in as staff on `base`; the dashboard's assessment count and a search result."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=h.CHROMIUM, args=h.CHROMIUM_ARGS)
        try:
            page = browser.new_context(locale="en-US").new_page()
            page.set_default_timeout(60_000)
            page.goto(base + "sign-in")
            page.get_by_role("textbox", name="User name").fill(STAFF[0])
            page.get_by_role("textbox", name="Password").fill(STAFF[1])
            page.get_by_role("button", name="Sign in").click()
            page.get_by_text(f"Signed in as {STAFF[0]}").wait_for()
            page.goto(base + "staff-dashboard")
            metric = page.get_by_test_id("stMetric").filter(has_text="Assessments").first
            metric.wait_for()
            count = metric.get_by_test_id("stMetricValue").inner_text()
            page.get_by_role("textbox", name="Search by name or credit code").fill(
                submitted_on_other
            )
            page.keyboard.press("Enter")
            found = page.get_by_text("Showing 1 assessments").first
            found.wait_for()
            return count, found.inner_text()
        finally:
            browser.close()


def test_fifty_enterprises_on_two_processes(two_servers, tmp_path):
    _url, engine, (a, b) = two_servers
    started = time.monotonic()
    people = h.enterprises(N, seed=2027)
    files, levels = [], []
    for i, answers in enumerate(people):
        path = tmp_path / f"answers-{i:02d}.json"
        path.write_bytes(h.answers_file(answers))
        files.append(path)
        levels.append(score_assessment(answers, h.qset()).cmmm.level)
    urls = [(a if i % 2 == 0 else b).url for i in range(N)]

    run = asyncio.run(_drive(urls, files, levels))
    assert run["open_contexts"] == N and run["held"] == N
    assert run["alerts"] == [], run["alerts"][:5]
    assert run["exceptions"] == 0

    # Every answer as uploaded, every assessment submitted and scored.
    with transaction(engine) as conn:
        rows = conn.execute(
            select(
                Enterprise.credit_code, Assessment.id, Assessment.status, Assessment.answers
            ).join(Enterprise, Enterprise.id == Assessment.enterprise_id)
        ).all()
        scored = set(conn.execute(select(Score.assessment_id)).scalars())
        flat = dict(
            conn.execute(
                select(AssessmentScore.assessment_id, func.count()).group_by(
                    AssessmentScore.assessment_id
                )
            ).all()
        )
    by_code = {r.credit_code: r for r in rows}
    assert len(rows) == N
    lost = 0
    for path in files:
        sent = json.loads(path.read_text(encoding="utf-8"))["answers"]
        row = by_code[sent["profile.credit_code"]]
        assert row.status == "submitted"
        lost += sum(1 for k, v in sent.items() if row.answers.get(k) != v)
        assert set(row.answers) == set(sent)
        assert row.id in scored and flat.get(row.id, 0) > 0
    assert lost == 0

    # Submitted through process A, seen by staff signed in on process B.
    code_on_a = people[0]["profile.credit_code"]
    count, found = _staff_sees(b.url, code_on_a)
    assert count == str(N)
    assert "Showing 1" in found

    for server in (a, b):
        assert h.server_errors(server.output()) == [], server.output()[-3000:]
    FIGURES.update(
        sessions=N,
        answers_checked=sum(len(json.loads(p.read_text())["answers"]) for p in files),
        answers_lost=lost,
        flows_elapsed_s=round(run["elapsed"], 1),
        slowest_flow_s=round(run["slowest"], 1),
        total_s=round(time.monotonic() - started, 1),
    )
    print("\nLOAD FIGURES", json.dumps(FIGURES))

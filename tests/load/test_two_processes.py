"""Load: 50 enterprises complete their assessments at once, served by two app processes over
one fresh PostgreSQL database; staff on one process see what was submitted on the other.

Each enterprise is its own browser context (own cookies, own Streamlit session) in one
Chromium. All 50 sessions are opened first and stay open to the end; a few at a time then
upload a distinct answers file on the landing page (the "continue from a saved answers
file" feature), submit on the review page and wait for their level on the results page.
Enterprises alternate between the two processes. At the peak every session must still show
its own results over a live websocket. While all 50 stay open, staff sign in on process B
and find (dashboard count, search, drill-down to the record) an enterprise that submitted
through process A, and the other way round. Afterwards the database must hold 50 submitted
assessments whose every answer equals the uploaded file, with scores, and neither server
log may hold an error.

Only ACTIVE flows are driven at a time: on 2 cores each Streamlit page costs the browser
seconds of CPU, and driving more at once only queues them. Run by hand:
`.venv/bin/pytest tests/load/test_two_processes.py -s` (prints the figures).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import helpers as h  # noqa: E402

from assessment.scoring import score_assessment  # noqa: E402
from assessment.storage import Repository, make_engine, rollup, upgrade  # noqa: E402
from assessment.storage.db import transaction  # noqa: E402
from assessment.storage.models import (  # noqa: E402
    Assessment,
    AssessmentScore,
    Enterprise,
    Score,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

N = 50
ACTIVE = 4  # flows driven at the same moment (2 cores); all N sessions stay open throughout
OPENING = 4  # sessions being opened at the same moment
TIMEOUT_MS = 240_000  # one browser action on an overloaded machine; not a timing assertion
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
            yield url, engine, servers, folder
        finally:
            for server in servers:
                server.close()
            engine.dispose()


@dataclass
class Session:
    """One enterprise: its browser context, its page and the page's websockets."""

    context: object
    page: object
    sockets: list = field(default_factory=list)

    def live(self) -> bool:
        return any("_stcore/stream" in ws.url and not ws.is_closed() for ws in self.sockets)


async def _open(browser, url: str) -> Session:
    context = await browser.new_context(locale="en-US", viewport={"width": 900, "height": 700})
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    session = Session(context, page)
    page.on("websocket", lambda ws: session.sockets.append(ws))
    await page.goto(url)
    await page.get_by_role("button", name="Load the answers").wait_for()
    return session


async def _complete(session: Session, file: Path, level: int, shots: Path) -> float:
    """Upload, submit, wait for the level; on failure save a screenshot beside the logs."""
    page = session.page
    started = time.monotonic()
    try:
        await page.locator('input[type="file"]').set_input_files(str(file))
        await page.get_by_text(file.name).wait_for()  # the uploader lists the file
        await page.get_by_role("button", name="Load the answers").click()
        await page.get_by_role("button", name="Review and submit").click()
        await page.get_by_text("I have checked the answers and want to submit").click()
        await page.get_by_role("button", name="Submit", exact=True).click()
        await page.get_by_text(f"Level {level}", exact=True).first.wait_for()
    except Exception:
        await page.screenshot(path=str(shots / f"failed-{file.stem}.png"), full_page=True)
        raise
    return time.monotonic() - started


async def _staff_finds(browser, base: str, name: str, code: str, shots: Path) -> tuple[str, bool]:
    """Sign in as staff on `base`: the dashboard's assessment count, and whether searching
    `code` and opening the one assessment found shows that enterprise's record."""
    context = await browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = await context.new_page()
        await page.goto(base + "sign-in")
        await page.get_by_role("textbox", name="User name").fill(STAFF[0])
        await page.get_by_role("textbox", name="Password").fill(STAFF[1])
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_text(f"Signed in as {STAFF[0]}").wait_for()
        # On through the menu of the same session (a new page load would race the cookie).
        await page.get_by_role("link", name="Dashboard", exact=True).click()
        metric = page.get_by_test_id("stMetric").filter(has_text="Assessments").first
        count = await metric.get_by_test_id("stMetricValue").inner_text()
        # The search box lives on the dashboard's "Assessments" tab.
        await page.get_by_role("tab", name="Assessments").click()
        search = page.get_by_role("textbox", name="Search by name or credit code")
        await search.fill(code)
        await search.press("Enter")
        await page.get_by_text("Showing 1 assessments", exact=False).wait_for()
        # The one assessment found is the first choice after "(choose one)".
        choose = page.get_by_role("combobox", name="Open one assessment's full result")
        await choose.click()
        await choose.press("ArrowDown")
        await choose.press("Enter")
        detail = page.get_by_text(f"{name} · {code} ·", exact=False)
        await detail.wait_for()
        return count.strip(), await detail.is_visible()
    except Exception:
        await page.screenshot(path=str(shots / "failed-staff.png"), full_page=True)
        raise
    finally:
        await context.close()


async def _drive(urls, files, levels, staff_checks, shots: Path) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=h.CHROMIUM, args=h.CHROMIUM_ARGS)
        try:
            opening = asyncio.Semaphore(OPENING)

            async def opened(url):
                async with opening:
                    return await _open(browser, url)

            t0 = time.monotonic()
            sessions = await asyncio.gather(*(opened(u) for u in urls))
            open_s = time.monotonic() - t0
            print(f"\nopened {len(sessions)} sessions in {open_s:.1f}s", flush=True)

            active = asyncio.Semaphore(ACTIVE)

            async def completed(session, file, level):
                async with active:
                    return await _complete(session, file, level, shots)

            t1 = time.monotonic()
            took = await asyncio.gather(
                *(completed(s, f, lvl) for s, f, lvl in zip(sessions, files, levels, strict=True))
            )
            flows_s = time.monotonic() - t1
            print(f"{len(took)} flows in {flows_s:.1f}s", flush=True)

            # The peak: every session still open, live and showing its own results.
            held = 0
            alerts: list[str] = []
            exceptions = 0
            for session, lvl in zip(sessions, levels, strict=True):
                level_shown = session.page.get_by_text(f"Level {lvl}", exact=True).first
                if session.live() and await level_shown.is_visible():
                    held += 1
                for alert in await session.page.get_by_test_id("stAlertContentError").all():
                    text = await alert.inner_text()
                    # Coded messages are errors; an uncoded red box is content (a green veto).
                    if CODED.search(text):
                        alerts.append(text)
                exceptions += await session.page.get_by_test_id("stException").count()
            open_contexts = len(browser.contexts)

            # Staff, with all N enterprise sessions still open, on the other process.
            staff = [await _staff_finds(browser, *check, shots) for check in staff_checks]
            cpu_s = h.cpu_seconds(os.getpid())  # servers, driver, browser: before tabs close
            for session in sessions:
                await session.context.close()
            return {
                "held": held,
                "open_contexts": open_contexts,
                "alerts": alerts,
                "exceptions": exceptions,
                "staff": staff,
                "cpu_s": cpu_s,
                "open_s": open_s,
                "flows_s": flows_s,
                "slowest": max(took),
            }
        finally:
            await browser.close()


def test_fifty_enterprises_on_two_processes(two_servers, tmp_path):
    _url, engine, (a, b), folder = two_servers
    started = time.monotonic()
    people = h.enterprises(N, seed=2027)
    files, levels = [], []
    for i, answers in enumerate(people):
        path = tmp_path / f"answers-{i:02d}.json"
        path.write_bytes(h.answers_file(answers))
        files.append(path)
        levels.append(score_assessment(answers, h.qset()).cmmm.level)
    # Even-numbered enterprises use process A, odd-numbered ones process B.
    urls = [(a if i % 2 == 0 else b).url for i in range(N)]
    on_a, on_b = people[0], people[1]
    staff_checks = [
        (b.url, on_a["profile.name"], on_a["profile.credit_code"]),
        (a.url, on_b["profile.name"], on_b["profile.credit_code"]),
    ]

    run = asyncio.run(_drive(urls, files, levels, staff_checks, folder))
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
    assert len(rows) == N and len(by_code) == N
    lost = checked = 0
    for path in files:
        sent = json.loads(path.read_text(encoding="utf-8"))["answers"]
        row = by_code[sent["profile.credit_code"]]
        assert row.status == "submitted"
        checked += len(sent)
        lost += sum(1 for k, v in sent.items() if row.answers.get(k) != v)
        assert set(row.answers) == set(sent)
        assert row.id in scored and flat.get(row.id, 0) > 0
    assert lost == 0
    # Two processes refreshed the dashboard's rollup concurrently: it matches the scores.
    with transaction(engine) as conn:
        assert rollup.differences(conn) == []

    # Submitted through A, seen by staff on B; submitted through B, seen by staff on A.
    assert run["staff"] == [(str(N), True), (str(N), True)], run["staff"]

    for server in (a, b):
        assert h.server_errors(server.output()) == [], server.output()[-3000:]
    FIGURES.update(
        sessions_held=run["held"],
        submissions=len(rows),
        answers_checked=checked,
        answers_lost=lost,
        staff_cross_checks=len(run["staff"]),
        open_s=round(run["open_s"], 1),
        flows_s=round(run["flows_s"], 1),
        slowest_flow_s=round(run["slowest"], 1),
        total_s=round(time.monotonic() - started, 1),
        cpu_s=round(run["cpu_s"], 1),
        load_avg=round(os.getloadavg()[0], 1),
    )
    print("\nLOAD FIGURES", json.dumps(FIGURES))

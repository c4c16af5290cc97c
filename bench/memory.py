"""Peak memory of the app process with 100,000 assessments, after rendering the dashboard.

`streamlit run app.py` on a copy of the 100,000-assessment SQLite database; headless
Chromium signs in as staff (the session cookie the app reads) and opens the staff
dashboard; once the page has finished its run (headline figures drawn, script state
"notRunning"), the figure is VmHWM — the resident-set high-water mark — of the server
process from /proc/<pid>/status. While app.py has no route to the staff pages, the
dashboard page runs as bench/scripts/dashboard_app.py instead (the note says which).
Repeated in fresh processes; the median is reported.
"""

from __future__ import annotations

import shutil
import statistics
from pathlib import Path

from argon2 import PasswordHasher

from assessment.auth import COOKIE_NAME
from assessment.storage import Repository, make_engine
from bench import database
from bench.server import Streamlit, browser, settled
from bench.timing import Row, Target

NAME = "memory"
ROOT = Path(__file__).resolve().parent.parent
FALLBACK = Path(__file__).resolve().parent / "scripts" / "dashboard_app.py"
HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
TIMEOUT_MS = 300_000


def _dashboard_path() -> str | None:
    """The URL path of the staff dashboard in app.py's navigation, if it has one."""
    from ui import navigation

    spec = navigation.PAGES.get("dashboard") or next(
        (p for p in navigation.PAGES.values() if p.module == "ui.staff_dashboard"), None
    )
    return None if spec is None else spec.url_path


def _one(url: str, token: str, path: str | None) -> tuple[int, int, int]:
    """(VmHWM before the dashboard, VmHWM after, VmRSS after) in KiB, one fresh process."""
    from playwright.sync_api import sync_playwright

    script = ROOT / "app.py" if path is not None else FALLBACK
    env = {"DATABASE_URL": url, "BENCH_STAFF_TOKEN": token}
    server = Streamlit(script, env=env)
    try:
        before = server.status("VmHWM")
        with sync_playwright() as pw:
            chrome = browser(pw)
            try:
                context = chrome.new_context()
                context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": server.url}])
                page = context.new_page()
                page.goto(server.url + (path or ""), timeout=TIMEOUT_MS)
                page.locator('[data-testid="stMetric"]').first.wait_for(timeout=TIMEOUT_MS)
                settled(page, TIMEOUT_MS)
            finally:
                chrome.close()
        return before, server.status("VmHWM"), server.status("VmRSS")
    finally:
        server.close()


def run(ctx) -> list[Row]:
    """Peak RSS of the app process after the dashboard, median of fresh processes."""
    n = ctx.size(100_000)
    source = Path(database.sqlite_database(ctx, n).removeprefix("sqlite:///"))
    target = ctx.tmp / "memory.sqlite"
    shutil.copyfile(source, target)
    url = f"sqlite:///{target}"
    engine = make_engine(url)
    repo = Repository(engine, ctx.qset, hasher=HASHER)
    repo.add_user("bench-memory", "staff", "bench password 123")
    token = repo.authenticate("bench-memory", "bench password 123").token
    engine.dispose()
    path = _dashboard_path()
    runs = [_one(url, token, path) for _ in range(ctx.repeats)]
    hwm = statistics.median(r[1] for r in runs) / 1024
    base = statistics.median(r[0] for r in runs) / 1024
    rss = statistics.median(r[2] for r in runs) / 1024
    ctx.log(f"memory: VmHWM {hwm:.0f} MiB")
    how = f"app.py at /{path}" if path is not None else "bench/scripts/dashboard_app.py"
    return [
        Row(
            bench=NAME,
            what=f"peak memory of the app process, {n:,} assessments, after the dashboard",
            value=hwm,
            unit="MiB",
            target=Target("max", 500.0, "MiB"),
            repeats=len(runs),
            note=(
                f"VmHWM of `streamlit run` ({how}); {base:.0f} MiB when the server is up, "
                f"VmRSS {rss:.0f} MiB after the render"
            ),
            extra={"runs_kib": runs},
        )
    ]

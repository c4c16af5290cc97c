"""Peak memory of the app process with 100,000 assessments, after rendering the dashboard.

`streamlit run app.py` on a copy of the 100,000-assessment SQLite database with an active
peer model, as in production. Headless Chromium opens the landing page first: the process
then builds the peer index in the background (ui/peer_views.warm_peer_index); the harness
waits until the process is idle (it used under 2 % of a core for 3 s). Then it signs in as
staff (the session cookie the app reads) and opens the staff dashboard; once the page has
finished its run (headline figures drawn, script state "notRunning"), the figure is VmHWM
— the resident-set high-water mark — of the server process from /proc/<pid>/status, so
it covers the index build, the index held, and the dashboard. While app.py has no route to
the staff pages, the dashboard page runs as bench/scripts/dashboard_app.py instead (the
note says which). Repeated in fresh processes; the median is reported.
"""

from __future__ import annotations

import os
import statistics
import time
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


IDLE_CPU = 0.02  # share of one core below which the server counts as idle
IDLE_FOR = 3.0  # seconds
IDLE_WITHIN = 900.0  # seconds: the warm-up of a loaded machine, at most


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _wait_idle(pid: int) -> float:
    """Wait until the process is idle (its background warm-up done); returns the wait."""
    start = time.monotonic()
    while time.monotonic() - start < IDLE_WITHIN:
        before = _cpu_seconds(pid)
        time.sleep(IDLE_FOR)
        if _cpu_seconds(pid) - before < IDLE_CPU * IDLE_FOR:
            return time.monotonic() - start
    raise TimeoutError(f"the app process was still busy after {IDLE_WITHIN:.0f} s")


def _one(url: str, token: str, path: str | None) -> tuple[int, int, int, int, float]:
    """(VmHWM when up, VmHWM after the landing page and warm-up, VmHWM after the
    dashboard, VmRSS after it) in KiB, and the warm-up wait in s; one fresh process."""
    from playwright.sync_api import sync_playwright

    script = ROOT / "app.py" if path is not None else FALLBACK
    env = {"DATABASE_URL": url, "BENCH_STAFF_TOKEN": token}
    server = Streamlit(script, env=env)
    try:
        before = server.status("VmHWM")
        with sync_playwright() as pw:
            chrome = browser(pw)
            try:
                landing = chrome.new_context().new_page()
                landing.goto(server.url, timeout=TIMEOUT_MS)
                settled(landing, TIMEOUT_MS)
                waited = _wait_idle(server.proc.pid)
                warm = server.status("VmHWM")
                context = chrome.new_context()
                context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": server.url}])
                page = context.new_page()
                page.goto(server.url + (path or ""), timeout=TIMEOUT_MS)
                page.locator('[data-testid="stMetric"]').first.wait_for(timeout=TIMEOUT_MS)
                settled(page, TIMEOUT_MS)
            finally:
                chrome.close()
        return before, warm, server.status("VmHWM"), server.status("VmRSS"), waited
    finally:
        server.close()


def run(ctx) -> list[Row]:
    """Peak RSS of the app process after the dashboard, median of fresh processes."""
    n = ctx.size(100_000)
    url = database.with_peer_model(ctx, n, "memory")
    engine = make_engine(url)
    repo = Repository(engine, ctx.qset, hasher=HASHER)
    repo.add_user("bench-memory", "staff", "bench password 123")
    token = repo.authenticate("bench-memory", "bench password 123").token
    engine.dispose()
    path = _dashboard_path()
    runs = [_one(url, token, path) for _ in range(ctx.repeats)]
    base, warm, hwm, rss = (statistics.median(r[i] for r in runs) / 1024 for i in range(4))
    waited = statistics.median(r[4] for r in runs)
    ctx.log(f"memory: VmHWM {hwm:.0f} MiB (after the warm-up {warm:.0f} MiB)")
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
                f"VmHWM of `streamlit run` ({how}) with an active peer model; {base:.0f} MiB "
                f"when the server is up, {warm:.0f} MiB after the landing page and the peer "
                f"index warm-up ({waited:.0f} s until idle), VmRSS {rss:.0f} MiB after the "
                "dashboard"
            ),
            extra={"runs_kib": [r[:4] for r in runs], "warm_up_wait_s": [r[4] for r in runs]},
        )
    ]

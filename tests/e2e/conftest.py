"""Real-browser fixtures: the app under `streamlit run` on a free port, and Debian's Chromium.

Never runs `playwright install`: the browser is /usr/bin/chromium from the distribution.
Without it the tests skip with the reason (CI turns skips into failures).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench.server import CHROMIUM, Streamlit
from bench.server import browser as chromium

ROOT = Path(__file__).resolve().parents[2]

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


@pytest.fixture(scope="session")
def app_server(tmp_path_factory) -> Iterator[SimpleNamespace]:
    """The app served from a fresh, migrated SQLite database; stopped after the session."""
    from assessment.storage import open_database

    db = tmp_path_factory.mktemp("e2e") / "e2e.db"
    url = f"sqlite:///{db}"
    open_database(url, upgrade_schema=True).dispose()
    env = {"DATABASE_URL": url, "ASSESSMENT_QUESTIONNAIRES": None}  # the shipped questionnaires
    with Streamlit(ROOT / "app.py", env, log=db.parent / "streamlit.log", timeout=60) as server:
        yield SimpleNamespace(url=server.url, db_url=url)


@pytest.fixture(scope="session")
def app_url(app_server) -> str:
    return app_server.url


# Module scope, not session: a live sync_playwright() keeps its event loop marked running
# in the main thread, which breaks any later test that starts Playwright or asyncio.run().
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); e2e tests need it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = chromium(pw)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(
        # Tall enough that a screenshot shows a whole page (Streamlit scrolls inside).
        locale="zh-CN",
        viewport={"width": 1280, "height": 2200},
        accept_downloads=True,
    )
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


def shot(page, name: str) -> None:
    """Save a full-page screenshot under tests/e2e/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

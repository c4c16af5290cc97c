"""Staff sign-in and roles in a real browser (Chromium): the HttpOnly cookie, reload, sign-out,
throttling, and direct URLs that enterprise and advisor sessions cannot open.

The server runs tests/e2e/staff_entry.py: the cookie routes of server.py around a router that
lists every staff page for every session, so the refusals below come from the pages' own
server-side guard, not from a hidden menu entry.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

# Not `from conftest import`: unreliable when several test folders (each with a conftest.py)
# run in one session.
from bench.server import Streamlit

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "app"))
import staff_apphelpers as h  # noqa: E402

ENTRY = HERE / "staff_entry.py"
SCREENSHOTS = HERE / "screenshots"


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


DASHBOARD = "Provincial readiness dashboard"
SIGNED_OUT = "Your session has expired or you are signed out"
WRONG_ROLE = "This page is for"


@pytest.fixture(scope="module")
def staff_server(tmp_path_factory) -> Iterator[SimpleNamespace]:
    """The staff entry on a free port over a seeded SQLite database with three users."""
    from assessment.storage import open_database

    db = tmp_path_factory.mktemp("staff-e2e") / "staff.db"
    url = f"sqlite:///{db}"
    open_database(url, upgrade_schema=True).dispose()
    h.seed(url)
    repo = h.repo(url)
    for name, role in (("staff1", "staff"), ("adv1", "advisor"), ("throttle1", "staff")):
        repo.add_user(name, role, h.PASSWORD)
    env = {"DATABASE_URL": url, "ASSESSMENT_QUESTIONNAIRES": None}  # the shipped questionnaires
    with Streamlit(ENTRY, env, log=db.parent / "streamlit.log", timeout=60) as server:
        yield SimpleNamespace(url=server.url, db_url=url)


@pytest.fixture
def context(browser):
    ctx = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 1600})
    ctx.set_default_timeout(30_000)
    yield ctx
    ctx.close()


def sign_in(page, base: str, username: str, password: str = h.PASSWORD) -> None:
    page.goto(base)  # the sign-in page is the router's default page
    page.get_by_role("textbox", name="User name").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def session_cookie(context) -> dict | None:
    from assessment.auth import COOKIE_NAME

    return next((c for c in context.cookies() if c["name"] == COOKIE_NAME), None)


def wait_for_cookie(page, context) -> dict:
    for _ in range(40):
        cookie = session_cookie(context)
        if cookie and cookie["value"]:
            return cookie
        page.wait_for_timeout(250)
    raise AssertionError("the session cookie was never set")


def test_sign_in_survives_reload_and_sign_out_ends_it(staff_server, context):
    page = context.new_page()
    sign_in(page, staff_server.url, "staff1")
    page.get_by_text("Signed in as staff1").wait_for()
    cookie = wait_for_cookie(page, context)
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/" and cookie["expires"] > 0  # it expires
    token = cookie["value"]
    # Scripts cannot read it, and it never appears in a URL.
    assert token not in page.evaluate("document.cookie")
    page.goto(staff_server.url + "staff-dashboard")
    page.get_by_text(DASHBOARD).wait_for()
    assert token not in page.url
    page.reload()  # a new Streamlit session: only the cookie carries the sign-in
    page.get_by_text(DASHBOARD).wait_for()
    page.get_by_text("Mean CMMM level").wait_for()
    shot(page, "staff-dashboard")
    assert h.repo(staff_server.db_url).session_user(token).username == "staff1"
    page.goto(staff_server.url)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You are signed out.").wait_for()
    assert h.repo(staff_server.db_url).session_user(token) is None
    for _ in range(40):  # the cookie is cleared too
        if session_cookie(context) is None:
            break
        page.wait_for_timeout(250)
    assert session_cookie(context) is None
    page.goto(staff_server.url + "staff-dashboard")
    page.get_by_text(SIGNED_OUT).wait_for()
    assert page.get_by_text(DASHBOARD).count() == 0


@pytest.mark.parametrize("path", ["staff-dashboard", "staff-import", "staff-users"])
def test_enterprise_session_cannot_open_staff_pages_by_url(staff_server, context, path):
    page = context.new_page()
    page.goto(staff_server.url + path)
    page.get_by_text(SIGNED_OUT).wait_for()
    assert page.get_by_text(DASHBOARD).count() == 0
    assert page.get_by_role("button", name="Check the file").count() == 0


def test_advisor_session_cannot_open_staff_pages_by_url(staff_server, context):
    page = context.new_page()
    sign_in(page, staff_server.url, "adv1")
    page.get_by_text("Signed in as adv1").wait_for()
    wait_for_cookie(page, context)
    for path in ("staff-dashboard", "staff-cities", "staff-export"):
        page.goto(staff_server.url + path)
        page.get_by_text(WRONG_ROLE).wait_for()
        assert page.get_by_text(DASHBOARD).count() == 0
    shot(page, "staff-advisor-refused")


def failures(db_url: str) -> int:
    from sqlalchemy import func, select

    from assessment.storage import make_engine
    from assessment.storage.models import SignInFailure

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(SignInFailure)).scalar_one()
    finally:
        engine.dispose()


def test_repeated_failures_are_throttled(staff_server, context):
    page = context.new_page()
    page.goto(staff_server.url)
    for attempt in range(1, 6):
        page.get_by_role("textbox", name="User name").fill("throttle1")
        page.get_by_role("textbox", name="Password").fill(f"not the password {attempt}")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("The user name or password is wrong.").wait_for()
        for _ in range(40):  # each failure is recorded before the next try
            if failures(staff_server.db_url) == attempt:
                break
            page.wait_for_timeout(250)
        assert failures(staff_server.db_url) == attempt
    page.get_by_role("textbox", name="Password").fill(h.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Too many failed sign-ins").wait_for()
    assert session_cookie(context) is None


def test_server_entry_serves_the_app_with_the_cookie_routes(staff_server, browser, tmp_path):
    """server.py (the production entry) mounts the routes around app.py; no staff page leaks."""
    import urllib.error
    import urllib.request

    env = {"DATABASE_URL": staff_server.db_url, "ASSESSMENT_QUESTIONNAIRES": None}
    log = tmp_path / "server.log"
    with Streamlit(ROOT / "server.py", env, log=log, timeout=60) as server:
        request = urllib.request.Request(
            server.url + "staff-session", data=b"made-up", method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=10)
        assert err.value.code == 403  # the route exists and refuses an unknown code
        ctx = browser.new_context(locale="en-US")
        page = ctx.new_page()
        page.goto(server.url + "staff-dashboard")
        page.wait_for_timeout(3000)
        assert page.get_by_text(DASHBOARD).count() == 0
        assert page.get_by_text("Mean CMMM level").count() == 0
        ctx.close()

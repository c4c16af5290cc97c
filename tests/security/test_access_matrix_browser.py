"""The access-control matrix by direct URL in a real browser (Chromium), through the real
router and cookie routes (`streamlit run server.py`).

Each actor — nobody, enterprise A (with its resume code), enterprise B, advisor, staff,
admin — types every guarded URL into the address bar; a page it may not open must show
none of its content, whatever the menu hides. Resume links with A's code, B's code and a
made-up code show exactly that enterprise's results, or S408 and no one's.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "app"))
sys.path.insert(0, str(ROOT / "tests" / "load"))
import helpers as lh  # noqa: E402
import staff_apphelpers as sh  # noqa: E402

from assessment.storage import make_engine, upgrade  # noqa: E402

pytestmark = pytest.mark.e2e

# URL → (text only that page shows, roles allowed).
GUARDED = {
    "staff-dashboard": ("Provincial readiness dashboard", {"staff", "admin"}),
    "staff-import": ("Import assessments", {"staff", "admin"}),
    "staff-export": ("Export assessments", {"staff", "admin"}),
    "staff-users": ("Add a user", {"admin"}),
    "advisor": ("Peer comparison and diagnosis", {"advisor", "staff", "admin"}),
}
ACTORS = ("nobody", "A", "B", "advisor", "staff", "admin")
GUESS = "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"
NO_ASSESSMENT = "No assessment is open."
CHECKED: list[tuple[str, str]] = []


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not Path(lh.CHROMIUM).exists():
        pytest.skip(f"{lh.CHROMIUM} is missing (apt-get install chromium); e2e tests need it")
    folder = tmp_path_factory.mktemp("matrix-browser")
    url = f"sqlite:///{folder / 'site.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    sh.seed(url)
    repo = sh.repo(url)
    a_answers, b_answers = lh.enterprises(2, seed=43)
    written = {
        "A": lh.write_assessment(repo, a_answers, 2026),
        "B": lh.write_assessment(repo, b_answers, 2026),
    }
    names = {"A": a_answers["profile.name"], "B": b_answers["profile.name"]}
    for role in ("advisor", "staff", "admin"):
        repo.add_user(f"{role}1", role, sh.PASSWORD)
    server = lh.start_server(ROOT / "server.py", url, folder / "server.log")
    try:
        yield server, written, names
    finally:
        server.close()


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=lh.CHROMIUM, args=lh.CHROMIUM_ARGS)
        yield b
        b.close()


def settle(page) -> None:
    """Wait until the script run behind the last navigation has finished drawing."""
    page.get_by_test_id("stSidebar").wait_for()
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(700)


def actor_page(browser, site, actor: str):
    server, written, _ = site
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 1400})
    context.set_default_timeout(60_000)
    page = context.new_page()
    if actor in ("advisor", "staff", "admin"):
        page.goto(server.url + "sign-in")
        page.get_by_role("textbox", name="User name").fill(f"{actor}1")
        page.get_by_role("textbox", name="Password").fill(sh.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text(f"Signed in as {actor}1").wait_for()
        from assessment.auth import COOKIE_NAME

        for _ in range(40):  # the HttpOnly cookie carries the sign-in across page loads
            if any(c["name"] == COOKIE_NAME for c in context.cookies()):
                break
            page.wait_for_timeout(250)
    elif actor in ("A", "B"):
        page.goto(f"{server.url}results?resume={written[actor].resume_code}")
        settle(page)
    return context, page


@pytest.mark.parametrize("actor", ACTORS)
def test_direct_urls_by_actor(browser, site, actor):
    server, written, names = site
    context, page = actor_page(browser, site, actor)
    staff_session = actor in ("advisor", "staff", "admin")
    try:
        for path, (marker, allowed) in GUARDED.items():
            page.goto(server.url + path)
            settle(page)
            shown = page.get_by_text(marker, exact=True).count() > 0
            assert shown == (actor in allowed), (actor, path)
            assert page.get_by_test_id("stException").count() == 0
            if actor not in allowed and page.url.rstrip("/").endswith(path):
                # Refused in place (not sent to the role's own start page): no data drawn.
                for testid in ("stDataFrame", "stMetric", "stDownloadButton"):
                    assert page.get_by_test_id(testid).count() == 0, (actor, path, testid)
            CHECKED.append((actor, path))
        for link in ("A", "B", "guess"):
            code = GUESS if link == "guess" else written[link].resume_code
            page.goto(f"{server.url}results?resume={code}")
            if link in names and not staff_session:
                page.get_by_text(names[link]).first.wait_for()
            elif not staff_session:
                # The made-up code opens nothing (S408 is kept for the home page's field).
                page.get_by_text(NO_ASSESSMENT).first.wait_for()
            settle(page)
            body = page.get_by_test_id("stMain").inner_text()
            for who, name in names.items():
                # The code is the enterprise's credential: it opens that enterprise, and only
                # in an enterprise session; a staff session never opens enterprise pages.
                should = who == link and not staff_session
                assert (name in body) == should, (actor, link, who)
            assert page.get_by_test_id("stException").count() == 0
            CHECKED.append((actor, f"results?resume={link}"))
    finally:
        context.close()


def test_every_actor_and_url_was_checked():
    """Runs last in this module: the count that docs/security-figures.md reports."""
    expected = {(a, p) for a in ACTORS for p in GUARDED}
    expected |= {(a, f"results?resume={x}") for a in ACTORS for x in ("A", "B", "guess")}
    assert set(CHECKED) == expected, sorted(expected - set(CHECKED))
    print(f"\nBROWSER MATRIX {len(ACTORS)} actors x {len(expected) // len(ACTORS)} URLs")

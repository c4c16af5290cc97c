"""The access-control matrix under AppTest: every page × every actor, plus the data functions.

Actors: an enterprise with its own resume code (`own`), a different enterprise (`other`),
someone with a made-up code (`guess`), nobody, and signed-in advisor, staff and admin users.
Each page is opened the way a direct URL opens it — the page's own module, run after the
router's role and `?resume=` handling — so what is refused here is refused by the page's
server-side check, not hidden by the menu. Besides the refusal code, everything the server
sends (every element's protobuf, chart data and tables included) is searched for the credit
codes and names of enterprises the actor must not see.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "app"))
sys.path.insert(0, str(ROOT / "tests" / "load"))
import helpers as lh  # noqa: E402
import staff_apphelpers as sh  # noqa: E402

from assessment import peers  # noqa: E402
from assessment.errors import AssessmentError  # noqa: E402
from assessment.peer_service import PeerService  # noqa: E402
from assessment.storage import make_engine, upgrade  # noqa: E402
from assessment.storage.db import transaction  # noqa: E402
from assessment.storage.models import Assessment  # noqa: E402

PAGES = (
    "landing",
    "wizard",
    "review",
    "results",
    "staff_signin",
    "advisor",
    "staff_dashboard",
    "staff_cities",
    "staff_cases",
    "staff_import",
    "staff_export",
    "staff_quality",
    "staff_peers",
    "staff_users",
)
ACTORS = ("own", "other", "guess", "nobody", "advisor", "staff", "admin")
SIGNED_IN = {"advisor", "staff", "admin"}
STAFF_ONLY = {
    "staff_dashboard",
    "staff_cities",
    "staff_cases",
    "staff_import",
    "staff_export",
    "staff_quality",
    "staff_peers",
}
ENTERPRISE_PAGES = {"landing", "wizard", "review", "results"}
GUESS = "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"
# Elements that carry data; a refused page draws none of them.
DATA_ELEMENTS = ("dataframe", "table", "metric", "vega_lite_chart", "download_button", "code")


def expected(page: str, actor: str) -> str:
    """The outcome the policy asks for (docs/staff.md, docs/app.md): 'ok' or the refusal code."""
    if page in STAFF_ONLY:
        allowed, roles = {"staff", "admin"}, SIGNED_IN
    elif page == "staff_users":
        allowed, roles = {"admin"}, SIGNED_IN
    elif page == "advisor":
        allowed, roles = SIGNED_IN, SIGNED_IN
    else:
        return "ok"
    if actor in allowed:
        return "ok"
    return "U504" if actor in roles else "U503"


SCRIPT = """
from ui import actions, auth, layout
from ui.navigation import guarded
from ui import {module} as page
if auth.sync_role() == "enterprise":
    layout.remember_resume_error(actions.restore_from_url())
guarded(page.render)()
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A seeded SQLite database: the demo population, enterprises A and B, a peer model, users."""
    folder = tmp_path_factory.mktemp("matrix")
    url = f"sqlite:///{folder / 'matrix.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    sh.seed(url)
    repo = sh.repo(url)
    a_answers, b_answers = lh.enterprises(2, seed=41)
    a = lh.write_assessment(repo, a_answers, 2026)
    b = lh.write_assessment(repo, b_answers, 2026)
    model = peers.fit_peer_model(
        repo.scores_frame(latest=True, flat=True), sh.qset(), k_range=(3, 4)
    )
    path = peers.save_model(model, folder)
    repo.register_peer_model(model.version, str(path), dict(model.metadata))
    repo.activate_peer_model(model.version)
    tokens = {role: sh.user_token(url, role, f"{role}1") for role in sorted(SIGNED_IN)}
    population = {
        (row.answers["profile.name"], row.answers["profile.credit_code"]) for row in sh.demo_rows()
    }
    ident = {
        "A": (a_answers["profile.name"], a_answers["profile.credit_code"]),
        "B": (b_answers["profile.name"], b_answers["profile.credit_code"]),
    }
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", url)
        mp.delenv("ASSESSMENT_QUESTIONNAIRES", raising=False)
        yield {
            "url": url,
            "repo": repo,
            "A": a,
            "B": b,
            "ident": ident,
            "population": population,
            "tokens": tokens,
        }


def open_page(world, page: str, actor: str) -> AppTest:
    from ui.navigation import PAGES as REGISTERED

    module = REGISTERED[page].module.split(".", 1)[1]
    at = AppTest.from_string(SCRIPT.format(module=module), default_timeout=120)
    at.session_state["lang"] = "en"
    at.session_state["dash:tab"] = "Assessments"  # the dashboard tab that names enterprises
    if actor in SIGNED_IN:
        at.session_state["staff_token"] = world["tokens"][actor]
    elif actor in ("own", "other"):
        at.query_params["resume"] = world["A" if actor == "own" else "B"].resume_code
    elif actor == "guess":
        at.query_params["resume"] = GUESS
    return at.run()


def _nodes(node):
    yield node
    for key in sorted(getattr(node, "children", None) or {}):
        yield from _nodes(node.children[key])


def sent_bytes(at: AppTest) -> bytes:
    """Everything the page sends to the browser: each element's serialized protobuf."""
    out = bytearray()
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "SerializeToString"):
            out += proto.SerializeToString()
    return bytes(out)


def shows(blob: bytes, ident: tuple[str, str]) -> bool:
    name, code = ident
    return name.encode() in blob or code.encode() in blob


def outcome(at: AppTest) -> str:
    refusals = [c for c in sh.error_codes(at) if c in ("U503", "U504")]
    return refusals[0] if refusals else "ok"


CELLS = [(page, actor) for page in PAGES for actor in ACTORS]


@pytest.mark.parametrize(("page", "actor"), CELLS, ids=[f"{p}-{a}" for p, a in CELLS])
def test_each_actor_gets_exactly_what_it_should(world, page, actor):
    at = open_page(world, page, actor)
    assert not at.exception, at.exception
    want = expected(page, actor)
    assert outcome(at) == want
    blob = sent_bytes(at)
    if want != "ok":
        # Stopped before any data was read: no table, figure, chart, download or code.
        for kind in DATA_ELEMENTS:
            assert not at.get(kind), (kind, "drawn on a refused page")
        assert not any(shows(blob, who) for who in world["population"])
    if page in ENTERPRISE_PAGES or want != "ok" or actor not in ("staff", "admin"):
        # Only staff pages for staff may name enterprises; an enterprise page names only
        # the session's own enterprise; nobody else's code or name is ever sent.
        own = {"own": "A", "other": "B"}.get(actor)
        for label in ("A", "B"):
            if label != own and not (page == "advisor" and actor in SIGNED_IN):
                assert not shows(blob, world["ident"][label]), f"{label} leaked to {actor}"
        if page in ENTERPRISE_PAGES:
            assert not any(shows(blob, who) for who in world["population"])
    if page == "results" and actor in ("own", "other"):
        assert shows(blob, world["ident"]["A" if actor == "own" else "B"])  # its own results
    if page == "staff_dashboard" and want == "ok":
        # The scan sees table data: staff do get the enterprises' names in the dashboard.
        assert any(shows(blob, who) for who in [*world["population"], *world["ident"].values()])
    if page == "landing" and actor == "guess":
        assert "S408" in sh.error_codes(at)  # the made-up code is refused, beside the field


def role_pages() -> dict[str, tuple[str, ...]]:
    """The menus app.py builds: ui/navigation's ROLE_PAGES."""
    from ui.navigation import ROLE_PAGES

    return dict(ROLE_PAGES)


def test_the_matrix_covers_every_registered_page_and_role():
    from ui.navigation import PAGES as REGISTERED

    assert set(PAGES) == set(REGISTERED)
    assert set(role_pages()) == {"enterprise", *SIGNED_IN}


@pytest.mark.parametrize(
    ("role", "menu"),
    [
        ("enterprise", {"landing", "wizard", "review", "results", "staff_signin"}),
        ("advisor", {"advisor", "staff_signin"}),
        ("staff", {"advisor", "staff_signin", *STAFF_ONLY}),
        ("admin", {"advisor", "staff_signin", "staff_users", *STAFF_ONLY}),
    ],
)
def test_the_menu_of_each_role(role, menu):
    assert set(role_pages()[role]) == menu


# --- data functions: the library calls a page makes on behalf of an actor -----------------------


@pytest.mark.parametrize(
    ("variant", "opens"),
    [
        ("exact", "A"),
        ("lower", "A"),
        ("no dashes", "A"),
        ("other", "B"),
        ("guess", None),
        ("one char changed", None),
        ("empty", None),
    ],
)
def test_resume_opens_only_the_assessment_of_that_code(world, variant, opens):
    a_code = world["A"].resume_code
    code = {
        "exact": a_code,
        "lower": a_code.lower(),
        "no dashes": a_code.replace("-", ""),
        "other": world["B"].resume_code,
        "guess": GUESS,
        "one char changed": ("A" if a_code[0] != "A" else "B") + a_code[1:],
        "empty": "",
    }[variant]
    repo = world["repo"]
    if opens is None:
        with pytest.raises(AssessmentError) as err:
            repo.resume(code)
        assert err.value.code == "S408"
        return
    record = repo.resume(code)
    assert record.id == world[opens].assessment_id
    assert record.answers["profile.credit_code"] == world["ident"][opens][1]


def test_an_expired_resume_code_opens_nothing(world, tmp_path):
    repo = world["repo"]
    extra = lh.write_assessment(repo, lh.enterprises(3, seed=41)[2], 2026, submit=False)
    from datetime import UTC, datetime, timedelta

    with transaction(repo.engine, write=True) as conn:
        conn.execute(
            update(Assessment)
            .where(Assessment.id == extra.assessment_id)
            .values(resume_expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    with pytest.raises(AssessmentError) as err:
        repo.resume(extra.resume_code)
    assert err.value.code == "S408"


def test_an_enterprise_session_cannot_write_into_another_assessment(world):
    """Every enterprise write goes to the session's own assessment: B's session saving
    leaves A's answers untouched (the pages pass no assessment id from the browser)."""
    at = open_page(world, "review", "other")
    cur = at.session_state["current"]
    assert cur.assessment_id == world["B"].assessment_id
    assert cur.enterprise_id == world["B"].enterprise_id
    a = world["repo"].resume(world["A"].resume_code)
    history = world["repo"].history(cur.enterprise_id)
    assert {r.id for r in history} == {world["B"].assessment_id}
    assert a.id not in {r.id for r in history}


def test_peer_views_for_enterprises_carry_no_identities(world):
    service = PeerService(world["repo"], sh.qset())
    bench = service.benchmark_for(world["A"].assessment_id)
    blob = repr(bench).encode()
    everyone = [*world["population"], world["ident"]["A"], world["ident"]["B"]]
    assert not any(shows(blob, who) for who in everyone)
    near = service.nearest(world["A"].assessment_id, k=10)
    assert near and all(p.name is None and p.credit_code is None for p in near)


@pytest.mark.parametrize("actor", ["own", "nobody", "advisor"])
def test_the_export_is_staff_only(world, actor):
    at = open_page(world, "staff_export", actor)
    assert outcome(at) in ("U503", "U504")
    assert not at.get("download_button")

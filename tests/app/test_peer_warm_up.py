"""The peer index is built in the background from the first page an app process serves, so
the first results page finds it ready; a results page that comes while it is still being
built waits for that build instead of starting another; without a model or without
submissions the app runs as before.

Each test starts as a fresh process would: Streamlit's caches cleared. A spy around
`PeerService._build` records which thread built an index (the real build still runs).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest
import streamlit as st
from apphelpers import new_app
from streamlit.testing.v1 import AppTest

import assessment
from assessment import demo, peers, spreadsheets
from assessment.peer_service import PeerService
from assessment.reference import uscc_check_char
from assessment.storage import Repository, make_engine, upgrade

N = 40  # demo enterprises: enough to fit a model on (peers.MIN_FIT = 30)
WARM_UP = "peer-index-warm-up"  # the warm-up thread's name (ui/peer_views.py)
WAIT = 120  # seconds a test waits for a thread before it fails


def results_script() -> None:
    # Runs inside AppTest: the results page through the router's boundary.
    from ui.navigation import guarded
    from ui.results import render

    guarded(render)()


def submit_one(repo: Repository, qset, answers: dict) -> object:
    """An assessment submitted through the wizard's storage calls; its session state."""
    from ui.session import Current

    profile, *sections = [s for q in qset.questionnaires for s in q.sections]
    own = {item.id for item in profile.items}
    draft = repo.create_draft({k: v for k, v in answers.items() if k in own}, 2026)
    version = draft.version
    for section in sections:
        own = {item.id for item in section.items}
        given = {k: v for k, v in answers.items() if k in own}
        version = repo.save_section(draft.assessment_id, section.id, given, version)
    repo.submit(draft.assessment_id, version)
    return Current(
        draft.assessment_id,
        draft.enterprise_id,
        draft.resume_code,
        version + 1,
        status="submitted",
        year=2026,
    )


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A database with N submitted enterprises, an active model, and one more enterprise
    submitted through the wizard's path (its session state opens the results page)."""
    folder = tmp_path_factory.mktemp("warm_up")
    url = f"sqlite:///{folder / 'peers.db'}"
    qset = assessment.load_questionnaires()
    engine = make_engine(url)
    upgrade(engine)
    population = demo.generate(qset, N, seed=5)
    rows = spreadsheets.prepared_rows([(p.year, p.answers) for p in population], qset)
    spreadsheets.commit(engine, qset, rows, actor="test-seed")
    repo = Repository(engine, qset)
    model = peers.fit_peer_model(repo.scores_frame(latest=True, flat=True), qset, k_range=(3, 4))
    path = peers.save_model(model, folder)
    repo.register_peer_model(model.version, str(path), dict(model.metadata))
    body = "91140100MA0W00001"
    answers = dict(demo.generate(qset, 1, seed=99)[-1].answers)
    answers["profile.credit_code"] = body + uscc_check_char(body)  # a new enterprise
    current = submit_one(repo, qset, answers)
    yield url, current, path, model
    engine.dispose()


@pytest.fixture(autouse=True)
def fresh_process():
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def env(seeded, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", seeded[0])
    monkeypatch.delenv("ASSESSMENT_QUESTIONNAIRES", raising=False)
    return seeded


@dataclass
class Builds:
    """Names of the threads that built an index; `gate` holds every build until it is set."""

    names: list[str] = field(default_factory=list)
    started: threading.Event = field(default_factory=threading.Event)
    gate: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def builds(monkeypatch) -> Builds:
    seen = Builds()
    seen.gate.set()
    real = PeerService._build

    def spy(self, previous=None):
        seen.names.append(threading.current_thread().name)
        seen.started.set()
        assert seen.gate.wait(WAIT), "the test never let the build go on"
        return real(self, previous)

    monkeypatch.setattr(PeerService, "_build", spy)
    return seen


def warm_up_thread() -> threading.Thread:
    """The warm-up thread the first page started (the cached one: no new thread)."""
    from ui.peer_views import warm_peer_index

    return warm_peer_index()


def landing() -> AppTest:
    at = new_app("en").run()
    assert not at.exception, at.exception
    return at


def results_page(current) -> AppTest:
    at = AppTest.from_function(results_script, default_timeout=WAIT)
    at.session_state["lang"] = "en"
    at.session_state["current"] = current
    at.session_state["answers"] = {}
    return at


def benchmark_drawn(at: AppTest) -> bool:
    """The results page drew the peer benchmark (not the "not available yet" note)."""
    from assessment.texts import text

    unavailable = text("peers.unavailable", "en")
    assert not at.exception, at.exception
    return not any(unavailable in str(i.value) for i in at.info) and bool(at.metric)


def test_first_page_builds_the_index_that_the_results_page_uses(env, builds):
    landing()
    assert builds.started.wait(WAIT)  # started by the page, not by this test
    thread = warm_up_thread()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert builds.names == [WARM_UP]
    at = results_page(env[1]).run()
    assert benchmark_drawn(at)
    assert builds.names == [WARM_UP]  # the results page built nothing itself


def test_results_page_waits_for_a_warm_up_under_way(env, builds):
    builds.gate.clear()
    landing()
    assert builds.started.wait(WAIT)  # the warm-up is inside its build, held there
    at = results_page(env[1])
    page = threading.Thread(target=at.run)
    page.start()
    page.join(1.0)
    assert page.is_alive()  # waiting for the warm-up's build
    assert builds.names == [WARM_UP]
    builds.gate.set()
    page.join(WAIT)
    warm_up_thread().join(WAIT)
    assert not page.is_alive()
    assert builds.names == [WARM_UP]  # one build, not two
    assert benchmark_drawn(at)


def test_without_a_peer_model_the_app_runs_and_nothing_is_built(db_url, builds):
    at = landing()
    thread = warm_up_thread()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert builds.names == []
    assert not at.run().exception  # later runs go on as before


def test_a_model_without_submissions_does_not_stop_the_app(seeded, db_url, builds):
    # An active model, but nothing submitted in this database: the build finds no one.
    _, _, path, model = seeded
    Repository(make_engine(db_url)).register_peer_model(
        model.version, str(path), dict(model.metadata)
    )
    at = landing()
    thread = warm_up_thread()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert builds.names == [WARM_UP]  # tried, found no submissions (M603), logged
    assert not at.run().exception

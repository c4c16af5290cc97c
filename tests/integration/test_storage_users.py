"""Users, sessions, throttling, notes, typical cases, audit log and peer-model registry."""

from __future__ import annotations

import pytest
from answers_factory import profile_answers
from sqlalchemy import select

from assessment.errors import AssessmentError
from assessment.storage.models import LoginSession, SignInFailure
from assessment.storage.models import User as UserRow
from assessment.storage.users import token_hash

PASSWORD = "correct horse battery"


@pytest.fixture
def alice(repo):
    return repo.add_user("alice", "staff", PASSWORD)


def codes(err: pytest.ExceptionInfo) -> list[str]:
    return err.value.codes


# --- accounts ----------------------------------------------------------------------


def test_add_and_list_users(repo, engine):
    repo.add_user("zoe", "admin", PASSWORD)
    repo.add_user("bob", "advisor", PASSWORD)
    users = repo.list_users()
    assert [(u.username, u.role, u.disabled) for u in users] == [
        ("bob", "advisor", False),
        ("zoe", "admin", False),
    ]
    with engine.connect() as conn:
        stored = conn.execute(select(UserRow.password_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in stored)


@pytest.mark.parametrize(
    ("username", "role", "password", "code"),
    [
        ("alice", "staff", PASSWORD, "U505"),
        ("carol", "root", PASSWORD, "U506"),
        ("carol", "staff", "short", "U507"),
        ("carol", "staff", "123456789", "U507"),
        ("  ", "staff", PASSWORD, "A205"),
        ("two words", "staff", PASSWORD, "A207"),
        ("x" * 65, "staff", PASSWORD, "A207"),
    ],
)
def test_add_user_refusals(repo, alice, username, role, password, code):
    with pytest.raises(AssessmentError) as err:
        repo.add_user(username, role, password)
    assert codes(err) == [code]
    assert [u.username for u in repo.list_users()] == ["alice"]


def test_get_user(repo, alice):
    assert repo.get_user("alice") == alice
    with pytest.raises(AssessmentError) as err:
        repo.get_user("nobody")
    assert codes(err) == ["S406"]


# --- sign-in and sessions ------------------------------------------------------------


def test_sign_in_gives_a_session_whose_token_is_stored_hashed(repo, alice, engine):
    session = repo.authenticate("alice", PASSWORD, source="10.0.0.1")
    assert session.user == alice
    assert repo.session_user(session.token) == alice
    with engine.connect() as conn:
        stored = conn.execute(select(LoginSession.token_hash)).scalar_one()
    assert stored == token_hash(session.token) != session.token
    assert repo.audit_log(action="sign_in")[0].actor == "alice"


@pytest.mark.parametrize(("username", "password"), [("alice", "wrong password"), ("eve", PASSWORD)])
def test_wrong_password_and_unknown_user_look_the_same(repo, alice, username, password):
    with pytest.raises(AssessmentError) as err:
        repo.authenticate(username, password)
    assert codes(err) == ["U501"]


def test_session_expires(repo, alice, clock):
    session = repo.authenticate("alice", PASSWORD)
    clock.advance(hours=11)
    assert repo.session_user(session.token) == alice
    clock.advance(hours=2)
    assert repo.session_user(session.token) is None


def test_session_last_seen_is_updated(repo, alice, clock, engine):
    session = repo.authenticate("alice", PASSWORD)
    clock.advance(minutes=5)
    repo.session_user(session.token)
    with engine.connect() as conn:
        seen = conn.execute(select(LoginSession.last_seen_at)).scalar_one()
    assert seen == clock.now


@pytest.mark.parametrize("token", ["", "not-a-token"])
def test_unknown_session(repo, alice, token):
    assert repo.session_user(token) is None


def test_sign_out(repo, alice):
    session = repo.authenticate("alice", PASSWORD)
    repo.sign_out(session.token)
    assert repo.session_user(session.token) is None
    repo.sign_out(session.token)  # twice is fine


def test_disabled_user_cannot_sign_in_and_loses_sessions(repo, alice):
    session = repo.authenticate("alice", PASSWORD)
    assert repo.disable_user("alice", actor="admin").disabled
    assert repo.session_user(session.token) is None
    with pytest.raises(AssessmentError) as err:
        repo.authenticate("alice", PASSWORD)
    assert codes(err) == ["U501"]
    with pytest.raises(AssessmentError) as err:
        repo.disable_user("nobody")
    assert codes(err) == ["S406"]


def test_five_failures_for_a_user_throttle_sign_in(repo, alice, clock):
    for _ in range(5):
        with pytest.raises(AssessmentError) as err:
            repo.authenticate("alice", "wrong password")
        assert codes(err) == ["U501"]
        clock.advance(seconds=10)
    # Even the right password is refused while throttled.
    with pytest.raises(AssessmentError) as err:
        repo.authenticate("alice", PASSWORD)
    assert codes(err) == ["U502"]
    assert err.value.problems[0].params["seconds"] == 15 * 60 - 50
    clock.advance(seconds=15 * 60 - 50)
    assert repo.authenticate("alice", PASSWORD).user == alice


def test_five_failures_from_a_source_throttle_every_user(repo, alice, clock):
    repo.add_user("bob", "advisor", PASSWORD)
    for name in ("u1", "u2", "u3", "u4", "u5"):
        with pytest.raises(AssessmentError):
            repo.authenticate(name, "wrong password", source="203.0.113.9")
    with pytest.raises(AssessmentError) as err:
        repo.authenticate("bob", PASSWORD, source="203.0.113.9")
    assert codes(err) == ["U502"]
    assert repo.authenticate("bob", PASSWORD, source="198.51.100.1").user.username == "bob"


def test_success_clears_the_failures_of_that_user(repo, alice, engine, clock):
    for _ in range(4):
        with pytest.raises(AssessmentError):
            repo.authenticate("alice", "wrong password")
    repo.authenticate("alice", PASSWORD)
    with engine.connect() as conn:
        assert conn.execute(select(SignInFailure)).all() == []


def test_purge_expired(repo, alice, clock):
    session = repo.authenticate("alice", PASSWORD)
    with pytest.raises(AssessmentError):
        repo.authenticate("alice", "wrong password")
    assert repo.purge_expired() == 0
    clock.advance(days=1)
    assert repo.purge_expired() == 2
    assert repo.session_user(session.token) is None


# --- notes, typical cases, audit ---------------------------------------------------------


@pytest.fixture
def draft(repo, qset):
    return repo.create_draft(profile_answers(qset, 1, "profile.basic"), 2026)


def test_notes(repo, draft, clock):
    repo.add_note(draft.assessment_id, "bob", "需要加强能源计量")
    clock.advance(minutes=1)
    repo.add_note(draft.assessment_id, "bob", "Second visit")
    notes = repo.notes_for(draft.assessment_id)
    assert [n.body for n in notes] == ["需要加强能源计量", "Second visit"]
    assert repo.notes_for(draft.assessment_id + 1) == []
    with pytest.raises(AssessmentError) as err:
        repo.add_note(999, "bob", "x")
    assert codes(err) == ["S406"]


def test_typical_cases(repo, draft, clock):
    case = repo.mark_typical_case(draft.assessment_id, "carol", "good MES rollout")
    assert (case.note, case.marked_by, case.year) == ("good MES rollout", "carol", 2026)
    clock.advance(minutes=1)
    again = repo.mark_typical_case(draft.assessment_id, "dave", "updated")
    assert [c.note for c in repo.typical_cases()] == ["updated"]
    assert again.marked_at > case.marked_at
    assert repo.unmark_typical_case(draft.assessment_id, "dave") is True
    assert repo.unmark_typical_case(draft.assessment_id, "dave") is False
    assert repo.typical_cases() == []
    with pytest.raises(AssessmentError) as err:
        repo.mark_typical_case(999, "carol")
    assert codes(err) == ["S406"]
    actions = [e.action for e in repo.audit_log(target_id=draft.assessment_id)]
    assert actions[:3] == ["unmark_typical_case", "mark_typical_case", "mark_typical_case"]


def test_audit_log_filters(repo, clock):
    repo.audit("carol", "export", "database", None, {"rows": 3})
    clock.advance(seconds=1)
    since = clock.now
    repo.audit("dave", "view", "assessment", 7)
    assert [e.actor for e in repo.audit_log()] == ["dave", "carol"]
    assert [e.action for e in repo.audit_log(actor="carol")] == ["export"]
    assert repo.audit_log(actor="carol")[0].detail == {"rows": 3}
    assert [e.actor for e in repo.audit_log(since=since)] == ["dave"]
    assert repo.audit_log(target_type="assessment", target_id=7)[0].target_id == "7"
    assert len(repo.audit_log(limit=1)) == 1


# --- peer-model registry -----------------------------------------------------------------


def test_peer_model_registry_keeps_exactly_one_active(repo, clock):
    assert repo.active_peer_model() is None
    first = repo.register_peer_model("2026.1", "models/a.joblib", {"k": 4}, activate=False)
    assert first.active  # the first model is active even when not asked
    clock.advance(seconds=1)
    repo.register_peer_model("2026.2", "models/b.joblib", {"k": 5}, activate=False)
    assert repo.active_peer_model().version == "2026.1"
    clock.advance(seconds=1)
    repo.register_peer_model("2026.3", "models/c.joblib", {"k": 6})
    assert repo.active_peer_model().metadata == {"k": 6}
    repo.activate_peer_model("2026.2")
    models = repo.list_peer_models()
    assert [m.version for m in models] == ["2026.3", "2026.2", "2026.1"]
    assert [m.version for m in models if m.active] == ["2026.2"]


def test_peer_model_registry_refusals(repo):
    repo.register_peer_model("v1", "models/a.joblib", {})
    with pytest.raises(AssessmentError) as err:
        repo.register_peer_model("v1", "models/b.joblib", {})
    assert codes(err) == ["S413"]
    with pytest.raises(AssessmentError) as err:
        repo.activate_peer_model("v9")
    assert codes(err) == ["S406"]
    assert [m.path for m in repo.list_peer_models()] == ["models/a.joblib"]


def test_the_database_itself_refuses_two_active_models(repo, engine):
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from assessment.storage.models import PeerModel

    repo.register_peer_model("v1", "a", {})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            insert(PeerModel).values(
                {
                    PeerModel.version: "v2",
                    PeerModel.path: "b",
                    PeerModel.meta: {},
                    PeerModel.created_at: repo.now(),
                    PeerModel.active: True,
                }
            )
        )


def test_long_free_text_is_stored_on_every_backend(repo, clock):
    long = "很长的名字" * 100
    with pytest.raises(AssessmentError) as err:
        repo.authenticate(long, "wrong password", source="s" * 300)
    assert codes(err) == ["U501"]
    model = repo.register_peer_model("v" * 300, "/p" * 300, {})
    assert model.version == "v" * 300
    # Issue 14: what was typed as an unknown name is not stored (it may be a password).
    failed = repo.audit_log(action="sign_in_failed")[0]
    assert failed.actor == "anonymous" and long not in repr(failed)

"""The staff page that refits and activates peer-group models."""

from __future__ import annotations

import staff_apphelpers as h


def test_refit_creates_an_active_version_and_keeps_the_old_one(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSESSMENT_MODELS_DIR", str(tmp_path / "models"))
    h.seed(db_url)
    # Issue 14 (item 7): refitting is for admins; this test used a staff account.
    token = h.user_token(db_url, "admin", "li.admin")
    at = h.page("staff_peers", "en", token)
    at.run()
    assert not at.exception
    assert any("no active peer-group model" in str(w.value) for w in at.warning)
    at.button(key="peers_admin:refit").click().run()
    assert not at.exception
    assert any("made active" in str(x.value) for x in at.success)
    first = h.repo(db_url).active_peer_model()
    assert first is not None and first.metadata["n"] >= 30
    assert any((tmp_path / "models").glob("peers-*.json"))
    # A second fit is a new version; the first is kept and can be re-activated.
    at.button(key="peers_admin:refit").click().run()
    records = h.repo(db_url).list_peer_models()
    assert len(records) == 2 and sum(r.active for r in records) == 1
    assert at.selectbox(key="peers_admin:choice").value == first.version
    at.button(key="peers_admin:activate").click().run()
    assert h.repo(db_url).active_peer_model().version == first.version
    audit = [e.action for e in h.repo(db_url).audit_log()]
    assert audit.count("register_peer_model") >= 2 or "activate_peer_model" in audit


def test_too_few_assessments_is_a_message_not_a_crash(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSESSMENT_MODELS_DIR", str(tmp_path / "models"))
    token = h.user_token(db_url, "admin")
    at = h.page("staff_peers", "zh", token)
    at.run()
    at.button(key="peers_admin:refit").click().run()
    assert not at.exception
    assert any("M603" in str(e.value) or "不足" in str(e.value) for e in at.error)
    assert h.repo(db_url).list_peer_models() == []

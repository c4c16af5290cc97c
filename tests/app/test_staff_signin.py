"""Sign-in through the page: success, wrong password, throttling, sign-out ending the session."""

from __future__ import annotations

import staff_apphelpers as h

from assessment import auth as core_auth
from ui import auth


def sign_in(at, username: str, password: str):
    at.text_input(key="staff_username").input(username)
    at.text_input(key="staff_password").input(password)
    at.button[0].click().run()
    return at


def test_sign_in_then_sign_out(db_url):
    h.repo(db_url).add_user("li.staff", "staff", h.PASSWORD)
    at = h.page("staff_signin", "en")
    at.run()
    assert at.text_input(key="staff_password").proto.type == 1  # a password field
    sign_in(at, "li.staff", h.PASSWORD)
    assert not at.exception
    assert any("Signed in as li.staff" in str(x.value) for x in at.success)
    token = at.session_state[auth.TOKEN_KEY]
    assert at.session_state["role"] == "staff"
    assert h.repo(db_url).session_user(token).username == "li.staff"
    # The page queued the cookie: a one-time code for the /staff-session route, not the token.
    scripts = "\n".join(x.proto.body for x in at.get("html"))
    assert "/staff-session" in scripts and token not in scripts
    # A staff page opens in the same session.
    dash = h.page("staff_dashboard", "en", token)
    dash.run()
    assert h.error_codes(dash) == []
    at.button(key="staff_sign_out").click().run()
    assert h.repo(db_url).session_user(token) is None  # ended in the database
    assert at.session_state["role"] == "enterprise"
    assert any("signed out" in str(x.value) for x in at.info)
    scripts = "\n".join(x.proto.body for x in at.get("html"))
    assert "/staff-session/end" in scripts
    dash.run()
    assert h.error_codes(dash) == ["U503"]


def test_wrong_password_and_throttling(db_url):
    h.repo(db_url).add_user("wang.staff", "staff", h.PASSWORD)
    at = h.page("staff_signin", "en")
    at.run()
    for _ in range(5):
        sign_in(at, "wang.staff", "wrong password!")
        assert h.error_codes(at) == ["U501"]
    # The sixth try is refused before the password is even checked, right or not.
    sign_in(at, "wang.staff", h.PASSWORD)
    assert h.error_codes(at) == ["U502"]
    assert auth.TOKEN_KEY not in at.session_state


def test_empty_form_asks_for_both_fields(db_url):
    at = h.page("staff_signin", "zh")
    at.run()
    at.button[0].click().run()
    assert [str(e.value) for e in at.error] == ["请输入用户名和密码。"]


def test_cookie_token_is_used_when_the_tab_has_none(db_url, monkeypatch):
    # After a reload the new session has only the browser's cookie: it must sign in from it.
    token = h.user_token(db_url, "staff", "zhao.staff")
    monkeypatch.setattr(auth, "_cookie_token", lambda: token)
    at = h.page("staff_dashboard", "en")
    at.run()
    assert h.error_codes(at) == []
    assert core_auth.COOKIE_NAME == "sx_staff_session"

"""Staff sign-in for the Streamlit pages: who is signed in, the role guard, sign-in and -out.

The session token is the only credential. It is kept server-side in `st.session_state` for
the current browser tab and, so that a reload keeps the sign-in, in an HttpOnly cookie set
by the `/staff-session` route (ui/auth_http.py, served when the app runs through server.py).
Every run re-validates the token against the database (`Repository.session_user`), so an
expired, signed-out or disabled session stops working at once. docs/staff.md has the why.
"""

from __future__ import annotations

import json
from typing import cast

import streamlit as st

from assessment.auth import COOKIE_NAME, HANDOFFS, check_role
from assessment.errors import AssessmentError, fail
from assessment.roles import ENTERPRISE
from assessment.storage import User
from ui.i18n import error_text
from ui.resources import repository
from ui.session import ROLE_KEY

TOKEN_KEY = "staff_token"
IGNORE_COOKIE_KEY = "staff_ignore_cookie"
HANDOFF_KEY = "staff_handoff"
CLEAR_COOKIE_KEY = "staff_clear_cookie"
USER_KEY = "staff_user"


def _cookie_token() -> str | None:
    # Without a browser request (AppTest, bare execution) Streamlit gives no cookie, or a
    # stand-in object under AppTest; it does not raise (Streamlit >= 1.67, pyproject).
    value = st.context.cookies.get(COOKIE_NAME)
    return value if isinstance(value, str) and value else None


def token() -> str | None:
    """This session's token: the one signed in here, else the browser's cookie."""
    held: str | None = st.session_state.get(TOKEN_KEY)
    if held:
        return held
    if st.session_state.get(IGNORE_COOKIE_KEY):
        return None  # signed out in this tab: the old cookie's session is gone anyway
    return _cookie_token()


def current_user() -> User | None:
    """The signed-in user, checked against the database on this run; None if signed out."""
    tok = token()
    user = repository().session_user(tok) if tok else None
    if user is None:
        st.session_state.pop(TOKEN_KEY, None)
        st.session_state.pop(USER_KEY, None)
    else:
        st.session_state[USER_KEY] = user
    return user


def sync_role() -> str:
    """Set the session's role from the validated sign-in (enterprise when signed out)."""
    user = current_user()
    role = user.role if user is not None else "enterprise"
    st.session_state[ROLE_KEY] = role
    return role


def last_role() -> str:
    """The role this session had at its last successful check (enterprise if none)."""
    role = st.session_state.get(ROLE_KEY, ENTERPRISE)
    return role if isinstance(role, str) else ENTERPRISE


def require_role(*roles: str) -> User:
    """The page guard: the signed-in user if their role is allowed; otherwise stop the page."""
    try:
        user = current_user()
        check_role(user, roles)
    except AssessmentError as err:
        st.error(error_text(err), icon="🔒")
        st.stop()
    return cast(User, user)  # check_role refused a signed-out session (None)


LOCAL_SOURCE = "local"


def client_source() -> str:
    """The browser's address as throttling counts it (docs/deployment.md, "Client addresses").

    Behind a trusted proxy it is the client's (X-Forwarded-For); an IPv4 address seen on a
    dual-stack socket (`::ffff:10.0.0.1`) is written as IPv4; the loopback, or no request at
    all (tests), is "local".
    """
    # None on localhost and without a request; a stand-in object under AppTest (not a str).
    address = st.context.ip_address
    if not isinstance(address, str) or not address:
        return LOCAL_SOURCE
    address = address.strip().lower()
    if address.startswith("::ffff:") and "." in address:
        address = address[len("::ffff:") :]
    if address in {"127.0.0.1", "::1"}:
        return LOCAL_SOURCE
    return address[:64]


def sign_in(username: str, password: str) -> User:
    """Check the password (U501/U502 raised), keep the session here and queue the cookie."""
    # Throttling also counts failures per source address (storage/throttle.py, U502).
    session = repository().authenticate(username, password, source=client_source())
    st.session_state[TOKEN_KEY] = session.token
    st.session_state[ROLE_KEY] = session.user.role
    st.session_state.pop(IGNORE_COOKIE_KEY, None)
    st.session_state[HANDOFF_KEY] = HANDOFFS.issue(session.token, session.expires_at)
    return session.user


def sign_out() -> None:
    """End the session in the database, forget it here and clear the cookie."""
    tok = token()
    if tok:
        repository().sign_out(tok)
    for key in (TOKEN_KEY, USER_KEY, HANDOFF_KEY):
        st.session_state.pop(key, None)
    st.session_state[IGNORE_COOKIE_KEY] = True
    st.session_state[CLEAR_COOKIE_KEY] = True
    st.session_state[ROLE_KEY] = "enterprise"


def cookie_bridge() -> None:
    """Send a pending cookie handoff or clearing to the server (same-origin POST, no URL)."""
    code = st.session_state.pop(HANDOFF_KEY, None)
    if code:
        # The code is URL-safe base64, so its JSON form is safe inside a script element.
        st.html(
            f"<script>fetch('/staff-session', {{method: 'POST', body: {json.dumps(code)}, "
            "credentials: 'same-origin'});</script>",
            unsafe_allow_javascript=True,
        )
    if st.session_state.pop(CLEAR_COOKIE_KEY, False):
        st.html(
            "<script>fetch('/staff-session/end', {method: 'POST', "
            "credentials: 'same-origin'});</script>",
            unsafe_allow_javascript=True,
        )


def change_password(current: str, new: str) -> None:
    """The signed-in user's new password (U510, U502, U507, U509); this tab stays signed in."""
    user = current_user()
    if user is None:
        raise fail("U503")
    repository().change_password(
        user.username, current, new, keep_token=token(), source=client_source()
    )

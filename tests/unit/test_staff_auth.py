"""Role checks, the session cookie's attributes, one-time handoffs and the cookie routes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from assessment import auth
from assessment.errors import AssessmentError
from ui import auth_http

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


@dataclass
class U:
    role: str


@pytest.mark.parametrize(
    ("user", "roles", "code"),
    [
        (None, auth.STAFF_ROLES, "U503"),
        (U("advisor"), auth.STAFF_ROLES, "U504"),
        (U("staff"), auth.ADMIN_ROLES, "U504"),
        (U("enterprise"), auth.STAFF_ROLES, "U504"),
        (U("staff"), auth.STAFF_ROLES, None),
        (U("admin"), auth.STAFF_ROLES, None),
        (U("admin"), auth.ADMIN_ROLES, None),
    ],
)
def test_check_role(user, roles, code):
    if code is None:
        assert auth.check_role(user, roles) is user
        return
    with pytest.raises(AssessmentError) as err:
        auth.check_role(user, roles)
    assert err.value.code == code


@pytest.mark.parametrize("secure", [False, True])
def test_session_cookie_attributes(secure):
    value = auth.session_cookie("tok", NOW + timedelta(hours=12), secure=secure, now=NOW)
    parts = value.split("; ")
    assert parts[0] == f"{auth.COOKIE_NAME}=tok"
    assert {"HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"} <= set(parts)
    assert ("Secure" in parts) is secure
    cleared = auth.clear_cookie(secure=secure).split("; ")
    assert cleared[0] == f"{auth.COOKIE_NAME}=" and "Max-Age=0" in cleared
    expired = auth.session_cookie("t", NOW - timedelta(seconds=5), secure=False, now=NOW)
    assert "Max-Age=0" in expired


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def test_handoff_is_single_use_and_expires():
    clock = Clock()
    handoffs = auth.Handoffs(clock)
    code = handoffs.issue("token-1", NOW + timedelta(hours=1))
    assert "token-1" not in code and len(code) >= 40
    found = handoffs.redeem(code)
    assert found is not None and found.token == "token-1"
    assert handoffs.redeem(code) is None  # used up
    late = handoffs.issue("token-2", NOW + timedelta(hours=1))
    clock.now += auth.HANDOFF_LIFETIME
    assert handoffs.redeem(late) is None
    assert handoffs.redeem("") is None and handoffs.redeem("made-up") is None
    assert len(handoffs) == 0


# --- the cookie routes, called as ASGI apps ----------------------------------------------


def call(route, *, body: bytes = b"", headers: dict[str, str] | None = None, scheme="http"):
    """POST to a Starlette route; returns (status, headers)."""
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    raw.append((b"host", b"app.example:8501"))
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "scheme": scheme,
        "path": route.path,
        "raw_path": route.path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw,
        "client": ("127.0.0.1", 5000),
        "server": ("app.example", 8501),
    }
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(route.handle(scope, receive, send))
    start = sent[0]
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}


def routes(handoffs):
    return {r.path: r for r in auth_http.routes(handoffs)}


def test_set_cookie_route_trades_a_code_for_an_httponly_cookie():
    handoffs = auth.Handoffs()
    code = handoffs.issue("secret-token", datetime.now(UTC) + timedelta(hours=1))
    route = routes(handoffs)[auth_http.SET_PATH]
    status, headers = call(route, body=code.encode(), headers={"origin": "http://app.example:8501"})
    assert status == 204
    cookie = headers["set-cookie"]
    assert cookie.startswith(f"{auth.COOKIE_NAME}=secret-token;") and "HttpOnly" in cookie
    assert "Secure" not in cookie and headers["cache-control"] == "no-store"
    # The same code again, or a made-up one, gets nothing.
    assert call(route, body=code.encode())[0] == 403
    assert call(route, body=b"guess")[0] == 403


def test_set_cookie_route_refuses_other_origins_and_marks_https_secure():
    handoffs = auth.Handoffs()
    route = routes(handoffs)[auth_http.SET_PATH]
    code = handoffs.issue("t", datetime.now(UTC) + timedelta(hours=1))
    assert call(route, body=code.encode(), headers={"origin": "https://evil.example"})[0] == 403
    status, headers = call(route, body=code.encode(), headers={"x-forwarded-proto": "https"})
    assert status == 204 and headers["set-cookie"].endswith("Secure")


def test_end_route_clears_the_cookie():
    route = routes(auth.Handoffs())[auth_http.CLEAR_PATH]
    status, headers = call(route)
    assert status == 204 and "Max-Age=0" in headers["set-cookie"]
    assert call(route, headers={"origin": "http://elsewhere"})[0] == 403

"""HTTP routes that set and clear the staff session cookie (served by `st.App`, see server.py).

A Streamlit script run cannot write response headers, so the sign-in page hands the new
session to these routes through a one-time code (assessment.auth.Handoffs) posted by a
same-origin `fetch`; the route answers with an HttpOnly, SameSite=Strict cookie. Reading
the cookie back is `st.context.cookies`, on every run (ui/auth.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from assessment.auth import HANDOFFS, Handoffs, clear_cookie, session_cookie

SET_PATH = "/staff-session"
CLEAR_PATH = "/staff-session/end"
MAX_BODY = 512


def _secure(request: Request) -> bool:
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    return proto.split(",")[0].strip().lower() == "https"


def same_origin(request: Request) -> bool:
    """Whether a browser request comes from this site (no Origin header: not a browser POST)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("x-forwarded-host") or request.headers.get("host", "")
    return urlsplit(origin).netloc.lower() == host.split(",")[0].strip().lower()


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def make_set_cookie(
    handoffs: Handoffs = HANDOFFS,
) -> Callable[[Request], Awaitable[Response]]:
    """The handler that trades a one-time code for the session cookie."""

    async def set_cookie(request: Request) -> Response:
        if not same_origin(request):
            return _no_store(Response("cross-origin request refused", status_code=403))
        body = (await request.body())[:MAX_BODY].decode("utf-8", "replace").strip()
        found = handoffs.redeem(body)
        if found is None:
            return _no_store(Response("unknown or expired code", status_code=403))
        response = Response(status_code=204)
        response.headers["Set-Cookie"] = session_cookie(
            found.token, found.expires_at, secure=_secure(request)
        )
        return _no_store(response)

    return set_cookie


async def end_cookie(request: Request) -> Response:
    """Remove the session cookie (the session itself is ended in the database by ui/auth)."""
    if not same_origin(request):
        return _no_store(Response("cross-origin request refused", status_code=403))
    response = Response(status_code=204)
    response.headers["Set-Cookie"] = clear_cookie(secure=_secure(request))
    return _no_store(response)


def routes(handoffs: Handoffs = HANDOFFS) -> list[Route]:
    """The cookie routes to pass to `st.App(..., routes=...)`."""
    return [
        Route(SET_PATH, make_set_cookie(handoffs), methods=["POST"]),
        Route(CLEAR_PATH, end_cookie, methods=["POST"]),
    ]

"""What the server process adds around the pages (server.py): security headers on every
HTTP response, an upload limit at the door for visitors, and no cache clearing by clients.

- `SecurityHeaders`: Content-Security-Policy (nothing from other hosts, no framing),
  Referrer-Policy (resume codes travel in URLs), X-Content-Type-Options and friends.
- `UploadLimit`: Streamlit's own limit (`server.maxUploadSize`, 20 MiB) serves the staff
  import; a visitor without a staff session may upload only an answers file, so anything
  over `answers.ANSWERS_FILE_LIMIT` is refused before its body is read (413).
- `refuse_cache_clearing`: Streamlit lets any browser session send `clear_cache`, which
  empties the process-wide caches (repository, questionnaires, peer index) for everyone;
  here the message is ignored and logged.
"""

from __future__ import annotations

import logging
from http.cookies import SimpleCookie
from typing import Any

from assessment.answers import ANSWERS_FILE_LIMIT
from assessment.auth import COOKIE_NAME, STAFF_ROLES

log = logging.getLogger(__name__)

# Streamlit's frontend needs inline styles, and inline scripts and eval (its own start-up
# script, Vega charts, the sign-in cookie hand-off); everything else comes from this site.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self' blob: data:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    # Resume codes are in page URLs (?resume=): never send them to another site.
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "cross-origin-opener-policy": "same-origin",
}
UPLOAD_PATH = "/_stcore/upload_file/"
# Room for the multipart framing around the file.
UPLOAD_OVERHEAD = 64 * 1024


class SecurityHeaders:
    """ASGI middleware: HEADERS on every HTTP response that does not set them itself."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in HEADERS.items()]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self._raw if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


def _staff_session(token: str) -> bool:
    from ui.resources import staff_check_repository

    user = staff_check_repository().session_user(token)
    return user is not None and user.role in STAFF_ROLES


class UploadLimit:
    """ASGI middleware: uploads over `limit` bytes need a staff session (else 413/411)."""

    def __init__(self, app: Any, limit: int = ANSWERS_FILE_LIMIT + UPLOAD_OVERHEAD) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "PUT"
            or not scope["path"].startswith(UPLOAD_PATH)
        ):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        length = headers.get("content-length", "")
        small = length.isdigit() and int(length) <= self.limit
        if small or await self._is_staff(headers.get("cookie", "")):
            await self.app(scope, receive, send)
            return
        # Without a length the body's size is unknown until read: ask for one (411).
        status, text = (413, "File too large") if length.isdigit() else (411, "Length required")
        log.warning("upload refused at the door: %s bytes, no staff session", length or "?")
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"text/plain"), (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": text.encode()})

    @staticmethod
    async def _is_staff(cookie_header: str) -> bool:
        from starlette.concurrency import run_in_threadpool

        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(cookie_header)
        except Exception:  # a malformed Cookie header: no session
            return False
        morsel = jar.get(COOKIE_NAME)
        if morsel is None or not morsel.value:
            return False
        try:
            return await run_in_threadpool(_staff_session, morsel.value)
        except Exception:  # the database is down: no staff session can be confirmed
            log.exception("staff session check for an upload failed")
            return False


def refuse_cache_clearing() -> None:
    """Make Streamlit ignore (and log) a browser's `clear_cache` message, process-wide."""
    from streamlit.runtime.app_session import AppSession

    if getattr(AppSession._handle_clear_cache_request, "_refused", False):
        return

    def refused(self: AppSession) -> None:
        log.warning("clear_cache from browser session %s refused", self.id)

    refused._refused = True  # type: ignore[attr-defined]
    AppSession._handle_clear_cache_request = refused  # type: ignore[method-assign]

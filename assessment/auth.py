"""Staff sign-in helpers without Streamlit: role checks, the session cookie, one-time handoffs.

Passwords, session tokens, expiry and throttling live in storage (`Repository.authenticate`,
`session_user`, `sign_out`). This module adds what the web layer needs around them:

- `check_role` — the server-side role check every staff page runs on every run;
- `session_cookie` / `clear_cookie` — the `Set-Cookie` values: HttpOnly, SameSite=Strict,
  Path=/, Max-Age until the session expires, Secure over HTTPS;
- `Handoffs` — Streamlit cannot set a response header from a script run, so after a
  sign-in the page asks the server's `/staff-session` route to set the cookie, presenting a
  one-time code (60 s, single use) instead of the token: the token never appears in a URL
  or in page JavaScript. docs/staff.md explains the choice.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from assessment.errors import Bilingual, fail

# The roles are defined in assessment.roles; these names stay importable from here.
from assessment.roles import ADMIN_ROLES as ADMIN_ROLES
from assessment.roles import ROLE_LABELS as ROLE_LABELS
from assessment.roles import ROLE_NAMES
from assessment.roles import STAFF_ROLES as STAFF_ROLES

COOKIE_NAME = "sx_staff_session"
HANDOFF_LIFETIME = timedelta(seconds=60)


def check_role(user: object | None, roles: Iterable[str]) -> object:
    """The user when signed in with one of `roles`; U503 when signed out, U504 otherwise."""
    allowed = tuple(roles)
    if user is None:
        raise fail("U503")
    if getattr(user, "role", None) not in allowed:
        names = [ROLE_NAMES.get(r) or Bilingual(r, r) for r in allowed]
        roles = Bilingual(", ".join(n.en for n in names), "、".join(n.zh for n in names))
        raise fail("U504", roles=roles)
    return user


def _max_age(expires_at: datetime, now: datetime) -> int:
    return max(0, int((expires_at - now).total_seconds()))


def session_cookie(
    token: str, expires_at: datetime, *, secure: bool, now: datetime | None = None
) -> str:
    """The Set-Cookie value carrying a session token (HttpOnly, SameSite=Strict, Path=/)."""
    now = now or datetime.now(UTC)
    parts = [
        f"{COOKIE_NAME}={token}",
        "Path=/",
        f"Max-Age={_max_age(expires_at, now)}",
        "HttpOnly",
        "SameSite=Strict",
    ]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def clear_cookie(*, secure: bool) -> str:
    """The Set-Cookie value that removes the session cookie."""
    parts = [f"{COOKIE_NAME}=", "Path=/", "Max-Age=0", "HttpOnly", "SameSite=Strict"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class Handoff:
    """A session token waiting to be turned into a cookie."""

    token: str
    expires_at: datetime  # when the session itself expires
    valid_until: datetime  # when this handoff code stops working


class Handoffs:
    """One-time codes that let the cookie route pick up a token (thread-safe, in memory)."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._waiting: dict[str, Handoff] = {}

    @staticmethod
    def _key(code: str) -> str:
        return hashlib.sha256(code.encode("utf-8")).hexdigest()

    def issue(self, token: str, expires_at: datetime) -> str:
        """A fresh code for `token`, valid once for HANDOFF_LIFETIME."""
        code = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._purge(now)
            self._waiting[self._key(code)] = Handoff(token, expires_at, now + HANDOFF_LIFETIME)
        return code

    def redeem(self, code: str) -> Handoff | None:
        """The handoff for `code`, removed so it cannot be used again; None if unknown or old."""
        now = self._clock()
        with self._lock:
            found = self._waiting.pop(self._key(code or ""), None)
            self._purge(now)
        if found is None or found.valid_until <= now:
            return None
        return found

    def _purge(self, now: datetime) -> None:
        for key in [k for k, h in self._waiting.items() if h.valid_until <= now]:
            del self._waiting[key]

    def __len__(self) -> int:
        return len(self._waiting)


# One per server process: the Streamlit runtime and its HTTP routes share the process.
HANDOFFS = Handoffs()

"""Staff accounts: argon2 passwords, hashed session tokens, sign-in throttling."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, SQLColumnExpression, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from assessment.errors import NOUNS, fail
from assessment.storage.audit import AuditStore
from assessment.storage.db import transaction
from assessment.storage.models import ROLES, LoginSession, SignInFailure
from assessment.storage.models import User as UserRow
from assessment.storage.records import SessionToken, User

MIN_PASSWORD = 10
# Up to 64 visible characters, no spaces: it is typed at sign-in and shown in the audit log.
USERNAME = re.compile(r"[^\s]{1,64}")
SESSION_LIFETIME = timedelta(hours=12)
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_FAILURES = 5
# Writing last_seen on every page view would make each read a write; once a minute is enough.
LAST_SEEN_GRANULARITY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    """SHA-256 of a random bearer token (hex): what the database stores."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _user(row: Any) -> User:  # a row holding the users columns (the table alone or a join)
    return User(row.id, row.username, row.role, bool(row.disabled), row.created_at)


class UserStore(AuditStore):
    """Users, sessions and sign-in throttling."""

    hasher: PasswordHasher

    def _dummy_hash(self) -> str:
        # Verified against for unknown users so that timing does not reveal who exists.
        cached = getattr(self, "_dummy", None)
        if cached is None:
            cached = self.hasher.hash(secrets.token_urlsafe(16))
            self._dummy = cached
        return cached

    def add_user(self, username: str, role: str, password: str, *, actor: str = "system") -> User:
        """Create an account (U505 taken, U506 unknown role, U507 short password)."""
        username = username.strip()
        if role not in ROLES:
            raise fail("U506", value=role, valid=", ".join(ROLES))
        if len(password) < MIN_PASSWORD:
            raise fail("U507", min=MIN_PASSWORD)
        if not username:
            raise fail("A205", path="username")
        if not USERNAME.fullmatch(username):
            raise fail("A207", value=username, path="username")
        password_hash = self.hasher.hash(password)
        with transaction(self.engine, write=True) as conn:
            if self._user_row(conn, username) is not None:
                raise fail("U505", value=username)
            try:
                conn.execute(
                    insert(UserRow).values(
                        username=username,
                        role=role,
                        password_hash=password_hash,
                        disabled=False,
                        created_at=self.now(),
                    )
                )
            except IntegrityError as err:  # created concurrently
                raise fail("U505", value=username) from err
            self._audit(conn, actor, "add_user", "user", username, {"role": role})
            return _user(self._user_row(conn, username))

    def list_users(self) -> list[User]:
        """Every account, by user name."""
        with transaction(self.engine) as conn:
            rows = conn.execute(select(UserRow).order_by(UserRow.username)).all()
        return [_user(r) for r in rows]

    def get_user(self, username: str) -> User:
        """One account (S406 when there is none)."""
        with transaction(self.engine) as conn:
            row = self._user_row(conn, username)
        if row is None:
            raise fail("S406", what=NOUNS["user"], value=username)
        return _user(row)

    def disable_user(self, username: str, *, actor: str = "system") -> User:
        """Disable an account and end its sessions."""
        with transaction(self.engine, write=True) as conn:
            row = self._user_row(conn, username)
            if row is None:
                raise fail("S406", what=NOUNS["user"], value=username)
            conn.execute(update(UserRow).where(UserRow.id == row.id).values(disabled=True))
            conn.execute(delete(LoginSession).where(LoginSession.user_id == row.id))
            self._audit(conn, actor, "disable_user", "user", username)
            return _user(self._user_row(conn, username))

    def _user_row(self, conn: Connection, username: str) -> Any:  # Row of `users` or None
        return conn.execute(select(UserRow).where(UserRow.username == username)).first()

    def _throttle(
        self, conn: Connection, column: SQLColumnExpression[str | None], value: str, now: datetime
    ) -> None:
        recent = (
            conn.execute(
                select(SignInFailure.at)
                .where(column == value, SignInFailure.at > now - THROTTLE_WINDOW)
                .order_by(SignInFailure.at.desc())
                .limit(THROTTLE_FAILURES)
            )
            .scalars()
            .all()
        )
        if len(recent) >= THROTTLE_FAILURES:
            # Free again once the oldest of the last five failures leaves the window.
            wait = recent[-1] + THROTTLE_WINDOW - now
            raise fail("U502", seconds=max(1, math.ceil(wait.total_seconds())))

    def authenticate(self, username: str, password: str, source: str | None = None) -> SessionToken:
        """Sign in: a new session, or U501 (wrong name or password) / U502 (throttled)."""
        username = username.strip()
        now = self.now()
        with transaction(self.engine) as conn:
            self._throttle(conn, SignInFailure.username, username, now)
            if source:
                self._throttle(conn, SignInFailure.source, source, now)
            row = self._user_row(conn, username)
        ok = False
        try:
            target = row.password_hash if row is not None else self._dummy_hash()
            ok = self.hasher.verify(target, password) and row is not None and not row.disabled
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            with transaction(self.engine, write=True) as conn:
                conn.execute(insert(SignInFailure).values(username=username, source=source, at=now))
                self._audit(conn, username, "sign_in_failed", "user", username, {"source": source})
            raise fail("U501")
        token = secrets.token_urlsafe(32)
        expires = now + SESSION_LIFETIME
        with transaction(self.engine, write=True) as conn:
            if self.hasher.check_needs_rehash(row.password_hash):
                conn.execute(
                    update(UserRow)
                    .where(UserRow.id == row.id)
                    .values(password_hash=self.hasher.hash(password))
                )
            conn.execute(delete(SignInFailure).where(SignInFailure.username == username))
            conn.execute(
                insert(LoginSession).values(
                    token_hash=token_hash(token),
                    user_id=row.id,
                    created_at=now,
                    expires_at=expires,
                    last_seen_at=now,
                )
            )
            self._audit(conn, username, "sign_in", "user", username, {"source": source})
        return SessionToken(token=token, user=_user(row), expires_at=expires)

    def session_user(self, token: str) -> User | None:
        """The signed-in user of a session token; None when unknown, expired or disabled."""
        if not token:
            return None
        now = self.now()
        query = (
            select(UserRow, LoginSession.id.label("session_id"), LoginSession.expires_at)
            .add_columns(LoginSession.last_seen_at)
            .join(LoginSession, LoginSession.user_id == UserRow.id)
            .where(LoginSession.token_hash == token_hash(token))
        )
        with transaction(self.engine) as conn:
            row = conn.execute(query).first()
        if row is None or row.expires_at <= now or row.disabled:
            return None
        if now - row.last_seen_at >= LAST_SEEN_GRANULARITY:
            with transaction(self.engine, write=True) as conn:
                conn.execute(
                    update(LoginSession)
                    .where(LoginSession.id == row.session_id)
                    .values(last_seen_at=now)
                )
        return _user(row)

    def sign_out(self, token: str) -> None:
        """End a session (no error if it has already ended)."""
        with transaction(self.engine, write=True) as conn:
            conn.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(token)))

    def purge_expired(self) -> int:
        """Delete expired sessions and old sign-in failures; returns the rows removed."""
        now = self.now()
        with transaction(self.engine, write=True) as conn:
            n = conn.execute(delete(LoginSession).where(LoginSession.expires_at <= now)).rowcount
            n += conn.execute(
                delete(SignInFailure).where(SignInFailure.at <= now - THROTTLE_WINDOW)
            ).rowcount
        return n

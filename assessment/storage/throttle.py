"""Throttling of sign-in and resume-code guesses: the rules, kept apart from who signs in.

Sign-in failures are keyed three ways (SECURITY.md, "Brute-force sign-in"):

- per account, with exponential back-off: once ACCOUNT_FREE failures fall within
  ACCOUNT_WINDOW, the account is held back: 15 minutes from the first of five failures,
  then BACKOFF_BASE × 2^(failures − ACCOUNT_FREE) (at most BACKOFF_CAP) after each further
  one: 30 minutes after the sixth, an hour after the seventh, and so on;
- per source address: SOURCE_FAILURES failures within SOURCE_WINDOW stop that address;
- per account *and* trusted source: an address the account signed in from before
  (within TRUSTED_FOR) is held back only by failures from that same address, with the same
  back-off. So a guesser elsewhere cannot lock the owner out of their usual computer, and
  one behind the same address is still slowed down.

The check and the record are one step (`reserve`): it runs in a write transaction that
holds a lock (BEGIN IMMEDIATE on SQLite; a table lock on PostgreSQL) and writes the
attempt as a failure before the password is checked, so parallel guesses cannot all pass
the check before any of them is counted. A correct password then removes its own row.

Unknown user names are counted under a keyed hash (HMAC-SHA256, `ASSESSMENT_SECRET_KEY`),
so they are throttled exactly like real ones (nothing tells which names exist) while a
password typed into the name box is never stored. A name that cannot be an account is not
stored at all.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from assessment import settings
from assessment.errors import fail
from assessment.storage.models import ResumeFailure, SignInFailure, SignInSource

ACCOUNT_FREE = 5
ACCOUNT_WINDOW = timedelta(hours=24)
BACKOFF_BASE = timedelta(minutes=15)
BACKOFF_CAP = timedelta(hours=4)
SOURCE_FAILURES = 5
SOURCE_WINDOW = timedelta(minutes=15)
TRUSTED_FOR = timedelta(days=90)
# Wrong resume codes: guessing 140 bits is hopeless, but a scan should be slow and visible.
RESUME_FAILURES = 20
RESUME_WINDOW = timedelta(minutes=10)
# The longest any failure row matters; older rows are purged.
KEEP_FAILURES = max(ACCOUNT_WINDOW, SOURCE_WINDOW, RESUME_WINDOW)

# Without a configured key each process draws its own: unknown names are then counted per
# process and per restart (docs/deployment.md asks for the key).
_PROCESS_KEY = secrets.token_bytes(32)


def _key() -> bytes:
    configured = settings.SECRET_KEY.given()
    return configured.encode("utf-8") if configured else _PROCESS_KEY


def name_key(name: str) -> str:
    """The keyed hash an unknown user name is counted under ('~' and 32 hex digits)."""
    digest = hmac.new(_key(), b"sign-in-name:" + name.encode("utf-8"), hashlib.sha256)
    return "~" + digest.hexdigest()[:32]


def lock(conn: Connection) -> None:
    """Serialise the check-and-record step between processes (the caller's transaction)."""
    if conn.dialect.name == "postgresql":
        # Self-conflicting, so one sign-in checks at a time; readers are not blocked.
        conn.exec_driver_sql("LOCK TABLE sign_in_failures IN SHARE ROW EXCLUSIVE MODE")
    # SQLite: the write transaction began with BEGIN IMMEDIATE and holds the write lock.


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def backoff(failures: int) -> timedelta | None:
    """How long `failures` hold an account back (None: not yet)."""
    if failures < ACCOUNT_FREE:
        return None
    steps = min(failures - ACCOUNT_FREE, 16)
    return min(BACKOFF_CAP, BACKOFF_BASE * (1 << steps))


def _held_until(recent: list[datetime]) -> datetime | None:
    """When failures (newest first) stop holding an account back; None when they do not.

    The fifth failure holds it until the window from the first of the five has passed (as
    for a source); every further one doubles the wait, counted from itself.
    """
    wait = backoff(len(recent))
    if wait is None:
        return None
    anchor = recent[ACCOUNT_FREE - 1] if len(recent) == ACCOUNT_FREE else recent[0]
    return anchor + wait


def trusted(conn: Connection, user_id: int, source: str, now: datetime) -> bool:
    """Whether the account signed in from `source` within TRUSTED_FOR."""
    found = conn.execute(
        select(SignInSource.id).where(
            SignInSource.user_id == user_id,
            SignInSource.source == source,
            SignInSource.last_ok_at > now - TRUSTED_FOR,
        )
    ).first()
    return found is not None


def _check_backoff(conn: Connection, key: str, source: str | None, now: datetime) -> None:
    query = (
        select(SignInFailure.at)
        .where(SignInFailure.username == key, SignInFailure.at > now - ACCOUNT_WINDOW)
        .order_by(SignInFailure.at.desc())
    )
    if source is not None:
        query = query.where(SignInFailure.source == source)
    until = _held_until(list(conn.execute(query).scalars().all()))
    if until is not None and until > now:
        raise fail("U502", seconds=_seconds(until - now))


def _check_source(conn: Connection, source: str, now: datetime) -> None:
    recent = (
        conn.execute(
            select(SignInFailure.at)
            .where(SignInFailure.source == source, SignInFailure.at > now - SOURCE_WINDOW)
            .order_by(SignInFailure.at.desc())
            .limit(SOURCE_FAILURES)
        )
        .scalars()
        .all()
    )
    if len(recent) >= SOURCE_FAILURES:
        # Free again once the oldest of the last five failures leaves the window.
        raise fail("U502", seconds=_seconds(recent[-1] + SOURCE_WINDOW - now))


def reserve(
    conn: Connection,
    key: str | None,
    source: str | None,
    now: datetime,
    *,
    user_id: int | None = None,
) -> int:
    """Check every throttle for this attempt (U502) and record it as a failure; its row id.

    `key` is the account name or `name_key` of an unknown name (None: a name that cannot
    be an account); `user_id` is the account's id when it exists. Call inside a write
    transaction after `lock`.
    """
    if user_id is not None and source is not None and trusted(conn, user_id, source, now):
        _check_backoff(conn, key, source, now)  # type: ignore[arg-type]
    else:
        if source is not None:
            _check_source(conn, source, now)
        if key is not None:
            _check_backoff(conn, key, None, now)
    return conn.execute(
        insert(SignInFailure)
        .values(username=key, source=source, at=now)
        .returning(SignInFailure.id)
    ).scalar_one()


def succeeded(
    conn: Connection, attempt: int, key: str, user_id: int, source: str | None, now: datetime
) -> None:
    """A correct password: drop the attempt and this address's failures; trust the address."""
    conn.execute(delete(SignInFailure).where(SignInFailure.id == attempt))
    if source is None:
        conn.execute(
            delete(SignInFailure).where(
                SignInFailure.username == key, SignInFailure.source.is_(None)
            )
        )
        return
    # Failures from other addresses stay: they keep slowing down whoever made them.
    conn.execute(
        delete(SignInFailure).where(SignInFailure.username == key, SignInFailure.source == source)
    )
    done = conn.execute(
        update(SignInSource)
        .where(SignInSource.user_id == user_id, SignInSource.source == source)
        .values(last_ok_at=now)
    ).rowcount
    if not done:
        conn.execute(insert(SignInSource).values(user_id=user_id, source=source, last_ok_at=now))


# --- resume codes -----------------------------------------------------------------------------


def check_resume(conn: Connection, source: str, now: datetime) -> None:
    """S416 when `source` gave RESUME_FAILURES wrong codes within RESUME_WINDOW."""
    recent = (
        conn.execute(
            select(ResumeFailure.at)
            .where(ResumeFailure.source == source, ResumeFailure.at > now - RESUME_WINDOW)
            .order_by(ResumeFailure.at.desc())
            .limit(RESUME_FAILURES)
        )
        .scalars()
        .all()
    )
    if len(recent) >= RESUME_FAILURES:
        raise fail("S416", seconds=_seconds(recent[-1] + RESUME_WINDOW - now))


def record_resume_failure(conn: Connection, source: str, now: datetime) -> None:
    """Count a wrong resume code against `source`."""
    conn.execute(insert(ResumeFailure).values(source=source, at=now))


def purge(conn: Connection, now: datetime) -> int:
    """Delete failure rows too old to matter; the number removed."""
    n = conn.execute(delete(SignInFailure).where(SignInFailure.at <= now - KEEP_FAILURES)).rowcount
    n += conn.execute(delete(ResumeFailure).where(ResumeFailure.at <= now - KEEP_FAILURES)).rowcount
    n += conn.execute(
        delete(SignInSource).where(SignInSource.last_ok_at <= now - TRUSTED_FOR)
    ).rowcount
    return n

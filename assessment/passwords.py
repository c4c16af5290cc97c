"""The password rule for staff accounts: long enough, not common, not the user name.

The list of common and leaked passwords ships with the package
(`assessment/data/common-passwords.txt`: the 10,000 most common of the list Django ships,
plus passwords common in Chinese leaks; the file's header says where each part comes from).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from assessment.errors import fail

MIN_PASSWORD = 10
# Longer input at sign-in is refused before hashing: argon2 would take it, at a cost per byte.
MAX_PASSWORD = 1024
COMMON_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, lower case."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def is_common(password: str, username: str = "") -> bool:
    """Whether the password is on the list, is the user name, or is one repeated character."""
    folded = password.strip().lower()
    if folded in common_passwords() or len(set(folded)) <= 1:
        return True
    name = username.strip().lower()
    return bool(name) and (folded == name or folded in {name + d for d in ("1", "123", "2026")})


def check_password(password: str, username: str = "") -> None:
    """Raise U507 (too short) or U509 (common) for a password nobody should use."""
    if len(password) < MIN_PASSWORD:
        raise fail("U507", min=MIN_PASSWORD)
    if is_common(password, username):
        raise fail("U509")

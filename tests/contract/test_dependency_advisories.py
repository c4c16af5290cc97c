"""No pinned dependency is older than the fix of an advisory we know about (issue 14, item 15).

The machine that runs the suite has no advisory database, so this is a local snapshot: the
first fixed version of each advisory below, checked against requirements.lock. Refresh it
when the lock changes, on a machine that reaches PyPI (SECURITY.md, "Dependencies"):

    pip install pip-audit && pip-audit -r requirements.lock

and add each advisory it reports here with the version that fixes it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

LOCK = Path(__file__).resolve().parents[2] / "requirements.lock"

# (package, advisory, first fixed version); snapshot of 2026-12-03.
ADVISORIES = (
    ("setuptools", "CVE-2022-40897", "65.5.1"),
    ("setuptools", "CVE-2024-6345", "70.0.0"),
    ("setuptools", "CVE-2025-47273", "78.1.1"),
    ("requests", "CVE-2024-35195", "2.32.0"),
    ("requests", "CVE-2024-47081", "2.32.4"),
    ("urllib3", "CVE-2024-37891", "2.2.2"),
    ("urllib3", "CVE-2025-50181", "2.5.0"),
    ("jinja2", "CVE-2024-56201", "3.1.5"),
    ("jinja2", "CVE-2025-27516", "3.1.6"),
    ("h11", "CVE-2025-43859", "0.16.0"),
    ("starlette", "CVE-2024-47874", "0.40.0"),
    ("starlette", "CVE-2025-54121", "0.47.2"),
    ("pillow", "CVE-2024-28219", "10.3.0"),
    ("idna", "CVE-2024-3651", "3.7"),
    ("certifi", "CVE-2024-39689", "2024.7.4"),
)


def pins() -> dict[str, Version]:
    found = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        name, sep, version = line.strip().partition("==")
        if sep and not name.startswith("#"):
            found[name.lower()] = Version(version.split(";")[0].strip())
    return found


@pytest.mark.parametrize(("package", "advisory", "fixed"), ADVISORIES)
def test_the_lock_has_the_fix(package, advisory, fixed):
    pinned = pins().get(package)
    assert pinned is not None, f"{package} is not in requirements.lock any more: drop its rows"
    assert pinned >= Version(fixed), f"{package}=={pinned} is affected by {advisory}"

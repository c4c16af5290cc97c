"""Helpers for the load, fault and security tests: demo answers files, writing assessments the
way the pages do, a throwaway PostgreSQL database, and `streamlit run` servers.

Imported with `sys.path.insert` (like tests/app/apphelpers.py): several test folders have a
conftest.py, so package-relative imports are unreliable when they run in one session.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

import assessment
from assessment import demo
from assessment.answers import answers_document
from assessment.settings import TEST_DATABASE_URL
from assessment.storage import Repository
from bench import server

ROOT = Path(__file__).resolve().parents[2]

CHROMIUM = server.CHROMIUM
CHROMIUM_ARGS = [
    *server.CHROMIUM_ARGS,
    "--disable-dev-shm-usage",
    # Fifty open tabs on two shared cores: no GPU emulation, no smooth scrolling.
    "--disable-gpu-compositing",
    "--disable-smooth-scrolling",
]
PG_ADMIN_URL = TEST_DATABASE_URL.get()
PG_VERSION_DIR = Path("/etc/postgresql")


@cache
def qset() -> Any:
    """The shipped questionnaires (what `streamlit run` serves)."""
    return assessment.load_questionnaires()


def enterprises(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Answers of `n` distinct demo enterprises (unique credit codes, this year's only)."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for p in demo.generate(qset(), n * 2, seed=seed):
        code = p.answers["profile.credit_code"]
        if p.year != demo.YEAR or code in seen:
            continue
        seen.add(code)
        out.append(dict(p.answers))
        if len(out) == n:
            return out
    raise AssertionError(f"demo.generate gave fewer than {n} distinct enterprises")


def answers_file(answers: Mapping[str, Any]) -> bytes:
    """The answers file the results page offers for download (docs/answers-format.md)."""
    return json.dumps(answers_document(answers, qset()), ensure_ascii=False).encode("utf-8")


def sections(answers: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The answers split by wizard section, in wizard order (profile first)."""
    out = []
    ordered = sorted(qset().questionnaires, key=lambda q: 0 if q.kind == "profile" else 1)
    for q in ordered:
        for s in q.sections:
            own = {i.id: answers[i.id] for i in s.items if i.id in answers}
            out.append((s.id, own))
    return out


@dataclass(frozen=True, slots=True)
class Written:
    """An assessment written through the repository."""

    assessment_id: int
    enterprise_id: int
    resume_code: str


def write_assessment(
    repo: Repository, answers: Mapping[str, Any], year: int, *, submit: bool = True
) -> Written:
    """Create, fill section by section and (optionally) submit, as the pages do."""
    parts = sections(answers)
    profile = {k: v for sid, own in parts if sid.startswith("profile.") for k, v in own.items()}
    draft = repo.create_draft(profile, year)
    version = draft.version
    for sid, own in parts:
        if own and not sid.startswith("profile."):
            version = repo.save_section(
                draft.assessment_id, sid, own, version, require_complete=False
            )
    if submit:
        repo.submit(draft.assessment_id, version)
    return Written(draft.assessment_id, draft.enterprise_id, draft.resume_code)


# --- PostgreSQL -------------------------------------------------------------------------------


def pg_reachable() -> str | None:
    """None when PostgreSQL answers; otherwise why not."""
    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as err:  # any failure to connect: the caller skips with the reason
        return f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({type(err).__name__}: {err})"
    return None


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database `<prefix>_<pid>`, dropped afterwards; yields its URL."""
    name = f"{prefix}_{os.getpid()}"
    # pool_pre_ping: a test may restart the server while this engine's connection idles.
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pg_version() -> str:
    """The installed cluster version folder under /etc/postgresql (e.g. '15')."""
    versions = sorted(p.name for p in PG_VERSION_DIR.iterdir() if p.is_dir())
    assert versions, "no PostgreSQL cluster under /etc/postgresql"
    return versions[-1]


def pg_ctl(action: str) -> None:
    """Stop, start or restart the local cluster (pg_ctlcluster, no systemd)."""
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", pg_version(), "main", action],
        check=True,
        capture_output=True,
        timeout=120,
    )


def wait_for_pg(timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while (why := pg_reachable()) is not None:
        if time.monotonic() > deadline:
            raise TimeoutError(why)
        time.sleep(0.5)


# --- streamlit servers --------------------------------------------------------------------------


def start_server(
    entry: Path, db_url: str, log: Path, *, extra_env: dict | None = None
) -> server.Streamlit:
    """`streamlit run entry` over `db_url` with the shipped questionnaires, output in `log`;
    answers once returned, stopped by its close()."""
    env = {"DATABASE_URL": db_url, "ASSESSMENT_QUESTIONNAIRES": None, **(extra_env or {})}
    return server.Streamlit(entry, env, log=log, timeout=90)


def server_errors(text_out: str) -> list[str]:
    """Lines of a server log that report an error or a traceback."""
    marks = ("Traceback", "Error", "ERROR", "Exception")
    return [line for line in text_out.splitlines() if any(m in line for m in marks)]


def cpu_seconds(root: int) -> float:
    """User + system CPU seconds of process `root` and its live descendants (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        parent[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    children: dict[int, list[int]] = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return total

"""Helpers for the staff pages under AppTest: users, sign-in tokens, a small demo population."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

import assessment
from assessment import demo, spreadsheets
from assessment.storage import Repository, make_engine

PASSWORD = "correct horse battery"
# Real argon2id with small costs: the tests sign in often on 2 shared cores.
HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@cache
def qset():
    return assessment.load_questionnaires()


@cache
def demo_rows() -> tuple[spreadsheets.ImportRow, ...]:
    population = demo.generate(qset(), 60, seed=5)
    return tuple(spreadsheets.prepared_rows([(p.year, p.answers) for p in population], qset()))


def repo(db_url: str) -> Repository:
    return Repository(make_engine(db_url), qset(), hasher=HASHER)


def seed(db_url: str) -> int:
    """The small demo population written to the database; returns the assessments written."""
    return spreadsheets.commit(make_engine(db_url), qset(), demo_rows(), actor="seed").count


def user_token(db_url: str, role: str, name: str | None = None) -> str:
    """A signed-in session token for a new user with `role`."""
    r = repo(db_url)
    name = name or f"{role}-user"
    r.add_user(name, role, PASSWORD)
    return r.authenticate(name, PASSWORD).token


def page(
    module: str, lang: str = "zh", token: str | None = None, role: str | None = None
) -> AppTest:
    """An AppTest running one staff page's render(), optionally signed in with `token`."""
    script = f"from ui import {module}\n{module}.render()\n"
    at = AppTest.from_string(script, default_timeout=90)
    at.session_state["lang"] = lang
    if token is not None:
        at.session_state["staff_token"] = token
    if role is not None:
        at.session_state["role"] = role
    return at


def error_codes(at: AppTest) -> list[str]:
    import re

    # Messages end in "(CODE)", possibly Markdown-escaped as "\(CODE\)".
    return [c for e in at.error for c in re.findall(r"\\?\(([A-Z]\d{3})\\?\)", str(e.value))]

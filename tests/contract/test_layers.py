"""The layers of the house: SQL only in assessment/storage/, Streamlit only in app.py and ui/.

Outside assessment/storage/, no module of the library or the UI imports SQLAlchemy, imports
the ORM tables or the `transaction` that yields a connection, calls a connection's
`execute` (or opens one), or holds SQL text; nothing under assessment/ imports Streamlit.
The checks read the source (AST), so a lazy import inside a function counts too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from assessment.storage import models

ROOT = Path(__file__).resolve().parents[2]
STORAGE = ROOT / "assessment" / "storage"
# Calls that talk to a database connection or engine.
DB_CALLS = frozenset({"execute", "exec_driver_sql", "raw_connection", "connect", "begin"})
SQL = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
    r"|\b(?:CREATE|DROP|ALTER)\s+(?:TABLE|INDEX|SCHEMA)\b"
)
TABLES = frozenset(
    name
    for name, value in vars(models).items()
    if (isinstance(value, type) and issubclass(value, models.Base))
    or name in ("metadata", "TABLES")
)


def _imports(tree: ast.AST) -> list[tuple[str, tuple[str, ...], int]]:
    """(module, imported names, line) of every import statement, wherever it is."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, (), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.append((node.module, tuple(a.name for a in node.names), node.lineno))
    return out


def sql_outside_storage(source: str) -> list[str]:
    """What makes this module (outside storage/) talk SQL; empty when it does not."""
    tree = ast.parse(source)
    found = []
    for module, names, line in _imports(tree):
        if module == "sqlalchemy" or module.startswith("sqlalchemy."):
            found.append(f"line {line}: imports {module}")
        if module == "assessment.storage.models" and TABLES.intersection(names):
            found.append(f"line {line}: imports tables {sorted(TABLES.intersection(names))}")
        if module == "assessment.storage.db" and "transaction" in names:
            found.append(f"line {line}: imports transaction")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in DB_CALLS
        ):
            found.append(f"line {node.lineno}: calls .{node.func.attr}()")
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL.search(node.value)
        ):
            found.append(f"line {node.lineno}: SQL text {node.value[:40]!r}")
    return found


def imports_streamlit(source: str) -> list[str]:
    """The lines that import Streamlit."""
    return [
        f"line {line}: imports {module}"
        for module, _, line in _imports(ast.parse(source))
        if module == "streamlit" or module.startswith("streamlit.")
    ]


def _modules(*folders: str) -> list[Path]:
    return sorted(
        p
        for folder in folders
        for p in (ROOT / folder).rglob("*.py")
        if "__pycache__" not in p.parts
    )


OUTSIDE_STORAGE = [
    p for p in (*_modules("assessment", "ui"), ROOT / "app.py") if STORAGE not in p.parents
]
LIBRARY = _modules("assessment")


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", OUTSIDE_STORAGE, ids=_id)
def test_no_sql_outside_storage(path: Path) -> None:
    found = sql_outside_storage(path.read_text(encoding="utf-8"))
    assert not found, f"{_id(path)} talks SQL; move it to assessment/storage/: {found}"


@pytest.mark.parametrize("path", LIBRARY, ids=_id)
def test_the_library_never_imports_streamlit(path: Path) -> None:
    found = imports_streamlit(path.read_text(encoding="utf-8"))
    assert not found, f"{_id(path)} imports Streamlit (only app.py and ui/ may): {found}"


def test_the_checks_see_every_module() -> None:
    names = {_id(p) for p in OUTSIDE_STORAGE}
    assert {"app.py", "ui/results.py", "assessment/dashboard.py"} <= names
    assert not any(n.startswith("assessment/storage/") for n in names)
    assert "assessment/storage/submissions.py" in {_id(p) for p in LIBRARY}


@pytest.mark.parametrize(
    "source",
    [
        "import sqlalchemy",
        "from sqlalchemy.orm import aliased",
        "def f():\n    from sqlalchemy import select\n",
        "from assessment.storage.models import Assessment",
        "from assessment.storage.db import transaction",
        "def f(engine):\n    with engine.connect() as conn:\n        conn.execute(q)\n",
        "Q = 'SELECT id FROM assessments WHERE year = 2026'",
        "Q = '''\nINSERT INTO scores VALUES (1)\n'''",
        "sql = 'DELETE FROM assessments'",
    ],
)
def test_sql_is_recognised(source: str) -> None:
    assert sql_outside_storage(source)


@pytest.mark.parametrize(
    "source",
    [
        "from assessment.storage.models import ROLES",
        "from assessment.storage.queries.dashboard import headline",
        "from assessment.storage.db import database_url",
        "x = repository().engine",
        "'''Select the year from the list.'''",
        "text = 'Update the answers, then submit.'",
    ],
)
def test_plain_code_is_not_taken_for_sql(source: str) -> None:
    assert sql_outside_storage(source) == []


def test_a_streamlit_import_is_recognised() -> None:
    assert imports_streamlit("def f():\n    import streamlit as st\n")
    assert imports_streamlit("from streamlit.testing.v1 import AppTest")
    assert not imports_streamlit("import assessment")

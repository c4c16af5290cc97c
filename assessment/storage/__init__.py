"""Storage: SQLAlchemy models, Alembic migrations and the repository (docs/storage.md).

engine = open_database()              # $DATABASE_URL or the embedded SQLite default
repo = Repository(engine, load_questionnaires())
"""

from __future__ import annotations

from assessment.storage.db import (
    current_revision,
    database_url,
    default_url,
    downgrade,
    head_revision,
    make_engine,
    open_database,
    upgrade,
)
from assessment.storage.dump import export_jsonl, import_jsonl
from assessment.storage.records import (
    AssessmentRecord,
    AuditRecord,
    Draft,
    Note,
    PeerModelRecord,
    SessionToken,
    TypicalCase,
    User,
)
from assessment.storage.repository import Repository

__all__ = [
    "AssessmentRecord",
    "AuditRecord",
    "Draft",
    "Note",
    "PeerModelRecord",
    "Repository",
    "SessionToken",
    "TypicalCase",
    "User",
    "current_revision",
    "database_url",
    "default_url",
    "downgrade",
    "export_jsonl",
    "head_revision",
    "import_jsonl",
    "make_engine",
    "open_database",
    "upgrade",
]

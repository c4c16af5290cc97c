"""The repository the app and the CLI share: one object, no Streamlit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import Engine

from assessment.questionnaire import QuestionnaireSet
from assessment.storage.audit import AuditStore
from assessment.storage.drafts import DraftStore
from assessment.storage.guards import VisitorStore
from assessment.storage.identity import IdentityStore
from assessment.storage.users import UserStore


class Repository(VisitorStore, IdentityStore, DraftStore, UserStore, AuditStore):
    """Assessments, users, sessions, notes, typical cases, audit log and peer-model registry;
    the anonymous entry points (guards.py) and identity corrections (identity.py).

    `qset` (assessment.load_questionnaires()) is needed for drafts and submission only;
    `clock` and `hasher` exist so tests can move time and choose argon2 costs.
    """

    def __init__(
        self,
        engine: Engine,
        qset: QuestionnaireSet | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        hasher: PasswordHasher | None = None,
    ) -> None:
        super().__init__(engine, clock=clock)
        self.qset = qset
        self.hasher = hasher or PasswordHasher()

"""Frozen records the repository returns: plain data, detached from any session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Draft:
    """A new draft; `resume_code` is the plain code, shown once and never stored."""

    assessment_id: int
    enterprise_id: int
    resume_code: str
    version: int


@dataclass(frozen=True, slots=True)
class AssessmentRecord:
    """One assessment with its enterprise facts and, once submitted, its scores."""

    id: int
    enterprise_id: int
    credit_code: str
    name: str
    city: str | None
    industry: str | None
    size_class: str | None
    year: int
    status: str
    answers: dict[str, Any]
    version: int
    questionnaire_versions: dict[str, str]
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    previous_assessment_id: int | None
    resume_expires_at: datetime | None
    scores: dict[str, float | None] | None

    @property
    def submitted(self) -> bool:
        return self.status == "submitted"


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    role: str
    disabled: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SessionToken:
    """A signed-in session; `token` is the plain bearer token (only its hash is stored)."""

    token: str
    user: User
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    assessment_id: int
    author: str
    body: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TypicalCase:
    assessment_id: int
    enterprise_id: int
    name: str
    year: int
    note: str
    marked_by: str
    marked_at: datetime


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    action: str
    target_type: str | None
    target_id: str | None
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PeerModelRecord:
    version: str
    path: str
    metadata: dict[str, Any]
    created_at: datetime
    active: bool

"""SQLAlchemy 2.x models: the schema that migrations/versions/ creates, table by table.

Free text that users or other systems supply (names, actors, versions) is `Text`: a length
limit would be a crash on PostgreSQL (SQLite ignores it) rather than a coded error.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from assessment.roles import ROLES as ROLES  # re-exported: storage and the CLI check roles by it
from assessment.roles import role_check_sql

# Deterministic constraint names so migrations can drop them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

STATUSES = ("draft", "submitted")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        # SQLite has no time zones; storing naive UTC keeps its text sortable.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# JSONB on PostgreSQL so dashboards can index and query answers; text JSON on SQLite.
JsonType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Enterprise(Base):
    __tablename__ = "enterprises"
    # Migration 0003: a rollup refresh finds one dashboard cell's enterprises.
    __table_args__ = (Index("ix_enterprises_city_industry_size", "city", "industry", "size_class"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(String(32))
    industry: Mapped[str | None] = mapped_column(String(32))
    size_class: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Assessment(Base):
    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'submitted')", name="status"),
        CheckConstraint("version >= 1", name="version_positive"),
        UniqueConstraint("enterprise_id", "year", name="uq_assessments_enterprise_year"),
        # Migration 0002. Dashboard queries filter on status and year and join on the
        # enterprise: with this covering index they never read the rows, whose answers
        # JSON (~5 KB) fills a page each. updated_at serves the cache key's MAX().
        Index("ix_assessments_status_year", "status", "year", "enterprise_id"),
        Index("ix_assessments_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    questionnaire_versions: Mapped[dict[str, str]] = mapped_column(JsonType)
    answers: Mapped[dict[str, Any]] = mapped_column(JsonType)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resume_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    resume_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    previous_assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id"), index=True
    )


class Score(Base):
    """Key scores of a submitted assessment, one row each, for fast dashboards."""

    __tablename__ = "scores"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), primary_key=True)
    cmmm_level: Mapped[int | None] = mapped_column(Integer)
    cmmm_total: Mapped[float | None] = mapped_column(Float)
    cmmm_score: Mapped[float | None] = mapped_column(Float)
    green_score: Mapped[float | None] = mapped_column(Float)
    green_veto: Mapped[bool | None] = mapped_column(Boolean)
    integration_index: Mapped[float | None] = mapped_column(Float)
    integration_stage: Mapped[int | None] = mapped_column(Integer)
    readiness_score: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float | None] = mapped_column(Float)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Answers the dashboard sums (assessment.storage.facts); migration 0002.
    invest_this_year: Mapped[float | None] = mapped_column(Float)
    invest_last_year: Mapped[float | None] = mapped_column(Float)


class AssessmentScore(Base):
    """Every `result.flat()` key of a submitted assessment, long format for GROUP BY."""

    __tablename__ = "assessment_scores"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(120), primary_key=True, index=True)
    value: Mapped[float | None] = mapped_column(Float)


class ScoreRollup(Base):
    """Count, answered count and sum of every score key per dashboard cell (migration 0003).

    A cell is a year, city, industry, size class and CMMM level: exactly the dimensions the
    dashboard filters by. Derived from submitted assessments and kept equal to them by
    `assessment.storage.rollup` in the transaction that changes them, so the sub-domain
    heatmap reads thousands of rows, not one per score per assessment. Unknown dimensions
    are '' (text) and -1 (level) so that the key can be a primary key on every backend.
    """

    __tablename__ = "score_rollup"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    city: Mapped[str] = mapped_column(String(32), primary_key=True)
    industry: Mapped[str] = mapped_column(String(32), primary_key=True)
    size_class: Mapped[str] = mapped_column(String(16), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    assessments: Mapped[int] = mapped_column(Integer, nullable=False)
    answered: Mapped[int] = mapped_column(Integer, nullable=False)
    total: Mapped[float | None] = mapped_column(Float)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(role_check_sql(), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LoginSession(Base):
    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SignInFailure(Base):
    """One failed sign-in; recent rows throttle by user name and by source."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        Index("ix_sign_in_failures_username_at", "username", "at"),
        Index("ix_sign_in_failures_source_at", "source", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The account's name, a keyed hash of an unknown name, or NULL for a name that cannot
    # be an account (migration 0004): what was typed is never stored as such.
    username: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class SignInSource(Base):
    """An address an account has signed in from (migration 0004; storage/throttle.py)."""

    __tablename__ = "sign_in_sources"
    __table_args__ = (UniqueConstraint("user_id", "source", name="uq_sign_in_sources_user_source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(Text)
    last_ok_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ResumeFailure(Base):
    """A wrong resume code from a source address (migration 0004)."""

    __tablename__ = "resume_failures"
    __table_args__ = (Index("ix_resume_failures_source_at", "source", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class AdvisorNote(Base):
    __tablename__ = "advisor_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    author: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TypicalCase(Base):
    __tablename__ = "typical_cases"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), primary_key=True)
    note: Mapped[str] = mapped_column(Text)
    marked_by: Mapped[str] = mapped_column(Text)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JsonType)


class PeerModel(Base):
    __tablename__ = "peer_models"
    __table_args__ = (
        # At most one active row, enforced by the database; the repository keeps one.
        Index(
            "uq_peer_models_one_active",
            "active",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(Text, unique=True)
    path: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JsonType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean)


metadata = Base.metadata

# Tables in dependency order (parents first): export, import and clearing use it.
TABLES = tuple(metadata.sorted_tables)

# Tables computed from the others: not exported, rebuilt on import (storage/rollup.py).
DERIVED = frozenset({"score_rollup"})

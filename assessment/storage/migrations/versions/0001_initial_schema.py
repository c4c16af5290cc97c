"""Initial schema: enterprises, assessments, scores, users, sessions, audit, peer models.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Self-contained on purpose: a migration must not import today's models, which will change.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=True),
        sa.Column("target_id", sa.Text(), nullable=True),
        sa.Column("detail", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index("ix_audit_log_target", "audit_log", ["target_type", "target_id"], unique=False)

    op.create_table(
        "enterprises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("city", sa.String(length=32), nullable=True),
        sa.Column("industry", sa.String(length=32), nullable=True),
        sa.Column("size_class", sa.String(length=16), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprises")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_enterprises_credit_code")),
    )
    op.create_table(
        "peer_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("metadata", JSON, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_models")),
        sa.UniqueConstraint("version", name=op.f("uq_peer_models_version")),
    )
    op.create_index(
        "uq_peer_models_one_active",
        "peer_models",
        ["active"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )

    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index(
        "ix_sign_in_failures_source_at", "sign_in_failures", ["source", "at"], unique=False
    )
    op.create_index(
        "ix_sign_in_failures_username_at", "sign_in_failures", ["username", "at"], unique=False
    )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.CheckConstraint("role IN ('staff', 'advisor', 'admin')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("questionnaire_versions", JSON, nullable=False),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("submitted_at", UTC_TIME, nullable=True),
        sa.Column("resume_code_hash", sa.String(length=64), nullable=True),
        sa.Column("resume_expires_at", UTC_TIME, nullable=True),
        sa.Column("previous_assessment_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('draft', 'submitted')", name=op.f("ck_assessments_status")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_assessments_version_positive")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_assessments_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["previous_assessment_id"],
            ["assessments.id"],
            name=op.f("fk_assessments_previous_assessment_id_assessments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint("enterprise_id", "year", name="uq_assessments_enterprise_year"),
        sa.UniqueConstraint("resume_code_hash", name=op.f("uq_assessments_resume_code_hash")),
    )
    op.create_index(
        op.f("ix_assessments_enterprise_id"), "assessments", ["enterprise_id"], unique=False
    )
    op.create_index(
        op.f("ix_assessments_previous_assessment_id"),
        "assessments",
        ["previous_assessment_id"],
        unique=False,
    )

    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("expires_at", UTC_TIME, nullable=False),
        sa.Column("last_seen_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_login_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_sessions_token_hash")),
    )
    op.create_index(op.f("ix_login_sessions_user_id"), "login_sessions", ["user_id"], unique=False)

    op.create_table(
        "advisor_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_advisor_notes_assessment_id_assessments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisor_notes")),
    )
    op.create_index(
        op.f("ix_advisor_notes_assessment_id"), "advisor_notes", ["assessment_id"], unique=False
    )

    op.create_table(
        "assessment_scores",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_assessment_scores_assessment_id_assessments"),
        ),
        sa.PrimaryKeyConstraint("assessment_id", "key", name=op.f("pk_assessment_scores")),
    )
    op.create_index(op.f("ix_assessment_scores_key"), "assessment_scores", ["key"], unique=False)

    op.create_table(
        "scores",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("cmmm_level", sa.Integer(), nullable=True),
        sa.Column("cmmm_total", sa.Float(), nullable=True),
        sa.Column("cmmm_score", sa.Float(), nullable=True),
        sa.Column("green_score", sa.Float(), nullable=True),
        sa.Column("green_veto", sa.Boolean(), nullable=True),
        sa.Column("integration_index", sa.Float(), nullable=True),
        sa.Column("integration_stage", sa.Integer(), nullable=True),
        sa.Column("readiness_score", sa.Float(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("scored_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_scores_assessment_id_assessments")
        ),
        sa.PrimaryKeyConstraint("assessment_id", name=op.f("pk_scores")),
    )
    op.create_table(
        "typical_cases",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("marked_by", sa.Text(), nullable=False),
        sa.Column("marked_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_typical_cases_assessment_id_assessments"),
        ),
        sa.PrimaryKeyConstraint("assessment_id", name=op.f("pk_typical_cases")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("typical_cases")
    op.drop_table("scores")
    op.drop_index(op.f("ix_assessment_scores_key"), table_name="assessment_scores")

    op.drop_table("assessment_scores")
    op.drop_index(op.f("ix_advisor_notes_assessment_id"), table_name="advisor_notes")

    op.drop_table("advisor_notes")
    op.drop_index(op.f("ix_login_sessions_user_id"), table_name="login_sessions")

    op.drop_table("login_sessions")
    op.drop_index(op.f("ix_assessments_previous_assessment_id"), table_name="assessments")
    op.drop_index(op.f("ix_assessments_enterprise_id"), table_name="assessments")

    op.drop_table("assessments")
    op.drop_table("users")
    op.drop_index("ix_sign_in_failures_username_at", table_name="sign_in_failures")
    op.drop_index("ix_sign_in_failures_source_at", table_name="sign_in_failures")

    op.drop_table("sign_in_failures")
    op.drop_index(
        "uq_peer_models_one_active",
        table_name="peer_models",
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )

    op.drop_table("peer_models")
    op.drop_table("enterprises")
    op.drop_index("ix_audit_log_target", table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")

    op.drop_table("audit_log")

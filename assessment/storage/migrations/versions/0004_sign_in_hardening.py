"""Sign-in and resume-code hardening (issue 14): trusted sign-in sources, resume-code
failures, no raw text of unknown user names.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

- `sign_in_sources`: the addresses an account has signed in from (a correct password from
  one of them is not held back by failures others caused elsewhere; storage/throttle.py);
- `resume_failures`: wrong resume codes per source address, to throttle and show a scan;
- `sign_in_failures.username` becomes nullable: a name that cannot be an account is not
  stored at all, an unknown one only as a keyed hash.

Rows written before this revision may hold whatever was typed into the name box (a password
typed there, or megabytes of text): the failures are dropped (they only throttle for a day)
and failed sign-ins of names that are no account lose the name. Self-contained: no import of
today's models.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the two tables, make the failure's name optional, scrub stored raw names."""
    op.create_table(
        "sign_in_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("last_ok_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sign_in_sources_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_sources")),
        sa.UniqueConstraint("user_id", "source", name="uq_sign_in_sources_user_source"),
    )
    op.create_table(
        "resume_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resume_failures")),
    )
    op.create_index("ix_resume_failures_source_at", "resume_failures", ["source", "at"])
    conn = op.get_bind()
    conn.execute(sa.text("DELETE FROM sign_in_failures"))
    with op.batch_alter_table("sign_in_failures") as batch:
        batch.alter_column("username", existing_type=sa.Text(), nullable=True)
    conn.execute(
        sa.text(
            "UPDATE audit_log SET actor = 'anonymous', target_id = NULL "
            "WHERE action = 'sign_in_failed' "
            "AND actor NOT IN (SELECT username FROM users)"
        )
    )


def downgrade() -> None:
    """Drop the two tables; failures without a name cannot be kept."""
    conn = op.get_bind()
    conn.execute(sa.text("DELETE FROM sign_in_failures WHERE username IS NULL"))
    with op.batch_alter_table("sign_in_failures") as batch:
        batch.alter_column("username", existing_type=sa.Text(), nullable=False)
    op.drop_index("ix_resume_failures_source_at", table_name="resume_failures")
    op.drop_table("resume_failures")
    op.drop_table("sign_in_sources")

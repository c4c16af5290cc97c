"""Dashboard speed: the score rollup, counts and sums per dashboard cell and score key.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

The sub-domain heatmap averaged one `assessment_scores` row per sub-domain per submitted
assessment (2 million rows at 100,000; 8–10 s, BENCHMARKS.md). `score_rollup` holds the
count and sum per (year, city, industry, size class, CMMM level, key), kept in step by
assessment.storage.rollup in every writing transaction; this revision creates it and fills
it from the stored scores with the same aggregate. The index on enterprises lets a refresh
find one cell's enterprises without a scan. Self-contained: no import of today's models.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIMS = (
    "a.year",
    "COALESCE(e.city, '')",
    "COALESCE(e.industry, '')",
    "COALESCE(e.size_class, '')",
    "COALESCE(s.cmmm_level, -1)",
    "x.key",
)
FILL = (
    "INSERT INTO score_rollup "
    "(year, city, industry, size_class, level, key, assessments, answered, total) "
    f"SELECT {', '.join(DIMS)}, COUNT(*), COUNT(x.value), SUM(x.value) "
    "FROM assessments a "
    "JOIN enterprises e ON e.id = a.enterprise_id "
    "JOIN scores s ON s.assessment_id = a.id "
    "JOIN assessment_scores x ON x.assessment_id = a.id "
    "WHERE a.status = 'submitted' "
    f"GROUP BY {', '.join(DIMS)}"
)


def upgrade() -> None:
    """Create the rollup and the enterprise index, and fill the rollup."""
    op.create_table(
        "score_rollup",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("city", sa.String(length=32), nullable=False),
        sa.Column("industry", sa.String(length=32), nullable=False),
        sa.Column("size_class", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("assessments", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint(
            "year", "city", "industry", "size_class", "level", "key", name="pk_score_rollup"
        ),
    )
    op.create_index(
        "ix_enterprises_city_industry_size", "enterprises", ["city", "industry", "size_class"]
    )
    op.execute(FILL)


def downgrade() -> None:
    """Drop the rollup (it is derived: nothing is lost) and the index."""
    op.drop_index("ix_enterprises_city_industry_size", table_name="enterprises")
    op.drop_table("score_rollup")

"""Dashboard speed: the two investment answers as numbers on `scores`, two indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

Before this revision the dashboard read them from the answers JSON of every assessment on
every query (BENCHMARKS.md, finding 5). The covering index on assessments (status, year,
enterprise_id) lets the dashboard's joins skip the wide rows; the one on updated_at serves
the cache key's MAX(updated_at). Existing submitted assessments are back-filled
here, in batches, with the same rule the application uses (a finite number, not a
boolean; anything else is NULL). Self-contained: no import of today's models.
"""

import json
import math
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FACTS = {
    "invest_this_year": "profile.invest_this_year",
    "invest_last_year": "profile.invest_last_year",
}
BATCH = 5000


def _number(value: object) -> float | None:
    # A migration is a snapshot: its own copy of the rule, not assessment.numbers.finite.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def upgrade() -> None:
    """Add the columns and back-fill them from the stored answers."""
    with op.batch_alter_table("scores") as batch:
        for column in FACTS:
            batch.add_column(sa.Column(column, sa.Float(), nullable=True))
    op.create_index(
        "ix_assessments_status_year", "assessments", ["status", "year", "enterprise_id"]
    )
    op.create_index("ix_assessments_updated_at", "assessments", ["updated_at"])
    conn = op.get_bind()
    scores = sa.table(
        "scores", sa.column("assessment_id"), *(sa.column(column) for column in FACTS)
    )
    assessments = sa.table("assessments", sa.column("id"), sa.column("answers"))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(assessments.c.id, assessments.c.answers)
            .join(scores, scores.c.assessment_id == assessments.c.id)
            .where(assessments.c.id > last)
            .order_by(assessments.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        updates = []
        for assessment_id, answers in rows:
            if isinstance(answers, str):  # SQLite hands back the JSON text
                answers = json.loads(answers)
            values = {column: _number((answers or {}).get(key)) for column, key in FACTS.items()}
            if any(v is not None for v in values.values()):
                updates.append({"b_id": assessment_id, **{"b_" + k: v for k, v in values.items()}})
        if updates:
            conn.execute(
                scores.update()
                .where(scores.c.assessment_id == sa.bindparam("b_id"))
                .values({column: sa.bindparam("b_" + column) for column in FACTS}),
                updates,
            )
        last = rows[-1][0]


def downgrade() -> None:
    """Drop the columns (the answers still hold the numbers) and the indexes."""
    op.drop_index("ix_assessments_updated_at", table_name="assessments")
    op.drop_index("ix_assessments_status_year", table_name="assessments")
    with op.batch_alter_table("scores") as batch:
        for column in FACTS:
            batch.drop_column(column)

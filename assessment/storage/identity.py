"""Who an enterprise is: name, credit code, city and industry, kept as submitted.

All of an enterprise's assessments share one `enterprises` row, which staff pages,
dashboards and the city ranking read. Once an assessment has been submitted under that
identity, a resume code (which anyone holding it may use) must not change it: a profile
save on a later draft that would is refused (S414), and the change becomes a correction
made by staff after checking the business licence (`correct_identity`, audited), which
applies to every year at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select, update

from assessment import reference
from assessment.errors import NOUNS, fail
from assessment.storage import rollup
from assessment.storage.audit import AuditStore
from assessment.storage.db import transaction
from assessment.storage.models import Assessment, Enterprise

IDENTITY = ("name", "credit_code", "city", "industry")
PROFILE = "profile"


def _given(answers: Mapping[str, Any], pid: str, field: str) -> str | None:
    value = answers.get(f"{pid}.{field}")
    if not isinstance(value, str):  # what the enterprise row does not mirror either
        return None
    return value.strip().upper() if field == "credit_code" else value


def check_identity_kept(
    conn: Connection, enterprise_id: int, answers: Mapping[str, Any], pid: str
) -> None:
    """S414 when `answers` would change the identity of an enterprise that has submitted."""
    submitted = conn.execute(
        select(Assessment.id)
        .where(Assessment.enterprise_id == enterprise_id, Assessment.status == "submitted")
        .limit(1)
    ).first()
    if submitted is None:
        return  # not registered yet: the first draft may still correct its own profile
    row = conn.execute(select(Enterprise).where(Enterprise.id == enterprise_id)).one()
    for field in IDENTITY:
        value = _given(answers, pid, field)
        if value is not None and value != getattr(row, field):
            raise fail("S414", field=f"{pid}.{field}", path=f"{pid}.{field}")


class IdentityStore(AuditStore):
    """`correct_identity`: the staff-reviewed path for changing who an enterprise is."""

    def enterprise_by_code(self, credit_code: str) -> int:
        """The id of the enterprise registered with `credit_code` (S406 when none is)."""
        code = credit_code.strip().upper()
        with transaction(self.engine) as conn:
            found = conn.execute(select(Enterprise.id).where(Enterprise.credit_code == code))
            row = found.first()
        if row is None:
            raise fail("S406", what=NOUNS["enterprise"], value=code)
        return int(row.id)

    def correct_identity(
        self,
        enterprise_id: int,
        *,
        actor: str,
        reason: str,
        name: str | None = None,
        credit_code: str | None = None,
        city: str | None = None,
        industry: str | None = None,
    ) -> dict[str, Any]:
        """Change an enterprise's identity for every year (S401, A203, A206); the new values.

        Its drafts' profile answers follow, so that the next save is not refused; submitted
        answers stay as they were submitted. The audit entry holds the before, the after and
        the reason.
        """
        if not reason.strip():
            raise fail("A205", path="reason")
        changes: dict[str, Any] = {}
        if name is not None:
            if not name.strip():
                raise fail("A205", path="name")
            changes["name"] = name.strip()
        if credit_code is not None:
            code = credit_code.strip().upper()
            detail = reference.uscc_problem(code)
            if detail:
                raise fail("A206", value=code, detail=detail)
            changes["credit_code"] = code
        for field, value, valid in (
            ("city", city, reference.CITY_CODES),
            ("industry", industry, reference.INDUSTRY_CODES),
        ):
            if value is not None:
                if value not in valid:
                    raise fail("A203", value=value, valid=", ".join(valid), path=field)
                changes[field] = value
        if not changes:
            return changes
        with transaction(self.engine, write=True) as conn:
            row = conn.execute(select(Enterprise).where(Enterprise.id == enterprise_id)).first()
            if row is None:
                raise fail("S406", what=NOUNS["enterprise"], value=enterprise_id)
            if "credit_code" in changes:
                other = conn.execute(
                    select(Enterprise.id).where(
                        Enterprise.credit_code == changes["credit_code"],
                        Enterprise.id != enterprise_id,
                    )
                ).first()
                if other is not None:
                    raise fail("S401", value=changes["credit_code"])
            before = {field: getattr(row, field) for field in changes}
            with rollup.tracking(conn, [enterprise_id]):
                conn.execute(
                    update(Enterprise).where(Enterprise.id == enterprise_id).values(**changes)
                )
            self._follow_in_drafts(conn, enterprise_id, changes)
            self._audit(
                conn,
                actor,
                "correct_identity",
                "enterprise",
                enterprise_id,
                {"before": before, "after": changes, "reason": reason.strip()},
            )
        return changes

    def _follow_in_drafts(
        self, conn: Connection, enterprise_id: int, changes: Mapping[str, Any]
    ) -> None:
        # The profile questionnaire's id; "profile" in every shipped and test set.
        pid = PROFILE
        drafts = conn.execute(
            select(Assessment.id, Assessment.answers).where(
                Assessment.enterprise_id == enterprise_id, Assessment.status == "draft"
            )
        ).all()
        for draft in drafts:
            answers = dict(draft.answers)
            answers.update({f"{pid}.{field}": value for field, value in changes.items()})
            conn.execute(
                update(Assessment)
                .where(Assessment.id == draft.id)
                .values(answers=answers, version=Assessment.version + 1, updated_at=self.now())
            )

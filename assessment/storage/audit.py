"""Audit log, advisor notes, typical-case marks and the peer-model registry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from assessment.errors import NOUNS, fail
from assessment.storage.db import transaction
from assessment.storage.models import AdvisorNote, Assessment, AuditEntry, Enterprise, PeerModel
from assessment.storage.models import TypicalCase as TypicalCaseRow
from assessment.storage.records import AuditRecord, Note, PeerModelRecord, TypicalCase


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def write_audit(
    conn: Connection,
    at: datetime,
    actor: str,
    action: str,
    target_type: str | None = None,
    target_id: Any = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one audit entry in the caller's transaction."""
    conn.execute(
        insert(AuditEntry).values(
            at=at,
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            detail=detail or {},
        )
    )


class AuditStore:
    """Shared state of the repository parts plus the audit, notes and registry functions."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self.now = clock or utcnow

    # --- audit log ---------------------------------------------------------------
    def _audit(
        self,
        conn: Connection,
        actor: str,
        action: str,
        target_type: str | None = None,
        target_id: Any = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        write_audit(conn, self.now(), actor, action, target_type, target_id, detail)

    def audit(
        self,
        actor: str,
        action: str,
        target_type: str | None = None,
        target_id: Any = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Record who did what to which object."""
        with transaction(self.engine, write=True) as conn:
            self._audit(conn, actor, action, target_type, target_id, detail)

    def audit_log(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        target_type: str | None = None,
        target_id: Any = None,
        since: datetime | None = None,
        limit: int = 500,
    ) -> list[AuditRecord]:
        """Audit entries, newest first, filtered by any of the given fields."""
        query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        for column, value in (
            (AuditEntry.actor, actor),
            (AuditEntry.action, action),
            (AuditEntry.target_type, target_type),
            (AuditEntry.target_id, None if target_id is None else str(target_id)),
        ):
            if value is not None:
                query = query.where(column == value)
        if since is not None:
            query = query.where(AuditEntry.at >= since)
        with transaction(self.engine) as conn:
            rows = conn.execute(query.limit(limit)).all()
        return [
            AuditRecord(
                id=r.id,
                at=r.at,
                actor=r.actor,
                action=r.action,
                target_type=r.target_type,
                target_id=r.target_id,
                detail=dict(r.detail),
            )
            for r in rows
        ]

    def purge_audit(self, older_than: timedelta, *, actor: str = "system") -> int:
        """Delete audit entries older than `older_than` (the retention, SECURITY.md); count.

        The purge itself is recorded, so the log shows when and how far it was cut.
        """
        if older_than <= timedelta(0):
            raise ValueError("the retention must be positive")
        cutoff = self.now() - older_than
        with transaction(self.engine, write=True) as conn:
            removed = conn.execute(delete(AuditEntry).where(AuditEntry.at < cutoff)).rowcount
            detail = {"before": cutoff.isoformat(), "removed": removed}
            self._audit(conn, actor, "purge_audit", "audit_log", None, detail)
        return removed

    # --- advisor notes -------------------------------------------------------------
    def _require_assessment(self, conn: Connection, assessment_id: int) -> None:
        found = conn.execute(select(Assessment.id).where(Assessment.id == assessment_id)).first()
        if found is None:
            raise fail("S406", what=NOUNS["assessment"], value=assessment_id)

    def add_note(self, assessment_id: int, author: str, body: str) -> Note:
        """Attach an advisor's note to an assessment."""
        now = self.now()
        with transaction(self.engine, write=True) as conn:
            self._require_assessment(conn, assessment_id)
            note_id = conn.execute(
                insert(AdvisorNote)
                .values(assessment_id=assessment_id, author=author, body=body, created_at=now)
                .returning(AdvisorNote.id)
            ).scalar_one()
            self._audit(conn, author, "add_note", "assessment", assessment_id, {"note": note_id})
        return Note(note_id, assessment_id, author, body, now)

    def notes_for(self, assessment_id: int) -> list[Note]:
        """An assessment's notes, oldest first."""
        query = (
            select(AdvisorNote)
            .where(AdvisorNote.assessment_id == assessment_id)
            .order_by(AdvisorNote.created_at, AdvisorNote.id)
        )
        with transaction(self.engine) as conn:
            rows = conn.execute(query).all()
        return [Note(r.id, r.assessment_id, r.author, r.body, r.created_at) for r in rows]

    # --- typical cases -------------------------------------------------------------
    def mark_typical_case(self, assessment_id: int, by: str, note: str = "") -> TypicalCase:
        """Mark an assessment as a typical case (again: replaces the note)."""
        now = self.now()
        with transaction(self.engine, write=True) as conn:
            self._require_assessment(conn, assessment_id)
            values = {"note": note, "marked_by": by, "marked_at": now}
            updated = conn.execute(
                update(TypicalCaseRow)
                .where(TypicalCaseRow.assessment_id == assessment_id)
                .values(**values)
            ).rowcount
            if not updated:
                conn.execute(insert(TypicalCaseRow).values(assessment_id=assessment_id, **values))
            self._audit(conn, by, "mark_typical_case", "assessment", assessment_id, {"note": note})
            return self._typical_cases(conn, assessment_id)[0]

    def unmark_typical_case(self, assessment_id: int, by: str) -> bool:
        """Remove the typical-case mark; False when there was none."""
        with transaction(self.engine, write=True) as conn:
            removed = conn.execute(
                delete(TypicalCaseRow).where(TypicalCaseRow.assessment_id == assessment_id)
            ).rowcount
            if removed:
                self._audit(conn, by, "unmark_typical_case", "assessment", assessment_id)
        return bool(removed)

    def typical_cases(self) -> list[TypicalCase]:
        """All typical cases, most recently marked first."""
        with transaction(self.engine) as conn:
            return self._typical_cases(conn)

    def _typical_cases(
        self, conn: Connection, assessment_id: int | None = None
    ) -> list[TypicalCase]:
        query = (
            select(
                TypicalCaseRow,
                Assessment.enterprise_id,
                Assessment.year,
                Enterprise.name,
            )
            .join(Assessment, Assessment.id == TypicalCaseRow.assessment_id)
            .join(Enterprise, Enterprise.id == Assessment.enterprise_id)
            .order_by(TypicalCaseRow.marked_at.desc(), TypicalCaseRow.assessment_id)
        )
        if assessment_id is not None:
            query = query.where(TypicalCaseRow.assessment_id == assessment_id)
        return [
            TypicalCase(
                assessment_id=r.assessment_id,
                enterprise_id=r.enterprise_id,
                name=r.name,
                year=r.year,
                note=r.note,
                marked_by=r.marked_by,
                marked_at=r.marked_at,
            )
            for r in conn.execute(query).all()
        ]

    # --- peer-model registry -------------------------------------------------------
    def register_peer_model(
        self,
        version: str,
        path: str,
        metadata: dict[str, Any],
        activate: bool = True,
        *,
        actor: str = "system",
    ) -> PeerModelRecord:
        """Record a fitted peer model; the first one, or with activate=True, becomes active."""
        with transaction(self.engine, write=True) as conn:
            exists = conn.execute(select(PeerModel.id).where(PeerModel.version == version)).first()
            if exists:
                raise fail("S413", value=version)
            any_active = conn.execute(select(PeerModel.id).where(PeerModel.active)).first()
            make_active = activate or any_active is None
            if make_active:
                conn.execute(update(PeerModel).where(PeerModel.active).values(active=False))
            try:
                conn.execute(
                    insert(PeerModel).values(
                        {
                            PeerModel.version: version,
                            PeerModel.path: str(path),
                            PeerModel.meta: metadata,
                            PeerModel.created_at: self.now(),
                            PeerModel.active: make_active,
                        }
                    )
                )
            except IntegrityError as err:  # a concurrent registration of the same version
                raise fail("S413", value=version) from err
            self._audit(conn, actor, "register_peer_model", "peer_model", version, {"path": path})
            return self._peer_models(conn, version)[0]

    def activate_peer_model(self, version: str, *, actor: str = "system") -> PeerModelRecord:
        """Make `version` the one active peer model."""
        with transaction(self.engine, write=True) as conn:
            exists = conn.execute(select(PeerModel.id).where(PeerModel.version == version)).first()
            if not exists:
                raise fail("S406", what=NOUNS["peer_model"], value=version)
            # Deactivate first: the partial unique index allows one active row at a time.
            conn.execute(update(PeerModel).where(PeerModel.active).values(active=False))
            conn.execute(update(PeerModel).where(PeerModel.version == version).values(active=True))
            self._audit(conn, actor, "activate_peer_model", "peer_model", version)
            return self._peer_models(conn, version)[0]

    def active_peer_model(self) -> PeerModelRecord | None:
        """The active peer model, or None before any is registered."""
        with transaction(self.engine) as conn:
            found = self._peer_models(conn, active=True)
        return found[0] if found else None

    def list_peer_models(self) -> list[PeerModelRecord]:
        """Every registered peer model, newest first."""
        with transaction(self.engine) as conn:
            return self._peer_models(conn)

    def _peer_models(
        self, conn: Connection, version: str | None = None, active: bool = False
    ) -> list[PeerModelRecord]:
        query = select(PeerModel).order_by(PeerModel.created_at.desc(), PeerModel.id.desc())
        if version is not None:
            query = query.where(PeerModel.version == version)
        if active:
            query = query.where(PeerModel.active)
        return [
            PeerModelRecord(r.version, r.path, dict(r._mapping["metadata"]), r.created_at, r.active)
            for r in conn.execute(query).all()
        ]

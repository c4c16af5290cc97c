"""What an anonymous visitor can try: resume codes (throttled per source address and
logged) and registering a credit code that is already taken (referred to staff, with a
message that says nothing about the code)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from assessment.errors import AssessmentError, fail
from assessment.storage import throttle
from assessment.storage.db import transaction
from assessment.storage.intake import IntakeStore
from assessment.storage.records import AssessmentRecord, Draft

log = logging.getLogger(__name__)


class VisitorStore(IntakeStore):
    """`resume_from`, `register` and `register_from_answers`: the anonymous entry points."""

    def resume_from(self, code: str, source: str | None) -> AssessmentRecord:
        """`resume`, refused (S416) after too many wrong codes from `source`; each wrong
        code is counted, written to the audit log (without the code) and logged."""
        now = self.now()
        if source:
            with transaction(self.engine) as conn:
                throttle.check_resume(conn, source, now)
        try:
            return self.resume(code)
        except AssessmentError as err:
            if err.code == "S408" and source:
                with transaction(self.engine, write=True) as conn:
                    throttle.record_resume_failure(conn, source, now)
                    self._audit(
                        conn, "anonymous", "resume_failed", "assessment", None, {"source": source}
                    )
                log.warning("wrong or expired resume code from %s", source)
            raise

    @contextmanager
    def _referred(self, answers: Mapping[str, Any], source: str | None) -> Iterator[None]:
        try:
            yield
        except AssessmentError as err:
            if err.code != "S401":
                raise
            code = str(answers.get("profile.credit_code", "")).strip().upper()
            # For the staff who help this enterprise: which code, from where. The visitor
            # learns only that online registration is not possible (S415).
            self.audit(
                "anonymous",
                "registration_referred",
                "enterprise",
                None,
                {"credit_code": code[:18], "source": source},
            )
            raise fail("S415") from None

    def register(
        self, profile_answers: Mapping[str, Any], year: int, *, source: str | None = None
    ) -> Draft:
        """`create_draft` for a visitor: a taken credit code gets the neutral S415."""
        with self._referred(profile_answers, source):
            return self.create_draft(profile_answers, year)

    def register_from_answers(
        self, answers: Mapping[str, Any], year: int, *, source: str | None = None
    ) -> Draft:
        """`create_draft_from_answers` for a visitor (all or nothing; S415 for a taken code)."""
        with self._referred(answers, source):
            return self.create_draft_from_answers(answers, year)

"""Starting a draft from a whole answers file: all of it in one transaction, or nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from assessment.errors import AssessmentError, fail, problem
from assessment.storage.db import transaction
from assessment.storage.drafts import DraftStore, check_size, encode_answers, parse_answers
from assessment.storage.models import Enterprise
from assessment.storage.records import Draft


class IntakeStore(DraftStore):
    """`create_draft_from_answers`: the upload path of the landing page."""

    def create_draft_from_answers(
        self, answers: Mapping[str, Any], year: int, *, actor: str = "enterprise"
    ) -> Draft:
        """Register an enterprise and start its draft holding every answer, atomically.

        Checked whole first (A2xx, S403, S404; open questions are allowed, the profile's
        first section must be complete), then the enterprise and the draft are written in
        one transaction: a refusal leaves nothing behind (S401 if the code is taken).
        """
        qset = self._qset()
        pid = self._profile_id()
        answers = parse_answers(answers)
        self._validate(answers, partial=True, section=qset[pid].sections[0].id)
        missing = [f"{pid}.{f}" for f in ("name", "credit_code") if not answers.get(f"{pid}.{f}")]
        if missing:
            raise AssessmentError([problem("A205", path=key) for key in missing])
        text = encode_answers(answers)  # S404, once; the text is what is stored
        check_size(text)
        code = str(answers[f"{pid}.credit_code"]).strip().upper()
        with transaction(self.engine, write=True) as conn:
            taken = conn.execute(select(Enterprise.id).where(Enterprise.credit_code == code))
            if taken.first() is not None:
                raise fail("S401", value=code)
            try:
                enterprise_id = conn.execute(
                    insert(Enterprise)
                    .values(
                        credit_code=code,
                        name=str(answers[f"{pid}.name"]),
                        city=answers.get(f"{pid}.city"),
                        industry=answers.get(f"{pid}.industry"),
                        created_at=self.now(),
                    )
                    .returning(Enterprise.id)
                ).scalar_one()
            except IntegrityError as err:  # registered concurrently
                raise fail("S401", value=code) from err
            assessment_id, resume = self._insert_assessment(conn, enterprise_id, year, text)
            detail = {"year": year, "answers": len(answers), "from": "answers file"}
            self._audit(conn, actor, "create_draft", "assessment", assessment_id, detail)
        return Draft(assessment_id, enterprise_id, resume, 1)

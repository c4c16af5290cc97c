"""Starting a draft from a whole answers file: all of it in one transaction, or nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assessment.errors import AssessmentError, problem
from assessment.storage.db import transaction
from assessment.storage.drafts import DraftStore, check_size, encode_answers, parse_answers
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
            enterprise_id = self._register_enterprise(conn, code, answers)
            assessment_id, resume = self._insert_assessment(conn, enterprise_id, year, text)
            detail = {"year": year, "answers": len(answers), "from": "answers file"}
            self._audit(conn, actor, "create_draft", "assessment", assessment_id, detail)
        return Draft(assessment_id, enterprise_id, resume, 1)

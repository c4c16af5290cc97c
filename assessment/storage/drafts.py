"""Assessments: drafts saved per section, resume codes, optimistic locking, submission."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from assessment.answers import json_detail
from assessment.errors import NOUNS, AssessmentError, Bilingual, fail, foreign, problem
from assessment.questionnaire import QuestionnaireSet, Section
from assessment.storage import rollup, submissions
from assessment.storage.audit import AuditStore
from assessment.storage.db import json_text, transaction
from assessment.storage.identity import check_identity_kept
from assessment.storage.models import Assessment, AssessmentScore, Enterprise
from assessment.storage.records import AssessmentRecord, Draft

if TYPE_CHECKING:
    import pandas as pd

    from assessment.scored import ScoredAssessment

ANSWERS_LIMIT = 1_000_000  # bytes of UTF-8 JSON (S403)
RESUME_LIFETIME = timedelta(days=365)
# RFC 4648 base32: no 0, 1, 8 or 9, so a typed code has fewer look-alikes.
RESUME_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
RESUME_LENGTH = 28  # 28 × 5 = 140 random bits, shown as seven groups of four
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def new_resume_code() -> str:
    """A fresh resume code like `K7Q2-MZ4D-…` (140 bits from `secrets`)."""
    raw = "".join(secrets.choice(RESUME_ALPHABET) for _ in range(RESUME_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RESUME_LENGTH, 4))


def normalize_resume_code(code: str) -> str:
    """Upper-case, no separators, look-alike digits mapped to the letters they resemble."""
    return re.sub(r"[^A-Z0-9]", "", code.upper()).translate(_LOOKALIKES)


def resume_hash(code: str) -> str:
    """SHA-256 (hex) of the normalized code: what the database stores."""
    return hashlib.sha256(normalize_resume_code(code).encode("ascii")).hexdigest()


def answers_json(answers: Mapping[str, Any]) -> str:
    """The canonical JSON text of an answer set (what the size limit applies to)."""
    return json.dumps(answers, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def parse_answers(answers: Mapping[str, Any] | str) -> dict[str, Any]:
    """Answers given as a mapping or as JSON text (S404 when the text is not a JSON object)."""
    given = as_mapping(answers)
    encode_answers(given)
    return given


def as_mapping(answers: Mapping[str, Any] | str) -> dict[str, Any]:
    """Answers given as a mapping or as JSON text, not yet checked for what JSON can hold."""
    if isinstance(answers, str):
        try:
            answers = json.loads(answers)
        except json.JSONDecodeError as err:
            raise fail("S404", detail=json_detail(err)) from None
        except ValueError:  # an integer of more than 4,300 digits
            raise fail(
                "S404", detail=Bilingual("a number has too many digits", "某个数字位数过多")
            ) from None
        except RecursionError:
            raise fail(
                "S404", detail=Bilingual("the JSON is nested too deeply", "JSON 嵌套层数过多")
            ) from None
        if not isinstance(answers, dict):
            raise fail("S404", detail=_not_an_object(answers))
    if not isinstance(answers, Mapping):
        raise fail("S404", detail=_not_an_object(answers))
    return dict(answers)


def encode_answers(answers: Mapping[str, Any]) -> str:
    """`answers_json` of answers a JSON column (and PostgreSQL's jsonb) can hold, else S404.

    No NaN or infinity, no lone surrogates, nothing nested beyond Python's stack. A save
    encodes its answers once, here: the size limit is measured on this text and the text
    is what is stored.
    """
    try:
        text = json.dumps(
            answers, allow_nan=False, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        text.encode("utf-8")
    except (ValueError, TypeError) as err:
        raise fail("S404", detail=foreign(err, "答案中有无法保存为 JSON 的值")) from None
    except UnicodeEncodeError:
        raise fail(
            "S404",
            detail=Bilingual(
                "a text holds an invalid character (a lone surrogate)",
                "某段文字含有无效字符（单独的代理码位）",
            ),
        ) from None
    except RecursionError:
        raise fail(
            "S404", detail=Bilingual("the answers are nested too deeply", "答案嵌套层数过多")
        ) from None
    return text


def _not_an_object(answers: object) -> Bilingual:
    kind = type(answers).__name__
    return Bilingual(f"an object is expected, not {kind}", f"应为对象，而不是 {kind}")


def check_size(text: str) -> None:
    size = len(text.encode("utf-8"))
    if size > ANSWERS_LIMIT:
        raise fail("S403", size=size, limit=ANSWERS_LIMIT)


class DraftStore(AuditStore):
    """Drafts, submission and the read side of assessments."""

    qset: QuestionnaireSet | None

    # --- helpers -----------------------------------------------------------------
    def _qset(self) -> QuestionnaireSet:
        if self.qset is None:
            raise TypeError("this Repository was built without a questionnaire set")
        return self.qset

    def _profile_id(self) -> str:
        for q in self._qset().questionnaires:
            if q.kind == "profile":
                return q.id
        return "profile"

    def _section(self, section_id: str) -> Section:
        for q in self._qset().questionnaires:
            section = q.section(section_id)
            if section is not None:
                return section
        raise fail("S406", what=NOUNS["section"], value=section_id)

    def _validate(
        self, answers: Mapping[str, Any], *, partial: bool, section: str | None = None
    ) -> None:
        from assessment.answers import validate_answers

        problems = validate_answers(answers, self._qset(), partial=partial, section=section)
        if problems:
            raise AssessmentError(problems)

    def _check_versions(self, stored: Mapping[str, str]) -> None:
        current = self._qset().versions()
        for qid, version in sorted(stored.items()):
            if current.get(qid) != version:
                valid = current.get(qid) or Bilingual("none", "无")
                raise fail("S405", questionnaire=qid, value=version, valid=valid)

    def _row(self, conn: Connection, assessment_id: int) -> Row[Assessment]:
        row = conn.execute(select(Assessment).where(Assessment.id == assessment_id)).first()
        if row is None:
            raise fail("S406", what=NOUNS["assessment"], value=assessment_id)
        return row

    def _check_editable(self, row: Row[Assessment], expected_version: int) -> None:
        if row.status == "submitted":
            raise fail("S407", when=row.submitted_at.date().isoformat())
        if row.version != expected_version:
            raise fail("S402", expected=expected_version, actual=row.version)

    def _lost_race(self, conn: Connection, assessment_id: int, expected: int) -> AssessmentError:
        # The guarded UPDATE matched nothing: report what the winner left behind.
        row = self._row(conn, assessment_id)
        if row.status == "submitted":
            return fail("S407", when=row.submitted_at.date().isoformat())
        return fail("S402", expected=expected, actual=row.version)

    def _record(self, conn: Connection, assessment_id: int) -> AssessmentRecord:
        query = (
            select(Assessment, Enterprise.credit_code, Enterprise.name)
            .add_columns(Enterprise.city, Enterprise.industry, Enterprise.size_class)
            .join(Enterprise, Enterprise.id == Assessment.enterprise_id)
            .where(Assessment.id == assessment_id)
        )
        row = conn.execute(query).first()
        if row is None:
            raise fail("S406", what=NOUNS["assessment"], value=assessment_id)
        scores = None
        if row.status == "submitted":
            pairs = conn.execute(
                select(AssessmentScore.key, AssessmentScore.value).where(
                    AssessmentScore.assessment_id == assessment_id
                )
            ).all()
            scores = {key: value for key, value in pairs}
        return AssessmentRecord(
            id=row.id,
            enterprise_id=row.enterprise_id,
            credit_code=row.credit_code,
            name=row.name,
            city=row.city,
            industry=row.industry,
            size_class=row.size_class,
            year=row.year,
            status=row.status,
            answers=dict(row.answers),
            version=row.version,
            questionnaire_versions=dict(row.questionnaire_versions),
            created_at=row.created_at,
            updated_at=row.updated_at,
            submitted_at=row.submitted_at,
            previous_assessment_id=row.previous_assessment_id,
            resume_expires_at=row.resume_expires_at,
            scores=scores,
        )

    def _insert_assessment(
        self,
        conn: Connection,
        enterprise_id: int,
        year: int,
        answers: dict[str, Any] | str,
        previous_id: int | None = None,
    ) -> tuple[int, str]:
        now = self.now()
        code = new_resume_code()
        try:
            assessment_id = conn.execute(
                insert(Assessment)
                .values(
                    enterprise_id=enterprise_id,
                    year=year,
                    status="draft",
                    questionnaire_versions=self._qset().versions(),
                    answers=json_text(conn, answers) if isinstance(answers, str) else answers,
                    version=1,
                    created_at=now,
                    updated_at=now,
                    resume_code_hash=resume_hash(code),
                    resume_expires_at=now + RESUME_LIFETIME,
                    previous_assessment_id=previous_id,
                )
                .returning(Assessment.id)
            ).scalar_one()
        except IntegrityError as err:  # (enterprise, year) taken concurrently
            raise fail("S411", value=enterprise_id, year=year) from err
        return assessment_id, code

    def _sync_enterprise(
        self, conn: Connection, enterprise_id: int, answers: Mapping[str, Any]
    ) -> None:
        # The enterprise row mirrors the profile answers it is filtered by; its size class
        # is set when the assessment is submitted (storage/submissions.py).
        facts = submissions.enterprise_facts(answers, self._profile_id())
        del facts["size_class"]
        submissions.set_facts(conn, enterprise_id, facts)

    # --- drafts ------------------------------------------------------------------
    def create_draft(
        self,
        profile_answers: Mapping[str, Any],
        year: int,
        *,
        section: str | None = None,
        actor: str = "enterprise",
    ) -> Draft:
        """Register an enterprise and start its draft (S401 if the credit code is taken)."""
        qset = self._qset()
        pid = self._profile_id()
        answers = as_mapping(profile_answers)
        outside = [key for key in answers if not key.startswith(f"{pid}.")]
        if outside:
            raise AssessmentError(
                [problem("A201", path=k, item=k, questionnaire=pid) for k in outside]
            )
        text = encode_answers(answers)
        if section is None:
            section = qset[pid].sections[0].id
        self._validate(answers, partial=True, section=section)
        missing = [f"{pid}.{f}" for f in ("name", "credit_code") if not answers.get(f"{pid}.{f}")]
        if missing:
            raise AssessmentError([problem("A205", path=key) for key in missing])
        code = str(answers[f"{pid}.credit_code"]).strip().upper()
        check_size(text)
        with transaction(self.engine, write=True) as conn:
            enterprise_id = self._register_enterprise(conn, code, answers)
            assessment_id, resume = self._insert_assessment(conn, enterprise_id, year, text)
            self._audit(conn, actor, "create_draft", "assessment", assessment_id, {"year": year})
        return Draft(assessment_id, enterprise_id, resume, 1)

    def _register_enterprise(self, conn: Connection, code: str, answers: Mapping[str, Any]) -> int:
        """A new enterprise row for a credit code nobody holds (S401 if it is taken)."""
        pid = self._profile_id()
        taken = conn.execute(select(Enterprise.id).where(Enterprise.credit_code == code)).first()
        if taken is not None:
            raise fail("S401", value=code)
        try:
            enterprise_id: int = conn.execute(
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
        return enterprise_id

    def save_section(
        self,
        assessment_id: int,
        section_id: str,
        answers: Mapping[str, Any] | str,
        expected_version: int,
        *,
        require_complete: bool = True,
    ) -> int:
        """Replace one section's answers of a draft; returns the new version (S402 stale).

        The merged answers are validated once and JSON-encoded once (the stored text).
        """
        section = self._section(section_id)
        given = as_mapping(answers)
        own = {item.id for item in section.items}
        outside = [key for key in given if key not in own]
        if outside:
            raise AssessmentError(
                [problem("A201", path=k, item=k, questionnaire=section_id) for k in outside]
            )
        with transaction(self.engine, write=True) as conn:
            row = self._row(conn, assessment_id)
            self._check_editable(row, expected_version)
            self._check_versions(row.questionnaire_versions)
            merged = {k: v for k, v in row.answers.items() if k not in own}
            merged.update(given)
            text = encode_answers(merged)
            self._validate(merged, partial=True, section=section_id if require_complete else None)
            check_size(text)
            # The version guard makes this compare-and-set even without the row lock that
            # SQLite's BEGIN IMMEDIATE gives: of two writers that read the same version,
            # exactly one UPDATE matches (PostgreSQL re-checks the WHERE after waiting).
            done = conn.execute(
                update(Assessment)
                .where(
                    Assessment.id == assessment_id,
                    Assessment.version == expected_version,
                    Assessment.status == "draft",
                )
                .values(
                    answers=json_text(conn, text),
                    version=Assessment.version + 1,
                    updated_at=self.now(),
                )
            ).rowcount
            if done != 1:
                raise self._lost_race(conn, assessment_id, expected_version)
            if section_id.startswith(f"{self._profile_id()}."):
                # Submitted years keep the identity they were submitted under (S414).
                check_identity_kept(conn, row.enterprise_id, merged, self._profile_id())
                # A new city or industry moves earlier submissions to other dashboard cells.
                with rollup.tracking(conn, [row.enterprise_id]):
                    self._sync_enterprise(conn, row.enterprise_id, merged)
        return expected_version + 1

    def submit(
        self, assessment_id: int, expected_version: int, *, actor: str = "enterprise"
    ) -> AssessmentRecord:
        """Validate, score and freeze a draft; scores are stored in the same transaction."""
        from assessment.scoring import score_checked

        with transaction(self.engine) as conn:
            row = self._row(conn, assessment_id)
        self._check_editable(row, expected_version)
        self._check_versions(row.questionnaire_versions)
        answers = dict(row.answers)
        self._validate(answers, partial=False)
        scores = score_checked(answers, self._qset()).scores  # validated just above
        now = self.now()
        with transaction(self.engine, write=True) as conn:
            done = conn.execute(
                update(Assessment)
                .where(
                    Assessment.id == assessment_id,
                    Assessment.version == expected_version,
                    Assessment.status == "draft",
                )
                .values(
                    status="submitted",
                    version=Assessment.version + 1,
                    updated_at=now,
                    submitted_at=now,
                )
            ).rowcount
            if done != 1:
                raise self._lost_race(conn, assessment_id, expected_version)
            key = submissions.key_scores(scores)
            detail = {"cmmm_level": key["cmmm_level"], "readiness": key["readiness_score"]}
            submissions.record(
                conn,
                [submissions.Entry(assessment_id, row.enterprise_id, answers, scores, now)],
                audit=submissions.Audit(
                    actor, "submit", self.now(), "assessment", assessment_id, detail
                ),
                profile=self._profile_id(),
            )
            return self._record(conn, assessment_id)

    def resume(self, code: str) -> AssessmentRecord:
        """The assessment a resume code opens (S408 when unknown or expired)."""
        # Looking up the hash compares in the index, never byte by byte against the secret.
        wanted = resume_hash(code)
        with transaction(self.engine) as conn:
            row = conn.execute(
                select(Assessment.id, Assessment.resume_expires_at).where(
                    Assessment.resume_code_hash == wanted
                )
            ).first()
            if row is None or row.resume_expires_at is None or row.resume_expires_at <= self.now():
                raise fail("S408")
            return self._record(conn, row.id)

    def start_next_year(
        self, previous_assessment_id: int, resume_code: str, year: int, *, actor: str = "enterprise"
    ) -> Draft:
        """Start a new year's draft for the same enterprise, with the profile carried over."""
        previous = self.resume(resume_code)
        if previous.id != previous_assessment_id:
            raise fail("S408")
        pid = self._profile_id()
        profile = {k: v for k, v in previous.answers.items() if k.startswith(f"{pid}.")}
        with transaction(self.engine, write=True) as conn:
            taken = conn.execute(
                select(Assessment.id).where(
                    Assessment.enterprise_id == previous.enterprise_id, Assessment.year == year
                )
            ).first()
            if taken is not None:
                raise fail("S411", value=previous.name, year=year)
            assessment_id, code = self._insert_assessment(
                conn, previous.enterprise_id, year, profile, previous_id=previous.id
            )
            self._audit(
                conn,
                actor,
                "start_next_year",
                "assessment",
                assessment_id,
                {"previous": previous.id, "year": year},
            )
        return Draft(assessment_id, previous.enterprise_id, code, 1)

    # --- reading -----------------------------------------------------------------
    def get(self, assessment_id: int) -> AssessmentRecord:
        """One assessment (S406 when there is none)."""
        with transaction(self.engine) as conn:
            return self._record(conn, assessment_id)

    def history(self, enterprise_id: int) -> list[AssessmentRecord]:
        """An enterprise's assessments, oldest year first."""
        with transaction(self.engine) as conn:
            ids = (
                conn.execute(
                    select(Assessment.id)
                    .where(Assessment.enterprise_id == enterprise_id)
                    .order_by(Assessment.year, Assessment.id)
                )
                .scalars()
                .all()
            )
            return [self._record(conn, i) for i in ids]

    def scores_frame(
        self,
        *,
        city: str | None = None,
        industry: str | None = None,
        size_class: str | None = None,
        year: int | None = None,
        latest: bool = False,
        flat: bool = False,
    ) -> pd.DataFrame:
        """Submitted assessments with enterprise facts and key scores, one row each.

        latest=True keeps each enterprise's most recent year; flat=True adds a column for
        every stored `result.flat()` key (assessment.storage.queries.peers.scores_frame).
        """
        from assessment.storage.queries.peers import scores_frame

        return scores_frame(
            self.engine,
            city=city,
            industry=industry,
            size_class=size_class,
            year=year,
            latest=latest,
            flat=flat,
        )

    def scored(self, assessment: int | AssessmentRecord) -> ScoredAssessment:
        """A submitted assessment with its stored scores (S406 when there is none).

        Given a record already read, nothing is read again. Asking for a draft is a bug of
        the caller (ValueError): a draft has no scores.
        """
        from assessment.scored import scored_assessment

        record = self.get(assessment) if isinstance(assessment, int) else assessment
        if not record.submitted or record.scores is None:
            raise ValueError(f"assessment {record.id} is a draft: it has no stored scores")
        return scored_assessment(
            record.answers,
            record.scores,
            self._qset(),
            assessment_id=record.id,
            year=record.year,
            versions=record.questionnaire_versions,
        )

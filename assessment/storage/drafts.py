"""Assessments: drafts saved per section, resume codes, optimistic locking, submission."""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from assessment.answers import json_detail
from assessment.errors import AssessmentError, fail, problem
from assessment.questionnaire import QuestionnaireSet, Section
from assessment.storage import rollup
from assessment.storage.audit import AuditStore
from assessment.storage.db import transaction
from assessment.storage.facts import answer_facts
from assessment.storage.identity import check_identity_kept
from assessment.storage.models import Assessment, AssessmentScore, Enterprise, Score
from assessment.storage.records import AssessmentRecord, Draft

if TYPE_CHECKING:
    import pandas as pd

ANSWERS_LIMIT = 1_000_000  # bytes of UTF-8 JSON (S403)
RESUME_LIFETIME = timedelta(days=365)
# RFC 4648 base32: no 0, 1, 8 or 9, so a typed code has fewer look-alikes.
RESUME_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
RESUME_LENGTH = 28  # 28 × 5 = 140 random bits, shown as seven groups of four
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})

# Score-row columns and where they come from in the structured result.
KEY_SCORES = (
    "cmmm_level",
    "cmmm_total",
    "cmmm_score",
    "green_score",
    "green_veto",
    "integration_index",
    "integration_stage",
    "readiness_score",
    "confidence",
)


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
    if isinstance(answers, str):
        try:
            answers = json.loads(answers)
        except json.JSONDecodeError as err:
            raise fail("S404", detail=json_detail(err)) from None
        except ValueError:  # an integer of more than 4,300 digits
            raise fail("S404", detail="a number has too many digits") from None
        except RecursionError:
            raise fail("S404", detail="the JSON is nested too deeply") from None
        if not isinstance(answers, dict):
            raise fail("S404", detail=f"an object is expected, not {type(answers).__name__}")
    if not isinstance(answers, Mapping):
        raise fail("S404", detail=f"an object is expected, not {type(answers).__name__}")
    try:
        # What a JSON column (and PostgreSQL's jsonb) can hold: no NaN or infinity, no
        # lone surrogates, nothing nested beyond Python's stack.
        json.dumps(answers, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (ValueError, TypeError) as err:
        raise fail("S404", detail=str(err)) from None
    except UnicodeEncodeError:
        raise fail("S404", detail="a text holds an invalid character (a lone surrogate)") from None
    except RecursionError:
        raise fail("S404", detail="the answers are nested too deeply") from None
    return dict(answers)


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


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
        raise fail("S406", what="Section", value=section_id)

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
                valid = current.get(qid, "none")
                raise fail("S405", questionnaire=qid, value=version, valid=valid)

    def _row(self, conn: Connection, assessment_id: int):
        row = conn.execute(select(Assessment).where(Assessment.id == assessment_id)).first()
        if row is None:
            raise fail("S406", what="Assessment", value=assessment_id)
        return row

    def _check_editable(self, row, expected_version: int) -> None:
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
            raise fail("S406", what="Assessment", value=assessment_id)
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
        answers: dict[str, Any],
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
                    answers=answers,
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

    def _sync_enterprise(self, conn: Connection, enterprise_id: int, answers: Mapping) -> None:
        # The enterprise row mirrors the profile answers it is filtered by.
        pid = self._profile_id()
        values = {
            column: answers[f"{pid}.{column}"]
            for column in ("name", "city", "industry")
            if isinstance(answers.get(f"{pid}.{column}"), str)
        }
        code = answers.get(f"{pid}.credit_code")
        if isinstance(code, str):
            code = code.strip().upper()
            other = conn.execute(
                select(Enterprise.id).where(
                    Enterprise.credit_code == code, Enterprise.id != enterprise_id
                )
            ).first()
            if other is not None:
                raise fail("S401", value=code)
            values["credit_code"] = code
        if values:
            conn.execute(update(Enterprise).where(Enterprise.id == enterprise_id).values(**values))

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
        answers = parse_answers(profile_answers)
        outside = [key for key in answers if not key.startswith(f"{pid}.")]
        if outside:
            raise AssessmentError(
                [problem("A201", path=k, item=k, questionnaire=pid) for k in outside]
            )
        if section is None:
            section = qset[pid].sections[0].id
        self._validate(answers, partial=True, section=section)
        missing = [f"{pid}.{f}" for f in ("name", "credit_code") if not answers.get(f"{pid}.{f}")]
        if missing:
            raise AssessmentError([problem("A205", path=key) for key in missing])
        code = str(answers[f"{pid}.credit_code"]).strip().upper()
        self._size_check(answers)
        with transaction(self.engine, write=True) as conn:
            exists = conn.execute(
                select(Enterprise.id).where(Enterprise.credit_code == code)
            ).first()
            if exists is not None:
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
            assessment_id, resume = self._insert_assessment(conn, enterprise_id, year, answers)
            self._audit(conn, actor, "create_draft", "assessment", assessment_id, {"year": year})
        return Draft(assessment_id, enterprise_id, resume, 1)

    def _size_check(self, answers: Mapping[str, Any]) -> None:
        size = len(answers_json(answers).encode("utf-8"))
        if size > ANSWERS_LIMIT:
            raise fail("S403", size=size, limit=ANSWERS_LIMIT)

    def save_section(
        self,
        assessment_id: int,
        section_id: str,
        answers: Mapping[str, Any] | str,
        expected_version: int,
        *,
        require_complete: bool = True,
    ) -> int:
        """Replace one section's answers of a draft; returns the new version (S402 stale)."""
        section = self._section(section_id)
        given = parse_answers(answers)
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
            self._validate(merged, partial=True, section=section_id if require_complete else None)
            self._size_check(merged)
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
                .values(answers=merged, version=Assessment.version + 1, updated_at=self.now())
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
        from assessment.scoring import score_assessment

        with transaction(self.engine) as conn:
            row = self._row(conn, assessment_id)
        self._check_editable(row, expected_version)
        self._check_versions(row.questionnaire_versions)
        answers = dict(row.answers)
        self._validate(answers, partial=False)
        result = score_assessment(answers, self._qset())
        flat = {key: _finite(value) for key, value in result.flat().items()}
        key_scores = _key_scores(result)
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
            with rollup.tracking(conn, [row.enterprise_id]):
                conn.execute(
                    insert(Score).values(
                        assessment_id=assessment_id,
                        scored_at=now,
                        **key_scores,
                        **answer_facts(answers),
                    )
                )
                if flat:
                    conn.execute(
                        insert(AssessmentScore),
                        [
                            {"assessment_id": assessment_id, "key": key, "value": value}
                            for key, value in flat.items()
                        ],
                    )
                facts = {"size_class": getattr(result.profile, "size_class", None)}
                conn.execute(
                    update(Enterprise).where(Enterprise.id == row.enterprise_id).values(**facts)
                )
                self._sync_enterprise(conn, row.enterprise_id, answers)
            self._audit(
                conn,
                actor,
                "submit",
                "assessment",
                assessment_id,
                {
                    "cmmm_level": key_scores["cmmm_level"],
                    "readiness": key_scores["readiness_score"],
                },
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
        every stored `result.flat()` key.
        """
        import pandas as pd

        columns = [
            Assessment.id.label("assessment_id"),
            Assessment.enterprise_id,
            Enterprise.credit_code,
            Enterprise.name,
            Enterprise.city,
            Enterprise.industry,
            Enterprise.size_class,
            Assessment.year,
            Assessment.submitted_at,
            Assessment.previous_assessment_id,
            *(getattr(Score, name) for name in KEY_SCORES),
        ]
        query = (
            select(*columns)
            .join(Enterprise, Enterprise.id == Assessment.enterprise_id)
            .join(Score, Score.assessment_id == Assessment.id)
            .where(Assessment.status == "submitted")
            .order_by(Assessment.id)
        )
        for column, value in (
            (Enterprise.city, city),
            (Enterprise.industry, industry),
            (Enterprise.size_class, size_class),
            (Assessment.year, year),
        ):
            if value is not None:
                query = query.where(column == value)
        if latest:
            newest = (
                select(Assessment.enterprise_id, func.max(Assessment.year).label("year"))
                .where(Assessment.status == "submitted")
                .group_by(Assessment.enterprise_id)
                .subquery()
            )
            query = query.join(
                newest,
                and_(
                    newest.c.enterprise_id == Assessment.enterprise_id,
                    newest.c.year == Assessment.year,
                ),
            )
        with transaction(self.engine) as conn:
            rows = conn.execute(query).all()
            frame = pd.DataFrame.from_records(
                [tuple(r) for r in rows], columns=[c.name for c in query.selected_columns]
            )
            if flat and rows:
                # A subquery, not a list of ids: SQLite caps the number of bound parameters.
                chosen = select(query.subquery().c.assessment_id)
                long = conn.execute(
                    select(
                        AssessmentScore.assessment_id, AssessmentScore.key, AssessmentScore.value
                    ).where(AssessmentScore.assessment_id.in_(chosen))
                ).all()
        if flat and rows:
            wide = (
                pd.DataFrame.from_records(
                    [tuple(r) for r in long], columns=["assessment_id", "key", "value"]
                )
                .pivot(index="assessment_id", columns="key", values="value")
                .astype(float)
            )
            wide.columns.name = None
            frame = frame.merge(wide, left_on="assessment_id", right_index=True, how="left")
        frame["green_veto"] = frame["green_veto"].astype("boolean")
        for name in ("cmmm_total", "cmmm_score", "green_score", "integration_index"):
            frame[name] = frame[name].astype(float)
        for name in ("readiness_score", "confidence"):
            frame[name] = frame[name].astype(float)
        return frame


def _key_scores(result: Any) -> dict[str, Any]:
    cmmm, green, integration = result.cmmm, result.green, result.integration
    readiness = result.readiness

    def pick(obj: Any, name: str) -> Any:
        return None if obj is None else getattr(obj, name, None)

    level = pick(cmmm, "level")
    stage = pick(integration, "stage")
    veto = pick(green, "veto")
    return {
        "cmmm_level": None if level is None else int(level),
        "cmmm_total": _finite(pick(cmmm, "total")),
        "cmmm_score": _finite(pick(cmmm, "score")),
        "green_score": _finite(pick(green, "score")),
        "green_veto": None if veto is None else bool(veto),
        "integration_index": _finite(pick(integration, "index")),
        "integration_stage": None if stage is None else int(stage),
        "readiness_score": _finite(pick(readiness, "score")),
        "confidence": _finite(pick(readiness, "confidence")),
    }

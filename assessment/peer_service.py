"""Peer benchmarking over the stored population: the active model, the index, nearest peers,
the peer map and what-if scoring. Pure Python; the UI caches one `PeerService` per
(model version, population version).

Privacy: enterprise names and credit codes leave this module only when the caller asks
for them (`include_names=True`, which the UI passes for staff roles only); group statistics
come from `PeerIndex`, which suppresses every group of fewer than `peers.K_MIN` enterprises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from assessment.errors import AssessmentError, fail
from assessment.peers import K_MIN, Benchmark, PeerIndex, PeerModel, load_model
from assessment.questionnaire import QuestionnaireSet, Text
from assessment.scoring import AssessmentResult, questionnaire_of_kind, score_assessment

MAP_SAMPLE = 5000  # points drawn on the peer map; more slow the browser without adding insight
NEAREST = 10
FAMILIES = (("cmmm", "score"), ("green", "score"), ("integration", "index"))
IDENTITY = ("name", "credit_code")


@dataclass(frozen=True, slots=True)
class Area:
    """One scored area shown in comparisons: a domain (parent None) or a sub-domain."""

    id: str
    family: str  # cmmm | green | integration
    parent: str | None
    label: Text


@dataclass(frozen=True, slots=True)
class Peer:
    """One nearby enterprise; `name` and `credit_code` are None unless names were asked for."""

    assessment_id: int
    distance: float
    cluster: int
    industry: str | None
    size_class: str | None
    city: str | None
    cmmm_level: int | None
    green_score: float | None
    integration_stage: int | None
    readiness: float | None
    name: str | None = None
    credit_code: str | None = None


@dataclass(frozen=True, slots=True)
class MapPoints:
    """Peer-map coordinates: `frame` has x, y, cluster, industry, size_class (+ name)."""

    frame: pd.DataFrame
    total: int
    sampled: bool


@dataclass(frozen=True, slots=True)
class PopulationVersion:
    """Changes whenever an assessment is submitted (or removed): the UI's cache key."""

    count: int
    last_submitted: str | None


def headline_metrics(qset: QuestionnaireSet) -> tuple[str, ...]:
    """The overall scores benchmarked: CMMM score, green score, 两化 index, readiness."""
    out = []
    for kind, tail in FAMILIES:
        q = questionnaire_of_kind(qset, kind)
        if q is not None:
            out.append(f"{q.id}.{tail}")
    return (*out, "readiness.score")


def areas(qset: QuestionnaireSet) -> tuple[Area, ...]:
    """Every domain and sub-domain of the scored questionnaires, in questionnaire order."""
    out: list[Area] = []
    for kind, _ in FAMILIES:
        q = questionnaire_of_kind(qset, kind)
        if q is None:
            continue
        for s in q.sections:
            out.append(Area(s.id, kind, None, s.label))
            out += [Area(sd.id, kind, s.id, sd.label) for sd in s.subdomains]
    return tuple(out)


def benchmark_metrics(qset: QuestionnaireSet) -> tuple[str, ...]:
    """Headline scores, then every domain and sub-domain id."""
    return (*headline_metrics(qset), *(a.id for a in areas(qset)))


def _opt(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return value.item() if isinstance(value, np.generic) else value


class PeerService:
    """The peer model and the submitted population of one repository, indexed on demand."""

    def __init__(self, repo: Any, qset: QuestionnaireSet, *, with_programs: bool = True) -> None:
        self.repo = repo
        self.qset = qset
        self.with_programs = with_programs  # False: what-if without program matching
        self.metrics = benchmark_metrics(qset)
        self._model: PeerModel | None = None
        self._population: pd.DataFrame | None = None
        self._index: PeerIndex | None = None
        self._scaled: np.ndarray | None = None
        self._programs: Any = None

    # --- loading -----------------------------------------------------------------
    def active_model(self) -> PeerModel:
        """The registry's active model (M602 when none; M601/M604 from loading)."""
        if self._model is None:
            record = self.repo.active_peer_model()
            if record is None:
                raise fail("M602")
            self._model = load_model(Path(record.path), self.qset)
        return self._model

    def population_version(self) -> PopulationVersion:
        """Count and latest submission time of submitted assessments (a cheap query)."""
        from assessment.storage.db import transaction
        from assessment.storage.models import Assessment

        query = select(func.count(Assessment.id), func.max(Assessment.submitted_at)).where(
            Assessment.status == "submitted"
        )
        with transaction(self.repo.engine) as conn:
            count, last = conn.execute(query).one()
        return PopulationVersion(int(count), None if last is None else last.isoformat())

    def population(self) -> pd.DataFrame:
        """Each enterprise's latest submitted assessment: facts, identity and flat scores."""
        if self._population is None:
            frame = self.repo.scores_frame(latest=True, flat=True)
            self._population = frame.reset_index(drop=True)
        return self._population

    def index(self) -> PeerIndex:
        """The benchmark index of the population under the active model."""
        if self._index is None:
            model = self.active_model()
            pop = self.population()
            if pop.empty:
                raise fail("M603", n=0, min=K_MIN)
            self._index = PeerIndex(model, pop, self.metrics)
            self._scaled = self._scale(model, pop)
        return self._index

    @staticmethod
    def _scale(model: PeerModel, frame: pd.DataFrame) -> np.ndarray:
        est = model.estimator
        return (model.matrix(frame).to_numpy(dtype=np.float64) - est.mean_) / est.scale_

    def submitted(self) -> pd.DataFrame:
        """Every submitted assessment (all years) with identity and key scores, newest first."""
        frame = self.repo.scores_frame()
        return frame.sort_values(["year", "assessment_id"], ascending=False).reset_index(drop=True)

    # --- one enterprise ----------------------------------------------------------
    def _record(self, assessment_id: int) -> Any:
        record = self.repo.get(assessment_id)
        if not record.submitted:
            raise fail("M605", value=assessment_id)
        return record

    @staticmethod
    def facts(record: Any) -> dict[str, str | None]:
        """The peer-group keys of an assessment record."""
        return {"industry": record.industry, "size_class": record.size_class, "city": record.city}

    def benchmark_for(self, assessment_id: int) -> Benchmark:
        """Cluster, percentiles per peer group and gap to the cluster's top quartile."""
        record = self._record(assessment_id)
        return self.index().benchmark(record.scores or {}, self.facts(record))

    def benchmark_scores(self, scores: Mapping[str, float | None], record: Any) -> Benchmark:
        """The benchmark of any scores (e.g. a what-if result) with a record's group keys."""
        clean = {k: (None if v is None or v != v else float(v)) for k, v in scores.items()}
        return self.index().benchmark(clean, self.facts(record))

    def cluster_centroid(self, cluster: int) -> dict[str, float] | None:
        """Mean of every metric over the cluster's members; None below K_MIN members."""
        index = self.index()
        members = self.population().loc[index.clusters == cluster, list(index.metrics)]
        if len(members) < K_MIN:
            return None
        means = members.astype(float).mean()
        return {k: round(float(v), 2) for k, v in means.items() if not np.isnan(v)}

    def nearest(
        self, assessment_id: int, k: int = NEAREST, *, include_names: bool = False
    ) -> tuple[Peer, ...]:
        """The k enterprises closest in the model's scaled feature space, itself excluded."""
        record = self._record(assessment_id)
        index = self.index()
        model = self.active_model()
        pop = self.population()
        assert self._scaled is not None  # set together with the index
        me = self._scale(model, pd.DataFrame([record.scores or {}]))[0]
        dist = np.sqrt(((self._scaled - me) ** 2).sum(axis=1))
        # Exclude the enterprise, not just this assessment: its other year is no peer.
        others = np.flatnonzero(pop["enterprise_id"].to_numpy() != record.enterprise_id)
        order = others[np.argsort(dist[others], kind="stable")][:k]
        peers = []
        for i in order:
            row = pop.iloc[int(i)]
            peers.append(
                Peer(
                    assessment_id=int(row["assessment_id"]),
                    distance=round(float(dist[i]), 3),
                    cluster=int(index.clusters[i]),
                    industry=_opt(row["industry"]),
                    size_class=_opt(row["size_class"]),
                    city=_opt(row["city"]),
                    cmmm_level=_opt(row["cmmm_level"]),
                    green_score=_opt(row["green_score"]),
                    integration_stage=_opt(row["integration_stage"]),
                    readiness=_opt(row["readiness_score"]),
                    name=str(row["name"]) if include_names else None,
                    credit_code=str(row["credit_code"]) if include_names else None,
                )
            )
        return tuple(peers)

    def map_points(
        self, sample: int = MAP_SAMPLE, *, include_names: bool = False, seed: int = 0
    ) -> MapPoints:
        """PCA coordinates of the population coloured by cluster, a seeded sample if large."""
        index = self.index()
        model = self.active_model()
        pop = self.population()
        xy = model.estimator.project(model.matrix(pop))
        cols = {
            "assessment_id": pop["assessment_id"].to_numpy(),
            "x": xy[:, 0],
            "y": xy[:, 1],
            "cluster": index.clusters.astype(int),
            "industry": pop["industry"].to_numpy(),
            "size_class": pop["size_class"].to_numpy(),
        }
        if include_names:
            cols["name"] = pop["name"].to_numpy()
        frame = pd.DataFrame(cols)
        total = len(frame)
        sampled = total > sample
        if sampled:
            frame = frame.sample(n=sample, random_state=seed).sort_index()
        return MapPoints(frame.reset_index(drop=True), total, sampled)

    # --- what-if -------------------------------------------------------------------
    def programs(self) -> Any:
        """The special-program definitions (None when built with with_programs=False)."""
        if self._programs is None and self.with_programs:
            from assessment.programs import load_programs

            self._programs = load_programs(qset=self.qset)
        return self._programs

    def what_if(
        self, answers: Mapping[str, Any], changes: Mapping[str, Any]
    ) -> tuple[AssessmentResult, tuple | None]:
        """Scores and program matches with `changes` applied to `answers`; nothing is saved."""
        from assessment.answers import validate_answers

        changed = {**answers, **changes}
        problems = [
            p
            for p in validate_answers(changed, self.qset, partial=True, section="-")
            if p.path in changes
        ]
        if problems:
            raise AssessmentError(problems)
        result = score_assessment(changed, self.qset)
        programs = self.programs()
        if programs is None:
            return result, None
        from assessment.programs import recommend_programs

        return result, recommend_programs(result, changed, programs)


def without_identity(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame with enterprise names and credit codes removed."""
    return frame.drop(columns=[c for c in IDENTITY if c in frame.columns])

"""Peer benchmarking over the stored population: the active model, the index, nearest peers,
the peer map and what-if scoring. Pure Python; the UI caches one `PeerService` per active
model version, starts building its index in a background thread when a process serves its
first page (ui.peer_views.warm_peer_index), and calls `refresh()` on every run.

Freshness (docs/peers.md, "Service and caching"): an enterprise is always placed with its
own stored scores, read when it is asked for; only the reference population the
percentiles are counted in may lag behind new submissions, as `RefreshPolicy` bounds.

Privacy: enterprise names and credit codes leave this module only when the caller asks
for them (`include_names=True`, which the UI passes for staff roles only); group statistics
come from `PeerIndex`, which suppresses every group of fewer than `peers.K_MIN` enterprises.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assessment.answers import validate_answers
from assessment.errors import AssessmentError, fail
from assessment.numbers import finite
from assessment.peers import K_MIN, Benchmark, PeerIndex, PeerModel, load_model
from assessment.programs import ProgramMatch, ProgramSet, load_programs, recommend_programs
from assessment.questionnaire import QuestionnaireSet, Text
from assessment.scoring import AssessmentResult, questionnaire_of_kind, score_assessment
from assessment.storage import AssessmentRecord, Repository
from assessment.storage.queries.peers import (
    PopulationVersion,
    latest_population,
    merge_latest,
    population_rows,
    population_version,
    scored_ids,
)

log = logging.getLogger(__name__)

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
class RefreshPolicy:
    """How far the percentile reference population may lag behind new submissions.

    A changed population is rebuilt at once, in the calling request, when the last build
    took at most `inline_seconds` (small populations are always exact). Otherwise the
    current index keeps being served and one rebuild runs in a background thread, started
    by the first request at least `max_age` seconds after the previous attempt began, or
    sooner when more than `max_lag` (a share of the indexed submissions) are new; after a
    failed rebuild the next waits `max_age`. A rebuild reads only the assessments
    submitted since the last one; every `full_age` seconds it reads everything again.
    Above `inline_seconds`, the population is looked at (one small query) at most every
    `check_every` seconds rather than on every request.
    """

    inline_seconds: float = 1.0
    max_age: float = 60.0
    max_lag: float = 0.01
    full_age: float = 3600.0
    check_every: float = 5.0


@dataclass(frozen=True, slots=True)
class PeerSnapshot:
    """One built index and the population it was built from, swapped in whole."""

    version: PopulationVersion
    ids: np.ndarray  # every submitted assessment id seen (all years), sorted
    population: pd.DataFrame
    index: PeerIndex
    scaled: np.ndarray
    started: float  # clock() when the build began: the data are at least this fresh
    full_started: float  # clock() when the population was last read whole
    seconds: float  # how long the build took


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
    """The peer model and the submitted population of one repository, indexed on demand.

    Safe to share between threads (the UI keeps one per model for every session): each
    call reads one `PeerSnapshot`, and a rebuild replaces the snapshot whole.
    """

    def __init__(
        self,
        repo: Repository,
        qset: QuestionnaireSet,
        *,
        with_programs: bool = True,
        policy: RefreshPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.repo = repo
        self.qset = qset
        self.with_programs = with_programs  # False: what-if without program matching
        self.policy = policy or RefreshPolicy()
        self.clock = clock
        self.metrics = benchmark_metrics(qset)
        self.rebuild_error: BaseException | None = None  # of the last background rebuild
        self._model: PeerModel | None = None
        self._snapshot: PeerSnapshot | None = None
        self._lock = threading.Lock()  # one build at a time
        self._worker: threading.Thread | None = None
        self._attempted: float | None = None  # clock() when the last rebuild began
        self._checked: float | None = None  # clock() when the population was last looked at
        self._programs: ProgramSet | None = None

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
        """Count and latest time of submitted assessments (one small query)."""
        return population_version(self.repo.engine)

    def _build(self, previous: PeerSnapshot | None = None) -> PeerSnapshot:
        started = self.clock()
        model = self.active_model()
        engine = self.repo.engine
        # The version first: a submission landing during the read is then seen as a change
        # by the next refresh (one rebuild too many, never one too few).
        version = self.population_version()
        ids = scored_ids(engine)
        keys = [*self.metrics, *(f for f in model.features if f not in self.metrics)]
        if (
            previous is None
            or started - previous.full_started >= self.policy.full_age
            or not np.isin(previous.ids, ids).all()  # something was removed or restored
        ):  # a full read
            pop = latest_population(engine, keys)
            full_started = started
        else:
            new = np.setdiff1d(ids, previous.ids).tolist()
            pop = merge_latest(previous.population, population_rows(engine, keys, new))
            full_started = previous.full_started
        if pop.empty:
            raise fail("M603", n=0, min=K_MIN)
        index = PeerIndex(model, pop, self.metrics)
        scaled = self._scale(model, pop)
        seconds = self.clock() - started
        return PeerSnapshot(version, ids, pop, index, scaled, started, full_started, seconds)

    def snapshot(self) -> PeerSnapshot:
        """The current index and its population, built now if there is none yet."""
        snap = self._snapshot
        if snap is None:
            with self._lock:
                if self._snapshot is None:
                    self._attempted = self.clock()
                    self._snapshot = self._build()
                snap = self._snapshot
        return snap

    def population(self) -> pd.DataFrame:
        """Each enterprise's latest submitted assessment: facts, identity and the scores
        the index uses (benchmark metrics and model features), as of the snapshot."""
        return self.snapshot().population

    def index(self) -> PeerIndex:
        """The benchmark index of the population under the active model."""
        return self.snapshot().index

    def refresh(self, *, wait: bool = False) -> str:
        """Bring new submissions into the index as `policy` allows; says what it did.

        "built" (there was no index), "current" (nothing new), "rebuilt" (rebuilt in this
        call), "started" (a background rebuild began; with wait=True it has finished),
        "running" (one is under way), "stale" (served as is until the policy allows) or
        "unchecked" (looked at less than `check_every` seconds ago).
        """
        snap = self._snapshot
        if snap is None:
            self.snapshot()
            return "built"
        slow = snap.seconds > self.policy.inline_seconds
        now = self.clock()
        if slow and self._checked is not None and now - self._checked < self.policy.check_every:
            return "unchecked"
        self._checked = now
        version = self.population_version()
        if version == snap.version:
            return "current"
        if not slow:
            with self._lock:
                if self._snapshot is snap:  # not already replaced by another thread
                    self._attempted = self.clock()
                    self._snapshot = self._build(snap)
            return "rebuilt"
        worker = self._worker
        if worker is not None and worker.is_alive():
            if wait:
                worker.join()
            return "running"
        since = self.clock() - (self._attempted if self._attempted is not None else snap.started)
        if since < self.policy.max_age:
            lag = abs(version.count - snap.version.count)
            # After a failed rebuild the next try waits max_age, however many are new.
            if self.rebuild_error is not None or lag <= self.policy.max_lag * snap.version.count:
                return "stale"
        self._attempted = self.clock()
        self._worker = threading.Thread(
            target=self._rebuild_in_background, name="peer-index-rebuild", daemon=True
        )
        self._worker.start()
        if wait:
            self._worker.join()
        return "started"

    def _rebuild_in_background(self) -> None:
        try:
            with self._lock:
                self._snapshot = self._build(self._snapshot)
            self.rebuild_error = None
        except Exception as exc:  # a thread has no caller: keep serving the old index, log it
            self.rebuild_error = exc
            log.exception("peer index rebuild failed; the previous index is still served")

    @staticmethod
    def _scale(model: PeerModel, frame: pd.DataFrame) -> np.ndarray:
        est = model.estimator
        # In place, then float32: nearest-peer distances need no more; at 100,000 every
        # float64 copy of this matrix is 32 MiB of the process's peak.
        scaled = model.matrix(frame).to_numpy(dtype=np.float64, copy=True)
        scaled -= est.mean_
        scaled /= est.scale_
        return scaled.astype(np.float32)

    def submitted(self) -> pd.DataFrame:
        """Every submitted assessment (all years) with identity and key scores, newest first."""
        frame = self.repo.scores_frame()
        return frame.sort_values(["year", "assessment_id"], ascending=False).reset_index(drop=True)

    # --- one enterprise ----------------------------------------------------------
    def _record(self, assessment_id: int) -> AssessmentRecord:
        record = self.repo.get(assessment_id)
        if not record.submitted:
            raise fail("M605", value=assessment_id)
        return record

    @staticmethod
    def facts(record: AssessmentRecord) -> dict[str, str | None]:
        """The peer-group keys of an assessment record."""
        return {"industry": record.industry, "size_class": record.size_class, "city": record.city}

    def benchmark_for(self, assessment_id: int) -> Benchmark:
        """Cluster, percentiles per peer group and gap to the cluster's top quartile."""
        return self.benchmark_of(self._record(assessment_id))

    def benchmark_of(self, record: AssessmentRecord) -> Benchmark:
        """`benchmark_for` of an assessment record already read (M605 for a draft).

        The enterprise is placed with the record's own stored scores, so a just-submitted
        assessment is placed correctly even while the reference population lags.
        """
        if not record.submitted:
            raise fail("M605", value=record.id)
        return self.index().benchmark(record.scores or {}, self.facts(record))

    def benchmark_scores(
        self, scores: Mapping[str, float | None], record: AssessmentRecord
    ) -> Benchmark:
        """The benchmark of any scores (e.g. a what-if result) with a record's group keys."""
        clean = {k: finite(v) for k, v in scores.items()}
        return self.index().benchmark(clean, self.facts(record))

    def cluster_centroid(self, cluster: int) -> dict[str, float] | None:
        """Mean of every metric over the cluster's members; None below K_MIN members."""
        snap = self.snapshot()
        index = snap.index
        members = snap.population.loc[index.clusters == cluster, list(index.metrics)]
        if len(members) < K_MIN:
            return None
        means = members.astype(float).mean()
        return {k: round(float(v), 2) for k, v in means.items() if not np.isnan(v)}

    def nearest(
        self, assessment_id: int, k: int = NEAREST, *, include_names: bool = False
    ) -> tuple[Peer, ...]:
        """The k enterprises closest in the model's scaled feature space, itself excluded."""
        record = self._record(assessment_id)
        snap = self.snapshot()
        index, pop = snap.index, snap.population
        model = self.active_model()
        me = self._scale(model, pd.DataFrame([record.scores or {}]))[0]
        dist = np.sqrt(((snap.scaled - me) ** 2).sum(axis=1))
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
        snap = self.snapshot()
        index, pop = snap.index, snap.population
        model = self.active_model()
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
    def programs(self) -> ProgramSet | None:
        """The special-program definitions (None when built with with_programs=False)."""
        if self._programs is None and self.with_programs:
            self._programs = load_programs(qset=self.qset)
        return self._programs

    def what_if(
        self, answers: Mapping[str, Any], changes: Mapping[str, Any]
    ) -> tuple[AssessmentResult, tuple[ProgramMatch, ...] | None]:
        """Scores and program matches with `changes` applied to `answers`; nothing is saved."""
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
        return result, recommend_programs(result, changed, programs)


def without_identity(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame with enterprise names and credit codes removed."""
    return frame.drop(columns=[c for c in IDENTITY if c in frame.columns])

"""Peer groups found from the data: a clustering estimator, its safe persistence, and
privacy-safe benchmarks (percentiles, top-quartile gaps) for one enterprise.

Models are stored as plain JSON arrays (never pickle), with the metadata needed to refuse
loading under a different scikit-learn or questionnaire version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
import sklearn
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from assessment import settings
from assessment.errors import Bilingual, fail, foreign
from assessment.questionnaire import QuestionnaireSet, Text
from assessment.storage import Repository

K_MIN = 5  # k-anonymity: no group statistic for fewer enterprises than this
SKETCH = 1001  # order statistics kept per area of a larger group (ranks within 0.1 points)
MIN_FIT = 30  # fewest submitted assessments worth clustering
FORMAT = "shanxi-readiness-peers/1"
GROUPS = ("all", "cluster", "industry", "size_class", "city")
SILHOUETTE_SAMPLE = 4000  # silhouette is O(n²); a fixed-seed sample keeps fits fast
TRANSFORM_ROWS = 4096  # rows per block when measuring distances to the centres


def feature_columns(qset: QuestionnaireSet) -> tuple[str, ...]:
    """The scores clustering uses: CMMM sub-domains, green areas, 两化 blocks."""
    cols: list[str] = []
    for q in qset.questionnaires:
        if q.kind == "cmmm":
            cols += [sd.id for s in q.sections for sd in s.subdomains]
        elif q.kind in ("green", "integration"):
            cols += [
                s.id for s in q.sections if s.weight and (s.weight.process or s.weight.discrete)
            ]
    return tuple(cols)


def area_labels(qset: QuestionnaireSet) -> dict[str, Text]:
    """Labels of every section and sub-domain id, for naming clusters."""
    labels: dict[str, Text] = {}
    for q in qset.questionnaires:
        for s in q.sections:
            labels[s.id] = s.label
            for sd in s.subdomains:
                labels[sd.id] = sd.label
    return labels


# scikit-learn publishes no type stubs: its base classes are Any to the type checker.
class PeerClusterer(ClusterMixin, TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Standard scaling then KMeans, with k chosen by silhouette within `k_range`.

    k is chosen on a seeded sample of at most `select_sample` rows (silhouette on at most
    SILHOUETTE_SAMPLE of them); the chosen k is then fitted on all rows.
    """

    def __init__(
        self,
        k_range: tuple[int, int] = (3, 8),
        random_state: int = 0,
        n_init: int = 10,
        select_sample: int = 10_000,
    ) -> None:
        self.k_range = k_range
        self.random_state = random_state
        self.n_init = n_init
        self.select_sample = select_sample

    def fit(
        self, X: npt.ArrayLike, y: object = None, progress: Callable[[int, int], None] | None = None
    ) -> Self:
        """Fit one KMeans per candidate k and keep the one with the best silhouette."""
        lo, hi = self.k_range
        if not (isinstance(lo, int) and isinstance(hi, int) and 2 <= lo <= hi):
            raise ValueError(f"k_range must be two integers 2 <= lo <= hi, got {self.k_range!r}")
        data: np.ndarray = validate_data(self, X, dtype=np.float64, ensure_min_samples=hi + 1)
        self.mean_ = data.mean(axis=0)
        scale = data.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        Z = (data - self.mean_) / self.scale_
        rng = np.random.RandomState(self.random_state)
        pick = rng.choice(len(Z), min(len(Z), self.select_sample), replace=False)
        Zs = Z[pick]
        sil = rng.choice(len(Zs), min(len(Zs), SILHOUETTE_SAMPLE), replace=False)
        self.silhouette_scores_: dict[int, float] = {}
        steps = hi - lo + 2
        for i, k in enumerate(range(lo, hi + 1)):
            km = KMeans(n_clusters=k, n_init=self.n_init, random_state=self.random_state)
            labels = km.fit_predict(Zs)
            self.silhouette_scores_[k] = float(silhouette_score(Zs[sil], labels[sil]))
            if progress:
                progress(i + 1, steps)
        scores = self.silhouette_scores_
        self.n_clusters_ = max(scores, key=lambda k: scores[k])
        km = KMeans(n_clusters=self.n_clusters_, n_init=self.n_init, random_state=self.random_state)
        km.fit(Z)
        if progress:
            progress(steps, steps)
        # Order clusters by overall level (mean of centroid) so ids read low → high.
        order = np.argsort(km.cluster_centers_.mean(axis=1))
        self.centers_scaled_ = km.cluster_centers_[order]
        dist = ((Z[:, None, :] - self.centers_scaled_[None, :, :]) ** 2).sum(axis=2)
        self.labels_ = dist.argmin(axis=1)
        self.silhouette_ = self.silhouette_scores_[self.n_clusters_]
        self.pca_ = PCA(n_components=min(2, Z.shape[1]), random_state=self.random_state).fit(Z)
        return self

    def _scaled(self, X: npt.ArrayLike) -> np.ndarray:
        check_is_fitted(self, "centers_scaled_")
        checked: np.ndarray = validate_data(self, X, dtype=np.float64, reset=False)
        Z: np.ndarray = (
            checked - self.mean_
        )  # a new array (X may be the caller's), then divided in place
        Z /= self.scale_
        return Z

    def transform(self, X: npt.ArrayLike) -> np.ndarray:
        """Distances to each cluster centre in the scaled space."""
        Z = self._scaled(X)
        out = np.empty((len(Z), len(self.centers_scaled_)))
        # A block of rows at a time: one (rows, k, features) difference array for the whole
        # population would be hundreds of MiB at 100,000 enterprises.
        for start in range(0, len(Z), TRANSFORM_ROWS):
            diff = Z[start : start + TRANSFORM_ROWS, None, :] - self.centers_scaled_[None, :, :]
            out[start : start + TRANSFORM_ROWS] = np.sqrt((diff**2).sum(axis=2))
        return out

    def predict(self, X: npt.ArrayLike) -> np.ndarray:
        """The nearest cluster for each row."""
        nearest: np.ndarray = self.transform(X).argmin(axis=1)
        return nearest

    def project(self, X: npt.ArrayLike) -> np.ndarray:
        """2-D PCA coordinates for the peer map (zero-padded with a single feature)."""
        xy: np.ndarray = self.pca_.transform(self._scaled(X))
        return np.pad(xy, ((0, 0), (0, 2 - xy.shape[1])))

    @property
    def cluster_centers_(self) -> np.ndarray:
        """Centres in the original score units (0–100)."""
        check_is_fitted(self, "centers_scaled_")
        centres: np.ndarray = self.centers_scaled_ * self.scale_ + self.mean_
        return centres

    def to_state(self) -> dict[str, Any]:
        """Plain arrays for JSON persistence."""
        check_is_fitted(self, "centers_scaled_")
        return {
            "params": {
                "k_range": list(self.k_range),
                "random_state": self.random_state,
                "n_init": self.n_init,
                "select_sample": self.select_sample,
            },
            "n_features_in": int(self.n_features_in_),
            "feature_names_in": [str(c) for c in getattr(self, "feature_names_in_", [])],
            "mean": self.mean_.tolist(),
            "scale": self.scale_.tolist(),
            "centers_scaled": self.centers_scaled_.tolist(),
            "n_clusters": int(self.n_clusters_),
            "silhouette": self.silhouette_,
            "silhouette_scores": {str(k): v for k, v in self.silhouette_scores_.items()},
            "pca_mean": self.pca_.mean_.tolist(),
            "pca_components": self.pca_.components_.tolist(),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> PeerClusterer:
        """Rebuild a fitted estimator from `to_state()` output."""
        p = state["params"]
        est = cls(
            k_range=tuple(p["k_range"]),
            random_state=p["random_state"],
            n_init=p["n_init"],
            select_sample=p["select_sample"],
        )
        est.n_features_in_ = int(state["n_features_in"])
        if state.get("feature_names_in"):
            est.feature_names_in_ = np.asarray(state["feature_names_in"], dtype=object)
        est.mean_ = np.asarray(state["mean"], dtype=np.float64)
        est.scale_ = np.asarray(state["scale"], dtype=np.float64)
        est.centers_scaled_ = np.asarray(state["centers_scaled"], dtype=np.float64)
        est.n_clusters_ = int(state["n_clusters"])
        est.silhouette_ = float(state["silhouette"])
        est.silhouette_scores_ = {int(k): float(v) for k, v in state["silhouette_scores"].items()}
        components = np.asarray(state["pca_components"], dtype=np.float64)
        pca = PCA(n_components=components.shape[0])
        pca.mean_ = np.asarray(state["pca_mean"], dtype=np.float64)
        pca.components_ = components
        pca.n_components_ = components.shape[0]
        pca.n_features_in_ = est.n_features_in_
        pca.whiten = False
        est.pca_ = pca
        return est


@dataclass(frozen=True, slots=True)
class ClusterProfile:
    cluster: int
    size: int
    centroid: Mapping[str, float]
    industry_mix: Mapping[str, float]  # shares; only industries with ≥ K_MIN members
    size_mix: Mapping[str, float]
    name: Text
    description: Text


@dataclass(frozen=True, slots=True)
class PeerModel:
    """A fitted clusterer with its metadata, profiles and training statistics."""

    version: str
    estimator: PeerClusterer
    features: tuple[str, ...]
    impute: Mapping[str, float]
    metadata: Mapping[str, Any]
    profiles: tuple[ClusterProfile, ...]

    def matrix(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Feature matrix with missing scores imputed by the training means."""
        missing = [c for c in self.features if c not in frame.columns]
        out = frame.reindex(columns=list(self.features)).astype(float)
        if missing:
            for c in missing:
                out[c] = np.nan
        return out.fillna(value=dict(self.impute))

    def assign(self, frame: pd.DataFrame) -> np.ndarray:
        """Cluster of each row of a frame of scores."""
        return self.estimator.predict(self.matrix(frame))


def data_hash(X: pd.DataFrame) -> str:
    """A stable hash of the training data (values rounded to 6 decimals)."""
    arr = np.round(X.to_numpy(dtype=np.float64), 6)
    h = hashlib.sha256(",".join(X.columns).encode())
    h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def _mix(values: pd.Series) -> dict[str, float]:
    counts = values.value_counts()
    counts = counts[counts >= K_MIN]
    return {str(k): round(float(v) / len(values), 4) for k, v in counts.items()}


def _name(
    centroid: pd.Series, overall: pd.Series, spread: pd.Series, labels: Mapping[str, Text]
) -> tuple[Text, Text]:
    # Shape, not level: z-scores against everyone, minus the cluster's own mean z, so a
    # low cluster's "strengths" are the areas where it lags least.
    z = (centroid - overall) / spread.replace(0, 1)
    rel = z - z.mean()
    strong = rel.sort_values(ascending=False).index[:2]
    weak = rel.sort_values().index[:2]
    mean = float(centroid.mean())
    tier_zh, tier_en = (
        ("领先", "Leading")
        if mean >= 65
        else ("成长", "Developing")
        if mean >= 40
        else ("起步", "Starting")
    )

    def lab(i: str, lang: str) -> str:
        t = labels.get(i)
        return t.get(lang) if t else i

    name = Text(
        zh=f"{tier_zh}型 · {lab(strong[0], 'zh')}见长",
        en=f"{tier_en} · strong in {lab(strong[0], 'en')}",
    )
    desc = Text(
        zh=(
            f"平均得分 {mean:.0f}。与全体企业相比相对突出："
            f"{'、'.join(lab(s, 'zh') for s in strong)}；"
            f"相对薄弱：{'、'.join(lab(w, 'zh') for w in weak)}。"
        ),
        en=(
            f"Mean score {mean:.0f}. Relatively strongest compared with all enterprises: "
            f"{', '.join(lab(s, 'en') for s in strong)}; relatively weakest: "
            f"{', '.join(lab(w, 'en') for w in weak)}."
        ),
    )
    return name, desc


def fit_peer_model(
    frame: pd.DataFrame,
    qset: QuestionnaireSet,
    *,
    k_range: tuple[int, int] = (3, 8),
    random_state: int = 0,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> PeerModel:
    """Fit peer groups on a frame of submitted scores (feature columns + industry/size/city)."""
    features = feature_columns(qset)
    if len(frame) < MIN_FIT:
        raise fail("M603", n=len(frame), min=MIN_FIT)
    X = frame.reindex(columns=list(features)).astype(float)
    impute = X.mean().fillna(0.0)
    X = X.fillna(impute)
    # One OpenMP/BLAS thread: on the app's 2 shared cores KMeans' worker threads spin
    # waiting for a busy core, and the fit ran ~5× slower than single-threaded
    # (bench/peers.py, BENCHMARKS.md); the fitted model is the same.
    with threadpool_limits(limits=1):
        est = PeerClusterer(k_range=k_range, random_state=random_state).fit(X, progress=progress)
    labels = area_labels(qset)
    overall, spread = X.mean(), X.std()
    profiles = []
    for c in range(est.n_clusters_):
        members = frame.loc[est.labels_ == c]
        centroid = X.loc[est.labels_ == c].mean()
        name, desc = _name(centroid, overall, spread, labels)
        profiles.append(
            ClusterProfile(
                cluster=c,
                size=len(members),
                centroid={k: round(float(v), 2) for k, v in centroid.items()},
                industry_mix=_mix(members["industry"]) if "industry" in members else {},
                size_mix=_mix(members["size_class"]) if "size_class" in members else {},
                name=name,
                description=desc,
            )
        )
    when = now or datetime.now(UTC)
    metadata = {
        "format": FORMAT,
        "sklearn_version": sklearn.__version__,
        "questionnaires": qset.versions(),
        "data_hash": data_hash(X),
        "n": len(X),
        "k": int(est.n_clusters_),
        "method": "StandardScaler + KMeans; k by silhouette on a seeded sample, then refit on all",
        "silhouette": round(est.silhouette_, 4),
        "silhouette_by_k": {str(k): round(v, 4) for k, v in est.silhouette_scores_.items()},
        "created": when.isoformat(timespec="seconds"),
    }
    # Microseconds: two refits on the same data within one second are still two versions.
    version = when.strftime("%Y%m%dT%H%M%S%f") + "-" + metadata["data_hash"][:8]
    return PeerModel(version, est, features, dict(impute.round(6)), metadata, tuple(profiles))


def save_model(model: PeerModel, folder: Path | str) -> Path:
    """Write the model as JSON under `folder`; returns the path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    doc = {
        "metadata": dict(model.metadata),
        "version": model.version,
        "features": list(model.features),
        "impute": dict(model.impute),
        "estimator": model.estimator.to_state(),
        "profiles": [
            {
                "cluster": p.cluster,
                "size": p.size,
                "centroid": dict(p.centroid),
                "industry_mix": dict(p.industry_mix),
                "size_mix": dict(p.size_mix),
                "name": {"zh": p.name.zh, "en": p.name.en},
                "description": {"zh": p.description.zh, "en": p.description.en},
            }
            for p in model.profiles
        ],
    }
    path = folder / f"peers-{model.version}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)  # atomic: a reader never sees half a model
    return path


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def load_model(path: Path | str, qset: QuestionnaireSet) -> PeerModel:
    """Load a saved model, refusing one made with another sklearn or questionnaire version."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        meta = doc["metadata"]
        if meta.get("format") != FORMAT:
            raise ValueError(f"format {meta.get('format')!r}, expected {FORMAT}")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise fail("M604", value=str(path), detail=foreign(exc, "读取时出错")) from exc
    if _minor(meta["sklearn_version"]) != _minor(sklearn.__version__):
        raise fail(
            "M601",
            value=doc.get("version"),
            what="scikit-learn",
            made=meta["sklearn_version"],
            current=sklearn.__version__,
        )
    if meta["questionnaires"] != qset.versions():
        raise fail(
            "M601",
            value=doc.get("version"),
            what=Bilingual("questionnaires", "问卷版本"),
            made=json.dumps(meta["questionnaires"]),
            current=json.dumps(qset.versions()),
        )
    try:
        est = PeerClusterer.from_state(doc["estimator"])
        profiles = tuple(
            ClusterProfile(
                cluster=p["cluster"],
                size=p["size"],
                centroid=p["centroid"],
                industry_mix=p["industry_mix"],
                size_mix=p["size_mix"],
                name=Text(**p["name"]),
                description=Text(**p["description"]),
            )
            for p in doc["profiles"]
        )
        return PeerModel(doc["version"], est, tuple(doc["features"]), doc["impute"], meta, profiles)
    except (KeyError, TypeError, ValueError) as exc:
        raise fail("M604", value=str(path), detail=foreign(exc, "读取时出错")) from exc


# --- benchmarks for one enterprise ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupBenchmark:
    """Percentiles of one enterprise within one peer group; None when suppressed (n < K_MIN)."""

    group: str  # all | cluster | industry | size_class | city
    key: str | None  # the cluster number, industry code, … (None for all)
    n: int
    suppressed: bool
    percentiles: Mapping[str, float] = field(default_factory=dict)
    medians: Mapping[str, float] = field(default_factory=dict)
    top_quartile: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Benchmark:
    cluster: int
    profile: ClusterProfile | None
    groups: tuple[GroupBenchmark, ...]
    gap_to_cluster_top_quartile: Mapping[str, float]  # positive = points below Q3
    position: tuple[float, float]

    def group(self, name: str) -> GroupBenchmark | None:
        for g in self.groups:
            if g.group == name:
                return g
        return None


# One peer group's index: (members, sorted scores or their sketch per metric, medians,
# top quartiles, answered counts per metric).
_GroupIndex = tuple[int, list[np.ndarray], list[float], list[float], list[int]]


class PeerIndex:
    """Sorted score arrays per peer group, so one enterprise is placed in microseconds."""

    def __init__(self, model: PeerModel, population: pd.DataFrame, metrics: Sequence[str]):
        self.model = model
        self.metrics = tuple(m for m in metrics if m in population.columns)
        pop = population.reset_index(drop=True)
        self.clusters = model.assign(pop)
        self._impute = np.array([model.impute.get(f, np.nan) for f in model.features], dtype=float)
        self._sorted: dict[tuple[str, str | None], _GroupIndex] = {}
        values = pop[list(self.metrics)].to_numpy(dtype=np.float64)
        keys: dict[str, np.ndarray] = {"cluster": self.clusters.astype(str)}
        for g in ("industry", "size_class", "city"):
            if g in pop.columns:
                keys[g] = pop[g].astype(str).to_numpy()
        self._store("all", None, values)
        for g, arr in keys.items():
            # One stable sort by group instead of a comparison of every row per group.
            codes, names = pd.factorize(arr, sort=True)
            order = np.argsort(codes, kind="stable")
            bounds = np.cumsum(np.bincount(codes, minlength=len(names)))[:-1]
            for name, rows in zip(names, np.split(order, bounds), strict=True):
                self._store(g, str(name), values[rows])

    def _store(self, group: str, key: str | None, values: np.ndarray) -> None:
        # Column by column (never a sorted copy of the whole group), NaNs (unanswered
        # areas) sorted last and cut off. Kept as float32, and for a column of more than
        # SKETCH answers only SKETCH order statistics at evenly spaced ranks (min and max
        # included): the index would otherwise hold every score five times over (all,
        # cluster, industry, size, city), ~150 MiB at 100,000 in float64. A rank read from
        # the sketch is within 100 / (SKETCH - 1) = 0.1 percentile points of the exact one;
        # smaller groups stay exact. Ranks compare the enterprise's value rounded to
        # float32 the same way; medians and top quartiles come from the float64 values
        # (numpy's default "linear" quantile), rounded once here, not on every call.
        cols, med, q3, answered = [], [], [], []
        for j in range(values.shape[1]):
            col = np.sort(values[:, j])
            n = int(np.count_nonzero(~np.isnan(col)))
            col = col[:n]
            med.append(round(_quantile(col, 0.5), 2) if n else np.nan)
            q3.append(round(_quantile(col, 0.75), 2) if n else np.nan)
            if n > SKETCH:
                col = col[np.linspace(0, n - 1, SKETCH).round().astype(np.intp)]
            cols.append(np.ascontiguousarray(col, dtype=np.float32))
            answered.append(n)
        self._sorted[(group, key)] = (int(values.shape[0]), cols, med, q3, answered)

    def group_stats(self, group: str, key: str | None, x: np.ndarray) -> GroupBenchmark:
        """Percentile ranks of x (one value per metric) within a group."""
        entry = self._sorted.get((group, key))
        n = 0 if entry is None else entry[0]
        if entry is None or n < K_MIN:
            return GroupBenchmark(group, key, n, True)
        _, cols, meds, q3s, answered = entry
        names, ranks, med, q3 = [], [], {}, {}
        # Python floats in the loop and one vectorised rounding at the end: numpy scalar
        # arithmetic and rounding cost microseconds per metric.
        for j, (m, v) in enumerate(zip(self.metrics, x.tolist(), strict=True)):
            valid = cols[j]  # every answer sorted, or the sketch of them
            if answered[j] < K_MIN or v != v:  # v != v: NaN, an unanswered area
                continue
            v32 = np.float32(v)
            below = int(valid.searchsorted(v32, side="left"))
            upto = int(valid.searchsorted(v32, side="right"))
            names.append(m)
            ranks.append(100.0 * (below + 0.5 * (upto - below)) / len(valid))
            med[m] = meds[j]
            q3[m] = q3s[j]
        pct = dict(zip(names, np.round(np.array(ranks), 2).tolist(), strict=True))
        return GroupBenchmark(group, key, n, False, pct, med, q3)

    def benchmark(
        self, scores: Mapping[str, float | None], facts: Mapping[str, str | None]
    ) -> Benchmark:
        """Place one enterprise: its cluster, percentiles per group, gap to cluster Q3."""
        # One row in plain numpy: a one-row DataFrame with fillna and sklearn's input
        # validation cost ~20 ms a call; this is the same arithmetic as assign/project.
        est = self.model.estimator
        feats = np.array([_float(scores.get(f)) for f in self.model.features])
        z = (np.where(np.isnan(feats), self._impute, feats) - est.mean_) / est.scale_
        cluster = int(np.sqrt(((z - est.centers_scaled_) ** 2).sum(axis=1)).argmin())
        xy = (z - est.pca_.mean_) @ est.pca_.components_.T
        pos = np.pad(xy, (0, 2 - xy.shape[0]))
        x = np.array([_float(scores.get(m)) for m in self.metrics])
        groups = [self.group_stats("all", None, x), self.group_stats("cluster", str(cluster), x)]
        for g in ("industry", "size_class", "city"):
            key = facts.get(g)
            groups.append(
                self.group_stats(g, str(key), x) if key else GroupBenchmark(g, None, 0, True)
            )
        cl = groups[1]
        gaps = {}
        if not cl.suppressed:
            for j, m in enumerate(self.metrics):
                if m in cl.top_quartile and not np.isnan(x[j]):
                    gaps[m] = round(max(0.0, cl.top_quartile[m] - float(x[j])), 2)
        profile = next((p for p in self.model.profiles if p.cluster == cluster), None)
        if profile is not None and profile.size < K_MIN:
            profile = None
        return Benchmark(cluster, profile, tuple(groups), gaps, (float(pos[0]), float(pos[1])))


def _quantile(ordered: np.ndarray, q: float) -> float:
    """numpy's default ("linear") quantile of an ascending, NaN-free, non-empty array."""
    h = (len(ordered) - 1) * q
    lo = int(h)
    hi = min(lo + 1, len(ordered) - 1)
    return float(ordered[lo] + (h - lo) * (ordered[hi] - ordered[lo]))


def _float(value: float | None) -> float:
    return np.nan if value is None else float(value)


def percentile_of(values: Sequence[float], x: float) -> float:
    """The 'mean' percentile rank of x in values (share below + half the ties), 0–100."""
    arr = np.asarray([v for v in values if v is not None and not np.isnan(v)], dtype=float)
    if len(arr) == 0:
        raise ValueError("no values to rank against")
    return 100.0 * (float((arr < x).sum()) + 0.5 * float((arr == x).sum())) / len(arr)


def models_dir() -> Path:
    """Where fitted models are written: $ASSESSMENT_MODELS_DIR or the repository's models/."""
    return settings.MODELS_DIR.get()


def fit_and_register(
    repo: Repository,
    qset: QuestionnaireSet,
    *,
    folder: Path | str | None = None,
    random_state: int = 0,
    progress: Callable[[int, int], None] | None = None,
    actor: str = "system",
) -> PeerModel:
    """Refit on every enterprise's latest submitted assessment, save, register as active."""
    frame = repo.scores_frame(latest=True, flat=True)
    model = fit_peer_model(frame, qset, random_state=random_state, progress=progress)
    path = save_model(model, folder or models_dir())
    repo.register_peer_model(model.version, str(path), dict(model.metadata), True, actor=actor)
    return model

"""Peer clustering, persistence and privacy-safe benchmarks on synthetic score frames."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import check_estimator

from assessment import peers
from assessment.errors import AssessmentError
from assessment.questionnaire import (
    Questionnaire,
    QuestionnaireSet,
    Section,
    Subdomain,
    Text,
    Weights,
)

SUBS = ("im.a.x", "im.a.y", "im.b.x", "im.b.y")
AREAS = ("green.energy", "integration.infra")


def _qset(version: str = "2026.1") -> QuestionnaireSet:
    w = Weights(50, 50)
    im = Questionnaire(
        id="im",
        version=version,
        kind="cmmm",
        title=Text("智能", "IM"),
        description=Text("", ""),
        source="",
        sections=tuple(
            Section(
                id=f"im.{d}",
                label=Text(f"域{d}", f"Domain {d}"),
                hint=None,
                weight=w,
                subdomains=tuple(
                    Subdomain(f"im.{d}.{s}", Text(f"子域{d}{s}", f"Sub {d}{s}"), w) for s in "xy"
                ),
                items=(),
            )
            for d in "ab"
        ),
    )
    green = Questionnaire(
        id="green",
        version=version,
        kind="green",
        title=Text("绿", "G"),
        description=Text("", ""),
        source="",
        sections=(
            Section("green.basic", Text("基本", "Basic"), None, Weights(0, 0), (), ()),
            Section("green.energy", Text("能源", "Energy"), None, Weights(100, 100), (), ()),
        ),
    )
    integ = Questionnaire(
        id="integration",
        version=version,
        kind="integration",
        title=Text("两化", "II"),
        description=Text("", ""),
        source="",
        sections=(
            Section("integration.infra", Text("基础", "Infra"), None, Weights(100, 100), (), ()),
        ),
    )
    return QuestionnaireSet((im, green, integ))


def _population(n_per: int = 250, seed: int = 0) -> pd.DataFrame:
    rng = np.random.RandomState(seed)
    centres = np.array(
        [
            [15, 20, 10, 15, 20, 10],
            [45, 50, 40, 45, 55, 35],
            [75, 80, 70, 85, 60, 80],
            [40, 20, 70, 30, 80, 20],
        ],
        dtype=float,
    )
    rows = np.vstack([c + rng.normal(0, 5, (n_per, 6)) for c in centres]).clip(0, 100)
    frame = pd.DataFrame(rows, columns=[*SUBS, *AREAS])
    frame["industry"] = rng.choice(["coking", "steel", "equipment", "food"], len(frame))
    frame["size_class"] = rng.choice(["large", "medium", "small", "micro"], len(frame))
    frame["city"] = rng.choice(["taiyuan", "datong", "linfen"], len(frame))
    frame.loc[0, "city"] = "jincheng"  # a city with a single enterprise
    return frame


@pytest.fixture(scope="module")
def qset():
    return _qset()


@pytest.fixture(scope="module")
def population():
    return _population()


@pytest.fixture(scope="module")
def model(population, qset):
    return peers.fit_peer_model(population, qset)


def test_feature_columns_skip_zero_weight_sections(qset):
    assert peers.feature_columns(qset) == (*SUBS, *AREAS)


def test_estimator_passes_sklearn_checks():
    failures = [
        r
        for r in check_estimator(peers.PeerClusterer(k_range=(2, 3), n_init=2), on_fail=None)
        if r["status"] == "failed"
    ]
    assert failures == []


def test_k_is_chosen_by_silhouette_within_range(model):
    est = model.estimator
    assert est.n_clusters_ == 4
    assert set(est.silhouette_scores_) == set(range(3, 9))
    assert est.n_clusters_ == max(est.silhouette_scores_, key=est.silhouette_scores_.get)


def test_clusters_are_stable_across_seeds(population, qset):
    a = peers.fit_peer_model(population, qset, random_state=0)
    b = peers.fit_peer_model(population, qset, random_state=42)
    assert adjusted_rand_score(a.estimator.labels_, b.estimator.labels_) >= 0.9


@pytest.mark.parametrize("k_range", [(1, 3), (5, 3), (3.0, 5)])
def test_bad_k_range_names_the_value(k_range):
    with pytest.raises(ValueError, match="k_range"):
        peers.PeerClusterer(k_range=k_range).fit(np.random.rand(50, 3))


def test_methods_refuse_before_fit():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        peers.PeerClusterer().predict(np.zeros((1, 3)))


def test_too_few_assessments_is_a_coded_error(population, qset):
    with pytest.raises(AssessmentError) as exc:
        peers.fit_peer_model(population.head(10), qset)
    assert exc.value.code == "M603"


def test_profiles_are_bilingual_and_cover_everyone(model, population):
    assert sum(p.size for p in model.profiles) == len(population)
    for p in model.profiles:
        assert p.name.zh and p.name.en and p.description.zh and p.description.en
        assert (
            "子域" in p.description.zh or "能源" in p.description.zh or "基础" in p.description.zh
        )
        assert set(p.centroid) == set(model.features)
        # Mixes never name a group smaller than K_MIN.
        for share in p.industry_mix.values():
            assert share * p.size >= peers.K_MIN - 1e-9


def test_clusters_are_ordered_low_to_high(model):
    means = [np.mean(list(p.centroid.values())) for p in model.profiles]
    assert means == sorted(means)


def test_save_load_round_trip(model, population, qset, tmp_path):
    path = peers.save_model(model, tmp_path)
    loaded = peers.load_model(path, qset)
    assert loaded.version == model.version
    assert (loaded.assign(population) == model.assign(population)).all()
    np.testing.assert_allclose(
        loaded.estimator.project(loaded.matrix(population)),
        model.estimator.project(model.matrix(population)),
    )
    assert loaded.metadata["n"] == len(population)
    assert loaded.metadata["data_hash"] == model.metadata["data_hash"]
    assert loaded.profiles == model.profiles


def test_saved_file_is_plain_json(model, tmp_path):
    path = peers.save_model(model, tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["metadata"]["sklearn_version"] == sklearn.__version__
    assert doc["metadata"]["k"] == model.estimator.n_clusters_


@pytest.mark.parametrize(
    ("field", "value"),
    [("sklearn_version", "0.24.2"), ("questionnaires", {"im": "1999.1"})],
)
def test_version_mismatch_refuses_with_advice(model, qset, tmp_path, field, value):
    path = peers.save_model(model, tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["metadata"][field] = value
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(AssessmentError) as exc:
        peers.load_model(path, qset)
    assert exc.value.code == "M601"
    assert "peers fit" in exc.value.message("en")


@pytest.mark.parametrize("content", ["not json", '{"metadata": {"format": "other"}}', "{}"])
def test_damaged_model_file_is_refused(qset, tmp_path, content):
    path = tmp_path / "peers-x.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AssessmentError) as exc:
        peers.load_model(path, qset)
    assert exc.value.code == "M604"


def test_damaged_estimator_state_is_refused(model, qset, tmp_path):
    path = peers.save_model(model, tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    del doc["estimator"]["mean"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(AssessmentError) as exc:
        peers.load_model(path, qset)
    assert exc.value.code == "M604"


@pytest.fixture(scope="module")
def index(model, population):
    return peers.PeerIndex(model, population, [*SUBS, *AREAS])


def group_members(pop: pd.DataFrame, me: pd.Series, group: str, cluster: int) -> pd.DataFrame:
    """The enterprises of `me`'s peer group, straight from the population (the reference)."""
    if group == "all":
        return pop
    if group == "cluster":
        return pop[pop["cluster"] == cluster]
    return pop[pop[group] == me[group]]


def exact_rank(values: pd.Series, x: float) -> float:
    """Share below plus half the ties, in percent, counted directly."""
    return 100 * ((values < x).sum() + 0.5 * (values == x).sum()) / len(values)


@pytest.mark.parametrize("row", [3, 300, 600, 999])
@pytest.mark.parametrize("group", ["all", "cluster", "industry", "size_class", "city"])
def test_percentiles_equal_a_direct_pandas_computation(index, population, model, row, group):
    me = population.iloc[row]
    scores = {c: float(me[c]) for c in [*SUBS, *AREAS]}
    facts = {g: me[g] for g in ("industry", "size_class", "city")}
    bench = index.benchmark(scores, facts)
    pop = population.assign(cluster=model.assign(population))
    members = group_members(pop, me, group, bench.cluster)
    g = bench.group(group)
    assert g.n == len(members)
    for col in [*SUBS, *AREAS]:
        expected = exact_rank(members[col], me[col])
        assert g.percentiles[col] == pytest.approx(expected, abs=0.01)
        assert g.medians[col] == pytest.approx(members[col].median(), abs=0.01)
        assert g.top_quartile[col] == pytest.approx(members[col].quantile(0.75), abs=0.01)


@pytest.mark.parametrize("sketch", [101, 251])
def test_a_large_group_keeps_a_sketch_within_its_error_bound(
    monkeypatch, population, model, sketch
):
    # The fixture has 1,000 enterprises: with a smaller sketch the larger groups use it.
    monkeypatch.setattr(peers, "SKETCH", sketch)
    index = peers.PeerIndex(model, population, [*SUBS, *AREAS])
    assert all(len(col) == sketch for col in index._sorted[("all", None)][1])
    pop = population.assign(cluster=model.assign(population))
    bound = 100 / (sketch - 1)
    worst = 0.0
    for row in range(0, len(population), 37):
        me = population.iloc[row]
        scores = {c: float(me[c]) for c in [*SUBS, *AREAS]}
        bench = index.benchmark(scores, {g: me[g] for g in ("industry", "size_class", "city")})
        for group in ("all", "cluster", "industry"):
            members = group_members(pop, me, group, bench.cluster)
            g = bench.group(group)
            assert g.n == len(members)  # counts are exact, sketch or not
            for col in [*SUBS, *AREAS]:
                exact = exact_rank(members[col], me[col])
                worst = max(worst, abs(g.percentiles[col] - exact))
                assert g.medians[col] == pytest.approx(members[col].median(), abs=0.01)
    assert 0 < worst <= bound, worst


def test_gap_to_cluster_top_quartile(index, population):
    me = population.iloc[10]
    scores = {c: float(me[c]) for c in [*SUBS, *AREAS]}
    bench = index.benchmark(scores, {"industry": me["industry"]})
    q3 = bench.group("cluster").top_quartile
    for col, gap in bench.gap_to_cluster_top_quartile.items():
        assert gap == pytest.approx(max(0.0, q3[col] - scores[col]), abs=0.01)


def test_k_anonymity_suppresses_small_groups(index, population):
    me = population.iloc[0]  # the only enterprise in jincheng
    bench = index.benchmark({c: float(me[c]) for c in [*SUBS, *AREAS]}, {"city": "jincheng"})
    city = bench.group("city")
    assert city.suppressed and city.percentiles == {} and city.medians == {}
    missing = bench.group("industry")  # no industry given
    assert missing.suppressed and missing.n == 0


def test_unanswered_area_gets_no_percentile(index, population):
    me = population.iloc[5]
    scores = {c: float(me[c]) for c in SUBS}  # green/integration not answered
    bench = index.benchmark(scores, {})
    assert "green.energy" not in bench.group("all").percentiles
    assert "im.a.x" in bench.group("all").percentiles


def test_position_matches_projection(index, model, population):
    me = population.iloc[7]
    bench = index.benchmark({c: float(me[c]) for c in [*SUBS, *AREAS]}, {})
    expected = model.estimator.project(model.matrix(population.iloc[[7]]))[0]
    assert bench.position == pytest.approx(tuple(expected))


def test_percentile_of_matches_definition():
    assert peers.percentile_of([1, 2, 3, 4], 3) == pytest.approx(62.5)
    assert peers.percentile_of([1, None, float("nan"), 5], 5) == pytest.approx(75.0)
    with pytest.raises(ValueError):
        peers.percentile_of([], 1)

"""PeerService over a real SQLite database seeded with a small demo population.

A small population (60 enterprises) keeps many city and industry groups under K_MIN, so
suppression is exercised on real data; the model is fitted with k in 3–4 to stay fast.
"""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

import assessment
from assessment import demo, peers, spreadsheets
from assessment.errors import AssessmentError
from assessment.peer_service import (
    MapPoints,
    PeerService,
    RefreshPolicy,
    areas,
    benchmark_metrics,
    headline_metrics,
    without_identity,
)
from assessment.reference import uscc_check_char
from assessment.scoring import score_assessment
from assessment.storage import Repository, make_engine, upgrade
from assessment.storage.db import transaction
from assessment.storage.models import TABLES, Assessment, Enterprise
from assessment.storage.queries.peers import latest_population

N = 60
SEED = 7


@pytest.fixture(scope="module")
def qset():
    return assessment.load_questionnaires()


def seed_database(folder: Path, qset, n: int = N, seed: int = SEED, *, fit: bool = True):
    """A migrated SQLite database with n demo enterprises submitted and (optionally) a model."""
    engine = make_engine(f"sqlite:///{folder / 'peers.db'}")
    upgrade(engine)
    population = demo.generate(qset, n, seed=seed)
    rows = spreadsheets.prepared_rows([(p.year, p.answers) for p in population], qset)
    spreadsheets.commit(engine, qset, rows, actor="test-seed")
    repo = Repository(engine, qset)
    model = None
    if fit:
        frame = repo.scores_frame(latest=True, flat=True)
        model = peers.fit_peer_model(frame, qset, k_range=(3, 4))
        path = peers.save_model(model, folder)
        repo.register_peer_model(model.version, str(path), dict(model.metadata))
    return engine, repo, model


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, qset):
    folder = tmp_path_factory.mktemp("peer_service")
    engine, repo, model = seed_database(folder, qset)
    yield folder, repo, model
    engine.dispose()


@pytest.fixture(scope="module")
def svc(seeded, qset):
    return PeerService(seeded[1], qset)


@pytest.fixture
def copy_repo(seeded, qset, tmp_path):
    """A private copy of the seeded database, for tests that write."""
    # The backup API copies committed pages from the write-ahead log too.
    src = sqlite3.connect(seeded[0] / "peers.db")
    dst = sqlite3.connect(tmp_path / "peers.db")
    src.backup(dst)
    src.close()
    dst.close()
    engine = make_engine(f"sqlite:///{tmp_path / 'peers.db'}")
    yield Repository(engine, qset)
    engine.dispose()


def row_counts(engine) -> dict[str, int]:
    with transaction(engine) as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in TABLES}


def two_year_enterprise(svc: PeerService) -> tuple[int, int]:
    """(older assessment id, latest assessment id) of an enterprise assessed twice."""
    frame = svc.submitted()
    twice = frame.groupby("enterprise_id")["assessment_id"].agg(["min", "max", "count"])
    row = twice[twice["count"] == 2].iloc[0]
    return int(row["min"]), int(row["max"])


# --- model loading ------------------------------------------------------------------------


def test_active_model_is_the_registered_one(svc, seeded):
    assert svc.active_model().version == seeded[2].version


def test_no_registered_model_is_m602(tmp_path, qset):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade(engine)
    with pytest.raises(AssessmentError) as err:
        PeerService(Repository(engine, qset), qset).active_model()
    assert err.value.code == "M602"


def _tampered(seeded, tmp_path, change) -> Path:
    doc = json.loads(Path(next(seeded[0].glob("peers-*.json"))).read_text(encoding="utf-8"))
    change(doc)
    path = tmp_path / f"peers-tampered-{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _old_sklearn(doc):
    doc["metadata"]["sklearn_version"] = "0.1.0"


def _other_questionnaires(doc):
    doc["metadata"]["questionnaires"] = {"im": "1900.1"}


def _not_a_model(doc):
    doc["metadata"]["format"] = "something-else/9"


@pytest.mark.parametrize(
    ("change", "code"),
    [(_old_sklearn, "M601"), (_other_questionnaires, "M601"), (_not_a_model, "M604")],
)
def test_refused_models_raise_their_code(seeded, copy_repo, tmp_path, qset, change, code):
    path = _tampered(seeded, tmp_path, change)
    copy_repo.register_peer_model(f"bad-{code}-{change.__name__}", str(path), {})
    with pytest.raises(AssessmentError) as err:
        PeerService(copy_repo, qset).index()
    assert err.value.code == code


def test_missing_model_file_is_m604(copy_repo, tmp_path, qset):
    copy_repo.register_peer_model("gone", str(tmp_path / "nowhere.json"), {})
    with pytest.raises(AssessmentError) as err:
        PeerService(copy_repo, qset).active_model()
    assert err.value.code == "M604"


# --- population ---------------------------------------------------------------------------


def test_population_is_latest_assessment_per_enterprise(svc):
    pop = svc.population()
    assert len(pop) == N
    assert pop["enterprise_id"].is_unique
    _, latest = two_year_enterprise(svc)
    assert latest in set(pop["assessment_id"])


def test_submitted_lists_every_year(svc):
    older, latest = two_year_enterprise(svc)
    ids = set(svc.submitted()["assessment_id"])
    assert {older, latest} <= ids
    assert len(ids) > N


def test_population_version_changes_with_a_submission(copy_repo, qset):
    service = PeerService(copy_repo, qset)
    before = service.population_version()
    extra = demo.generate(qset, 1, seed=999)[0]
    answers = dict(extra.answers) | {"profile.credit_code": "91140100MA0K000017"}
    spreadsheets.commit(
        copy_repo.engine, qset, spreadsheets.prepared_rows([(2026, answers)], qset), actor="t"
    )
    after = service.population_version()
    assert after.count == before.count + 1
    assert after != before


def test_metrics_cover_headline_domains_and_subdomains(qset):
    metrics = benchmark_metrics(qset)
    assert metrics[:4] == ("im.score", "green.score", "integration.index", "readiness.score")
    assert headline_metrics(qset) == metrics[:4]
    domains = [a for a in areas(qset) if a.parent is None]
    subs = [a for a in areas(qset) if a.parent is not None]
    assert {"im.factory", "green.energy", "integration.infrastructure"} <= {a.id for a in domains}
    assert "im.factory.equipment" in {a.id for a in subs}
    assert all(a.parent in {d.id for d in domains} for a in subs)
    assert len(metrics) == len(set(metrics)) == 4 + len(domains) + len(subs)


# --- benchmarks and suppression -----------------------------------------------------------


def test_benchmark_groups_are_suppressed_exactly_below_k_min(svc):
    pop = svc.population()
    seen_suppressed = seen_open = False
    for row in pop.itertuples():
        bench = svc.benchmark_for(int(row.assessment_id))
        for group in ("industry", "size_class", "city"):
            g = bench.group(group)
            n = int((pop[group] == getattr(row, group)).sum())
            assert g.n == n
            assert g.suppressed == (n < peers.K_MIN)
            if g.suppressed:
                seen_suppressed = True
                assert not g.percentiles and not g.medians and not g.top_quartile
            else:
                seen_open = True
                assert set(g.percentiles) <= set(svc.metrics)
    assert seen_suppressed and seen_open  # the small population exercises both branches


def test_benchmark_percentile_is_share_below_plus_half_ties(svc):
    pop = svc.population()
    aid = int(pop["assessment_id"].iloc[3])
    bench = svc.benchmark_for(aid)
    everyone = bench.group("all")
    for metric in ("im.score", "green.energy", "im.factory.equipment"):
        values = pop[metric].dropna().to_numpy()
        x = float(pop.loc[pop["assessment_id"] == aid, metric].iloc[0])
        want = 100 * ((values < x).sum() + 0.5 * (values == x).sum()) / len(values)
        assert everyone.percentiles[metric] == pytest.approx(want, abs=0.01)
        assert everyone.medians[metric] == pytest.approx(np.quantile(values, 0.5), abs=0.01)


def test_draft_has_no_benchmark(copy_repo, qset):
    draft = copy_repo.create_draft(
        {
            "profile.name": "太原示例装备制造有限公司",
            "profile.credit_code": "91140700MA0L00002U",
            "profile.city": "taiyuan",
            "profile.industry": "equipment",
            "profile.production_type": "discrete",
        },
        2026,
    )
    service = PeerService(copy_repo, qset)
    for call in (service.benchmark_for, service.nearest):
        with pytest.raises(AssessmentError) as err:
            call(draft.assessment_id)
        assert err.value.code == "M605"


def test_cluster_centroid_is_the_members_mean(svc):
    index = svc.index()
    pop = svc.population()
    sizes = pd.Series(index.clusters).value_counts()
    for cluster, size in sizes.items():
        centroid = svc.cluster_centroid(int(cluster))
        if size < peers.K_MIN:
            assert centroid is None
            continue
        members = pop.loc[index.clusters == cluster]
        assert centroid["im.score"] == pytest.approx(members["im.score"].mean(), abs=0.01)


# --- nearest peers ------------------------------------------------------------------------


@pytest.mark.parametrize("include_names", [False, True])
def test_nearest_excludes_the_enterprise_itself(svc, include_names):
    older, latest = two_year_enterprise(svc)
    pop = svc.population()
    enterprise = int(pop.loc[pop["assessment_id"] == latest, "enterprise_id"].iloc[0])
    for aid in (older, latest):  # its other year is no peer either
        found = svc.nearest(aid, 10, include_names=include_names)
        assert len(found) == 10
        ids = {p.assessment_id for p in found}
        assert latest not in ids and older not in ids
        mine = pop[pop["enterprise_id"] == enterprise]["assessment_id"]
        assert not ids & set(mine)


def test_nearest_are_the_closest_in_scaled_space(svc):
    aid = int(svc.population()["assessment_id"].iloc[10])
    model = svc.active_model()
    pop = svc.population()
    est = model.estimator
    z = (model.matrix(pop).to_numpy() - est.mean_) / est.scale_
    me = z[pop["assessment_id"].to_numpy() == aid][0]
    dist = np.sqrt(((z - me) ** 2).sum(axis=1))
    others = pop["assessment_id"].to_numpy() != aid
    want = pop["assessment_id"].to_numpy()[others][np.argsort(dist[others], kind="stable")][:5]
    found = svc.nearest(aid, 5)
    assert [p.assessment_id for p in found] == [int(a) for a in want]
    assert [p.distance for p in found] == sorted(p.distance for p in found)


def test_names_only_when_asked(svc):
    aid = int(svc.population()["assessment_id"].iloc[0])
    anonymous = svc.nearest(aid, 5, include_names=False)
    named = svc.nearest(aid, 5, include_names=True)
    assert all(p.name is None and p.credit_code is None for p in anonymous)
    assert all(p.name.startswith(demo.SYNTHETIC_PREFIX) and p.credit_code for p in named)
    assert [p.assessment_id for p in anonymous] == [p.assessment_id for p in named]
    assert all(p.industry and p.size_class and p.city for p in anonymous)


# --- map ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "include_names", "rows", "sampled"),
    [(5000, False, N, False), (20, False, 20, True), (20, True, 20, True)],
)
def test_map_points(svc, sample, include_names, rows, sampled):
    points = svc.map_points(sample, include_names=include_names)
    assert isinstance(points, MapPoints)
    assert len(points.frame) == rows and points.total == N and points.sampled is sampled
    assert ("name" in points.frame.columns) is include_names
    assert "credit_code" not in points.frame.columns
    assert set(points.frame["cluster"]) <= set(range(svc.active_model().estimator.n_clusters_))


def test_map_position_matches_benchmark_position(svc):
    aid = int(svc.population()["assessment_id"].iloc[5])
    points = svc.map_points()
    row = points.frame[points.frame["assessment_id"] == aid].iloc[0]
    assert svc.benchmark_for(aid).position == pytest.approx((row["x"], row["y"]))


def test_without_identity_drops_names_and_codes(svc):
    frame = without_identity(svc.population())
    assert not {"name", "credit_code"} & set(frame.columns)


# --- what-if ------------------------------------------------------------------------------


def _requirements_below_full(record, qset, n):
    out = []
    for item in qset.items():
        if item.type == "requirement" and record.answers.get(item.id) in ("none", "partial"):
            out.append(item.id)
    return out[:n]


def test_what_if_scores_changes_and_writes_nothing(seeded, svc, qset):
    repo = seeded[1]
    aid = int(svc.population()["assessment_id"].iloc[0])
    record = repo.get(aid)
    changes = {i: "full" for i in _requirements_below_full(record, qset, 8)}
    assert changes
    before = row_counts(repo.engine)
    result, programs = svc.what_if(record.answers, changes)
    assert row_counts(repo.engine) == before
    assert repo.get(aid).answers == record.answers
    want = score_assessment({**record.answers, **changes}, qset)
    assert result.flat()["im.total"] == pytest.approx(want.flat()["im.total"])
    assert result.cmmm.total > score_assessment(record.answers, qset).cmmm.total
    assert programs is not None and len(programs) == 8


def test_what_if_without_program_matching(seeded, qset):
    service = PeerService(seeded[1], qset, with_programs=False)
    record = seeded[1].get(int(service.population()["assessment_id"].iloc[0]))
    result, programs = service.what_if(record.answers, {})
    assert programs is None and result.cmmm is not None


def test_empty_population_has_no_index(seeded, tmp_path, qset):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade(engine)
    repo = Repository(engine, qset)
    model_file = next(seeded[0].glob("peers-*.json"))
    repo.register_peer_model(seeded[2].version, str(model_file), {})
    with pytest.raises(AssessmentError) as err:
        PeerService(repo, qset).index()
    assert err.value.code == "M603"
    engine.dispose()


def test_what_if_without_changes_equals_stored_scores(seeded, svc):
    aid = int(svc.population()["assessment_id"].iloc[2])
    record = seeded[1].get(aid)
    result, _ = svc.what_if(record.answers, {})
    for key in ("im.score", "green.score", "integration.index", "readiness.score"):
        assert result.flat()[key] == pytest.approx(record.scores[key])


def test_next_level_plan_preset_reaches_the_next_level(seeded, svc, qset):
    from assessment.roadmap import next_level_plan

    pop = svc.population()
    aid = int(pop.loc[pop["cmmm_level"] < 4, "assessment_id"].iloc[0])
    record = seeded[1].get(aid)
    plan = next_level_plan(record.answers, qset)
    result, _ = svc.what_if(record.answers, {s.item_id: s.to_rating for s in plan.steps})
    assert result.cmmm.level == plan.target_level


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"im.strategy.org.l1.plan": "excellent"}, "A203"),
        ({"im.strategy.org.l1.plan": 3}, "A204"),
        ({"im.no_such_item": "full"}, "A201"),
        ({"profile.employees": -5}, "A202"),
    ],
)
def test_what_if_rejects_invalid_changes(seeded, svc, changes, code):
    record = seeded[1].get(int(svc.population()["assessment_id"].iloc[0]))
    with pytest.raises(AssessmentError) as err:
        svc.what_if(record.answers, changes)
    assert code in err.value.codes


def test_benchmark_scores_of_what_if_result(seeded, svc, qset):
    aid = int(svc.population()["assessment_id"].iloc[0])
    record = seeded[1].get(aid)
    same = svc.benchmark_scores(record.scores, record)
    assert same.cluster == svc.benchmark_for(aid).cluster
    everything = {item.id: "full" for item in qset.items() if item.type == "requirement"}
    result, _ = svc.what_if(record.answers, everything)
    moved = svc.benchmark_scores(result.flat(), record)
    assert moved.group("all").percentiles["im.score"] >= same.group("all").percentiles["im.score"]


# --- keeping the index fresh (RefreshPolicy) ----------------------------------------------


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def add_submission(repo, qset, n: int, *, code: str | None = None, year: int = 2026) -> int:
    """Submit one more demo assessment (a new enterprise unless `code` is given); its id."""
    if code is None:
        body = f"91140100MA0R{n:05d}"
        code = body + uscc_check_char(body)
    extra = demo.generate(qset, 1, seed=500 + n)[0]
    answers = dict(extra.answers) | {"profile.credit_code": code}
    spreadsheets.commit(
        repo.engine, qset, spreadsheets.prepared_rows([(year, answers)], qset), actor="t"
    )
    with transaction(repo.engine) as conn:
        return conn.execute(
            select(Assessment.id)
            .join(Enterprise, Enterprise.id == Assessment.enterprise_id)
            .where(Enterprise.credit_code == code, Assessment.year == year)
        ).scalar_one()


def slow(**kw) -> RefreshPolicy:
    """A policy that treats the small test population like a large one (no inline rebuild)."""
    return RefreshPolicy(inline_seconds=-1.0, **({"check_every": 0.0} | kw))


def test_refresh_builds_once_then_sees_nothing_new(copy_repo, qset):
    service = PeerService(copy_repo, qset)
    assert service.refresh() == "built"
    snap = service.snapshot()
    assert service.refresh() == "current"
    assert service.snapshot() is snap


def test_small_population_takes_a_new_submission_at_once(copy_repo, qset):
    service = PeerService(copy_repo, qset, policy=RefreshPolicy(inline_seconds=math.inf))
    service.snapshot()
    before = service.population_version()
    new = add_submission(copy_repo, qset, 1)
    assert service.refresh() == "rebuilt"
    assert new in set(service.population()["assessment_id"])
    assert service.snapshot().version.count == before.count + 1
    assert service.benchmark_for(new).group("all").n == N + 1


def test_stale_index_is_served_until_max_age_then_rebuilt(copy_repo, qset):
    clock = FakeClock()
    service = PeerService(copy_repo, qset, policy=slow(max_age=60, max_lag=0.5), clock=clock)
    old = service.snapshot()
    new = add_submission(copy_repo, qset, 2)
    clock.now += 30
    assert service.refresh() == "stale"
    assert service.snapshot() is old
    assert new not in set(service.population()["assessment_id"])
    clock.now += 31  # 61 s after the build began
    assert service.refresh(wait=True) == "started"
    assert service.rebuild_error is None
    assert new in set(service.population()["assessment_id"])
    assert service.refresh() == "current"


def test_a_large_population_is_looked_at_every_check_every_seconds(copy_repo, qset):
    clock = FakeClock()
    policy = slow(max_age=0.0, check_every=5.0)
    service = PeerService(copy_repo, qset, policy=policy, clock=clock)
    service.snapshot()
    assert service.refresh() == "current"
    new = add_submission(copy_repo, qset, 10)
    clock.now += 4
    assert service.refresh() == "unchecked"
    clock.now += 1
    assert service.refresh(wait=True) == "started"
    assert new in set(service.population()["assessment_id"])


def test_many_new_submissions_rebuild_before_max_age(copy_repo, qset):
    clock = FakeClock()
    service = PeerService(copy_repo, qset, policy=slow(max_age=3600, max_lag=0.01), clock=clock)
    service.snapshot()
    new = add_submission(copy_repo, qset, 3)  # 1 new of ~80 submissions: more than 1 %
    assert service.refresh(wait=True) == "started"
    assert new in set(service.population()["assessment_id"])


def test_a_stale_index_places_a_new_submission_by_its_own_scores(copy_repo, qset):
    service = PeerService(copy_repo, qset, policy=slow(max_age=3600, max_lag=1.0))
    service.snapshot()
    new = add_submission(copy_repo, qset, 4)
    assert service.refresh() == "stale"
    stale = service.benchmark_for(new)
    # The same enterprise placed by a service built after its submission: the cluster, the
    # position and every gap come from its own scores; only the reference counts lag.
    fresh = PeerService(copy_repo, qset).benchmark_for(new)
    assert stale.cluster == fresh.cluster
    assert stale.position == pytest.approx(fresh.position)
    assert stale.group("all").n == N and fresh.group("all").n == N + 1
    for metric, value in stale.group("all").percentiles.items():
        assert value == pytest.approx(fresh.group("all").percentiles[metric], abs=100 / N)
    assert set(stale.gap_to_cluster_top_quartile) == set(fresh.gap_to_cluster_top_quartile)


def test_failed_background_rebuild_keeps_the_old_index(copy_repo, qset):
    clock = FakeClock()
    service = PeerService(copy_repo, qset, policy=slow(max_age=60, max_lag=0.0), clock=clock)
    old = service.snapshot()
    add_submission(copy_repo, qset, 5)
    with transaction(copy_repo.engine, write=True) as conn:
        conn.exec_driver_sql("DROP TABLE assessment_scores")  # the next read fails
    assert service.refresh(wait=True) == "started"
    assert service.rebuild_error is not None
    assert service.snapshot() is old
    assert service.refresh() == "stale"  # no retry on every request: after max_age again
    clock.now += 61
    assert service.refresh(wait=True) == "started"
    assert service.snapshot() is old


def test_population_has_only_the_index_scores(svc, seeded, qset):
    pop = svc.population()
    full = seeded[1].scores_frame(latest=True, flat=True)
    model = svc.active_model()
    keys = [*svc.metrics, *(f for f in model.features if f not in svc.metrics)]
    assert set(keys) <= set(pop.columns)
    assert not {"im.total", "im.l1", "readiness.confidence"} & set(pop.columns)
    shared = [c for c in pop.columns if c in full.columns]
    assert len(shared) == len(pop.columns)
    pd.testing.assert_frame_equal(pop, full[shared], check_dtype=False)


def full_read(service: PeerService) -> pd.DataFrame:
    model = service.active_model()
    keys = [*service.metrics, *(f for f in model.features if f not in service.metrics)]
    return latest_population(service.repo.engine, keys)


def test_incremental_rebuild_equals_a_full_read(copy_repo, qset):
    service = PeerService(copy_repo, qset, policy=RefreshPolicy(inline_seconds=math.inf))
    pop = service.population()
    older = pop.iloc[7]
    # A new enterprise, and a later year of an enterprise already in the population.
    add_submission(copy_repo, qset, 6)
    later = add_submission(copy_repo, qset, 7, code=str(older["credit_code"]), year=2027)
    assert service.refresh() == "rebuilt"
    merged = service.population()
    assert later in set(merged["assessment_id"])
    assert int(older["assessment_id"]) not in set(merged["assessment_id"])
    assert merged["enterprise_id"].is_unique
    pd.testing.assert_frame_equal(merged, full_read(service), check_dtype=False)


def test_rebuild_reads_everything_again_after_full_age(copy_repo, qset):
    clock = FakeClock()
    policy = RefreshPolicy(inline_seconds=math.inf, full_age=600)
    service = PeerService(copy_repo, qset, policy=policy, clock=clock)
    first = service.snapshot()
    add_submission(copy_repo, qset, 8)
    assert service.refresh() == "rebuilt"
    assert service.snapshot().full_started == first.full_started  # only the new row read
    add_submission(copy_repo, qset, 9)
    clock.now += 601
    assert service.refresh() == "rebuilt"
    assert service.snapshot().full_started == clock.now
    pd.testing.assert_frame_equal(service.population(), full_read(service), check_dtype=False)

"""The synthetic demo population: calibration, realism checks, seeding on both databases,
and the stability of the peer groups fitted on it."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score
from sqlalchemy import func, select

from assessment import demo, peers
from assessment.answers import validate_answers
from assessment.errors import AssessmentError
from assessment.reference import is_shanxi_uscc
from assessment.scoring_batch import score_batch
from assessment.storage.models import Assessment, AssessmentScore, Enterprise, Score

TARGET = {"<=1": 63.0, "2": 21.0, "3": 12.0, "4+": 4.0}  # CESI 2022, maturity-models.md


@pytest.fixture(scope="module")
def population(qset):
    return demo.generate(qset, 3000, seed=2026)


@pytest.fixture(scope="module")
def scored(population, qset):
    frame = pd.DataFrame([d.answers for d in population])
    return frame, score_batch(frame, qset)


def _bucket(level: int) -> str:
    return "<=1" if level <= 1 else "4+" if level >= 4 else str(level)


def test_scored_levels_reproduce_the_national_distribution(population, scored):
    _, scores = scored
    current = [i for i, d in enumerate(population) if d.year == demo.YEAR]
    assert len(current) == 3000
    counts = Counter(_bucket(int(scores.iloc[i]["im.level"])) for i in current)
    shares = {k: 100.0 * counts[k] / len(current) for k in TARGET}
    for bucket, target in TARGET.items():
        assert abs(shares[bucket] - target) <= 5.0, (bucket, shares)


def test_every_answer_set_is_complete_and_valid(population, qset):
    for d in population[:300]:
        assert validate_answers(d.answers, qset) == [], d.key


def test_population_is_labelled_synthetic_and_plausible(population):
    firsts = [d for d in population if d.year == demo.YEAR]
    assert all(d.answers["profile.name"].startswith(demo.SYNTHETIC_PREFIX) for d in population)
    assert all(is_shanxi_uscc(d.answers["profile.credit_code"]) for d in firsts)
    assert len({d.answers["profile.credit_code"] for d in firsts}) == len(firsts)
    for field, shares in (("city", demo.CITY_SHARES), ("industry", demo.INDUSTRY_SHARES)):
        counts = Counter(d.answers[f"profile.{field}"] for d in firsts)
        for code, share in shares.items():
            assert abs(counts[code] / len(firsts) - share) <= 0.03, (field, code)


def test_part_of_the_population_has_two_years_and_improved(population, scored):
    _, scores = scored
    by_key: dict[int, dict[int, int]] = {}
    for i, d in enumerate(population):
        by_key.setdefault(d.key, {})[d.year] = i
    pairs = [(v[demo.YEAR - 1], v[demo.YEAR]) for v in by_key.values() if len(v) == 2]
    assert 0.25 <= len(pairs) / len(by_key) <= 0.45
    gains = [scores.iloc[b]["im.total"] - scores.iloc[a]["im.total"] for a, b in pairs]
    assert sum(g > 0 for g in gains) / len(gains) > 0.8


def test_generation_is_seeded(qset):
    a = demo.generate(qset, 20, seed=7)
    b = demo.generate(qset, 20, seed=7)
    c = demo.generate(qset, 20, seed=8)
    assert [d.answers for d in a] == [d.answers for d in b]
    assert [d.answers for d in a] != [d.answers for d in c]
    with pytest.raises(ValueError, match="positive"):
        demo.generate(qset, 0)


def test_peer_groups_on_the_demo_population_are_stable(population, scored, qset):
    frame, scores = scored
    current = [i for i, d in enumerate(population) if d.year == demo.YEAR]
    data = scores.iloc[current].reset_index(drop=True)
    data["industry"] = frame.iloc[current]["profile.industry"].to_numpy()
    a = peers.fit_peer_model(data, qset, random_state=0)
    b = peers.fit_peer_model(data, qset, random_state=1)
    assert 3 <= a.estimator.n_clusters_ <= 8
    assert adjusted_rand_score(a.estimator.labels_, b.estimator.labels_) >= 0.9


def test_seed_loads_everything_in_one_transaction(engine, qset):
    n = demo.seed(engine, qset, 60, seed=3)
    with engine.connect() as conn:
        assessments = conn.execute(select(func.count()).select_from(Assessment)).scalar_one()
        enterprises = conn.execute(select(func.count()).select_from(Enterprise)).scalar_one()
        scores = conn.execute(select(func.count()).select_from(Score)).scalar_one()
        longs = conn.execute(select(func.count()).select_from(AssessmentScore)).scalar_one()
        linked = conn.execute(
            select(func.count())
            .select_from(Assessment)
            .where(Assessment.previous_assessment_id.is_not(None))
        ).scalar_one()
    assert assessments == n == scores and enterprises == 60
    assert linked == n - 60
    assert longs > 40 * n
    # A second seed refuses and changes nothing.
    with pytest.raises(AssessmentError) as exc:
        demo.seed(engine, qset, 10, seed=4)
    assert exc.value.code == "S410"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Assessment)).scalar_one() == n


def test_seeded_scores_match_the_repository_view(engine, qset, repo):
    demo.seed(engine, qset, 40, seed=5)
    frame = repo.scores_frame(latest=True, flat=True)
    assert len(frame) == 40
    assert frame["name"].str.startswith(demo.SYNTHETIC_PREFIX).all()
    assert frame["cmmm_level"].between(0, 5).all()
    assert (frame["im.level"] == frame["cmmm_level"]).all()

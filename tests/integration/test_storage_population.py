"""storage.queries.peers on SQLite and PostgreSQL: the peer population read equals
`scores_frame(latest=True, flat=True)` restricted to the keys asked for."""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment import demo, spreadsheets
from assessment.peer_service import benchmark_metrics
from assessment.storage import Repository
from assessment.storage.queries import peers as population
from assessment.storage.queries.peers import (
    latest_population,
    merge_latest,
    population_rows,
    population_version,
    scored_ids,
)

N = 25


def seeded(engine, qset) -> Repository:
    population = demo.generate(qset, N, seed=11)  # some enterprises have two years
    rows = spreadsheets.prepared_rows([(p.year, p.answers) for p in population], qset)
    spreadsheets.commit(engine, qset, rows, actor="test-seed")
    return Repository(engine, qset)


def test_latest_population_equals_scores_frame(engine, qset):
    repo = seeded(engine, qset)
    keys = [*benchmark_metrics(qset), "no.such.key"]
    pop = latest_population(engine, keys)
    full = repo.scores_frame(latest=True, flat=True)
    assert len(pop) == N and pop["enterprise_id"].is_unique
    assert pop["no.such.key"].isna().all()
    wanted = [c for c in pop.columns if c != "no.such.key"]
    pd.testing.assert_frame_equal(pop[wanted], full[wanted], check_dtype=False)
    assert "im.total" not in pop.columns  # only the keys asked for


def test_version_ids_and_rows(engine, qset):
    repo = seeded(engine, qset)
    every = repo.scores_frame()
    version = population_version(engine)
    ids = scored_ids(engine)
    assert version.count == len(every) == len(ids) > N
    assert np.array_equal(ids, np.sort(every["assessment_id"].to_numpy()))
    keys = list(benchmark_metrics(qset))
    pop = latest_population(engine, keys)
    # Rebuilt from the rows of every assessment merged one year after the other: the same.
    older = every.sort_values("year")["assessment_id"].tolist()
    merged = population_rows(engine, keys, older[:N])
    merged = merge_latest(merged, population_rows(engine, keys, older[N:]))
    pd.testing.assert_frame_equal(merged, pop, check_dtype=False)


def test_scores_read_in_small_batches_are_the_same(engine, qset, monkeypatch):
    # Long rows are converted a batch at a time; batch edges fall anywhere in an assessment.
    seeded(engine, qset)
    keys = list(benchmark_metrics(qset))
    whole = latest_population(engine, keys)
    monkeypatch.setattr(population, "BATCH", 7)
    pd.testing.assert_frame_equal(latest_population(engine, keys), whole, check_exact=True)
    ids = whole["assessment_id"].tolist()[::3]
    rows = population_rows(engine, keys, ids)
    assert rows["assessment_id"].tolist() == ids
    pd.testing.assert_frame_equal(rows, whole.iloc[::3].reset_index(drop=True), check_exact=True)

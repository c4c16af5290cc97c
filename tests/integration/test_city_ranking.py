"""The §4(4) city assessment from the database equals a pandas computation on the demo
population, on SQLite and PostgreSQL; the composite and rank follow the documented rule."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import staff_seed
from staff_seed import BACKENDS

from assessment import city_ranking, scoring
from assessment.programs import load_programs, recommend_programs
from assessment.reference import CITY_CODES
from assessment.storage.queries import city_ranking as city_ranking_db


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(request, tmp_path_factory):
    return staff_seed.module_engine(request, tmp_path_factory, "cities")


@pytest.fixture(scope="module")
def tables(seeded, programs) -> dict[int, pd.DataFrame]:
    """The city table per year, computed once per backend (program matching is the slow part)."""
    return {
        year: city_ranking_db.city_assessment(seeded, staff_seed.qset(), year, programs)
        for year in (2026, 2025, 2030)
    }


@pytest.fixture(scope="module")
def programs():
    return load_programs(qset=staff_seed.qset())


@pytest.fixture(scope="module")
def uptake_truth(programs) -> dict[tuple[str, int], float]:
    """Program uptake from full scoring results (not the stored scores the module uses)."""
    qset = staff_seed.qset()
    taken: dict[tuple[str, int], list[bool]] = {}
    for r in staff_seed.rows():
        result = scoring.score_assessment(r.answers, qset)
        hit = city_ranking.has_uptake(recommend_programs(result, r.answers, programs))
        taken.setdefault((r.answers["profile.city"], r.year), []).append(hit)
    return {key: float(np.mean(v)) for key, v in taken.items()}


def pandas_table(year: int, uptake: dict[tuple[str, int], float]) -> pd.DataFrame:
    frame = staff_seed.frame()
    this = frame[frame["year"] == year]
    before = frame[frame["year"] == year - 1][["credit_code", "im.total"]]
    paired = this.merge(before, on="credit_code", suffixes=("", "_before"))
    paired["delta"] = paired["im.total"] - paired["im.total_before"]
    out = pd.DataFrame({"city": list(CITY_CODES)}).set_index("city")
    groups = this.groupby("city")
    out["participation"] = groups.size()
    out["participation"] = out["participation"].fillna(0.0)
    out["mean_level"] = groups["im.level"].mean()
    out["share_level3"] = groups["im.level"].apply(lambda s: (s >= 3).mean())
    out["improvement"] = paired.groupby("city")["delta"].mean()
    out["paired"] = paired.groupby("city").size()
    out["paired"] = out["paired"].fillna(0.0)
    out["uptake"] = [uptake.get((c, year), math.nan) for c in out.index]
    composite = pd.Series(0.0, index=out.index)
    for name, weight in city_ranking.WEIGHTS.items():
        col = out[name].astype(float)
        lo, hi = col.min(), col.max()
        pts = (col - lo) / (hi - lo) * 100 if hi > lo else pd.Series(100.0, index=out.index)
        composite += weight * pts.where(col.notna(), 0.0)  # missing: no points
    out["composite"] = composite
    return out


@pytest.mark.parametrize("year", [2026, 2025])
def test_city_table_equals_pandas(tables, uptake_truth, year):
    got = tables[year].set_index("city")
    want = pandas_table(year, uptake_truth)
    assert sorted(got.index) == sorted(CITY_CODES)
    for column in (
        "participation",
        "mean_level",
        "share_level3",
        "improvement",
        "paired",
        "uptake",
    ):
        for city in CITY_CODES:
            a, b = got.loc[city, column], want.loc[city, column]
            assert (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, abs_tol=1e-9), (
                column,
                city,
                a,
                b,
            )
    for city in CITY_CODES:
        assert math.isclose(got.loc[city, "composite"], want.loc[city, "composite"], abs_tol=1e-9)
    # Rank 1 is the highest composite; ranks follow the composite.
    ordered = got.sort_values("rank")
    assert ordered["composite"].is_monotonic_decreasing
    assert ordered["rank"].iloc[0] == 1


def test_no_previous_year_means_no_improvement_points(tables):
    table = tables[2025]
    assert table["improvement"].isna().all() and (table["paired"] == 0).all()
    assert (table["improvement_points"] == 0).all()


def test_year_without_assessments_ranks_every_city_equal(tables):
    table = tables[2030]
    assert len(table) == 11 and (table["participation"] == 0).all()
    # Every city has the same (zero) participation: all get full points and share rank 1.
    assert (table["rank"] == 1).all()


def test_years_lists_submitted_years(seeded):
    assert city_ranking_db.years(seeded) == [2026, 2025]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1.0, 2.0, 3.0], [0.0, 50.0, 100.0]),
        ([2.0, 2.0, math.nan], [100.0, 100.0, 0.0]),
        ([math.nan, math.nan], [0.0, 0.0]),
        ([-1.0, 1.0], [0.0, 100.0]),
    ],
)
def test_points_rescale_min_max(values, expected):
    assert city_ranking.points(pd.Series(values)).tolist() == expected


def test_composite_ties_share_a_rank():
    frame = pd.DataFrame(
        {
            "city": ["a", "b", "c"],
            **{name: [1.0, 1.0, 0.0] for name in city_ranking.INDICATORS},
        }
    )
    out = city_ranking.composite(frame).set_index("city")
    assert out.loc["a", "rank"] == out.loc["b", "rank"] == 1 and out.loc["c", "rank"] == 3
    assert math.isclose(out.loc["a", "composite"], 100.0)
    assert math.isclose(sum(city_ranking.WEIGHTS.values()), 1.0)

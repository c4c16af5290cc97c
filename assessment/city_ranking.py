"""The annual assessment of the eleven cities' technical-transformation work (Policy §4(4)).

For one year, every city gets five indicators computed from its enterprises' submitted
assessments, each rescaled to 0–100 across the cities (min–max), a weighted composite and
a rank. docs/staff.md gives the definitions, the weights and why they were chosen. The
indicators are read by assessment/storage/queries/city_ranking.py; this module is the pure
half: weights, program uptake from stored scores, points, composite and the table.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from assessment.programs import ProgramMatch, ProgramSet, recommend_programs
from assessment.reference import CITY_CODES
from assessment.scored import stored_scores

# Indicator → weight in the composite (sum 1). Improvement and level carry most: §4(4)
# assesses the *work* of a city, so progress counts as much as where its firms stand.
WEIGHTS: Mapping[str, float] = {
    "participation": 0.15,
    "mean_level": 0.25,
    "share_level3": 0.20,
    "improvement": 0.25,
    "uptake": 0.15,
}
INDICATORS = tuple(WEIGHTS)
# A program counts as taken up when the enterprise is eligible and fits it at least this well.
UPTAKE_MIN_FIT = 50.0
COLUMNS = (
    "city",
    "participation",
    "mean_level",
    "share_level3",
    "improvement",
    "paired",
    "uptake",
    *(f"{name}_points" for name in INDICATORS),
    "composite",
    "rank",
)


def has_uptake(matches: Iterable[ProgramMatch]) -> bool:
    """Whether any program is a strong match: eligible with fit ≥ UPTAKE_MIN_FIT."""
    return any(m.eligible and m.fit >= UPTAKE_MIN_FIT for m in matches)


def uptake(
    rows: Iterable[tuple[str | None, Mapping[str, Any], Mapping[str, float | None]]],
    programs: ProgramSet,
) -> pd.DataFrame:
    """Per city: the share of (city, answers, stored scores) rows with a strong program match."""
    records = []
    for city, answers, scores in rows:
        matches = recommend_programs(stored_scores(answers, scores), answers, programs)
        records.append((city, has_uptake(matches)))
    frame = pd.DataFrame.from_records(records, columns=["city", "taken"])
    if frame.empty:
        return pd.DataFrame(columns=["city", "uptake"])
    return frame.groupby("city", as_index=False).agg(uptake=("taken", "mean"))


def points(values: pd.Series) -> pd.Series:
    """Min–max rescaling to 0–100 across cities; a missing value scores 0, all-equal 100."""
    present = values.dropna()
    if present.empty:
        return pd.Series(0.0, index=values.index)
    low, high = float(present.min()), float(present.max())
    if high == low:
        scaled = pd.Series(100.0, index=values.index)
    else:
        scaled = (values.astype(float) - low) / (high - low) * 100.0
    return scaled.where(values.notna(), 0.0).astype(float)


def composite(indicators: pd.DataFrame) -> pd.DataFrame:
    """Add `<indicator>_points`, `composite` and `rank` (1 = best; ties share a rank)."""
    out = indicators.copy()
    total = pd.Series(0.0, index=out.index)
    for name, weight in WEIGHTS.items():
        out[f"{name}_points"] = points(out[name])
        total += weight * out[f"{name}_points"]
    out["composite"] = total
    out["rank"] = out["composite"].rank(ascending=False, method="min").astype(int)
    return out.sort_values(["rank", "city"], ignore_index=True)


def table(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """The §4(4) table from the per-city indicator frames: every city, points, composite, rank."""
    frame = pd.DataFrame({"city": list(CITY_CODES)})
    for part in parts:
        if not part.empty:
            frame = frame.merge(part, on="city", how="left")
    for name in ("participation", "mean_level", "share_level3", "improvement", "paired", "uptake"):
        if name not in frame:
            frame[name] = math.nan
        frame[name] = frame[name].astype(float)
    frame["participation"] = frame["participation"].fillna(0.0)
    frame["paired"] = frame["paired"].fillna(0.0)
    return composite(frame)[list(COLUMNS)]

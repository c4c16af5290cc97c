"""Answers the dashboard sums, kept as numbers on the `scores` row when an assessment is submitted.

Reading them out of every assessment's answers JSON at query time cost the dashboard
eight JSON parses per row (BENCHMARKS.md, finding 5); the columns are filled by every
writer of `scores` (submission, spreadsheet import, demo seed, JSONL import) and by
migration 0002 for rows that existed before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assessment.numbers import finite

# scores column → the profile answer it holds
ANSWER_FACTS = {
    "invest_this_year": "profile.invest_this_year",
    "invest_last_year": "profile.invest_last_year",
}


def answer_facts(answers: Mapping[str, Any]) -> dict[str, float | None]:
    """The `scores` columns taken from the answers (None where not answered with a number)."""
    return {column: finite(answers.get(key)) for column, key in ANSWER_FACTS.items()}

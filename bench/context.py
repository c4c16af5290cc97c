"""What every benchmark gets: the questionnaires, sizes, repeats and shared populations."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from functools import cached_property
from pathlib import Path

import pandas as pd

from assessment.loader import load_questionnaires
from assessment.questionnaire import QuestionnaireSet
from assessment.scoring_batch import score_batch
from bench import population

SMOKE_N = 200  # rows in place of 100,000 (and of every other size) with --smoke
SMOKE_BASE = 60
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class Context:
    """Shared state of one `python -m bench` run."""

    def __init__(self, *, smoke: bool, repeats: int, pg: bool = True):
        self.smoke = smoke
        self.repeats = repeats
        self.pg = pg
        self.started = time.perf_counter()
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-"))
        self._frames: dict[int, pd.DataFrame] = {}
        self._scores: dict[int, pd.DataFrame] = {}
        import streamlit.logger

        # AppTest and cache clearing outside a script run log a warning per call.
        streamlit.logger.set_log_level("error")

    @cached_property
    def qset(self) -> QuestionnaireSet:
        """The shipped questionnaires."""
        return load_questionnaires()

    def size(self, full: int) -> int:
        """The size to use for a figure whose full size is `full`."""
        return min(full, SMOKE_N) if self.smoke else full

    def population(self, n: int) -> pd.DataFrame:
        """n synthetic assessments (see bench/population.py), built once per run."""
        if n not in self._frames:
            t0 = time.perf_counter()
            base = SMOKE_BASE if self.smoke else population.BASE
            self._frames[n] = population.answers_frame(self.qset, n, base=base)
            self.log(f"   population of {n:,}: {time.perf_counter() - t0:.1f} s")
        return self._frames[n]

    def scores(self, n: int) -> pd.DataFrame:
        """The flat() scores of population(n), with industry, size_class, city and year."""
        if n not in self._scores:
            frame = self.population(n)
            scored = score_batch(population.item_frame(frame), self.qset)
            facts = population.facts(frame)
            scored[list(facts.columns)] = facts.to_numpy()
            scored["year"] = frame["_year"].to_numpy()
            self._scores[n] = scored
        return self._scores[n]

    def log(self, message: str) -> None:
        """Progress on stderr, with the time since the run started."""
        print(f"[{time.perf_counter() - self.started:6.0f}s] {message}", file=sys.stderr)

    def close(self) -> None:
        """Remove the run's temporary files."""
        shutil.rmtree(self.tmp, ignore_errors=True)

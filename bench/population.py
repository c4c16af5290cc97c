"""The benchmark population: 100,000 assessments built from the real demo generator.

`assessment.demo.generate` draws each enterprise item by item (~4 ms each), so 100,000
would take minutes. Instead a base of `BASE` demo enterprises is generated once (and
cached on disk, keyed by the questionnaire versions), then rows are resampled with
replacement and perturbed with numpy so that copies differ:
- requirement ratings move one step up or down with probability `RATING_JITTER`;
- numeric answers are multiplied by a log-normal factor (σ = `NUMERIC_JITTER`), rounded to
  2 decimals and clipped into the item's allowed range;
- names and credit codes are renumbered so every row is its own enterprise.
Skip logic stays consistent because no answer that a `relevant` expression reads is
changed (those columns are left as drawn).
"""

from __future__ import annotations

import hashlib
import json
import pickle
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assessment import demo
from assessment.questionnaire import QuestionnaireSet
from assessment.reference import size_class, uscc_check_char

BASE = 5000
RATING_JITTER = 0.10
NUMERIC_JITTER = 0.05
RATING_ORDER = ("none", "partial", "most", "full")
CACHE = Path(tempfile.gettempdir()) / "shanxi-readiness-bench"


def _cache_key(qset: QuestionnaireSet, base: int, seed: int) -> str:
    doc = json.dumps([qset.versions(), base, seed, demo.__file__], sort_keys=True)
    source = Path(demo.__file__).read_bytes()  # a change to the generator invalidates it
    return hashlib.sha256(doc.encode() + source).hexdigest()[:16]


def cache_path(qset: QuestionnaireSet, base: int, name: str, seed: int = 2026) -> Path:
    """A file in the bench cache belonging to one base population."""
    CACHE.mkdir(parents=True, exist_ok=True)
    return CACHE / f"base-{base}-{_cache_key(qset, base, seed)}-{name}"


def base_answers(qset: QuestionnaireSet, base: int = BASE, seed: int = 2026) -> list[dict]:
    """The answers of `demo.generate(qset, base, seed)`, cached between runs."""
    path = cache_path(qset, base, "answers.pickle", seed)
    if path.exists():
        return pickle.loads(path.read_bytes())  # our own cache file
    key = path.name.split("-")[2]
    for stale in CACHE.glob(f"base-{base}-*"):  # made by an older generator or questionnaire
        if stale.name.split("-")[2] != key:
            stale.unlink(missing_ok=True)
    answers = [dict(d.answers) | {"_year": d.year} for d in demo.generate(qset, base, seed=seed)]
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(answers, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(path)
    return answers


def _referenced(qset: QuestionnaireSet) -> set[str]:
    refs: set[str] = set()
    for q in qset.questionnaires:
        for item in q.items():
            if item.relevant is not None:
                refs |= set(item.relevant.refs())
    return refs


def answers_frame(
    qset: QuestionnaireSet, n: int, *, base: int = BASE, seed: int = 7
) -> pd.DataFrame:
    """n assessments as a frame of item-id columns, resampled and perturbed.

    Two extra columns: `_year` (the demo year) and `_base` (the base row it was drawn from).
    """
    base = min(base, n)
    rows = base_answers(qset, base)
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rows)
    pick = rng.integers(0, len(frame), n)
    frame = frame.iloc[pick].reset_index(drop=True)
    frame["_base"] = pick
    fixed = _referenced(qset)
    for q in qset.questionnaires:
        for item in q.items():
            if item.id not in frame.columns or item.id in fixed:
                continue
            col = frame[item.id]
            if item.type == "requirement":
                frame[item.id] = _jitter_ratings(col, rng)
            elif item.type == "numeric" and item.scored:
                frame[item.id] = _jitter_numbers(col, item, rng)
    keys = np.arange(1, n + 1)
    frame["profile.name"] = [f"{demo.SYNTHETIC_PREFIX}·bench·{k:06d}" for k in keys]
    bodies = [f"91140100{k:09d}" for k in keys]
    frame["profile.credit_code"] = [b + uscc_check_char(b) for b in bodies]
    frame.attrs["base"] = base
    return frame


def _jitter_ratings(col: pd.Series, rng: np.random.Generator) -> pd.Series:
    codes = col.map({r: i for i, r in enumerate(RATING_ORDER)})
    rated = codes.notna().to_numpy()
    move = (rng.random(len(col)) < RATING_JITTER) & rated
    step = np.where(rng.random(len(col)) < 0.5, -1, 1)
    new = np.clip(codes.to_numpy(dtype=float) + np.where(move, step, 0), 0, 3)
    out = col.copy()
    idx = np.flatnonzero(move)
    out.iloc[idx] = [RATING_ORDER[int(v)] for v in new[idx]]
    return out


def _jitter_numbers(col: pd.Series, item: Any, rng: np.random.Generator) -> pd.Series:
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    numeric = ~np.isnan(values)
    factor = np.exp(rng.normal(0.0, NUMERIC_JITTER, len(col)))
    new = np.round(values * factor, 2)
    c = item.constraint
    if c is not None:
        new = np.clip(
            new, c.min if c.min is not None else -np.inf, c.max if c.max is not None else np.inf
        )
    out = col.astype(object).copy()
    idx = np.flatnonzero(numeric)
    out.iloc[idx] = new[idx]
    return out


def item_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without the bench's own columns (what score_batch accepts)."""
    return frame.drop(columns=[c for c in frame.columns if c.startswith("_")])


def facts(frame: pd.DataFrame) -> pd.DataFrame:
    """industry, size_class and city of each row (the peer-group keys)."""
    sizes = [
        size_class(float(e), float(r)) if e is not None and r is not None else None
        for e, r in zip(frame["profile.employees"], frame["profile.revenue"], strict=True)
    ]
    return pd.DataFrame(
        {
            "industry": frame["profile.industry"].to_numpy(),
            "size_class": sizes,
            "city": frame["profile.city"].to_numpy(),
        }
    )

"""Batch scoring of 100,000 assessments, against a bare numpy computation of the same numbers.

The limit is what the aggregation costs when the answers are already encoded as arrays
(0–100 item scores, scored / relevant / don't-know masks): every area score is one column
of a weighted matrix product, the CMMM level scores and the cumulative stop rule are a few
array operations. `score_batch` also has to encode the answers (strings, lists, numbers)
and evaluate the skip logic, which the bare computation is given for free; the ratio is
therefore the price of starting from a DataFrame of answers. The bare numbers are checked
equal to `score_batch`'s before anything is timed.

The bare computation runs in blocks of BLOCK rows with one BLAS thread (see below).
The one-by-one loop (`score_assessment` per row) is timed on a sample and extrapolated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from assessment.answers import effective_answers, is_relevant
from assessment.questionnaire import DONT_KNOW, Item, QuestionnaireSet
from assessment.scoring import (
    EPS,
    LEVEL_CUTS,
    PASS,
    S_DECIMALS,
    SCORED_KINDS,
    flat_keys,
    item_score,
    questionnaire_of_kind,
    score_assessment,
    section_weight,
)
from assessment.scoring_batch import score_batch
from bench import population
from bench.timing import Row, Target, interleaved, measure, paired_ratio

NAME = "scoring"
LOOP_SAMPLE = 2000
# Rows per block of the bare computation: its temporaries (block × groups) then stay in
# the CPU cache instead of being fresh, page-faulted memory on every operation.
BLOCK = 1024


# --- encoding (setup, not timed) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Encoded:
    """Answers as arrays: item scores (0 where not scored) and the masks the rules need."""

    x: np.ndarray  # n × items, 0–100, 0 where not scored
    ok: np.ndarray  # n × items, 1.0 where scored
    rel: np.ndarray  # n × items, 1.0 where relevant (not skipped)
    dk: np.ndarray  # n × items, bool: answered "don't know"
    process: np.ndarray  # n, bool: the process weight variant applies


def scored_items(qset: QuestionnaireSet) -> list[Item]:
    """The scored items of the scored questionnaires, in questionnaire order."""
    return [
        it for q in qset.questionnaires if q.kind in SCORED_KINDS for it in q.items() if it.scored
    ]


def _hashable(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def relevance_of_base(qset: QuestionnaireSet, base: int) -> np.ndarray:
    """Relevance of each scored item in each base row (cached beside the base answers)."""
    path = population.cache_path(qset, base, "relevance.npy")
    if path.exists():
        return np.load(path)
    items = scored_items(qset)
    rows = population.base_answers(qset, base)
    rel = np.empty((len(rows), len(items)), dtype=bool)
    for b, answers in enumerate(rows):
        effective = effective_answers(
            {k: v for k, v in answers.items() if not k.startswith("_")}, qset
        )
        rel[b] = [is_relevant(it, effective) for it in items]
    np.save(path, rel)
    return rel


def encode(frame: pd.DataFrame, qset: QuestionnaireSet) -> Encoded:
    """Encode a population frame (with `_base`) using only the public scoring rules.

    Relevance comes from `answers.effective_answers` on each *base* row: the bench
    population never perturbs an answer that a `relevant` expression reads.
    """
    items = scored_items(qset)
    rel = relevance_of_base(qset, frame.attrs["base"])[frame["_base"].to_numpy()]
    n = len(frame)
    x = np.zeros((n, len(items)))
    ok = np.zeros((n, len(items)))
    dk = np.zeros((n, len(items)), dtype=bool)
    ind_codes, industries = pd.factorize(frame["profile.industry"].astype(object))
    for k, item in enumerate(items):
        if item.id not in frame.columns:
            continue
        col = frame[item.id].astype(object)
        if item.type == "multiple":
            col = col.map(_hashable, na_action="ignore")
        codes, uniques = pd.factorize(col)
        pairs = [(v, None) for v in uniques]
        if item.type == "numeric":  # the score depends on the industry's benchmark too
            # one code per (value, industry); -1 (missing) stays negative
            radix = len(industries) + 1
            codes, combos = pd.factorize(codes.astype(np.int64) * radix + ind_codes)
            pairs = [
                (uniques[c // radix] if c >= 0 else None,
                 industries[c % radix] if c % radix < len(industries) else None)
                for c in combos
            ]  # fmt: skip
        score = np.full(len(pairs) + 1, np.nan)  # last: missing cells (code -1)
        isdk = np.zeros(len(pairs) + 1, dtype=bool)
        for j, (value, ind) in enumerate(pairs):
            if value is None or (isinstance(value, float) and np.isnan(value)):
                continue
            if isinstance(value, str) and value == DONT_KNOW:
                isdk[j] = True
                continue
            plain = list(value) if isinstance(value, tuple) else value
            score[j] = item_score(item, plain, ind)
        s = score[codes]
        dk[:, k] = isdk[codes] & rel[:, k]
        # "Don't know" scores 0 and counts in every mean (docs/scoring.md, "Don't know").
        scored = (~np.isnan(s) & rel[:, k]) | dk[:, k]
        x[:, k] = np.where(scored & ~dk[:, k], s, 0.0)
        ok[:, k] = scored
    process = (frame["profile.production_type"] == "process").to_numpy(dtype=bool)
    return Encoded(x, ok, rel.astype(float), dk, process)


# --- the bare computation ----------------------------------------------------------------


class BareScorer:
    """All `flat()` numbers from encoded arrays, with weight matrices built once."""

    def __init__(self, qset: QuestionnaireSet):
        items = scored_items(qset)
        self.pos = {it.id: k for k, it in enumerate(items)}
        self.keys = flat_keys(qset)
        cols: list[np.ndarray] = []  # weight columns of every group, in one matrix

        def group(members: Sequence[Item]) -> int:
            w = np.zeros(len(items))
            for it in members:
                w[self.pos[it.id]] = it.weight
            cols.append(w)
            return len(cols) - 1

        self.cmmm = questionnaire_of_kind(qset, "cmmm")
        if self.cmmm is not None:
            q = self.cmmm
            secs = q.sections
            # level × section means (the level scores)
            self.ls = np.array(
                [[group([it for it in s.items if it.level == lv and it.scored]) for s in secs]
                 for lv in range(1, 6)]
            )  # fmt: skip
            self.ls_w = np.array(
                [[(s.weight.process, s.weight.discrete) if s.weight else (0.0, 0.0)
                  for s in secs]]
            )[0]  # fmt: skip
            # areas of the cumulative rule: sub-domains, or the section where it has none
            self.areas: list[str] = []
            area_items: list[list[Item]] = []
            for s in secs:
                scored = [it for it in s.items if it.scored and it.level is not None]
                if s.subdomains:
                    for sd in s.subdomains:
                        self.areas.append(sd.id)
                        area_items.append([it for it in scored if it.subdomain == sd.id])
                else:
                    self.areas.append(s.id)
                    area_items.append(scored)
            self.area_all = np.array([group(m) for m in area_items])
            self.area_lv = np.array(
                [[group([it for it in m if it.level == lv]) for lv in range(1, 6)]
                 for m in area_items]
            )  # fmt: skip
            # presence of a level in an area: any relevant item (indicator, not weights)
            self.presence = np.zeros((len(items), len(area_items) * 5))
            for a, m in enumerate(area_items):
                for it in m:
                    self.presence[self.pos[it.id], a * 5 + it.level - 1] = 1.0
            self.sections = [
                (s.id, [self.areas.index(sd.id) for sd in s.subdomains],
                 np.array([(sd.weight.process, sd.weight.discrete) for sd in s.subdomains]))
                for s in secs
            ]  # fmt: skip
        self.others = []
        for kind in ("green", "integration"):
            q = questionnaire_of_kind(qset, kind)
            if q is None:
                continue
            secs = [
                (
                    s.id,
                    group([it for it in s.items if it.scored]),
                    (section_weight(s, "process"), section_weight(s, "discrete")),
                    [(sd.id, group([it for it in s.items if it.scored and it.subdomain == sd.id]))
                     for sd in s.subdomains],
                )
                for s in q.sections
            ]  # fmt: skip
            veto = np.array([self.pos[it.id] for it in q.items() if it.veto and it.type == "yesno"])
            stages = sorted((st.min_index, float(st.stage)) for st in getattr(q, "stages", ()))
            self.others.append((kind, q.id, secs, veto, stages))
        self.W = np.stack(cols, axis=1)
        if self.cmmm is not None:
            # The groups were made in blocks, so each block is a slice of the product's
            # columns (a view) rather than a gather.
            self.ls_cols = _block(self.ls.ravel())
            self.all_cols = _block(self.area_all)
            self.lv_cols = _block(self.area_lv.ravel())

    def score(self, e: Encoded, block: int = BLOCK) -> dict[str, np.ndarray]:
        """The flat() numbers of every row, computed in blocks of rows."""
        n = e.x.shape[0]
        parts = [
            self._score(Encoded(*(a[i : i + block] for a in (e.x, e.ok, e.rel, e.dk, e.process))))
            for i in range(0, n, block)
        ]
        return {k: np.concatenate([p[k] for p in parts]) for k in self.keys}

    def _score(self, e: Encoded) -> dict[str, np.ndarray]:
        n = e.x.shape[0]
        num = e.x @ self.W
        den = e.ok @ self.W
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(den > 0, num / den, np.nan)
        out: dict[str, np.ndarray] = {}
        present = []
        proc = e.process[:, None]
        if self.cmmm is not None:
            qid = self.cmmm.id
            m = mean[:, self.ls_cols].reshape(n, 5, -1) / 100.0  # n × 5 × sections
            w = np.where(proc, self.ls_w[:, 0], self.ls_w[:, 1])[:, None, :]
            has = ~np.isnan(m)
            wsum = (w * has).sum(axis=2)
            with np.errstate(invalid="ignore", divide="ignore"):
                levels = np.where(wsum > 0, (w * np.where(has, m, 0.0)).sum(axis=2) / wsum, 0.0)
            passed = levels >= PASS - EPS
            included = np.ones((n, 5), dtype=bool)
            included[:, 1:] = np.cumprod(passed[:, :-1], axis=1).astype(bool)
            total = np.round((levels * included).sum(axis=1), S_DECIMALS)
            # cumulative stop rule per area: n × areas × 5
            pres = (e.rel @ self.presence).reshape(n, -1, 5) > 0
            lv_den = den[:, self.lv_cols].reshape(n, -1, 5)
            lv_mean = mean[:, self.lv_cols].reshape(n, -1, 5)
            value = np.where(lv_den > 0, lv_mean / 100.0, 0.0)
            fail = pres & (value < PASS - EPS)
            alive = np.ones_like(fail)
            alive[:, :, 1:] = np.cumprod(~fail[:, :, :-1], axis=2).astype(bool)
            tot = np.where(pres & alive, value, 0.0).sum(axis=2)
            cnt = pres.sum(axis=2)
            with np.errstate(invalid="ignore", divide="ignore"):
                area = np.where(
                    (den[:, self.all_cols] > 0) & (cnt > 0), tot / np.maximum(cnt, 1) * 100, np.nan
                )
            for a, key in enumerate(self.areas):
                out[key] = area[:, a]
            for sid, subs, sw in self.sections:
                if subs:
                    ws = np.where(proc, sw[:, 0], sw[:, 1])
                    out[sid] = _combine(ws, area[:, subs])
            out[f"{qid}.total"] = total
            out[f"{qid}.level"] = np.searchsorted(np.array(LEVEL_CUTS), total + EPS, "right") * 1.0
            out[f"{qid}.score"] = total / 5.0 * 100.0
            for i in range(5):
                out[f"{qid}.l{i + 1}"] = levels[:, i]
            present.append(out[f"{qid}.score"])
        for kind, qid, secs, veto, stages in self.others:
            sec_cols = [g for _, g, _, _ in secs]
            sw = np.array([w for _, _, w, _ in secs])
            for sid, g, _, subs in secs:
                out[sid] = mean[:, g]
                for sdid, sg in subs:
                    out[sdid] = mean[:, sg]
            overall = _combine(np.where(proc, sw[:, 0], sw[:, 1]), mean[:, sec_cols])
            if kind == "green":
                out[f"{qid}.score"] = overall
                failed = (e.ok[:, veto] > 0) & (e.x[:, veto] == 0.0)
                out[f"{qid}.veto"] = failed.any(axis=1) * 1.0
            else:
                stage = np.full(n, np.nan)
                for low, st in stages:
                    stage = np.where(overall + EPS >= low, st, stage)
                out[f"{qid}.index"] = overall
                out[f"{qid}.stage"] = stage
            present.append(overall)
        stack = np.stack(present, axis=1)
        has = ~np.isnan(stack)
        count = has.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["readiness.score"] = np.where(
                count > 0, np.where(has, stack, 0.0).sum(axis=1) / count, np.nan
            )
        dont_know = e.dk.sum(axis=1)
        answered = e.ok.sum(axis=1) - dont_know
        basis = answered + dont_know
        out["readiness.confidence"] = np.where(basis > 0, answered / np.maximum(basis, 1), 0.0)
        return out


def _block(columns: np.ndarray) -> slice:
    start = int(columns[0])
    if not np.array_equal(columns, np.arange(start, start + len(columns))):
        raise AssertionError("groups are not contiguous")
    return slice(start, start + len(columns))


def _combine(weights: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Σ w·s ÷ Σ w over the columns with a score (row-wise weights); NaN when none."""
    has = ~np.isnan(scores)
    den = (weights * has).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (weights * np.where(has, scores, 0.0)).sum(axis=1) / den, np.nan)


def max_difference(a: pd.DataFrame, b: dict[str, np.ndarray]) -> float:
    """The largest absolute difference between score_batch's frame and the bare numbers."""
    worst = 0.0
    for key in a.columns:
        x, y = a[key].to_numpy(dtype=float), b[key]
        if not np.array_equal(np.isnan(x), np.isnan(y)):
            return float("inf")
        diff = np.abs(np.nan_to_num(x) - np.nan_to_num(y))
        worst = max(worst, float(diff.max()) if len(diff) else 0.0)
    return worst


# --- the benchmark -----------------------------------------------------------------------


def run(ctx) -> list[Row]:
    """Time score_batch, the bare computation and the one-by-one loop."""
    qset, n, repeats = ctx.qset, ctx.size(100_000), ctx.repeats
    frame = ctx.population(n)
    items = population.item_frame(frame)
    encoded = encode(frame, qset)
    bare = BareScorer(qset)
    reference = score_batch(items, qset)
    diff = max_difference(reference, bare.score(encoded))
    if diff > 1e-6:
        raise AssertionError(f"the bare computation differs from score_batch by {diff}")

    def bare_run() -> None:
        # One BLAS thread: the products are small, and on a shared 2-core machine a
        # second BLAS thread waiting for a busy core costs more than it saves.
        with threadpool_limits(1):
            bare.score(encoded)

    t = interleaved({"batch": lambda: score_batch(items, qset), "bare": bare_run}, repeats)
    sample = min(LOOP_SAMPLE, n)
    dicts = [
        {k: v for k, v in row.items() if not _missing(v)}
        for row in items.iloc[:sample].to_dict("records")
    ]
    loop = measure(lambda: [score_assessment(a, qset) for a in dicts], max(1, repeats // 2 + 1))
    loop_full = loop.median * n / sample
    ctx.log(f"scoring: batch {t['batch'].median:.3f}s bare {t['bare'].median:.4f}s")
    return [
        Row(
            bench=NAME,
            what=f"batch scoring of {n:,} assessments (`score_batch`)",
            value=t["batch"].median,
            unit="s",
            target=Target("ratio", 2.0),
            limit_what="bare numpy on pre-encoded arrays (matrix product + cumulative rule)",
            limit_value=t["bare"].median,
            ratio=paired_ratio(t["batch"], t["bare"]),
            repeats=repeats,
            note=(
                f"bare = score_batch to {diff:.1e}; one-by-one `score_assessment` loop: "
                f"{loop_full:.1f} s (timed on {sample:,}, ×{n / sample:g}), "
                f"{loop_full / t['batch'].median:.0f}× batch"
            ),
            extra={
                "batch_samples": t["batch"].samples,
                "bare_samples": t["bare"].samples,
                "loop_sample_seconds": loop.median,
                "loop_sample": sample,
                "loop_extrapolated": loop_full,
                "max_difference": diff,
            },
        )
    ]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))

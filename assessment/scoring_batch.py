"""`score_batch`: score many assessments at once with numpy, equal to `score_assessment`.

Each item column is encoded once into a status array and a 0–100 score array (the
item rules of assessment/scoring.py applied to each *distinct* value, then broadcast);
each `relevant` expression is evaluated once per distinct combination of the answers it
refers to. Aggregation is then matrix arithmetic over rows, following the formulas of
docs/scoring.md in the same order as the one-assessment code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assessment.answers import EXPECTED
from assessment.errors import AssessmentError, Bilingual, problem
from assessment.expressions import Expr, evaluate
from assessment.questionnaire import DONT_KNOW, RATINGS, Item, Questionnaire, QuestionnaireSet
from assessment.scoring import (
    BASELINE_SCORE,
    DONT_KNOW_SCORE,
    EPS,
    LEADING_SCORE,
    LEVEL_CUTS,
    PASS,
    S_DECIMALS,
    SCORED_KINDS,
    benchmark_of,
    flat_keys,
    is_blank,
    item_score,
    questionnaire_of_kind,
    section_weight,
)

# Status codes of the encoded answers.
UNANSWERED, SCORED, DONT_KNOW_CODE, SKIPPED = 0, 1, 2, 3
EXTRA_COLUMNS = ("assessment_id",)


@dataclass(frozen=True, slots=True)
class _Group:
    """Positions (into the scored-item list) and weights of the items of one area."""

    pos: np.ndarray
    weights: np.ndarray


def _group(items: Sequence[Item], position: dict[str, int]) -> _Group:
    return _Group(
        np.array([position[it.id] for it in items], dtype=np.intp),
        np.array([it.weight for it in items], dtype=float),
    )


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _plain(value: Any) -> Any:
    """A factorized value back as the answer score_assessment would see."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _codes(col: pd.Series | None, n: int) -> tuple[np.ndarray, list[Any]]:
    """Factorize a column (lists as tuples); missing cells get code -1."""
    uniques: np.ndarray | pd.Index
    if col is None:
        return np.full(n, -1, dtype=np.intp), []
    if isinstance(col.dtype, pd.StringDtype) and col.dtype.storage == "pyarrow":
        return _arrow_codes(col)
    if col.dtype == object:
        values = col.to_numpy()
        try:
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
        except TypeError:
            # Multiple-choice answers are lists, which do not hash: as tuples they do (a
            # generator over the cells, not Series.map: no Python call per cell).
            values = np.fromiter(
                (tuple(v) if v.__class__ is list else v for v in values), dtype=object, count=n
            )
            try:
                codes, uniques = pd.factorize(values, use_na_sentinel=True)
            except TypeError:  # other unhashable cells (list subclasses, dicts, …)
                hashable = col.map(_hashable, na_action="ignore").to_numpy(dtype=object)
                codes, uniques = pd.factorize(hashable, use_na_sentinel=True)
    else:  # bool and number dtypes factorize natively (and fast)
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.intp), [_plain(u) for u in np.asarray(uniques, dtype=object)]


def _arrow_codes(col: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Factorize an Arrow-backed string column with Arrow's own dictionary encoding.

    pandas' factorize of the same column does this too, and then converts; asking Arrow
    directly costs about half.
    """
    import pyarrow as pa  # present: the column is stored in Arrow
    import pyarrow.compute as pc

    arr = pa.array(col.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    encoded = arr.dictionary_encode()
    indices = encoded.indices if arr.null_count == 0 else pc.fill_null(encoded.indices, -1)
    return indices.to_numpy().astype(np.intp), encoded.dictionary.to_pylist()


def _where(index: pd.Index, mask: np.ndarray, item_id: str) -> str:
    row = index[int(np.flatnonzero(mask)[0])]
    return f"row {row}, column {item_id}"


def _encode_choice(
    item: Item, col: pd.Series | None, index: pd.Index
) -> tuple[np.ndarray, np.ndarray]:
    """Status and score arrays of a requirement / single / multiple / yesno column."""
    n = len(index)
    codes, uniques = _codes(col, n)
    status = np.full(len(uniques) + 1, UNANSWERED, dtype=np.int8)  # last: missing cells
    score = np.full(len(uniques) + 1, np.nan)
    for k, value in enumerate(uniques):
        if is_blank(value):
            continue
        if isinstance(value, str) and value == DONT_KNOW:
            if not item.dont_know:
                raise AssessmentError(problem("A210", path=_where(index, codes == k, item.id)))
            status[k] = DONT_KNOW_CODE
            continue
        try:
            score[k] = item_score(item, value, None)
        except ValueError:
            where = _where(index, codes == k, item.id)
            if item.type == "yesno" or (item.type == "multiple" and not isinstance(value, list)):
                expected = EXPECTED["yesno" if item.type == "yesno" else "multiple"]
                raise AssessmentError(
                    problem("A204", path=where, value=value, expected=expected)
                ) from None
            valid = ", ".join(o.value for o in item.options) or ", ".join(RATINGS)
            raise AssessmentError(problem("A203", path=where, value=value, valid=valid)) from None
        status[k] = SCORED
    return status[codes], score[codes]


def _encode_numeric(
    item: Item, col: pd.Series | None, index: pd.Index, industry: tuple[np.ndarray, list[Any]]
) -> tuple[np.ndarray, np.ndarray]:
    """Status and score arrays of a numeric indicator column, against its benchmarks."""
    n = len(index)
    if col is None:
        return np.full(n, UNANSWERED, dtype=np.int8), np.full(n, np.nan)
    if col.dtype.kind in "fiu":
        x = col.to_numpy(dtype=float, copy=True)
        dk = np.zeros(n, dtype=bool)
        missing = np.isnan(x)
    else:
        x, dk, missing = _object_numbers(col.to_numpy(dtype=object), item, index)
    if dk.any() and not item.dont_know:
        raise AssessmentError(problem("A210", path=_where(index, dk, item.id)))
    c = item.constraint
    if c is not None:
        low = c.min if c.min is not None else -np.inf
        high = c.max if c.max is not None else np.inf
        out = ~np.isnan(x) & ((x < low) | (x > high))
        if out.any():
            value = x[int(np.flatnonzero(out)[0])]
            raise AssessmentError(
                problem(
                    "A202",
                    path=_where(index, out, item.id),
                    value=value,
                    detail=Bilingual(
                        f"allowed {c.min} to {c.max}", f"允许范围为 {c.min} 至 {c.max}"
                    ),
                )
            )
    codes, uniques = industry
    benches = [benchmark_of(item, u if isinstance(u, str) else None) for u in uniques]
    benches.append(benchmark_of(item, None))  # missing industry: the default
    baseline = np.array([b.baseline for b in benches])[codes]
    leading = np.array([b.leading for b in benches])[codes]
    with np.errstate(invalid="ignore"):
        g = (x - baseline) / (leading - baseline)
        score = np.where(
            g >= 1.0,
            LEADING_SCORE,
            np.where(
                g >= 0.0,
                BASELINE_SCORE + (LEADING_SCORE - BASELINE_SCORE) * g,
                np.maximum(0.0, BASELINE_SCORE + BASELINE_SCORE * g),
            ),
        )
    status = np.where(dk, DONT_KNOW_CODE, np.where(missing, UNANSWERED, SCORED)).astype(np.int8)
    return status, np.where(status == SCORED, score, np.nan)


_NUMBER_KINDS = frozenset({"floating", "integer", "mixed-integer-float", "empty"})


def _object_numbers(
    obj: np.ndarray, item: Item, index: pd.Index
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, "dont_know" mask, missing mask) of a numeric column stored as objects."""
    missing = pd.isna(obj)
    dk = obj == DONT_KNOW
    rest = obj.copy()
    rest[dk | missing] = np.nan
    # The usual column holds only numbers besides "dont_know" and blanks: one C-level
    # type scan proves it (booleans, strings and others make the kind "mixed" or other),
    # and the conversion needs no per-cell check.
    if pd.api.types.infer_dtype(rest, skipna=True) in _NUMBER_KINDS:
        return rest.astype(float), dk, missing
    x = pd.to_numeric(pd.Series(obj), errors="coerce").to_numpy(dtype=float, copy=True)
    # Cells that did not convert are "dont_know", blank or wrong; cells that became
    # 0 or 1 may have been booleans, which are not numbers here.
    odd = np.isnan(x) & ~missing
    bad = odd & ~dk
    for k in np.flatnonzero(bad):  # rare: blank strings or wrong values
        if isinstance(obj[k], str) and not obj[k].strip():
            missing[k], bad[k] = True, False
    for k in np.flatnonzero((x == 0.0) | (x == 1.0)):
        bad[k] = isinstance(obj[k], bool | np.bool_)
    if bad.any():
        value = obj[int(np.flatnonzero(bad)[0])]
        raise AssessmentError(
            problem(
                "A204", path=_where(index, bad, item.id), value=value, expected=EXPECTED["numeric"]
            )
        )
    x[dk | missing] = np.nan
    return x, dk, missing


class _Relevance:
    """Row masks of item relevance, memoised per expression.

    A skip cascades as in `answers.effective_answers`: a referenced item that is itself
    skipped is seen as unanswered.
    """

    def __init__(self, frame: pd.DataFrame, qset: QuestionnaireSet):
        self.frame, self.qset = frame, qset
        self.by_expr: dict[Expr, np.ndarray] = {}
        self.by_item: dict[str, np.ndarray | None] = {}

    def item(self, item: Item) -> np.ndarray | None:
        """Mask of rows where the item applies; None when it always applies."""
        if item.id not in self.by_item:
            self.by_item[item.id] = None  # guards against a (loader-rejected) cycle
            expr = item.relevant
            if expr is not None:
                if expr not in self.by_expr:
                    self.by_expr[expr] = self._evaluate(expr)
                self.by_item[item.id] = self.by_expr[expr]
        return self.by_item[item.id]

    def _evaluate(self, expr: Expr) -> np.ndarray:
        n = len(self.frame)
        codes_list, values = [], []
        for ref in sorted(expr.refs()):
            codes, uniques = _codes(self.frame[ref] if ref in self.frame.columns else None, n)
            ref_item = self.qset.item(ref)
            mask = self.item(ref_item) if ref_item is not None else None
            if mask is not None:
                codes = np.where(mask, codes, -1)
            codes_list.append(codes)
            values.append(uniques)
        return _relevance(expr, sorted(expr.refs()), codes_list, values, n)


def _relevance(
    expr: Expr, refs: list[str], columns: list[np.ndarray], values: list[list[Any]], n: int
) -> np.ndarray:
    """Evaluate an expression once per distinct combination of the answers it refers to."""
    if not refs or n == 0:
        return np.full(n, bool(evaluate(expr, {})), dtype=bool)
    stacked = np.stack(columns, axis=1)
    radix = [len(u) + 1 for u in values]
    if math.prod(radix) < 2**62:
        # One int64 key per row (mixed radix over the codes) factorizes in O(n), unlike
        # np.unique(axis=0), which sorts the rows.
        key = np.zeros(n, dtype=np.int64)
        for j, base in enumerate(radix):
            key = key * base + (stacked[:, j] + 1)
        inverse, _ = pd.factorize(key)
        first = np.empty(int(inverse.max()) + 1, dtype=np.intp)
        first[inverse] = np.arange(n)  # any row of a combination represents it
        combos = stacked[first]
    else:  # pragma: no cover - needs ~2**62 distinct combinations
        combos, inverse = np.unique(stacked, axis=0, return_inverse=True)
    result = np.empty(len(combos), dtype=bool)
    for k, combo in enumerate(combos):
        answers = {
            ref: values[j][c] for j, (ref, c) in enumerate(zip(refs, combo, strict=True)) if c >= 0
        }
        result[k] = bool(evaluate(expr, answers))
    return result[np.asarray(inverse).reshape(-1)]


def _check_columns(frame: pd.DataFrame, qset: QuestionnaireSet) -> None:
    problems = []
    for col in frame.columns:
        if col in EXTRA_COLUMNS:
            continue
        if not isinstance(col, str) or qset.item(col) is None:
            qid = str(col).split(".", 1)[0]
            where = q.id if (q := qset.get(qid)) is not None else ", ".join(qset.ids)
            problems.append(problem("A201", path=f"column {col}", item=col, questionnaire=where))
    if problems:
        raise AssessmentError(problems)


def _weighted_mean(x: np.ndarray, ok: np.ndarray, group: _Group) -> tuple[np.ndarray, np.ndarray]:
    """Σ w·x ÷ Σ w over the scored cells of a group; also returns Σ w (0 = nothing scored).

    `x` holds 0 where an item is not counted and `ok` is 1.0 where it is (scored or
    "don't know").
    """
    # Column by column: the arrays are column-major, so each column is a contiguous view
    # (no gathered copy), and the sums run in item order like the one-assessment code.
    n = x.shape[0]
    num, den = np.zeros(n), np.zeros(n)
    for p, w in zip(group.pos, group.weights, strict=True):
        num += x[:, p] * w
        den += ok[:, p] * w
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan), den


def _combine(parts: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Σ weight × score ÷ Σ weight over parts with a score (row-wise weights); NaN if none."""
    n = len(parts[0][1]) if parts else 0
    num, den = np.zeros(n), np.zeros(n)
    for weight, score in parts:
        has = ~np.isnan(score)
        num += np.where(has, weight * np.where(has, score, 0.0), 0.0)
        den += np.where(has, weight, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _variant_weight(process: np.ndarray, p: float, d: float) -> np.ndarray:
    return np.where(process, p, d)


def _cumulative_area(
    items: Sequence[Item],
    x: np.ndarray,
    ok: np.ndarray,
    rel: np.ndarray,
    position: dict[str, int],
) -> np.ndarray:
    """CMMM sub-domain score 0–100: the stop rule over its own levels ÷ levels × 100."""
    n = x.shape[0]
    if not items:
        return np.full(n, np.nan)
    _, any_den = _weighted_mean(x, ok, _group(items, position))
    total, count = np.zeros(n), np.zeros(n)
    alive = np.ones(n, dtype=bool)
    for level in sorted({lv for it in items if (lv := it.level) is not None}):
        group = _group([it for it in items if it.level == level], position)
        present = rel[:, group.pos].any(axis=1)
        mean, den = _weighted_mean(x, ok, group)
        value = np.where(den > 0, mean / 100.0, 0.0)
        total += np.where(present & alive, value, 0.0)
        count += present
        alive &= ~(present & (value < PASS - EPS))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(
            (any_den > 0) & (count > 0), total / np.where(count > 0, count, 1) * 100.0, np.nan
        )


def _cmmm(
    q: Questionnaire,
    x: np.ndarray,
    ok: np.ndarray,
    rel: np.ndarray,
    position: dict[str, int],
    process: np.ndarray,
    out: dict[str, np.ndarray],
) -> np.ndarray:
    n = x.shape[0]
    levels = np.zeros((n, 5))
    for level in range(1, 6):
        parts = []
        for section in q.sections:
            at = [it for it in section.items if it.level == level and it.id in position]
            if at:
                mean, _ = _weighted_mean(x, ok, _group(at, position))
                w = section.weight
                weight = _variant_weight(process, w.process, w.discrete) if w else np.zeros(n)
                parts.append((weight, mean / 100.0))
        combined = _combine(parts) if parts else np.full(n, np.nan)
        levels[:, level - 1] = np.where(np.isnan(combined), 0.0, combined)
    passed = levels >= PASS - EPS
    included = np.ones((n, 5), dtype=bool)
    included[:, 1:] = np.cumprod(passed[:, :-1], axis=1).astype(bool)
    total: np.ndarray = np.round((levels * included).sum(axis=1), S_DECIMALS)
    reached = np.searchsorted(np.array(LEVEL_CUTS), total + EPS, side="right").astype(float)
    sub_scores = {}
    for section in q.sections:
        scored = [it for it in section.items if it.id in position and it.level is not None]
        if section.subdomains:
            parts = []
            for sd in section.subdomains:
                s = _cumulative_area(
                    [it for it in scored if it.subdomain == sd.id], x, ok, rel, position
                )
                sub_scores[sd.id] = s
                parts.append((_variant_weight(process, sd.weight.process, sd.weight.discrete), s))
            out[section.id] = _combine(parts)
        else:
            out[section.id] = _cumulative_area(scored, x, ok, rel, position)
    out.update(sub_scores)
    out[f"{q.id}.total"] = total
    out[f"{q.id}.level"] = reached
    out[f"{q.id}.score"] = total / 5.0 * 100.0
    for i in range(5):
        out[f"{q.id}.l{i + 1}"] = levels[:, i]
    return total / 5.0 * 100.0


def _areas(
    q: Questionnaire,
    x: np.ndarray,
    ok: np.ndarray,
    position: dict[str, int],
    process: np.ndarray,
    out: dict[str, np.ndarray],
) -> np.ndarray:
    n = x.shape[0]
    parts = []
    for section in q.sections:
        scored = [it for it in section.items if it.id in position]
        score = _weighted_mean(x, ok, _group(scored, position))[0] if scored else np.full(n, np.nan)
        out[section.id] = score
        weight = np.where(
            process, section_weight(section, "process"), section_weight(section, "discrete")
        )
        parts.append((weight, score))
        for sd in section.subdomains:
            items = [it for it in scored if it.subdomain == sd.id]
            out[sd.id] = (
                _weighted_mean(x, ok, _group(items, position))[0] if items else np.full(n, np.nan)
            )
    return _combine(parts) if parts else np.full(n, np.nan)


def score_batch(frame: pd.DataFrame, qset: QuestionnaireSet) -> pd.DataFrame:
    """Score one assessment per row of `frame` (columns = item ids); columns = flat() keys."""
    if not isinstance(frame, pd.DataFrame):
        raise AssessmentError(
            problem(
                "A208",
                detail=Bilingual(
                    "score_batch needs a pandas DataFrame", "score_batch 需要 pandas DataFrame"
                ),
            )
        )
    _check_columns(frame, qset)
    n = len(frame)
    index = frame.index
    frame = frame.reset_index(drop=True)
    items = [
        it for q in qset.questionnaires if q.kind in SCORED_KINDS for it in q.items() if it.scored
    ]
    position = {it.id: k for k, it in enumerate(items)}
    process = (
        (frame["profile.production_type"] == "process").to_numpy(dtype=bool)
        if "profile.production_type" in frame.columns
        else np.zeros(n, dtype=bool)
    )
    industry_col = frame["profile.industry"] if "profile.industry" in frame.columns else None
    industry = _codes(industry_col, n)
    # Column-major: each item's column is written once and gathered by area later.
    status = np.empty((n, len(items)), dtype=np.int8, order="F")
    x = np.empty((n, len(items)), order="F")
    relevance = _Relevance(frame, qset)
    for k, item in enumerate(items):
        col = frame[item.id] if item.id in frame.columns else None
        if item.type == "numeric":
            status[:, k], x[:, k] = _encode_numeric(item, col, index, industry)
        else:
            status[:, k], x[:, k] = _encode_choice(item, col, index)
        mask = relevance.item(item)
        if mask is not None:
            status[~mask, k] = SKIPPED
    ok = status == SCORED
    dk = status == DONT_KNOW_CODE
    rel = status != SKIPPED
    x[~ok] = 0.0  # in place: keeps the column-major layout
    x[dk] = DONT_KNOW_SCORE  # "don't know" counts in every average, as not met
    okf = (ok | dk).astype(float)
    out: dict[str, np.ndarray] = {}
    present = []
    q = questionnaire_of_kind(qset, "cmmm")
    if q is not None:
        present.append(_cmmm(q, x, okf, rel, position, process, out))
    q = questionnaire_of_kind(qset, "green")
    if q is not None:
        score = _areas(q, x, okf, position, process, out)
        out[f"{q.id}.score"] = score
        veto = [position[it.id] for it in q.items() if it.veto and it.type == "yesno"]
        # The gate is not passed when a veto is answered "no" or "don't know" (unverified).
        failed = ((ok[:, veto] & (x[:, veto] == 0.0)) | dk[:, veto]).any(axis=1)
        out[f"{q.id}.veto"] = failed.astype(float)
        present.append(score)
    q = questionnaire_of_kind(qset, "integration")
    if q is not None:
        idx = _areas(q, x, okf, position, process, out)
        stage = np.full(n, np.nan)
        for st in sorted(q.stages, key=lambda s: s.min_index):
            stage = np.where(idx + EPS >= st.min_index, float(st.stage), stage)
        out[f"{q.id}.index"] = idx
        out[f"{q.id}.stage"] = stage
        present.append(idx)
    if present:
        stack = np.stack(present, axis=1)
        has = ~np.isnan(stack)
        count = has.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            readiness = np.where(count > 0, np.where(has, stack, 0.0).sum(axis=1) / count, np.nan)
    else:
        readiness = np.full(n, np.nan)
    answered = ok.sum(axis=1)
    base = answered + dk.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["readiness.confidence"] = np.where(
            base > 0, answered / np.where(base > 0, base, 1), 0.0
        )
    out["readiness.score"] = readiness
    keys = flat_keys(qset)
    # One float block, filled key by key (row k = column k of the result), instead of a
    # dict of arrays that pandas would copy into a block.
    block = np.empty((len(keys), n))
    for k, key in enumerate(keys):
        block[k] = out[key]
    return pd.DataFrame(block.T, index=index, columns=keys, copy=False)

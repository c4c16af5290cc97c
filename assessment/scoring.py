"""CMMM, green-factory, 两化融合 and readiness scores of one assessment (docs/scoring.md).

`score_assessment` scores one answers mapping; `score_batch` (assessment/scoring_batch.py)
scores a DataFrame of many with numpy and gives the same numbers. Both share the item
rules and the constants below, so a change to the method is made in one place; the CMMM
level rule (`blocking_level`, `cumulative`, `cmmm_level`, `level_score`) is written here
once and the roadmap's what-ifs call it.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from assessment.answers import effective_answers, is_relevant, validate_answers
from assessment.errors import AssessmentError, Bilingual, problem
from assessment.numbers import finite
from assessment.questionnaire import (
    DONT_KNOW,
    RATINGS,
    Band,
    Benchmark,
    Item,
    Questionnaire,
    QuestionnaireSet,
    Section,
    Stage,
)
from assessment.reference import size_class

SCORED_KINDS = ("cmmm", "green", "integration")
PASS = 0.8  # a CMMM level score below this is the last one added to S (GB/T 39117)
LEVEL_CUTS = (0.8, 1.8, 2.8, 3.8, 4.8)  # S at or above cut k gives level k + 1
EPS = 1e-9  # tolerance for comparisons at cut-offs, so float noise never moves a level
S_DECIMALS = 10  # S is rounded to drop float noise (1.0 + 0.9 + 0.5 -> 2.4)
# Numeric indicators: the score at the baseline, and the top score at the leading value.
BASELINE_SCORE = 60.0
LEADING_SCORE = 100.0

# Item status in results and in score_batch's status arrays.
SCORED, DONT_KNOW_STATUS, UNANSWERED, SKIPPED = "scored", "dont_know", "unanswered", "skipped"
# What a "don't know" counts for in every average: not met / worse than the baseline. It
# is the lowest score any real answer can get, so "don't know" never pays (issue 15).
DONT_KNOW_SCORE = 0.0
# Green basic-requirement gate: every veto answered yes / one answered no / none "no" but
# at least one "don't know" (unverified: not met until checked).
GATE_MET, GATE_FAILED, GATE_UNVERIFIED = "met", "failed", "unverified"


# --- results ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemScore:
    """One scored item: its status and, when answered, its 0–100 score.

    `score` is a number exactly when `status` is "scored", None otherwise.
    """

    id: str
    status: str  # scored | dont_know | unanswered | skipped
    score: float | None
    weight: float

    @property
    def counted(self) -> float | None:
        """What the item counts for in averages: its score, 0 for "don't know", else None."""
        return DONT_KNOW_SCORE if self.status == DONT_KNOW_STATUS else self.score


@dataclass(frozen=True, slots=True)
class AreaScore:
    """A domain, sub-domain, area or block: score 0–100 (None when nothing was answered).

    `total` counts the relevant scored items, `answered` those answered with a value,
    `dont_know` those answered "don't know" (counted as 0 in `score`); the rest are
    unanswered and left out.
    """

    id: str
    score: float | None
    answered: int
    total: int
    dont_know: int


@dataclass(frozen=True, slots=True)
class ProfileFacts:
    """Enterprise facts from the profile answers, as scoring and program matching use them."""

    name: str | None
    credit_code: str | None
    city: str | None
    industry: str | None
    production_type: str | None
    variant: str  # "process" | "discrete"
    employees: float | None
    revenue: float | None
    size_class: str | None


@dataclass(frozen=True, slots=True)
class CmmmResult:
    """CMMM maturity: level scores 1–5, total S, level 0–5 and score 0–100."""

    questionnaire: str
    variant: str
    level_scores: tuple[float, ...]
    total: float
    level: int
    score: float
    domains: tuple[AreaScore, ...]
    subdomains: tuple[AreaScore, ...]


@dataclass(frozen=True, slots=True)
class GreenResult:
    """Green-factory readiness: score, vetoes and band.

    `veto` is True when the basic-requirement gate is not passed: a veto item answered
    "no" (`failed_vetoes`) or "don't know" (`unconfirmed_vetoes`, unverified until checked).
    """

    questionnaire: str
    score: float | None
    veto: bool
    failed_vetoes: tuple[str, ...]
    unconfirmed_vetoes: tuple[str, ...]
    band: Band | None
    areas: tuple[AreaScore, ...]
    subdomains: tuple[AreaScore, ...] = ()

    @property
    def eligible(self) -> bool:
        """False when a basic requirement (veto item) is answered "no" or "don't know"."""
        return not self.veto

    @property
    def gate(self) -> str:
        """The basic-requirement gate: "failed" (a "no"), "unverified" (a "don't know"), "met"."""
        return gate_of(self.failed_vetoes, self.unconfirmed_vetoes, self.veto)


@dataclass(frozen=True, slots=True)
class IntegrationResult:
    """两化融合: index 0–100 and stage 1–4."""

    questionnaire: str
    index: float | None
    stage: int | None
    blocks: tuple[AreaScore, ...]
    subdomains: tuple[AreaScore, ...] = ()


@dataclass(frozen=True, slots=True)
class Readiness:
    """Overall readiness 0–100 and the confidence (share of the answered items that are not
    "don't know": each "don't know" lowers it)."""

    score: float | None
    confidence: float


@dataclass(frozen=True, slots=True)
class AssessmentResult:
    """Everything one assessment scores to."""

    profile: ProfileFacts
    cmmm: CmmmResult | None
    green: GreenResult | None
    integration: IntegrationResult | None
    readiness: Readiness
    items: Mapping[str, ItemScore] = field(default_factory=lambda: MappingProxyType({}))
    dont_know: tuple[str, ...] = ()
    unanswered: tuple[str, ...] = ()
    # The headline scores (CMMM total and level, green score, 两化 index, readiness) if
    # every "don't know" were answered at the best rating: what confirming them could
    # raise each to. Empty when nothing was answered "don't know".
    if_confirmed: Mapping[str, float | None] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def scores(self) -> dict[str, float | None]:
        """`flat()` with None where there is no score: what storage keeps and programs read."""
        return {k: finite(v) for k, v in self.flat().items()}

    def flat(self) -> dict[str, float]:
        """The numbers stored beside the assessment; NaN where there is no score."""
        out: dict[str, float] = {}
        if self.cmmm is not None:
            qid = self.cmmm.questionnaire
            for area in (*self.cmmm.domains, *self.cmmm.subdomains):
                out[area.id] = _num(area.score)
            out[f"{qid}.total"] = self.cmmm.total
            out[f"{qid}.level"] = float(self.cmmm.level)
            out[f"{qid}.score"] = self.cmmm.score
            for i, value in enumerate(self.cmmm.level_scores, start=1):
                out[f"{qid}.l{i}"] = value
        if self.green is not None:
            qid = self.green.questionnaire
            for area in (*self.green.areas, *self.green.subdomains):
                out[area.id] = _num(area.score)
            out[f"{qid}.score"] = _num(self.green.score)
            out[f"{qid}.veto"] = 1.0 if self.green.veto else 0.0
        if self.integration is not None:
            qid = self.integration.questionnaire
            for area in (*self.integration.blocks, *self.integration.subdomains):
                out[area.id] = _num(area.score)
            out[f"{qid}.index"] = _num(self.integration.index)
            out[f"{qid}.stage"] = _num(self.integration.stage)
        out["readiness.score"] = _num(self.readiness.score)
        out["readiness.confidence"] = self.readiness.confidence
        return out


def gate_of(failed: Sequence[str], unconfirmed: Sequence[str], veto: bool = False) -> str:
    """The gate state from the veto items answered "no" and "don't know" (and a stored flag)."""
    if failed:
        return GATE_FAILED
    if unconfirmed:
        return GATE_UNVERIFIED
    return GATE_FAILED if veto else GATE_MET


def _num(value: float | None) -> float:
    return math.nan if value is None else float(value)


def flat_keys(qset: QuestionnaireSet) -> list[str]:
    """The keys of `AssessmentResult.flat()` for a questionnaire set, in order."""
    keys: list[str] = []
    for kind, tail in (
        ("cmmm", ("total", "level", "score", "l1", "l2", "l3", "l4", "l5")),
        ("green", ("score", "veto")),
        ("integration", ("index", "stage")),
    ):
        q = questionnaire_of_kind(qset, kind)
        if q is None:
            continue
        keys += [s.id for s in q.sections]
        keys += [sd.id for s in q.sections for sd in s.subdomains]
        keys += [f"{q.id}.{t}" for t in tail]
    return [*keys, "readiness.score", "readiness.confidence"]


# --- shared rules ------------------------------------------------------------------------


def questionnaire_of_kind(qset: QuestionnaireSet, kind: str) -> Questionnaire | None:
    """The first questionnaire of a kind in the set, if any."""
    for q in qset.questionnaires:
        if q.kind == kind:
            return q
    return None


def variant_of(production_type: object) -> str:
    """The weight variant: 'process' for 流程型, else 'discrete' (mixed and unknown too)."""
    return "process" if production_type == "process" else "discrete"


def is_blank(value: object) -> bool:
    """Whether an answer value means "not answered" (None, NaN, blank string, empty list)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return len(value) == 0
    return False


def numeric_score(value: float, bench: Benchmark) -> float:
    """0–100 score of a numeric indicator against its baseline and leading values.

    g = (value − baseline) / (leading − baseline) measures progress from the baseline
    towards the leading value whatever the direction: g ≥ 1 → 100, 0 ≤ g < 1 → 60 + 40g,
    g < 0 → 60 + 60g clamped at 0 (0 at baseline + (baseline − leading)).
    """
    g = (value - bench.baseline) / (bench.leading - bench.baseline)
    if g >= 1.0:
        return LEADING_SCORE
    if g >= 0.0:
        return BASELINE_SCORE + (LEADING_SCORE - BASELINE_SCORE) * g
    return max(0.0, BASELINE_SCORE + BASELINE_SCORE * g)


def benchmark_of(item: Item, industry: str | None) -> Benchmark:
    """A numeric indicator's benchmark for an industry (else its default); ValueError if none."""
    bench = item.benchmark(industry)
    if bench is None:
        raise ValueError(f"{item.id} has no benchmark")
    return bench


def max_points(item: Item) -> float:
    """The points a single item's best option gives."""
    return max((opt.points for opt in item.options), default=0.0)


def multiple_cap(item: Item) -> float:
    """The points at which a multiple item scores 100: its cap, else the sum of all points."""
    return item.cap if item.cap is not None else sum(opt.points for opt in item.options)


def item_score(item: Item, value: object, industry: str | None) -> float:
    """0–100 score of an answered item (value not blank, not "dont_know").

    Raises ValueError naming the bad value when it does not fit the item.
    """
    kind = item.type
    if kind == "requirement":
        if not isinstance(value, str) or value not in RATINGS:
            raise ValueError(f"{value!r} is not one of {', '.join(RATINGS)}")
        return RATINGS[value] * 100.0
    if kind == "single":
        opt = item.option(value) if isinstance(value, str) else None
        if opt is None:
            raise ValueError(f"{value!r} is not an option")
        top = max_points(item)
        return opt.points / top * 100.0 if top > 0 else 0.0
    if kind == "multiple":
        if not isinstance(value, list | tuple):
            raise ValueError(f"{value!r} is not a list of options")
        chosen = set()
        for v in value:
            opt = item.option(v) if isinstance(v, str) else None
            if opt is None:
                raise ValueError(f"{v!r} is not an option")
            chosen.add(opt)
        cap = multiple_cap(item)
        total = sum(opt.points for opt in chosen)
        return min(total, cap) / cap * 100.0 if cap > 0 else 0.0
    if kind == "yesno":
        if not isinstance(value, bool):
            raise ValueError(f"{value!r} is not true or false")
        return 100.0 if value else 0.0
    if kind == "numeric":
        number = finite(value)
        if number is None:
            raise ValueError(f"{value!r} is not a number")
        return numeric_score(number, benchmark_of(item, industry))
    raise ValueError(f"{item.id} ({kind}) is not scored")


def cmmm_level(level_scores: Sequence[float]) -> tuple[float, int]:
    """Total score S and maturity level 0–5 from the level scores (levels 1 upward, 0–1 each).

    S adds level scores from level 1 upward; a level scoring below 0.8 is the last one
    added. E.g. (1.0, 0.9, 0.5) → (2.4, 2).
    """
    scores = list(level_scores)
    if len(scores) > 5:
        raise ValueError(f"at most 5 level scores, got {len(scores)}: {scores!r}")
    for value in scores:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"level score {value!r} is not a number")
        if not (0.0 <= value <= 1.0):  # also rejects NaN
            raise ValueError(f"level score {value!r} is outside 0..1")
    total = round(cumulative(scores), S_DECIMALS)
    return total, level_from_total(total)


def level_from_total(total: float) -> int:
    """Maturity level 0–5 from S: <0.8 → 0, [0.8, 1.8) → 1, …, ≥ 4.8 → 5."""
    return bisect.bisect_right(LEVEL_CUTS, total + EPS)


def blocking_level(level_scores: Sequence[float]) -> int | None:
    """The lowest level (1 upward) scoring below 0.8: the last one S adds; None when all pass."""
    for level, value in enumerate(level_scores, start=1):
        if value < PASS - EPS:
            return level
    return None


def cumulative(level_scores: Sequence[float]) -> float:
    """S of a sequence of level scores under the stop rule, unrounded."""
    total = 0.0
    for value in level_scores[: blocking_level(level_scores)]:
        total += value
    return total


def level_score(domains: Sequence[tuple[float, float | None]]) -> float:
    """A CMMM level score 0–1: (domain weight, the domain's 0–1 rating at the level), averaged.

    Domains with no rated requirement at the level (None) are left out; 0 when none is rated.
    """
    value = _weighted(domains)
    return 0.0 if value is None else value


def band_for(bands: Sequence[Band], score: float | None) -> Band | None:
    """The highest band whose min_score the score reaches."""
    if score is None:
        return None
    best = None
    for band in sorted(bands, key=lambda b: b.min_score):
        if score + EPS >= band.min_score:
            best = band
    return best


def stage_for(stages: Sequence[Stage], index: float | None) -> Stage | None:
    """The highest 两化 stage whose min_index the index reaches."""
    if index is None:
        return None
    best = None
    for stage in sorted(stages, key=lambda s: s.min_index):
        if index + EPS >= stage.min_index:
            best = stage
    return best


def is_gate(section: Section) -> bool:
    """Whether a section is a gate (all its items are vetoes, e.g. green basic requirements).

    A gate is passed or not; it is not an area: never a strength, never on the radar.
    """
    return bool(section.items) and all(it.veto for it in section.items)


def section_weight(section: Section, variant: str) -> float:
    """A section's weight for the variant (0 when it has none)."""
    return section.weight.get(variant) if section.weight is not None else 0.0


# --- one assessment -----------------------------------------------------------------------


def profile_facts(answers: Mapping[str, Any]) -> ProfileFacts:
    """The enterprise facts from the profile answers."""

    def get(key: str) -> Any:
        value = answers.get(f"profile.{key}")
        return None if is_blank(value) or value == DONT_KNOW else value

    production_type = get("production_type")
    employees, revenue = finite(get("employees")), finite(get("revenue"))
    return ProfileFacts(
        name=get("name"),
        credit_code=get("credit_code"),
        city=get("city"),
        industry=get("industry"),
        production_type=production_type,
        variant=variant_of(production_type),
        employees=employees,
        revenue=revenue,
        size_class=size_class(employees, revenue),
    )


def item_states(
    answers: Mapping[str, Any], qset: QuestionnaireSet, industry: str | None
) -> dict[str, ItemScore]:
    """Each scored item's status and 0–100 score (answers already valid)."""
    # A skip cascades: an item whose `relevant` refers to a skipped item sees no answer.
    effective = effective_answers(answers, qset)
    states: dict[str, ItemScore] = {}
    for q in qset.questionnaires:
        if q.kind not in SCORED_KINDS:
            continue
        for item in q.items():
            if not item.scored:
                continue
            value = answers.get(item.id)
            if not is_relevant(item, effective):
                status, score = SKIPPED, None
            elif is_blank(value):
                status, score = UNANSWERED, None
            elif value == DONT_KNOW:
                status, score = DONT_KNOW_STATUS, None
            else:
                status, score = SCORED, item_score(item, value, industry)
            states[item.id] = ItemScore(item.id, status, score, item.weight)
    return states


def _area(area_id: str, items: Sequence[Item], states: Mapping[str, ItemScore]) -> AreaScore:
    """An area's counts with the weighted mean of its item scores."""
    num = den = 0.0
    answered = total = dk = 0
    for item in items:
        st = states[item.id]
        if st.status == SKIPPED:
            continue
        total += 1
        if st.status == DONT_KNOW_STATUS:
            dk += 1
        elif st.status == SCORED:
            answered += 1
        value = st.counted
        if value is not None:
            num += item.weight * value
            den += item.weight
    score = num / den if den > 0 else None
    return AreaScore(area_id, score, answered, total, dk)


def _cmmm_area(area_id: str, items: Sequence[Item], states: Mapping[str, ItemScore]) -> AreaScore:
    """A CMMM sub-domain: the cumulative rule over its own levels, S ÷ levels × 100."""
    counts = _area(area_id, items, states)
    levels = sorted({it.level for it in items if it.level is not None})
    scores: list[float] = []
    for level in levels:
        at = [it for it in items if it.level == level and states[it.id].status != SKIPPED]
        if not at:
            continue  # no relevant requirement at this level: not counted
        rated = [(it.weight, s) for it in at if (s := states[it.id].counted) is not None]
        num = sum(w * s for w, s in rated)
        den = sum(w for w, _ in rated)
        scores.append(num / den / 100.0 if den > 0 else 0.0)
    score = None
    if counts.score is not None and scores:
        score = cumulative(scores) / len(scores) * 100.0
    return AreaScore(area_id, score, counts.answered, counts.total, counts.dont_know)


def _weighted(parts: Sequence[tuple[float, float | None]]) -> float | None:
    """Σ weight × score ÷ Σ weight over the parts that have a score."""
    num = den = 0.0
    for weight, score in parts:
        if score is not None:
            num += weight * score
            den += weight
    return num / den if den > 0 else None


def _score_cmmm(q: Questionnaire, states: Mapping[str, ItemScore], variant: str) -> CmmmResult:
    level_scores = []
    for level in range(1, 6):
        parts: list[tuple[float, float | None]] = []
        for section in q.sections:
            rated = [
                (it.weight, s)
                for it in section.items
                if it.level == level
                and it.id in states
                and (s := states[it.id].counted) is not None
            ]
            if rated:
                num = sum(w * s / 100.0 for w, s in rated)
                den = sum(w for w, _ in rated)
                parts.append((section_weight(section, variant), num / den if den > 0 else None))
        level_scores.append(level_score(parts))
    total, level = cmmm_level(level_scores)
    domains, subdomains = [], []
    for section in q.sections:
        scored = [it for it in section.items if it.id in states and it.level is not None]
        if section.subdomains:
            subs = []
            for sd in section.subdomains:
                area = _cmmm_area(sd.id, [it for it in scored if it.subdomain == sd.id], states)
                subdomains.append(area)
                subs.append((sd.weight.get(variant), area.score))
            counts = _area(section.id, scored, states)
            domains.append(
                AreaScore(
                    section.id, _weighted(subs), counts.answered, counts.total, counts.dont_know
                )
            )
        else:
            domains.append(_cmmm_area(section.id, scored, states))
    return CmmmResult(
        questionnaire=q.id,
        variant=variant,
        level_scores=tuple(level_scores),
        total=total,
        level=level,
        score=total / 5.0 * 100.0,
        domains=tuple(domains),
        subdomains=tuple(subdomains),
    )


def _areas(
    q: Questionnaire, states: Mapping[str, ItemScore], variant: str
) -> tuple[float | None, tuple[AreaScore, ...], tuple[AreaScore, ...]]:
    areas, subdomains, parts = [], [], []
    for section in q.sections:
        scored = [it for it in section.items if it.id in states]
        area = _area(section.id, scored, states)
        areas.append(area)
        parts.append((section_weight(section, variant), area.score))
        for sd in section.subdomains:
            subdomains.append(_area(sd.id, [it for it in scored if it.subdomain == sd.id], states))
    return _weighted(parts), tuple(areas), tuple(subdomains)


def _score_green(q: Questionnaire, states: Mapping[str, ItemScore], variant: str) -> GreenResult:
    score, areas, subdomains = _areas(q, states, variant)
    failed, unconfirmed = [], []
    for item in q.items():
        if item.veto and item.type == "yesno" and item.id in states:
            st = states[item.id]
            if st.status == SCORED and st.score == 0.0:
                failed.append(item.id)
            elif st.status == DONT_KNOW_STATUS:
                unconfirmed.append(item.id)
    return GreenResult(
        questionnaire=q.id,
        score=score,
        veto=bool(failed or unconfirmed),
        failed_vetoes=tuple(failed),
        unconfirmed_vetoes=tuple(unconfirmed),
        band=band_for(q.bands, score),
        areas=areas,
        subdomains=subdomains,
    )


def _score_integration(
    q: Questionnaire, states: Mapping[str, ItemScore], variant: str
) -> IntegrationResult:
    index, blocks, subdomains = _areas(q, states, variant)
    stage = stage_for(q.stages, index)
    return IntegrationResult(
        questionnaire=q.id,
        index=index,
        stage=stage.stage if stage is not None else None,
        blocks=blocks,
        subdomains=subdomains,
    )


def check_answers(answers: Mapping[str, Any], qset: QuestionnaireSet) -> None:
    """Raise AssessmentError listing every problem with the answers (unknown ids, bad values)."""
    if not isinstance(answers, Mapping):
        raise AssessmentError(
            problem(
                "A208",
                detail=Bilingual(
                    f"answers must be a mapping, not {type(answers).__name__}",
                    f"答案必须是映射（键值对），而不是 {type(answers).__name__}",
                ),
            )
        )
    problems = validate_answers(answers, qset, partial=True)
    if problems:
        raise AssessmentError(problems)


def score_assessment(answers: Mapping[str, Any], qset: QuestionnaireSet) -> AssessmentResult:
    """Score one assessment's answers against a questionnaire set."""
    check_answers(answers, qset)
    return score_checked(answers, qset)


def score_checked(answers: Mapping[str, Any], qset: QuestionnaireSet) -> AssessmentResult:
    """`score_assessment` of answers the caller has just validated (not checked again)."""
    result = _score(answers, qset)
    if not result.dont_know:
        return result
    upside = confirmed_scores(answers, qset, result.dont_know, result.profile.industry)
    return replace(result, if_confirmed=upside)


def confirmed_scores(
    answers: Mapping[str, Any],
    qset: QuestionnaireSet,
    dont_know: Sequence[str],
    industry: str | None,
) -> Mapping[str, float | None]:
    """The headline scores if every "don't know" item were answered at its best (empty if none)."""
    if not dont_know:
        return MappingProxyType({})
    best = dict(answers)
    for item_id in dont_know:
        item = qset.item(item_id)
        if item is not None:
            best[item_id] = best_answer(item, industry)
    confirmed = _score(best, qset).scores
    return MappingProxyType({k: confirmed[k] for k in headline_keys(qset) if k in confirmed})


def headline_keys(qset: QuestionnaireSet) -> list[str]:
    """The flat keys of the headline scores: CMMM total and level, green, 两化, readiness."""
    keys = []
    for kind, tails in (
        ("cmmm", ("total", "level")),
        ("green", ("score",)),
        ("integration", ("index",)),
    ):
        q = questionnaire_of_kind(qset, kind)
        if q is not None:
            keys += [f"{q.id}.{t}" for t in tails]
    return [*keys, "readiness.score"]


def best_answer(item: Item, industry: str | None) -> Any:
    """The answer that scores an item highest (100): what confirming a "don't know" could give."""
    if item.type == "requirement":
        return max(RATINGS, key=lambda r: RATINGS[r])
    if item.type == "single":
        return max(item.options, key=lambda o: o.points).value
    if item.type == "multiple":
        return [o.value for o in item.options]
    if item.type == "yesno":
        return True
    if item.type == "numeric":
        return benchmark_of(item, industry).leading
    raise ValueError(f"{item.id} ({item.type}) is not scored")


def _score(answers: Mapping[str, Any], qset: QuestionnaireSet) -> AssessmentResult:
    profile = profile_facts(answers)
    states = item_states(answers, qset, profile.industry)
    cmmm: CmmmResult | None = None
    green: GreenResult | None = None
    integration: IntegrationResult | None = None
    present: list[float | None] = []
    q = questionnaire_of_kind(qset, "cmmm")
    if q is not None:
        cmmm = _score_cmmm(q, states, profile.variant)
        present.append(cmmm.score)
    q = questionnaire_of_kind(qset, "green")
    if q is not None:
        green = _score_green(q, states, profile.variant)
        present.append(green.score)
    q = questionnaire_of_kind(qset, "integration")
    if q is not None:
        integration = _score_integration(q, states, profile.variant)
        present.append(integration.index)
    values = [v for v in present if v is not None]
    answered = sum(1 for s in states.values() if s.status == SCORED)
    dont_know = tuple(s.id for s in states.values() if s.status == DONT_KNOW_STATUS)
    unanswered = tuple(s.id for s in states.values() if s.status == UNANSWERED)
    base = answered + len(dont_know)
    readiness = Readiness(
        score=sum(values) / len(values) if values else None,
        confidence=answered / base if base else 0.0,
    )
    return AssessmentResult(
        profile=profile,
        cmmm=cmmm,
        green=green,
        integration=integration,
        readiness=readiness,
        items=MappingProxyType(states),
        dont_know=dont_know,
        unanswered=unanswered,
    )

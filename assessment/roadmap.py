"""What to improve first, and the smallest set of changes to the next CMMM level.

`improvement_roadmap` ranks areas in the spirit of SIRI's Prioritisation Matrix:
priority = gap × area weight × (1 + programs the area would unlock or strengthen), for
every CMMM sub-domain, green-factory area and 两化 block. `next_level_plan` finds a small
set of requirement ratings to raise so that the CMMM level goes up by one, re-scoring with
the scoring engine at every step. Formulas, worked example and bounds: docs/programs.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assessment import scoring
from assessment.programs import SCORE_PREFIX, ProgramMatch, ProgramSet, recommend_programs
from assessment.questionnaire import RATINGS, Item, Questionnaire, QuestionnaireSet, Text
from assessment.scored import Scored
from assessment.scoring import AreaScore, ItemScore
from assessment.texts import bilingual

TARGET_RATING = "full"
MAX_ACTIONS = 3
FAMILY_KEYS = {
    "cmmm": ("level", "score", "total"),
    "green": ("score", "veto"),
    "integration": ("index", "stage"),
}
# A failed (or unverified: "don't know") green-factory basic requirement is a veto: nothing
# else about green counts until it is fixed or checked, so the veto area is given the full
# weight of the green family.
VETO_WEIGHT = 1.0


@dataclass(frozen=True, slots=True)
class Action:
    """One item to improve in an area: its label and current answer."""

    item_id: str
    label: Text
    current: Any


@dataclass(frozen=True, slots=True)
class RoadmapEntry:
    """One area to improve, with the numbers behind its priority."""

    area_id: str
    family: str  # cmmm | green | integration
    label: Text
    score: float | None  # the area's 0–100 score
    target_level: int | None  # CMMM: the level whose requirements the gap is measured at
    gap: float  # 0–1
    weight: float  # 0–1, share of its family's total
    programs: tuple[str, ...]  # programs linked to this area (see _programs_touching)
    priority: float
    actions: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class PlanStep:
    """Raise one requirement from its current rating to `to_rating`."""

    item_id: str
    label: Text
    level: int
    subdomain: str | None
    from_rating: str | None  # None when unanswered; "dont_know" as answered
    to_rating: str
    gain: float  # increase of S when this step was chosen


@dataclass(frozen=True, slots=True)
class NextLevelPlan:
    """The changes that take the enterprise to the next CMMM level, checked by re-scoring."""

    current_level: int
    target_level: int | None  # None at level 5
    current_total: float
    planned_total: float
    planned_level: int
    steps: tuple[PlanStep, ...]
    reached: bool
    message: Text

    @property
    def changes(self) -> tuple[tuple[str, str | None, str], ...]:
        """(item id, from rating, to rating) for each step."""
        return tuple((s.item_id, s.from_rating, s.to_rating) for s in self.steps)

    def apply(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The answers with the plan's changes made."""
        out = dict(answers)
        for step in self.steps:
            out[step.item_id] = step.to_rating
        return out


# --- helpers ---------------------------------------------------------------------------


def _rating(value: Any) -> float:
    """A requirement answer as 0–1; unanswered and "don't know" count as not yet met."""
    return RATINGS.get(value, 0.0) if isinstance(value, str) else 0.0


RuleStates = Sequence[tuple[str, frozenset[str], bool]]  # (program id, refs, holds)


def _rule_states(
    programs: ProgramSet | None,
    result: Scored,
    answers: Mapping[str, Any],
    matches: Sequence[ProgramMatch] | None = None,
) -> list[tuple[str, frozenset[str], bool]]:
    """(program id, refs, holds) of every gate and signal for this assessment."""
    if programs is None:
        return []
    if matches is None:
        matches = recommend_programs(result, answers, programs)
    out = []
    for match in matches:
        prog = programs.program(match.program_id)
        by_id = {rule.id: rule for rule in prog.rules}
        for outcome in match.outcomes:
            out.append((prog.id, frozenset(by_id[outcome.rule_id].refs), outcome.holds))
    return out


def _programs_touching(rules: RuleStates, area_id: str, parents: Sequence[str]) -> tuple[str, ...]:
    """Programs linked to an area (docs/programs.md, "Roadmap").

    A rule reads the area when it refers to the area's score, a parent's score or one of
    the area's answers. Its program counts when the rule does not hold yet (improving the
    area can unlock or strengthen the program), or when it holds on one of the area's own
    answers (the answer names a project the program funds, e.g. a coal-boiler retrofit).
    """
    keys = {SCORE_PREFIX + area_id, *(SCORE_PREFIX + p for p in parents)}
    hit: list[str] = []
    for pid, refs, holds in rules:
        if pid in hit:
            continue
        own = any(ref.startswith(area_id + ".") for ref in refs)
        if (own or refs & keys) and (not holds or own):
            hit.append(pid)
    return tuple(hit)


def _actions(
    items: Sequence[Item], answers: Mapping[str, Any], key: Callable[[Item], float]
) -> tuple[Action, ...]:
    ranked = sorted(items, key=key)
    return tuple(Action(it.id, it.label, answers.get(it.id)) for it in ranked[:MAX_ACTIONS])


# --- roadmap ---------------------------------------------------------------------------


def _cmmm_entries(
    q: Questionnaire, result: Scored, answers: Mapping[str, Any], rules: RuleStates
) -> list[RoadmapEntry]:
    cmmm = result.cmmm
    assert cmmm is not None, "called for a CMMM result only"
    target = scoring.blocking_level(cmmm.level_scores)
    if target is None:
        return []  # every level passes: level 5, nothing left to close
    variant = result.profile.variant
    scores = {a.id: a.score for a in cmmm.subdomains}
    family = tuple(f"{q.id}.{k}" for k in FAMILY_KEYS["cmmm"])
    out = []
    for section in q.sections:
        dom_w = scoring.section_weight(section, variant) / 100.0
        for sd in section.subdomains:
            at = [
                it
                for it in section.items
                if it.subdomain == sd.id
                and it.level == target
                and it.type == "requirement"
                and it.id in result.items
                and result.items[it.id].status != scoring.SKIPPED
            ]
            if not at:
                continue
            den = sum(it.weight for it in at)
            gap = sum(it.weight * (1.0 - _rating(answers.get(it.id))) for it in at) / den
            if gap <= 0:
                continue
            weight = dom_w * sd.weight.get(variant) / 100.0
            progs = _programs_touching(rules, sd.id, (section.id, *family))
            open_items = [it for it in at if _rating(answers.get(it.id)) < 1.0]
            out.append(
                RoadmapEntry(
                    sd.id,
                    "cmmm",
                    sd.label,
                    scores.get(sd.id),
                    target,
                    gap,
                    weight,
                    progs,
                    gap * weight * (1 + len(progs)),
                    _actions(open_items, answers, lambda it: _rating(answers.get(it.id))),
                )
            )
    return out


def _state_score(state: ItemScore) -> float:
    return state.score if state.score is not None else -1.0


def _by_state_score(states: Mapping[str, ItemScore]) -> Callable[[Item], float]:
    """Sort key: the lowest item score first; unanswered and "don't know" before any."""
    return lambda it: _state_score(states[it.id])


def _area_entries(
    q: Questionnaire,
    family_kind: str,
    areas: Sequence[AreaScore],
    result: Scored,
    answers: Mapping[str, Any],
    rules: RuleStates,
) -> list[RoadmapEntry]:
    variant = result.profile.variant
    by_id = {a.id: a for a in areas}
    family = tuple(f"{q.id}.{k}" for k in FAMILY_KEYS[family_kind])
    out = []
    for section in q.sections:
        area = by_id.get(section.id)
        if area is None:
            continue
        items = [it for it in section.items if it.id in result.items]
        states = {it.id: result.items[it.id] for it in items}
        open_items = [
            it
            for it in items
            if states[it.id].status != scoring.SKIPPED and _state_score(states[it.id]) < 100.0
        ]
        weight = scoring.section_weight(section, variant) / 100.0
        if family_kind == "green" and weight == 0:
            gr = result.green
            vetoes = (*gr.failed_vetoes, *gr.unconfirmed_vetoes) if gr is not None else ()
            failed = [it for it in items if it.id in vetoes]
            if not failed:
                continue  # the gate carries no points; only a failed or unverified veto matters
            open_items, gap, weight = failed, 1.0, VETO_WEIGHT
        else:
            if weight == 0 or not open_items:
                continue
            gap = 1.0 - (area.score if area.score is not None else 0.0) / 100.0
        if gap <= 0:
            continue
        progs = _programs_touching(rules, section.id, family)
        out.append(
            RoadmapEntry(
                section.id,
                family_kind,
                section.label,
                area.score,
                None,
                gap,
                weight,
                progs,
                gap * weight * (1 + len(progs)),
                _actions(open_items, answers, _by_state_score(states)),
            )
        )
    return out


def improvement_roadmap(
    result: Scored,
    answers: Mapping[str, Any],
    qset: QuestionnaireSet,
    programs: ProgramSet | None = None,
    *,
    matches: Sequence[ProgramMatch] | None = None,
) -> tuple[RoadmapEntry, ...]:
    """Areas to improve, highest priority first (gap × weight × (1 + programs touched)).

    `matches`: `recommend_programs` of this assessment when the caller has them already.
    """
    rules = _rule_states(programs, result, answers, matches)
    entries: list[RoadmapEntry] = []
    q = scoring.questionnaire_of_kind(qset, "cmmm")
    if q is not None and result.cmmm is not None:
        entries += _cmmm_entries(q, result, answers, rules)
    q = scoring.questionnaire_of_kind(qset, "green")
    if q is not None and result.green is not None:
        entries += _area_entries(q, "green", result.green.areas, result, answers, rules)
    q = scoring.questionnaire_of_kind(qset, "integration")
    if q is not None and result.integration is not None:
        blocks = result.integration.blocks
        entries += _area_entries(q, "integration", blocks, result, answers, rules)
    entries.sort(key=lambda e: (-e.priority, e.area_id))
    return tuple(entries)


# --- next CMMM level -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A requirement the plan may raise to "full": the item, its level and its state now."""

    item: Item
    level: int
    state: ItemScore


class _LevelModel:
    """CMMM level scores with cheap what-ifs; the level rule is scoring.level_score.

    Per level, a domain's score is the weight-averaged rating of its answered
    requirements at that level ("don't know" counts as 0, unanswered is left out), and the
    level score is the domain-weighted mean over the domains with counted requirements. Keeping
    Σ weight × rating and Σ weight per (level, domain) makes a what-if O(domains) instead
    of a full re-score; the plan is still checked with score_assessment at the end, and a
    test compares this model with the engine on random answer sets.
    """

    def __init__(self, q: Questionnaire, states: Mapping[str, ItemScore], variant: str):
        self.domains = [(sec.id, scoring.section_weight(sec, variant)) for sec in q.sections]
        self.domain_of = {it.id: sec.id for sec in q.sections for it in sec.items}
        self.num: dict[tuple[int, str], float] = {}
        self.den: dict[tuple[int, str], float] = {}
        for sec in q.sections:
            for it in sec.items:
                st = states.get(it.id)
                value = st.counted if st is not None else None
                if it.level is None or value is None:
                    continue  # only answered requirements count ("don't know" as 0)
                key = (it.level, sec.id)
                self.num[key] = self.num.get(key, 0.0) + it.weight * value / 100.0
                self.den[key] = self.den.get(key, 0.0) + it.weight

    def level_score(self, level: int, change: tuple[str, float, float] | None = None) -> float:
        domains: list[tuple[float, float | None]] = []
        for did, weight in self.domains:
            n = self.num.get((level, did), 0.0)
            d = self.den.get((level, did), 0.0)
            if change is not None and change[0] == did:
                n, d = n + change[1], d + change[2]
            domains.append((weight, n / d if d > 0 else None))
        return scoring.level_score(domains)

    def scores(self) -> list[float]:
        return [self.level_score(level) for level in range(1, 6)]

    def _change(self, item: Item, state: ItemScore) -> tuple[str, float, float]:
        value = state.counted
        if value is not None:  # re-rated (scored or "don't know"): only the rating moves
            return self.domain_of[item.id], item.weight * (1.0 - value / 100.0), 0.0
        return self.domain_of[item.id], item.weight, item.weight  # newly counted

    def with_full(self, scores: Sequence[float], item: Item, state: ItemScore) -> list[float]:
        """The level scores if `item` were rated "full"."""
        level = _level_of(item)
        out = list(scores)
        out[level - 1] = self.level_score(level, self._change(item, state))
        return out

    def raise_full(self, item: Item, state: ItemScore) -> None:
        did, dn, dd = self._change(item, state)
        key = (_level_of(item), did)
        self.num[key] = self.num.get(key, 0.0) + dn
        self.den[key] = self.den.get(key, 0.0) + dd


def _level_of(item: Item) -> int:
    if item.level is None:
        raise ValueError(f"{item.id} has no CMMM level")
    return item.level


def _total(level_scores: Sequence[float]) -> tuple[float, int]:
    return scoring.cmmm_level(level_scores)


def _message(current: int, target: int | None, steps: int, reached: bool) -> Text:
    if target is None:
        return bilingual("roadmap.top_level")
    if not reached:
        return bilingual("roadmap.unreachable", current=current, target=target)
    return bilingual("roadmap.plan", count=steps, current=current, target=target)


def next_level_plan(answers: Mapping[str, Any], qset: QuestionnaireSet) -> NextLevelPlan:
    """The smallest set of requirement changes (greedy, then pruned) that reaches the next level."""
    q = scoring.questionnaire_of_kind(qset, "cmmm")
    if q is None:
        raise KeyError("the questionnaire set has no CMMM questionnaire")
    result = scoring.score_assessment(answers, qset)
    assert result.cmmm is not None, "a set with a CMMM questionnaire scores CMMM"
    variant = result.profile.variant
    current, total = result.cmmm.level, result.cmmm.total
    if current >= 5:
        return NextLevelPlan(
            current, None, total, total, current, (), True, _message(5, None, 0, True)
        )
    target = current + 1
    base_states = dict(result.items)
    candidates = [
        _Candidate(it, it.level, base_states[it.id])
        for it in q.items()
        if it.type == "requirement"
        and it.level is not None
        and it.id in base_states
        and base_states[it.id].status != scoring.SKIPPED
        and answers.get(it.id) != TARGET_RATING
    ]
    by_id = {c.item.id: c for c in candidates}
    model = _LevelModel(q, base_states, variant)
    chosen: list[PlanStep] = []
    level_scores = model.scores()
    s_now, level_now = _total(level_scores)
    order = {it.id: i for i, it in enumerate(q.items())}
    while level_now < target and candidates:
        blocking = scoring.blocking_level(level_scores)
        best: tuple[tuple[float, bool, int, int], _Candidate, float] | None = None
        for c in candidates:
            if blocking is not None and c.level > blocking + 1:
                continue  # above the level S stops at: no gain yet
            trial = model.with_full(level_scores, c.item, c.state)
            gain = round(_total(trial)[0] - s_now, 9)
            key = (-gain, c.level != blocking, c.level, order[c.item.id])
            if best is None or key < best[0]:
                best = (key, c, gain)
        if best is None or best[2] <= 0:
            break
        _, c, gain = best
        model.raise_full(c.item, c.state)
        candidates.remove(c)
        it = c.item
        chosen.append(
            PlanStep(
                it.id, it.label, c.level, it.subdomain, answers.get(it.id), TARGET_RATING, gain
            )
        )
        level_scores = model.scores()
        s_now, level_now = _total(level_scores)
    chosen = _prune(chosen, by_id, q, base_states, variant, target)
    planned = dict(answers)
    for step in chosen:
        planned[step.item_id] = step.to_rating
    # Re-score the changed answers with the full engine: the plan must really work.
    check = scoring.score_assessment(planned, qset).cmmm
    assert check is not None, "a set with a CMMM questionnaire scores CMMM"
    reached = check.level >= target
    return NextLevelPlan(
        current,
        target,
        total,
        check.total,
        check.level,
        tuple(chosen),
        reached,
        _message(current, target, len(chosen), reached),
    )


def _prune(
    steps: list[PlanStep],
    candidates: Mapping[str, _Candidate],
    q: Questionnaire,
    base: Mapping[str, ItemScore],
    variant: str,
    target: int,
) -> list[PlanStep]:
    """Drop every step the plan still reaches the target without, smallest gain first."""
    kept = list(steps)
    for step in sorted(steps, key=lambda s: s.gain):
        trial_steps = [s for s in kept if s is not step]
        model = _LevelModel(q, base, variant)
        for s in trial_steps:
            c = candidates[s.item_id]
            model.raise_full(c.item, c.state)
        if _total(model.scores())[1] >= target:
            kept = trial_steps
    return kept

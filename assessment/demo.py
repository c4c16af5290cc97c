"""The synthetic demo population: seeded Shanxi enterprises that answer the real questionnaires.

Every enterprise has a latent capability profile — an overall maturity θ (on the CMMM
scale, so θ ≈ the total score S), a peer archetype that shifts some domains up and others
down, and separate green and 两化 capabilities correlated with θ. Answers are drawn from
that profile item by item, from the questionnaire files themselves, so a change to a
questionnaire flows through. θ is drawn per target level so that the *scored* CMMM levels
reproduce the published national distribution (2022: ≤L1 63%, L2 21%, L3 12%, L4+ 4%);
`tests/integration/test_demo.py` checks that within ±5 percentage points.

All of it is synthetic: every name starts with 合成示例 and docs/demo-data.md says how the
proportions were chosen. See that file for the method.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from assessment.answers import is_relevant
from assessment.questionnaire import DONT_KNOW, Item, QuestionnaireSet
from assessment.reference import CITIES, uscc_check_char
from assessment.scored import batch_scores
from assessment.scoring import benchmark_of
from assessment.scoring_batch import score_batch
from assessment.storage.db import Engine
from assessment.storage.submissions import NewSubmission, store_new

SYNTHETIC_PREFIX = "合成示例"
YEAR = 2026

# Target shares of CMMM levels (2022 CESI distribution; ≤L1 split 40/60 between 0 and 1,
# L4+ split 85/15 between 4 and 5).
LEVEL_SHARES = {0: 0.252, 1: 0.378, 2: 0.21, 3: 0.12, 4: 0.034, 5: 0.006}

# Plausible, documented proportions (docs/demo-data.md) — not official statistics.
CITY_SHARES = {
    "taiyuan": 0.18, "datong": 0.08, "yangquan": 0.05, "changzhi": 0.12, "jincheng": 0.09,
    "shuozhou": 0.05, "jinzhong": 0.11, "yuncheng": 0.11, "xinzhou": 0.05, "linfen": 0.09,
    "lvliang": 0.07,
}  # fmt: skip
INDUSTRY_SHARES = {
    "coking": 0.08, "steel": 0.05, "nonferrous": 0.04, "food": 0.12,
    "building_materials": 0.09, "light_textile": 0.08, "coal_chemical": 0.06,
    "equipment": 0.15, "energy_env": 0.05, "new_materials": 0.07, "prefab_building": 0.03,
    "nev": 0.03, "it": 0.05, "pharma": 0.05, "other": 0.05,
}  # fmt: skip
PROCESS_INDUSTRIES = {
    "coking", "steel", "nonferrous", "food", "building_materials", "coal_chemical",
    "new_materials", "pharma",
}  # fmt: skip
# Size class shares given the target level: larger firms are more mature.
SIZE_BY_LEVEL = {
    0: (0.01, 0.10, 0.64, 0.25),
    1: (0.02, 0.16, 0.66, 0.16),
    2: (0.06, 0.26, 0.60, 0.08),
    3: (0.14, 0.34, 0.48, 0.04),
    4: (0.30, 0.40, 0.30, 0.00),
    5: (0.50, 0.40, 0.10, 0.00),
}
SIZES = ("large", "medium", "small", "micro")
# (employees low, high), (revenue 万元 low, high) per size class, consistent with NBS 2017.
SIZE_RANGES = {
    "large": ((1000, 12000), (40000, 2000000)),
    "medium": ((300, 999), (2000, 39999)),
    "small": ((20, 299), (300, 1999)),
    "micro": ((5, 19), (50, 299)),
}
# Peer archetypes: shifts of domain capability (in CMMM levels) by the last part of the
# CMMM section id, and of green / 两化 capability. They give the peer model structure.
ARCHETYPES = {
    "balanced": ({}, 0.0, 0.0),
    "plant_automation": (
        {"factory": 0.7, "production": 0.4, "rnd": -0.8, "operations": -0.6}, 0.4, -0.6,
    ),
    "digital_business": (
        {"operations": 0.7, "strategy": 0.4, "factory": -0.6, "production": -0.3}, -0.6, 0.8,
    ),
    "design_led": ({"rnd": 1.0, "strategy": 0.3, "production": -0.4, "factory": -0.3}, -0.3, 0.4),
    "green_leader": ({"production": 0.2, "operations": -0.3}, 1.2, -0.3),
}  # fmt: skip
ARCHETYPE_SHARES = (0.32, 0.2, 0.18, 0.12, 0.18)
PREVIOUS_YEAR_SHARE = 0.35
DONT_KNOW_RATE = 0.03


@dataclass(frozen=True, slots=True)
class DemoAssessment:
    """One synthetic assessment: who, which year, the answers, and the latent truth."""

    key: int  # enterprise number within the population
    year: int
    answers: Mapping[str, Any]
    theta: float
    archetype: str


def _uscc(rng: np.random.Generator, division: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + division[:4] + f"{rng.integers(0, 100):02d}"
    body += "".join(alphabet[i] for i in rng.integers(0, len(alphabet), 9))
    return body + uscc_check_char(body)


def _rating(margin: float) -> str:
    # margin = capability − requirement level + 1: ≥1 meets it fully, ≤0.3 hardly at all.
    if margin >= 1.0:
        return "full"
    if margin >= 0.7:
        return "most"
    if margin >= 0.3:
        return "partial"
    return "none"


def _answer(item: Item, cap: float, industry: str, rng: np.random.Generator) -> Any:
    """An answer to one scored item from a capability `cap` on the 0–5 scale."""
    if item.dont_know and rng.random() < DONT_KNOW_RATE:
        return DONT_KNOW
    noise = rng.normal(0.0, 0.3)
    if item.type == "requirement":
        assert item.level is not None, "a CMMM requirement has a level"
        return _rating(cap - item.level + 1 + noise)
    q = float(np.clip(cap / 5.0 + rng.normal(0.0, 0.12), 0.0, 1.0))
    if item.type == "single":
        opts = sorted(item.options, key=lambda o: o.points)
        return opts[min(int(q * len(opts)), len(opts) - 1)].value
    if item.type == "multiple":
        opts = sorted(item.options, key=lambda o: o.points)
        chosen = [
            o.value for i, o in enumerate(opts) if rng.random() < q * 1.4 - i / (3 * len(opts))
        ]
        return chosen or [opts[0].value]
    if item.type == "yesno":
        if item.veto:
            return bool(rng.random() < 0.9 + 0.02 * cap)
        return bool(rng.random() < q)
    if item.type == "numeric" and item.benchmarks:
        bench = benchmark_of(item, industry)
        worst = bench.baseline + (bench.baseline - bench.leading)
        value = worst + (bench.leading - worst) * min(q * 1.15, 1.1)
        lo = item.constraint.min if item.constraint and item.constraint.min is not None else None
        hi = item.constraint.max if item.constraint and item.constraint.max is not None else None
        value = float(
            np.clip(value, lo if lo is not None else -np.inf, hi if hi is not None else np.inf)
        )
        return round(value, 2)
    return None


def _profile(rng: np.random.Generator, key: int, level: int, theta: float) -> dict[str, Any]:
    city = rng.choice(list(CITY_SHARES), p=list(CITY_SHARES.values()))
    industry = str(rng.choice(list(INDUSTRY_SHARES), p=list(INDUSTRY_SHARES.values())))
    size = SIZES[rng.choice(4, p=SIZE_BY_LEVEL[level])]
    (e_lo, e_hi), (r_lo, r_hi) = SIZE_RANGES[size]
    employees = int(np.exp(rng.uniform(np.log(e_lo), np.log(e_hi))))
    revenue = round(float(np.exp(rng.uniform(np.log(r_lo), np.log(r_hi)))), 1)
    division = next(c.division for c in CITIES if c.code == city)
    if industry in PROCESS_INDUSTRIES:
        production_type = "process" if rng.random() < 0.85 else "mixed"
    elif industry in ("light_textile", "energy_env", "other"):
        production_type = str(rng.choice(["process", "discrete", "mixed"]))
    else:
        production_type = "discrete" if rng.random() < 0.9 else "mixed"
    q = theta / 5.0
    tech = ("none", "municipal", "provincial", "national")
    tech_centre = tech[min(3, int(np.clip(q + rng.normal(0, 0.2), 0, 0.99) * 4))]
    invest_last = round(revenue * rng.uniform(0.01, 0.08), 1)
    growth = rng.normal(0.10 + 0.04 * q, 0.15)
    four_bases = [
        b for b, p in (("materials", 0.12), ("components", 0.12), ("processes", 0.08),
                       ("tech_foundation", 0.04))
        if rng.random() < p * (1.5 if industry in ("equipment", "new_materials") else 1.0)
    ]  # fmt: skip
    defence = bool(rng.random() < (0.08 if industry in ("equipment", "new_materials") else 0.01))
    return {
        "profile.name": f"{SYNTHETIC_PREFIX}·{city}·{industry}·{key:05d}",
        "profile.credit_code": _uscc(rng, division),
        "profile.city": str(city),
        "profile.industry": industry,
        "profile.production_type": production_type,
        "profile.employees": employees,
        "profile.revenue": revenue,
        "profile.rd_ratio": round(float(np.clip(rng.gamma(2.0, 0.6 + q), 0, 30)), 2),
        "profile.tech_centre": tech_centre,
        "profile.university_coop": bool(rng.random() < 0.15 + 0.6 * q),
        "profile.first_unit": bool(rng.random() < (0.25 * q if industry == "equipment" else 0.02)),
        "profile.defence_qualification": defence,
        "profile.dual_use": bool(defence and rng.random() < 0.7),
        "profile.four_bases": four_bases or ["none"],
        "profile.service_revenue_share": round(float(np.clip(rng.gamma(1.5, 2 + 8 * q), 0, 80)), 1),
        "profile.park_member": bool(rng.random() < 0.4),
        "profile.platform_operator": bool(rng.random() < 0.02),
        "profile.invest_last_year": invest_last,
        "profile.invest_this_year": round(max(0.0, invest_last * (1 + growth)), 1),
    }


def _answers(
    qset: QuestionnaireSet,
    profile: dict[str, Any],
    theta: float,
    archetype: str,
    rng: np.random.Generator,
) -> dict[str, Any]:
    shifts, green_shift, integ_shift = ARCHETYPES[archetype]
    answers = dict(profile)
    industry = profile["profile.industry"]
    for q in qset.questionnaires:
        if q.kind == "profile":
            continue
        for section in q.sections:
            if q.kind == "cmmm":
                cap = theta + shifts.get(section.id.split(".")[-1], 0.0) + rng.normal(0, 0.15)
            elif q.kind == "green":
                cap = 0.8 * theta + 0.6 + green_shift + rng.normal(0, 0.4)
            else:
                cap = 0.8 * theta + 0.5 + integ_shift + rng.normal(0, 0.4)
            for item in section.items:
                if not item.scored or not is_relevant(item, answers):
                    continue
                value = _answer(item, cap, industry, rng)
                if value is not None:
                    answers[item.id] = value
    return answers


def _theta(level: int, rng: np.random.Generator) -> float:
    # S ≈ θ for a balanced profile, and level = the last cut-off (0.8, 1.8, …) below S;
    # draw θ around the middle of the target level's band (enterprises at one level share
    # a capability band, which is also what gives the peer groups their structure).
    lo = min(max(0.15, level + 0.05), 4.85)
    hi = min(5.0, level + 0.75)
    return float(np.clip(rng.normal((lo + hi) / 2, 0.12), lo, hi))


def generate(qset: QuestionnaireSet, n: int = 3000, *, seed: int = 2026) -> list[DemoAssessment]:
    """The demo population: n enterprises in YEAR, a share of them also in YEAR − 1."""
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    rng = np.random.default_rng(seed)
    levels = list(LEVEL_SHARES)
    out: list[DemoAssessment] = []
    for key in range(1, n + 1):
        level = int(rng.choice(levels, p=list(LEVEL_SHARES.values())))
        theta = _theta(level, rng)
        archetype = str(rng.choice(list(ARCHETYPES), p=ARCHETYPE_SHARES))
        profile = _profile(rng, key, level, theta)
        out.append(
            DemoAssessment(
                key, YEAR, _answers(qset, profile, theta, archetype, rng), theta, archetype
            )
        )
        if rng.random() < PREVIOUS_YEAR_SHARE:
            before = max(0.1, theta - float(rng.uniform(0.1, 0.6)))
            prev = dict(profile)
            prev["profile.invest_this_year"] = profile["profile.invest_last_year"]
            prev["profile.invest_last_year"] = round(
                profile["profile.invest_last_year"] / (1 + rng.normal(0.1, 0.1)), 1
            )
            out.append(
                DemoAssessment(key, YEAR - 1, _answers(qset, prev, before, archetype, rng), before,
                               archetype)
            )  # fmt: skip
    return out


# --- loading the population into a database ------------------------------------------


def seed(engine: Engine, qset: QuestionnaireSet, n: int = 3000, *, seed: int = 2026) -> int:
    """Insert the demo population as submitted assessments, in one transaction; returns n.

    Refused (S410) when the database already holds assessments.
    """
    population = generate(qset, n, seed=seed)
    scores = batch_scores(score_batch(pd.DataFrame([d.answers for d in population]), qset))
    # An enterprise is registered in March of the year of its first row (its latest year).
    registered: dict[int, datetime] = {}
    for d in population:
        registered.setdefault(d.key, datetime(d.year, 3, 1, tzinfo=UTC))
    rows = [
        NewSubmission(
            year=d.year,
            answers=dict(d.answers),
            scores=flat,
            submitted_at=datetime(d.year, 3 + d.key % 9, 1 + d.key % 27, 9, tzinfo=UTC),
            version=2,
            enterprise_created_at=registered[d.key],
        )
        for d, flat in zip(population, scores, strict=True)
    ]
    store_new(engine, rows, versions=qset.versions(), empty_only=True, name="demo")
    return len(population)

"""Regenerate examples/*.json: three complete, realistic answer files for the shipped set.

Run `.venv/bin/python examples/generate.py` after a questionnaire changes, then check
`python -m assessment score examples/<name>.json` and, deliberately, the golden files
(`UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_score_cli.py`). The answers are
deterministic: each enterprise has a pattern of ratings per CMMM level and a "quality"
between 0 and 1 for the green and 两化 questions.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assessment.answers import answers_document, effective_answers, is_relevant  # noqa: E402
from assessment.loader import load_questionnaires  # noqa: E402
from assessment.questionnaire import DONT_KNOW, Item, QuestionnaireSet  # noqa: E402
from assessment.reference import uscc_check_char  # noqa: E402


def credit_code(division: str, org: str) -> str:
    """A valid unified social credit code: 91 (enterprise), division, org code, check."""
    first17 = f"91{division}{org}"
    return first17 + uscc_check_char(first17)


ENTERPRISES: dict[str, dict[str, Any]] = {
    "beginner": {
        "profile": {
            "profile.name": "晋中市老陈醋酿造有限公司",
            "profile.credit_code": credit_code("140700", "MA0K3L8Q2"),
            "profile.city": "jinzhong",
            "profile.industry": "food",
            "profile.gbt4754": "C1462",
            "profile.production_type": "discrete",
            "profile.employees": 86,
            "profile.revenue": 2600,
            "profile.invest_last_year": 120,
            "profile.invest_this_year": 180,
            "profile.rd_ratio": 0.6,
            "profile.tech_centre": "none",
            "profile.university_coop": False,
            "profile.first_unit": False,
            "profile.defence_qualification": False,
            "profile.dual_use": False,
            "profile.four_bases": ["none"],
            "profile.service_revenue_share": 0,
            "profile.park_member": False,
            "profile.platform_operator": False,
        },
        # ratings cycled per level; level 1 just passes, level 2 is far off
        "cmmm": {
            1: ["full", "most", "most", "full", "partial"],
            2: ["partial", "none", "partial", "most"],
            3: ["none", "none", "partial"],
            4: ["none"],
            5: ["none"],
        },
        "quality": 0.25,
        "dont_know_every": 9,  # a "don't know" on every 9th item that allows one
        "overrides": {"green.basic.metering": DONT_KNOW},  # a veto left unconfirmed
        "seed": 11,
    },
    "process-mid": {
        "profile": {
            "profile.name": "山西临汾焦化化工有限公司",
            "profile.credit_code": credit_code("141000", "MA0H7R2C5"),
            "profile.city": "linfen",
            "profile.industry": "coking",
            "profile.gbt4754": "C2521",
            "profile.production_type": "process",
            "profile.employees": 920,
            "profile.revenue": 186000,
            "profile.invest_last_year": 8500,
            "profile.invest_this_year": 12000,
            "profile.rd_ratio": 1.8,
            "profile.tech_centre": "municipal",
            "profile.university_coop": True,
            "profile.first_unit": False,
            "profile.defence_qualification": False,
            "profile.dual_use": False,
            "profile.four_bases": ["materials"],
            "profile.service_revenue_share": 2,
            "profile.park_member": True,
            "profile.platform_operator": False,
        },
        "cmmm": {
            1: ["full", "full", "most"],
            2: ["full", "most", "most", "full"],
            3: ["most", "partial", "partial", "most", "none"],
            4: ["partial", "none", "none"],
            5: ["none"],
        },
        "quality": 0.55,
        "dont_know_every": 15,
        "seed": 22,
    },
    "discrete-advanced": {
        "profile": {
            "profile.name": "太原重型矿山装备股份有限公司",
            "profile.credit_code": credit_code("140100", "110014956"),
            "profile.city": "taiyuan",
            "profile.industry": "equipment",
            "profile.gbt4754": "C3511",
            "profile.production_type": "discrete",
            "profile.employees": 3400,
            "profile.revenue": 620000,
            "profile.invest_last_year": 36000,
            "profile.invest_this_year": 42000,
            "profile.rd_ratio": 4.2,
            "profile.tech_centre": "national",
            "profile.university_coop": True,
            "profile.first_unit": True,
            "profile.defence_qualification": True,
            "profile.dual_use": True,
            "profile.four_bases": ["components", "processes"],
            "profile.service_revenue_share": 12,
            "profile.park_member": True,
            "profile.platform_operator": True,
        },
        "cmmm": {
            1: ["full"],
            2: ["full", "full", "most"],
            3: ["full", "most", "most", "full", "most"],
            4: ["most", "partial", "partial", "most", "none", "partial"],
            5: ["none", "partial", "none"],
        },
        "quality": 0.72,
        "dont_know_every": 0,
        "seed": 33,
    },
}


def _choice(item: Item, quality: float, rng: random.Random) -> str:
    """The option whose share of the top points is closest to the (jittered) quality."""
    top = max(o.points for o in item.options) or 1.0
    target = min(1.0, max(0.0, quality + rng.uniform(-0.2, 0.2)))
    return min(item.options, key=lambda o: (abs(o.points / top - target), -o.points)).value


def _multiple(item: Item, quality: float) -> list[str]:
    cap = item.cap if item.cap is not None else sum(o.points for o in item.options)
    chosen, total = [], 0.0
    for opt in sorted(item.options, key=lambda o: -o.points):
        if opt.points > 0 and total < quality * cap:
            chosen.append(opt.value)
            total += opt.points
    return chosen or [min(item.options, key=lambda o: o.points).value]


def _numeric(item: Item, industry: str, quality: float, rng: random.Random) -> float:
    bench = item.benchmark(industry)
    g = 2.5 * quality - 1.0 + rng.uniform(-0.3, 0.3)  # progress from baseline to leading
    value = bench.baseline + g * (bench.leading - bench.baseline)
    c = item.constraint
    if c is not None:
        value = max(c.min if c.min is not None else value, value)
        value = min(c.max if c.max is not None else value, value)
    return round(max(value, 0.0), 2)


def answers_for(spec: dict[str, Any], qset: QuestionnaireSet) -> dict[str, Any]:
    rng = random.Random(spec["seed"])
    answers: dict[str, Any] = dict(spec["profile"])
    industry = answers["profile.industry"]
    counters: dict[int, int] = {}
    dk_count = 0
    for q in qset.questionnaires:
        if q.kind == "profile":
            continue
        for item in q.items():
            if not is_relevant(item, effective_answers(answers, qset)):
                continue  # not shown to this enterprise
            if item.id in spec.get("overrides", {}):
                answers[item.id] = spec["overrides"][item.id]
                continue
            every = spec["dont_know_every"]
            if item.dont_know and every:
                dk_count += 1
                if dk_count % every == 0:
                    answers[item.id] = DONT_KNOW
                    continue
            if item.type == "requirement":
                pattern = spec["cmmm"][item.level]
                k = counters.get(item.level, 0)
                counters[item.level] = k + 1
                answers[item.id] = pattern[k % len(pattern)]
            elif item.type == "single":
                answers[item.id] = _choice(item, spec["quality"], rng)
            elif item.type == "multiple":
                answers[item.id] = _multiple(item, spec["quality"])
            elif item.type == "yesno":
                answers[item.id] = item.veto or rng.random() < spec["quality"] + 0.1
            elif item.type == "numeric":
                answers[item.id] = _numeric(item, industry, spec["quality"], rng)
    return answers


def main() -> None:
    qset = load_questionnaires()
    for name, spec in ENTERPRISES.items():
        doc = answers_document(answers_for(spec, qset), qset, meta={"tool": "examples/generate.py"})
        path = ROOT / "examples" / f"{name}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()

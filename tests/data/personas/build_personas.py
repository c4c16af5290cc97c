"""Build the persona answer files (tests/data/personas/*.json) from personas.yaml.

Run `.venv/bin/python tests/data/personas/build_personas.py` after a questionnaire change;
tests/unit/test_personas.py fails when a committed file differs from what this builds.
Each persona sets its profile facts, a CMMM rating per level (overridable per item), a
general level for the green and 两化 answers ("low" / "mid" / "high"), and overrides for
the answers its story is about. `meta` records the expected top three programs and the
argument for them from the policy text.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from assessment.answers import answers_document  # noqa: E402
from assessment.loader import load_questionnaires  # noqa: E402
from assessment.questionnaire import Item, QuestionnaireSet  # noqa: E402
from assessment.reference import uscc_check_char  # noqa: E402

# Where a general level puts numeric answers between baseline (0) and leading value (1),
# and single/multiple answers along their options (0 = worst, 1 = best).
NUMERIC_AT = {"low": -0.4, "mid": 0.5, "high": 1.2}
OPTION_AT = {"low": 0.2, "mid": 0.55, "high": 1.0}
# Options that say "this does not apply" are never picked by a general level.
NOT_A_LEVEL = {"not_applicable", "none_generated", "not_graded"}

# The facts the programs read are set by each persona's story, never by a general level:
# by default a plant has no unretrofitted coal boiler, no waste heat or bulk waste to
# speak of, and no connected products or services. Personas override what they are about.
STORY_DEFAULTS: dict[str, Any] = {
    "green.energy.coal_boilers_clean": True,
    "green.energy.waste_heat": "not_applicable",
    "green.energy.power_dsm": True,
    "green.resources.bulk_waste": "none_generated",
    "green.land.shared_facilities": False,
    "integration.collaboration.platform_use": "cloud",
    "integration.collaboration.smart_products": "none",
    "integration.collaboration.remote_service": "none",
    "integration.collaboration.data_services": False,
    "integration.collaboration.networked_manufacturing": False,
    "integration.collaboration.online_sales": "low",
    "integration.management.certification": "none",
}

CMMM = {  # rating per CMMM level → roughly the maturity level named
    0: {1: "partial", 2: "none", 3: "none", 4: "none", 5: "none"},
    1: {1: "full", 2: "partial", 3: "none", 4: "none", 5: "none"},
    2: {1: "full", 2: "most", 3: "partial", 4: "none", 5: "none"},
    3: {1: "full", 2: "full", 3: "most", 4: "partial", 5: "none"},
}


def credit_code(serial: int) -> str:
    first17 = f"9114010{serial:02d}MA0K{serial:05d}"[:17]
    first17 = first17.ljust(17, "0")
    return first17 + uscc_check_char(first17)


def _numeric(item: Item, industry: str, level: str) -> float:
    bench = item.benchmark(industry)
    value = bench.baseline + NUMERIC_AT[level] * (bench.leading - bench.baseline)
    c = item.constraint
    if c is not None and c.min is not None:
        value = max(c.min, value)
    if c is not None and c.max is not None:
        value = min(c.max, value)
    return round(value, 2)


def _single(item: Item, level: str) -> str:
    options = sorted(
        (o for o in item.options if o.value not in NOT_A_LEVEL), key=lambda o: o.points
    )
    index = round(OPTION_AT[level] * (len(options) - 1))
    return options[index].value


def _multiple(item: Item, level: str) -> list[str]:
    k = max(1, round(OPTION_AT[level] * len(item.options)))
    return [o.value for o in item.options[:k]]


def build_answers(persona: dict[str, Any], qset: QuestionnaireSet) -> dict[str, Any]:
    """The complete answers of one persona."""
    profile = persona["profile"]
    industry = profile["industry"]
    answers: dict[str, Any] = {
        "profile.name": persona["name"],
        "profile.credit_code": credit_code(persona["serial"]),
        **{f"profile.{k}": v for k, v in profile.items()},
    }
    ratings = CMMM[persona["cmmm"]]
    for qid in ("im", "green", "integration"):
        level = persona.get(qid, "mid")
        for item in qset[qid].items():
            if item.type == "requirement":
                answers[item.id] = ratings[item.level]
            elif item.type == "yesno":
                answers[item.id] = True if item.veto else level != "low"
            elif item.type == "single":
                answers[item.id] = _single(item, level)
            elif item.type == "multiple":
                answers[item.id] = _multiple(item, level)
            elif item.type == "numeric" and item.benchmarks:
                answers[item.id] = _numeric(item, industry, level)
    answers.update(STORY_DEFAULTS)
    answers.update(persona.get("answers", {}))
    return answers


def personas() -> list[dict[str, Any]]:
    """The persona definitions (personas.yaml)."""
    return yaml.safe_load((HERE / "personas.yaml").read_text(encoding="utf-8"))


def build(qset: QuestionnaireSet | None = None) -> dict[str, dict[str, Any]]:
    """{file stem: answers-file document} for every persona."""
    qset = qset or load_questionnaires()
    docs = {}
    for persona in personas():
        meta = {
            "persona": persona["file"],
            "expected_top3": persona["expected_top3"],
            "argument": persona["argument"],
        }
        docs[persona["file"]] = answers_document(build_answers(persona, qset), qset, meta)
    return docs


def main() -> None:
    for stem, doc in build().items():
        path = HERE / f"{stem}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(path)


if __name__ == "__main__":
    main()

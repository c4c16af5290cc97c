"""`python -m assessment score FILE.json [--lang zh|en] [--json]`: score an answers file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from assessment.answers import load_answers_file
from assessment.errors import fail
from assessment.loader import load_questionnaires
from assessment.numbers import finite
from assessment.questionnaire import QuestionnaireSet
from assessment.scoring import AssessmentResult, questionnaire_of_kind, score_assessment

# The summary's own words; everything else comes from the questionnaires.
WORDS = {
    "en": {
        "cmmm": "Intelligent manufacturing (CMMM)",
        "level": "level",
        "not_yet": "not yet level 1",
        "levels": "level scores",
        "domains": "domains",
        "green": "Green factory",
        "band": "band",
        "veto_failed": "basic requirement not met (not eligible)",
        "veto_unconfirmed": "basic requirements not met until checked, unconfirmed",
        "veto_ok": "basic requirements met",
        "integration": "IT–industrialisation integration (两化融合)",
        "index": "index",
        "stage": "stage",
        "readiness": "Readiness",
        "confidence": "confidence",
        "dont_know": '"don\'t know" answers',
        "unanswered": "unanswered",
        "none": "—",
    },
    "zh": {
        "cmmm": "智能制造能力成熟度（CMMM）",
        "level": "等级",
        "not_yet": "未达到一级",
        "levels": "各级得分",
        "domains": "能力域",
        "green": "绿色工厂",
        "band": "档次",
        "veto_failed": "基本要求未满足（不具备申报条件）",
        "veto_unconfirmed": "基本要求待核实（核实前视为未满足），未确认",
        "veto_ok": "基本要求均满足",
        "integration": "两化融合",
        "index": "指数",
        "stage": "阶段",
        "readiness": "综合就绪度",
        "confidence": "可信度",
        "dont_know": "“不清楚”题数",
        "unanswered": "未答题数",
        "none": "—",
    },
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "score",
        help="score an answers file (CMMM level, green factory, 两化融合, readiness)",
        description="Score an answers file (docs/answers-format.md) and print a summary.",
    )
    p.add_argument("file", help="answers file, e.g. examples/beginner.json")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the output")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise fail("C801", value=str(path))
    qset = load_questionnaires()
    doc = load_answers_file(path, qset)
    result = score_assessment(dict(doc.answers), qset)
    if args.json:
        print(json.dumps(as_json(result, qset, args.lang), ensure_ascii=False, indent=2))
    else:
        print(summary(result, qset, args.lang))
    return 0


def _names(result: AssessmentResult, qset: QuestionnaireSet, lang: str) -> dict[str, str | None]:
    names: dict[str, str | None] = {}
    q = questionnaire_of_kind(qset, "cmmm")
    if result.cmmm is not None and q is not None:
        level = next((lv for lv in q.levels if lv.level == result.cmmm.level), None)
        names[f"{q.id}.level_name"] = level.name.get(lang) if level else WORDS[lang]["not_yet"]
    if result.green is not None:
        band = result.green.band
        names[f"{result.green.questionnaire}.band"] = band.name.get(lang) if band else None
    q = questionnaire_of_kind(qset, "integration")
    if result.integration is not None and q is not None:
        stage = next((s for s in q.stages if s.stage == result.integration.stage), None)
        names[f"{q.id}.stage_name"] = stage.name.get(lang) if stage else None
    return names


def as_json(result: AssessmentResult, qset: QuestionnaireSet, lang: str) -> dict[str, Any]:
    """The flat scores (NaN as null) plus the level, band and stage names."""
    out: dict[str, Any] = {key: finite(value) for key, value in result.flat().items()}
    out.update(_names(result, qset, lang))
    out["dont_know"] = list(result.dont_know)
    out["unanswered"] = list(result.unanswered)
    return out


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def summary(result: AssessmentResult, qset: QuestionnaireSet, lang: str) -> str:
    """A readable summary of the result in one language."""
    w = WORDS[lang]
    names = _names(result, qset, lang)
    lines = []
    p = result.profile
    facts = " · ".join(
        str(v) for v in (p.credit_code, p.industry, p.production_type, p.size_class) if v
    )
    lines.append(f"{p.name or '—'}  {facts}".rstrip())
    if result.cmmm is not None:
        c = result.cmmm
        q = qset[c.questionnaire]
        name = names[f"{q.id}.level_name"]
        lines.append(
            f"{w['cmmm']}: {w['level']} {c.level} {name} — S = {c.total:.2f} / 5 "
            f"({c.score:.1f} / 100)"
        )
        levels = "  ".join(f"L{i} {v:.2f}" for i, v in enumerate(c.level_scores, start=1))
        lines.append(f"  {w['levels']}: {levels}")
        lines.append(f"  {w['domains']}:")
        for area in c.domains:
            section = q.section(area.id)
            label = section.label.get(lang) if section is not None else area.id
            lines.append(f"    {_fmt(area.score):>5}  {label}")
    if result.green is not None:
        g = result.green
        band = names[f"{g.questionnaire}.band"] or w["none"]
        if g.failed_vetoes or (g.veto and not g.unconfirmed_vetoes):
            veto = f"{w['veto_failed']}: {', '.join(g.failed_vetoes)}"
        elif g.unconfirmed_vetoes:
            veto = f"{w['veto_unconfirmed']}: {', '.join(g.unconfirmed_vetoes)}"
        else:
            veto = w["veto_ok"]
        lines.append(f"{w['green']}: {_fmt(g.score)} / 100 — {w['band']}: {band}")
        lines.append(f"  {veto}")
    if result.integration is not None:
        i = result.integration
        stage = names[f"{i.questionnaire}.stage_name"] or w["none"]
        lines.append(
            f"{w['integration']}: {w['index']} {_fmt(i.index)} — {w['stage']} "
            f"{i.stage if i.stage is not None else '—'} {stage}"
        )
    r = result.readiness
    lines.append(
        f"{w['readiness']}: {_fmt(r.score)} / 100 — {w['confidence']} {r.confidence:.0%} "
        f"({w['dont_know']}: {len(result.dont_know)}, {w['unanswered']}: "
        f"{len(result.unanswered)})"
    )
    return "\n".join(lines)

"""Matching one assessment to the eight special programs of Policy §3 (docs/programs.md).

`load_programs` reads `questionnaires/programs.yaml` (the programs as data: hard gates,
weighted fit signals, support instruments) and checks every rule against the
questionnaires it will be evaluated on; `recommend_programs` evaluates the rules for one
assessment and ranks the programs. Conditions use the `relevant` expression language of
assessment/expressions.py; besides answers (`${profile.industry}`) they may refer to
scores as `${score.<flat key>}` (`${score.im.level}`, `${score.green.energy}`) and to two
derived profile facts, `${profile.size_class}` and `${profile.variant}`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assessment import expressions, formatting
from assessment.answers import effective_answers
from assessment.errors import AssessmentError, Bilingual, Problem, foreign, problem
from assessment.loader import (
    _display,
    _duplicate_key,
    _ItemInfo,
    _LineLoader,
    _literal_problem,
    _Map,
    _read_error,
    load_questionnaires,
)
from assessment.questionnaire import DONT_KNOW, RATINGS, QuestionnaireSet, Text
from assessment.scored import ScoredFacts
from assessment.scoring import flat_keys
from assessment.texts import bilingual, text

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "questionnaires" / "programs.yaml"

# Policy §3(1)…§3(8), in the policy's order; the order also breaks ties in the ranking.
PROGRAM_IDS = (
    "intelligent_manufacturing",
    "technology_innovation",
    "green_manufacturing",
    "internet_integration",
    "military_civil",
    "industrial_foundation",
    "service_manufacturing",
    "public_platforms",
)
PROGRAM_SECTIONS = {pid: f"§3({i})" for i, pid in enumerate(PROGRAM_IDS, start=1)}
# Sections that exist in the policy text: §1; §2(1)–(2); §3(1)–(8); §4(1)–(5).
POLICY_SECTIONS = frozenset(
    ["§1", "§2(1)", "§2(2)", *PROGRAM_SECTIONS.values(), *(f"§4({i})" for i in range(1, 6))]
)
SCORE_PREFIX = "score."
# Facts derived from the profile answers by scoring (ProfileFacts), not questions.
DERIVED_FACTS: Mapping[str, tuple[str, ...]] = {
    "profile.size_class": ("large", "medium", "small", "micro"),
    "profile.variant": ("process", "discrete"),
}
TOP_REASONS = 3
MAX_NEXT_STEPS = 4

TOP_FIELDS = ("version", "source", "instruments", "programs")
INSTRUMENT_FIELDS = ("id", "section", "name", "description", "when")
PROGRAM_FIELDS = ("id", "section", "name", "description", "instruments", "gates", "signals")
RULE_FIELDS = (
    "id", "when", "label", "reason", "section", "weight", "next_step", "improve", "source",
)  # fmt: skip
RULE_ID = re.compile(r"[a-z][a-z0-9_]*")
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)\}")

_ZH_NUMERALS = "〇一二三四五六七八九"
DERIVED_KEYS: Mapping[str, str] = {  # derived fact value → catalogue key of its label
    **{size: f"size.{size}" for size in DERIVED_FACTS["profile.size_class"]},
    **{variant: f"variant.{variant}" for variant in DERIVED_FACTS["profile.variant"]},
}


# --- definitions -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Instrument:
    """A support instrument of Policy §4(2)/§4(3) a program can lead to."""

    id: str
    section: str
    name: Text
    description: Text
    when: expressions.Expr | None = None
    when_src: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """A hard gate (must hold) or a weighted fit signal of a program."""

    id: str
    kind: str  # "gate" | "signal"
    when: expressions.Expr
    when_src: str
    label: Text  # short, for the one-sentence ranking explanation
    reason: Text  # template: {ref} placeholders are filled with the actual values
    section: str
    weight: float = 0.0
    next_step: Text | None = None  # shown when the signal holds: the project to propose
    improve: Text | None = None  # shown when it does not hold: how to strengthen the fit
    source: str | None = None  # outside reference (e.g. a national tier), if any
    line: int | None = None

    @property
    def refs(self) -> tuple[str, ...]:
        """The answers, facts and scores the rule reads, condition first."""
        out = list(dict.fromkeys(sorted(self.when.refs())))
        for ref in _placeholders(self.reason):
            if ref not in out:
                out.append(ref)
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Program:
    """One of the eight special programs of Policy §3."""

    id: str
    order: int  # 1..8, its number in Policy §3
    section: str
    name: Text
    description: Text
    instruments: tuple[str, ...]
    gates: tuple[Rule, ...]
    signals: tuple[Rule, ...]
    line: int | None = None

    @property
    def rules(self) -> tuple[Rule, ...]:
        return (*self.gates, *self.signals)


@dataclass(frozen=True, slots=True)
class ProgramSet:
    """The program definitions, checked against the questionnaire set they are used with."""

    version: str
    source: str
    instruments: tuple[Instrument, ...]
    programs: tuple[Program, ...]
    qset: QuestionnaireSet
    path: str | None = None

    def program(self, program_id: str) -> Program:
        for prog in self.programs:
            if prog.id == program_id:
                return prog
        raise KeyError(program_id)

    def instrument(self, instrument_id: str) -> Instrument:
        for inst in self.instruments:
            if inst.id == instrument_id:
                return inst
        raise KeyError(instrument_id)


# --- results ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a rule holds or fails, with the values behind it and the policy section."""

    rule_id: str
    text: Text
    refs: tuple[str, ...]
    values: tuple[tuple[str, Any], ...]
    section: str
    weight: float = 0.0


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    rule_id: str
    kind: str
    holds: bool
    weight: float
    reason: Reason


@dataclass(frozen=True, slots=True)
class ProgramMatch:
    """One program's verdict for one assessment."""

    program_id: str
    name: Text
    section: str
    rank: int
    eligible: bool
    fit: float  # 0–100
    failed_gates: tuple[Reason, ...]
    reasons: tuple[Reason, ...]  # the strongest signals that hold, heaviest first
    next_steps: tuple[Text, ...]
    instruments: tuple[Instrument, ...]
    explanation: Text
    outcomes: tuple[RuleOutcome, ...]

    @property
    def recommended(self) -> bool:
        """Eligible with at least one fit signal holding."""
        return self.eligible and self.fit > 0

    def flat(self) -> dict[str, float]:
        """Numbers to store beside an assessment: program.<id>.eligible/fit/rank."""
        key = f"program.{self.program_id}"
        return {
            f"{key}.eligible": 1.0 if self.eligible else 0.0,
            f"{key}.fit": self.fit,
            f"{key}.rank": float(self.rank),
        }


# --- policy section text ---------------------------------------------------------------


def section_text(section: str) -> Text:
    """'§3(3)' → 政策第三条第（三）项 / Policy §3(3)."""
    m = re.fullmatch(r"§(\d)(?:\((\d)\))?", section)
    if not m:
        return Text(section, section)
    article, item = m.group(1), m.group(2)
    zh_article = _ZH_NUMERALS[int(article)]
    if item:
        zh_item = _ZH_NUMERALS[int(item)]
        return Text(
            text("programs.section.item", "zh", article=zh_article, item=zh_item),
            text("programs.section.item", "en", article=article, item=item),
        )
    return Text(
        text("programs.section.article", "zh", article=zh_article),
        text("programs.section.article", "en", article=article),
    )


# --- loading and validation ------------------------------------------------------------


def _placeholders(text: Text) -> list[str]:
    out: list[str] = []
    for raw in (text.zh, text.en):
        for ref in PLACEHOLDER.findall(raw):
            if ref not in out:
                out.append(ref)
    return out


def known_refs(qset: QuestionnaireSet) -> dict[str, _ItemInfo | None]:
    """Every reference a rule may use: item ids, derived facts and score keys."""
    known: dict[str, _ItemInfo | None] = {}
    for item in qset.items():
        options = tuple(o.value for o in item.options) if item.options else None
        known[item.id] = _ItemInfo(item.type, options)
    for ref, options in DERIVED_FACTS.items():
        known.setdefault(ref, _ItemInfo("single", options))
    for key in flat_keys(qset):
        known[SCORE_PREFIX + key] = _ItemInfo("numeric", None)
    return known


RULE_KINDS_ZH = {"gate": "门槛条件", "signal": "匹配信号"}


def _missing(key: str) -> Bilingual:
    return Bilingual(f"the field '{key}' is missing", f"缺少字段 '{key}'")


class _Checker:
    """Builds a ProgramSet from parsed YAML, collecting every problem with its location."""

    def __init__(self, file: str, qset: QuestionnaireSet):
        self.file = file
        self.qset = qset
        self.known = known_refs(qset)
        self.problems: list[Problem] = []

    def bad(self, line: int | None, path: str | None, detail: Bilingual) -> None:
        self.problems.append(problem("G301", file=self.file, line=line, path=path, detail=detail))

    def unknown(self, line: int | None, path: str, ref: str) -> None:
        self.problems.append(problem("G302", file=self.file, line=line, path=path, ref=ref))

    def fields(self, obj: _Map, known: Sequence[str], path: str | None) -> None:
        for key in obj:
            if key not in known:
                self.bad(
                    obj.at(key) if isinstance(key, str) else obj.line,
                    path,
                    Bilingual(
                        f"the field '{key}' is not known; known fields: {', '.join(known)}",
                        f"不认识字段 '{key}'；可用字段：{', '.join(known)}",
                    ),
                )

    def text(self, obj: _Map, key: str, path: str, *, required: bool = True) -> Text | None:
        raw = obj.get(key)
        if raw is None:
            if required:
                self.bad(obj.line, path, _missing(key))
            return None
        if not isinstance(raw, _Map):
            self.bad(
                obj.at(key),
                path,
                Bilingual(
                    f"'{key}' must be a mapping with zh and en texts",
                    f"'{key}' 必须是含 zh 和 en 文本的映射",
                ),
            )
            return None
        values = {}
        for lang in ("zh", "en"):
            value = raw.get(lang)
            if not isinstance(value, str) or not value.strip():
                self.bad(
                    raw.line,
                    path,
                    Bilingual(
                        f"'{key}' has no {lang} text; give both zh and en",
                        f"'{key}' 缺少 {lang} 文本；请同时提供 zh 和 en",
                    ),
                )
                return None
            values[lang] = value.strip()
        extra = [k for k in raw if k not in ("zh", "en")]
        if extra:
            self.bad(
                raw.line,
                path,
                Bilingual(
                    f"'{key}' may only have zh and en, not {extra[0]}",
                    f"'{key}' 只能有 zh 和 en，不能有 {extra[0]}",
                ),
            )
        return Text(values["zh"], values["en"])

    def string(self, obj: _Map, key: str, path: str | None, *, required: bool = True) -> str:
        raw = obj.get(key)
        if raw is None:
            if required:
                self.bad(obj.line, path, _missing(key))
            return ""
        if not isinstance(raw, str) or not raw.strip():
            self.bad(
                obj.at(key),
                path,
                Bilingual(f"'{key}' must be a non-empty text", f"'{key}' 必须是非空文本"),
            )
            return ""
        return raw.strip()

    def section(self, obj: _Map, path: str, default: str | None = None) -> str:
        raw = obj.get("section", default)
        if raw not in POLICY_SECTIONS:
            self.bad(
                obj.at("section"),
                path,
                Bilingual(
                    f"'section' is {raw!r}; use a policy section such as §3(3) or §4(2)",
                    f"'section' 为 {raw!r}；请使用政策条款，如 §3(3) 或 §4(2)",
                ),
            )
            return default or ""
        return str(raw)

    def condition(self, obj: _Map, key: str, path: str, *, required: bool) -> Any:
        src = obj.get(key)
        if src is None:
            if required:
                self.bad(obj.line, path, _missing(key))
            return None
        line = obj.at(key)
        try:
            expr = expressions.parse(src)
        except AssessmentError as err:
            self.bad(line, f"{path}.{key}", err.problems[0].params.get("detail", str(src)))
            return None
        ok = True
        for ref in sorted(expr.refs()):
            if ref not in self.known:
                self.unknown(line, f"{path}.{key}", ref)
                ok = False
        for ref, literal in expressions.literal_comparisons(expr):
            info = self.known.get(ref)
            expected = _literal_problem(info, literal) if info else None
            if expected:
                self.bad(
                    line,
                    f"{path}.{key}",
                    Bilingual(
                        f"{literal!r} never matches {ref}: {expected}",
                        f"{literal!r} 永远不会与 {ref} 相符：{expected.zh}",
                    ),
                )
                ok = False
        return expr if ok else None

    def template(self, obj: _Map, key: str, path: str) -> Text | None:
        text = self.text(obj, key, path)
        if text is None:
            return None
        for lang in ("zh", "en"):
            refs = PLACEHOLDER.findall(text.get(lang))
            if not refs:
                self.bad(
                    obj.at(key),
                    f"{path}.{key}",
                    Bilingual(
                        f"the {lang} reason names no answer or score; add a {{ref}} placeholder",
                        f"{lang} 理由没有引用任何答案或得分；请加入 {{ref}} 占位符",
                    ),
                )
                return None
        ok = True
        for ref in _placeholders(text):
            if ref not in self.known:
                self.unknown(obj.at(key), f"{path}.{key}", ref)
                ok = False
        return text if ok else None

    def listing(self, obj: _Map, key: str, path: str, *, required: bool = True) -> list[Any]:
        raw = obj.get(key)
        if raw is None:
            if required:
                self.bad(obj.line, path, _missing(key))
            return []
        if not isinstance(raw, list):
            self.bad(
                obj.at(key),
                path,
                Bilingual(
                    f"'{key}' must be a list ('- ' entries)",
                    f"'{key}' 必须是列表（以 '- ' 开头的各项）",
                ),
            )
            return []
        return raw

    # -- parts ----------------------------------------------------------------------------

    def document(self, doc: Any) -> ProgramSet | None:
        if not isinstance(doc, _Map):
            self.bad(
                None,
                None,
                Bilingual(
                    "the file must be a mapping with 'programs' and 'instruments'",
                    "文件必须是含 'programs' 和 'instruments' 的映射",
                ),
            )
            return None
        self.fields(doc, TOP_FIELDS, None)
        version = self.string(doc, "version", "version")
        source = self.string(doc, "source", "source")
        instruments = []
        for raw in self.listing(doc, "instruments", "instruments"):
            inst = self.instrument(raw, doc.at("instruments"))
            if inst is not None:
                instruments.append(inst)
        ids = [i.id for i in instruments]
        for dup in {i for i in ids if ids.count(i) > 1}:
            self.bad(
                doc.at("instruments"),
                "instruments",
                Bilingual(f"the instrument '{dup}' is repeated", f"支持措施 '{dup}' 重复"),
            )
        programs = []
        seen: dict[str, int] = {}
        for raw in self.listing(doc, "programs", "programs"):
            prog = self.program(raw, doc.at("programs"), set(ids))
            if prog is None:
                continue
            if prog.id in seen:
                self.bad(
                    prog.line,
                    prog.id,
                    Bilingual(
                        f"the program '{prog.id}' is defined twice",
                        f"专项工程 '{prog.id}' 定义了两次",
                    ),
                )
                continue
            seen[prog.id] = 1
            programs.append(prog)
        missing = [pid for pid in PROGRAM_IDS if pid not in seen]
        if missing and "programs" in doc:
            self.bad(
                doc.at("programs"),
                "programs",
                Bilingual(
                    "the eight programs of Policy §3 must all be defined; missing: "
                    + ", ".join(missing),
                    "必须定义政策第三条的全部八项专项工程；缺少：" + ", ".join(missing),
                ),
            )
        if self.problems:
            return None
        programs.sort(key=lambda p: p.order)
        return ProgramSet(version, source, tuple(instruments), tuple(programs), self.qset)

    def instrument(self, raw: Any, line: int) -> Instrument | None:
        if not isinstance(raw, _Map):
            self.bad(
                line,
                "instruments",
                Bilingual("each instrument must be a mapping", "每项支持措施必须是映射"),
            )
            return None
        iid = raw.get("id")
        if not isinstance(iid, str) or not RULE_ID.fullmatch(iid):
            self.bad(
                raw.line,
                "instruments",
                Bilingual(
                    f"the instrument id {iid!r} is not a valid id", f"支持措施编号 {iid!r} 无效"
                ),
            )
            return None
        path = f"instruments[{iid}]"
        self.fields(raw, INSTRUMENT_FIELDS, path)
        section = self.section(raw, path)
        if section and not section.startswith("§4"):
            self.bad(
                raw.at("section"),
                path,
                Bilingual(
                    "support instruments come from §4(2) or §4(3)",
                    "支持措施只能出自 §4(2) 或 §4(3)",
                ),
            )
        name = self.text(raw, "name", path)
        description = self.text(raw, "description", path)
        when = self.condition(raw, "when", path, required=False)
        if name is None or description is None:
            return None
        return Instrument(iid, section, name, description, when, raw.get("when"))

    def program(self, raw: Any, line: int, instrument_ids: set[str]) -> Program | None:
        if not isinstance(raw, _Map):
            self.bad(
                line,
                "programs",
                Bilingual("each program must be a mapping", "每项专项工程必须是映射"),
            )
            return None
        pid = raw.get("id")
        if pid not in PROGRAM_SECTIONS:
            self.bad(
                raw.at("id"),
                "programs",
                Bilingual(
                    f"the program id {pid!r} is not one of the eight: {', '.join(PROGRAM_IDS)}",
                    f"专项工程编号 {pid!r} 不在八项之列：{', '.join(PROGRAM_IDS)}",
                ),
            )
            return None
        self.fields(raw, PROGRAM_FIELDS, pid)
        section = self.section(raw, pid)
        if section and section != PROGRAM_SECTIONS[pid]:
            self.bad(
                raw.at("section"),
                pid,
                Bilingual(
                    f"{pid} comes from {PROGRAM_SECTIONS[pid]}, not {section}",
                    f"{pid} 出自 {PROGRAM_SECTIONS[pid]}，不是 {section}",
                ),
            )
        name = self.text(raw, "name", pid)
        description = self.text(raw, "description", pid)
        instruments = []
        for ref in self.listing(raw, "instruments", pid):
            if ref not in instrument_ids:
                self.unknown(raw.at("instruments"), f"{pid}.instruments", str(ref))
            else:
                instruments.append(ref)
        if not instruments and "instruments" in raw:
            self.bad(
                raw.at("instruments"),
                pid,
                Bilingual(
                    "a program leads to at least one instrument", "每项专项工程至少对应一项支持措施"
                ),
            )
        gates = self.rules(raw, "gates", pid, PROGRAM_SECTIONS[pid])
        signals = self.rules(raw, "signals", pid, PROGRAM_SECTIONS[pid])
        if not signals and "signals" in raw:
            self.bad(
                raw.at("signals"),
                pid,
                Bilingual(
                    "a program needs at least one fit signal", "每项专项工程至少需要一个匹配信号"
                ),
            )
        ids = [r.id for r in (*gates, *signals)]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            self.bad(
                raw.line,
                pid,
                Bilingual(
                    f"the rule id '{dup}' is used twice in {pid}",
                    f"规则编号 '{dup}' 在 {pid} 中使用了两次",
                ),
            )
        if name is None or description is None:
            return None
        return Program(
            pid,
            PROGRAM_IDS.index(pid) + 1,
            PROGRAM_SECTIONS[pid],
            name,
            description,
            tuple(instruments),
            tuple(gates),
            tuple(signals),
            raw.line,
        )

    def rules(self, raw: _Map, key: str, pid: str, default_section: str) -> list[Rule]:
        kind = key[:-1]
        kind_zh = RULE_KINDS_ZH[kind]
        out = []
        for entry in self.listing(raw, key, pid, required=key == "signals"):
            if not isinstance(entry, _Map):
                self.bad(
                    raw.at(key),
                    f"{pid}.{key}",
                    Bilingual(f"each {kind} must be a mapping", f"每个{kind_zh}必须是映射"),
                )
                continue
            rid = entry.get("id")
            if not isinstance(rid, str) or not RULE_ID.fullmatch(rid):
                self.bad(
                    entry.line,
                    f"{pid}.{key}",
                    Bilingual(
                        f"the {kind} id {rid!r} is not a valid id", f"{kind_zh}编号 {rid!r} 无效"
                    ),
                )
                continue
            path = f"{pid}.{key}[{rid}]"
            self.fields(entry, RULE_FIELDS, path)
            when = self.condition(entry, "when", path, required=True)
            label = self.text(entry, "label", path)
            reason = self.template(entry, "reason", path)
            section = self.section(entry, path, default_section)
            weight = 0.0
            if kind == "signal":
                raw_w = entry.get("weight")
                if isinstance(raw_w, bool) or not isinstance(raw_w, int | float) or raw_w <= 0:
                    self.bad(
                        entry.at("weight"),
                        path,
                        Bilingual(
                            f"'weight' is {raw_w!r}; use a number > 0",
                            f"'weight' 为 {raw_w!r}；请使用大于 0 的数字",
                        ),
                    )
                else:
                    weight = float(raw_w)
            elif "weight" in entry:
                self.bad(
                    entry.at("weight"),
                    path,
                    Bilingual(
                        "a gate has no weight: it must simply hold",
                        "门槛条件没有权重：只需成立即可",
                    ),
                )
            next_step = self.text(entry, "next_step", path, required=False)
            improve = self.text(entry, "improve", path, required=False)
            source = self.string(entry, "source", path, required=False) or None
            if when is None or label is None or reason is None or (kind == "signal" and not weight):
                continue
            out.append(
                Rule(
                    rid,
                    kind,
                    when,
                    entry["when"],
                    label,
                    reason,
                    section,
                    weight,
                    next_step,
                    improve,
                    source,
                    entry.line,
                )
            )
        return out


def parse_programs(
    source: str, qset: QuestionnaireSet, *, file: str = "programs.yaml"
) -> ProgramSet:
    """Build a ProgramSet from YAML text; raise AssessmentError listing every problem."""
    loader = _LineLoader(source)
    try:
        doc = loader.get_single_data()
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        said = getattr(err, "problem", None) or err
        detail = foreign(said, "YAML 语法错误", "the YAML is not valid")
        raise AssessmentError(problem("G301", file=file, line=line, detail=detail)) from None
    finally:
        loader.dispose()
    checker = _Checker(file, qset)
    for key, line in loader.duplicates:
        checker.bad(line, None, _duplicate_key(key))
    result = checker.document(doc)
    if checker.problems or result is None:
        raise AssessmentError(checker.problems)
    return ProgramSet(
        result.version, result.source, result.instruments, result.programs, qset, file
    )


def load_programs(
    path: str | os.PathLike[str] | None = None, qset: QuestionnaireSet | None = None
) -> ProgramSet:
    """Load and check programs.yaml (the shipped one by default) against a questionnaire set."""
    target = DEFAULT_PATH if path is None else Path(path)
    file = _display(target)
    try:
        text = target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise AssessmentError(problem("Q114", file=file, detail=_read_error(err))) from None
    if qset is None:
        qset = load_questionnaires(target.parent)
    return parse_programs(text, qset, file=file)


# --- evaluation ------------------------------------------------------------------------


def context(
    result: ScoredFacts, answers: Mapping[str, Any], qset: QuestionnaireSet
) -> dict[str, Any]:
    """What rules are evaluated against: relevant answers, derived facts and score.* keys."""
    # A skipped item's stored answer is ignored, as in scoring (skips cascade).
    ctx: dict[str, Any] = effective_answers(answers, qset)
    ctx["profile.size_class"] = result.profile.size_class
    ctx["profile.variant"] = result.profile.variant
    for key, value in result.scores.items():
        if value is None:
            continue  # no score: "no value" in conditions
        ctx[SCORE_PREFIX + key] = value
    return ctx


def _in_sentence(key: str) -> Text:
    """A catalogue label as it reads inside a sentence (English lower-cased)."""
    label = bilingual(key)
    return Text(label.zh, _lower(label.en))


def display_value(ref: str, value: object, qset: QuestionnaireSet) -> Text:
    """An answer, fact or score as a user reads it, in both languages."""
    if value is None or value == DONT_KNOW or value == "" or value == []:
        return bilingual("programs.no_value")
    if isinstance(value, bool):
        return _in_sentence("yesno.true" if value else "yesno.false")
    if isinstance(value, int | float):
        digits = 0 if float(value).is_integer() else 1
        return Text(formatting.number(value, "zh", digits), formatting.number(value, "en", digits))
    item = qset.item(ref)
    if item is not None and item.type == "requirement" and value in RATINGS:
        return _in_sentence(f"rating.{value}")
    if isinstance(value, str):
        if item is not None and (opt := item.option(value)) is not None:
            return opt.label
        if value in DERIVED_KEYS and ref in DERIVED_FACTS:
            return _in_sentence(DERIVED_KEYS[value])
        return Text(value, value)
    if isinstance(value, list | tuple):
        parts = [display_value(ref, v, qset) for v in value]
        sep = bilingual("programs.value_separator")
        return Text(sep.zh.join(p.zh for p in parts), sep.en.join(p.en for p in parts))
    return Text(str(value), str(value))


def fill(template: Text, ctx: Mapping[str, Any], qset: QuestionnaireSet) -> Text:
    """Fill {ref} placeholders with the displayed values of answers and scores."""

    def one(lang: str) -> str:
        def sub(m: re.Match[str]) -> str:
            return display_value(m.group(1), ctx.get(m.group(1)), qset).get(lang)

        return PLACEHOLDER.sub(sub, template.get(lang))

    return Text(one("zh"), one("en"))


def _reason(rule: Rule, ctx: Mapping[str, Any], qset: QuestionnaireSet) -> Reason:
    refs = rule.refs
    values = tuple((ref, ctx.get(ref)) for ref in refs)
    return Reason(rule.id, fill(rule.reason, ctx, qset), refs, values, rule.section, rule.weight)


def _explain(match_name: Text, rank: int, eligible: bool, labels: Sequence[Text], section: str,
             failed: Text | None) -> Text:  # fmt: skip
    where = section_text(section)

    def one(lang: str) -> str:
        params = {"program": match_name.get(lang), "rank": rank, "where": where.get(lang)}
        if not eligible and failed is not None:
            return text("programs.explain.not_eligible", lang, gate=failed.get(lang), **params)
        if not labels:
            return text("programs.explain.no_signal", lang, **params)
        shown = [t.get(lang) if lang == "zh" else _lower(t.en) for t in labels]
        signals = text("programs.signal_separator", lang).join(shown)
        return text("programs.explain.signals", lang, signals=signals, **params)

    return Text(one("zh"), one("en"))


def _lower(label: str) -> str:
    # Labels start a sentence on their own; inside one they read lower-case, except
    # acronyms such as CMMM, IT or R&D.
    if label[1:2].isupper() or label[1:2] == "&":
        return label
    return label[:1].lower() + label[1:]


@dataclass(frozen=True, slots=True)
class _Evaluation:
    """One program's rules evaluated for one assessment, before ranking."""

    eligible: bool
    fit: float
    failed: list[RuleOutcome]
    held: list[RuleOutcome]
    steps: tuple[Text, ...]
    instruments: tuple[Instrument, ...]
    outcomes: tuple[RuleOutcome, ...]
    by_id: dict[str, Rule]


def _evaluate(program: Program, ctx: Mapping[str, Any], programs: ProgramSet) -> _Evaluation:
    qset = programs.qset
    outcomes = []
    for rule in program.rules:
        holds = bool(expressions.evaluate(rule.when, ctx))
        outcomes.append(
            RuleOutcome(rule.id, rule.kind, holds, rule.weight, _reason(rule, ctx, qset))
        )
    by_id = {rule.id: rule for rule in program.rules}
    gates = [o for o in outcomes if o.kind == "gate"]
    signals = [o for o in outcomes if o.kind == "signal"]
    failed = [o for o in gates if not o.holds]
    total = sum(o.weight for o in signals)
    held = sorted((o for o in signals if o.holds), key=lambda o: -o.weight)  # stable: file order
    missed = sorted((o for o in signals if not o.holds), key=lambda o: -o.weight)
    fit = round(sum(o.weight for o in held) / total * 100.0, 1) if total else 0.0
    steps: list[Text] = []
    if failed:
        steps += [s for o in failed if (s := by_id[o.rule_id].improve)]
    else:
        steps += [s for o in held if (s := by_id[o.rule_id].next_step)]
        steps += [s for o in missed if (s := by_id[o.rule_id].improve)]
    instruments = tuple(
        inst
        for inst in (programs.instrument(i) for i in program.instruments)
        if inst.when is None or expressions.evaluate(inst.when, ctx)
    )
    return _Evaluation(
        eligible=not failed,
        fit=fit,
        failed=failed,
        held=held,
        steps=tuple(dict.fromkeys(steps))[:MAX_NEXT_STEPS],
        instruments=instruments,
        outcomes=tuple(outcomes),
        by_id=by_id,
    )


def recommend_programs(
    result: ScoredFacts, answers: Mapping[str, Any], programs: ProgramSet
) -> tuple[ProgramMatch, ...]:
    """Rank the eight programs for one assessment: eligible first, then by fit, then §3 order."""
    ctx = context(result, answers, programs.qset)
    evaluated = [(prog, _evaluate(prog, ctx, programs)) for prog in programs.programs]
    evaluated.sort(key=lambda pe: (not pe[1].eligible, -pe[1].fit, pe[0].order))
    matches = []
    for rank, (prog, ev) in enumerate(evaluated, start=1):
        by_id = ev.by_id
        held = ev.held
        failed_label = by_id[ev.failed[0].rule_id].label if ev.failed else None
        labels = [by_id[o.rule_id].label for o in held[:2]]
        matches.append(
            ProgramMatch(
                program_id=prog.id,
                name=prog.name,
                section=prog.section,
                rank=rank,
                eligible=ev.eligible,
                fit=ev.fit,
                failed_gates=tuple(o.reason for o in ev.failed),
                reasons=tuple(o.reason for o in held[:TOP_REASONS]),
                next_steps=ev.steps,
                instruments=ev.instruments,
                explanation=_explain(
                    prog.name, rank, ev.eligible, labels, prog.section, failed_label
                ),
                outcomes=ev.outcomes,
            )
        )
    return tuple(matches)

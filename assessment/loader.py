"""YAML → Questionnaire: load and validate questionnaire files with located, coded problems.

Each file is composed with a SafeLoader subclass that remembers the line of every mapping
and key, so every Problem names file, line and item path. Validation collects *all*
problems of a file (and, for a folder, of the set: duplicate ids, unknown references)
instead of stopping at the first. Nothing is cached here: the UI caches.
"""

from __future__ import annotations

import errno
import itertools
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from assessment import expressions, reference
from assessment.errors import AssessmentError, Bilingual, Problem, foreign, problem
from assessment.numbers import finite
from assessment.questionnaire import (
    DONT_KNOW,
    ITEM_TYPES,
    KINDS,
    Band,
    Benchmark,
    Constraint,
    Item,
    Level,
    Option,
    Questionnaire,
    QuestionnaireSet,
    Section,
    Stage,
    Subdomain,
    Text,
    Weights,
)

DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / "questionnaires"
DEFAULT_IDS = ("profile", "im", "green", "integration")
SCORED_KINDS = ("cmmm", "green", "integration")
NOT_QUESTIONNAIRES = ("programs.yaml",)  # program definitions live beside the questionnaires
WEIGHT_TOLERANCE = 0.01
# The two weight variants, named in both languages for Q105.
VARIANTS = {"process": Bilingual("process", "流程型"), "discrete": Bilingual("discrete", "离散型")}
CHECKS = ("uscc",)
OPTIONS_FROM = ("cities", "industries")

QID = re.compile(r"[a-z][a-z0-9_]*")
OPTION_VALUE = re.compile(r"[a-z0-9_]+")
SEGMENTS = re.compile(r"(?:\.[a-z0-9_]+)+")

TOP_FIELDS = (
    "id", "version", "kind", "title", "description", "source",
    "levels", "stages", "bands", "sections",
)  # fmt: skip
SECTION_FIELDS = ("id", "label", "hint", "weight", "subdomains", "items", "source", "description")
SUBDOMAIN_FIELDS = ("id", "label", "weight", "hint", "source", "description")
ITEM_FIELDS = (
    "id", "type", "subdomain", "level", "label", "hint", "source", "required", "dont_know",
    "relevant", "weight", "veto", "options", "options_from", "cap", "unit", "direction",
    "constraint", "benchmarks",
)  # fmt: skip
OPTION_FIELDS = ("value", "label", "points")
CONSTRAINT_FIELDS = ("min", "max", "pattern", "check", "message")
LEVEL_FIELDS = ("level", "name", "description")
STAGE_FIELDS = ("stage", "min_index", "name", "description")
BAND_FIELDS = ("min_score", "name")
BENCHMARK_FIELDS = ("baseline", "leading")


# --- YAML with line numbers ---------------------------------------------------------------


class _Map(dict[Any, Any]):
    """A YAML mapping that remembers its own line and the line of each key (1-based)."""

    line: int
    key_lines: dict[Any, int]

    def at(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


# libyaml's parser when present (about 10x faster); the constructors stay in Python.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader that builds _Map mappings and records duplicate keys."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.duplicates: list[tuple[Any, int]] = []


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[_Map]:
    data = _Map()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            if key in data.key_lines:
                loader.duplicates.append((key, line))
            data.key_lines[key] = line
        except TypeError:  # unhashable key: construct_mapping below reports it
            pass
    data.update(loader.construct_mapping(node, deep=True))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


# --- building one file ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ItemInfo:
    """What set-level checks need to know about an item, even a broken one."""

    type: str | None
    options: tuple[str, ...] | None  # None: options not checkable (e.g. from a broken list)


@dataclass(slots=True)
class _FileResult:
    file: str
    questionnaire: Questionnaire | None = None
    qid: str | None = None
    problems: list[Problem] = field(default_factory=list)
    ids: list[tuple[str, int | None]] = field(default_factory=list)
    items: dict[str, _ItemInfo] = field(default_factory=dict)
    relevants: list[tuple[str, int | None, expressions.Expr]] = field(default_factory=list)


def _display(path: Path) -> str:
    # Relative to the working directory when inside it (short messages), else absolute.
    try:
        rel = os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)
    return str(path.resolve()) if rel.startswith("..") else rel


class _Builder:
    """Turns one parsed YAML document into a Questionnaire, collecting problems."""

    def __init__(self, file: str):
        self.r = _FileResult(file=file)
        self.qid = ""
        self.kind = ""

    # -- helpers ------------------------------------------------------------------------

    def add(self, code: str, line: int | None, path: str | None, **params: Any) -> None:
        self.r.problems.append(problem(code, file=self.r.file, line=line, path=path, **params))

    def invalid(self, obj: _Map, key: str, path: str | None, expected: Bilingual) -> None:
        value = obj.get(key)
        self.add("Q110", obj.at(key), path, field=key, value=value, expected=expected)

    def fields(self, obj: _Map, known: Iterable[str], path: str | None) -> None:
        known = tuple(known)
        for key in obj:
            if key not in known:
                self.add(
                    "Q116", obj.at(key) if isinstance(key, str) else obj.line, path,
                    field=key, valid=", ".join(known),
                )  # fmt: skip

    def mapping(self, raw: Any, line: int | None, path: str | None, what: str) -> _Map | None:
        if isinstance(raw, _Map):
            return raw
        self.add(
            "Q110", line, path, field=what, value=raw,
            expected=Bilingual("It must be a mapping of 'key: value' lines.",
                               "它必须是由 'key: value' 行组成的映射。"),
        )  # fmt: skip
        return None

    def listing(self, obj: _Map, key: str, path: str | None) -> list[Any]:
        raw = obj.get(key)
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.invalid(
                obj,
                key,
                path,
                Bilingual(
                    "It must be a list ('- ' entries).", "它必须是列表（以 '- ' 开头的各项）。"
                ),
            )
            return []
        return raw

    def text(self, obj: _Map, key: str, path: str | None, *, required: bool = True) -> Text | None:
        raw = obj.get(key)
        if raw is None:
            if required:
                self.add("Q109", obj.line, path, field=key)
            return None
        if not isinstance(raw, _Map):
            self.invalid(
                obj,
                key,
                path,
                Bilingual("Give a mapping {zh: ..., en: ...}.", "请写成映射 {zh: ..., en: ...}。"),
            )
            return None
        for extra, value in raw.items():
            if extra not in ("zh", "en") and value is None:
                # `{zh: 万元, en: 10,000 yuan}`: an unquoted comma splits a flow mapping.
                self.add(
                    "Q101", raw.at(extra), path,
                    detail=Bilingual(
                        f"an unquoted comma in '{key}' made '{extra}' a key of its own; "
                        'quote texts that contain a comma (en: "10,000 yuan")',
                        f"'{key}' 中未加引号的逗号使 '{extra}' 成了单独的键；"
                        '含逗号的文本请加引号（en: "10,000 yuan"）',
                    ),
                )  # fmt: skip
        self.fields(raw, ("zh", "en", *(k for k, v in raw.items() if v is None)), path)
        values = {}
        for lang in ("zh", "en"):
            value = raw.get(lang)
            if isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str) or not value.strip():
                self.add("Q104", raw.at(lang), path, field=key, lang=lang)
                value = ""
            values[lang] = value.strip()
        return Text(**values)

    def string(self, obj: _Map, key: str, path: str | None, *, required: bool) -> str | None:
        raw = obj.get(key)
        if raw is None:
            if required:
                self.add("Q109", obj.line, path, field=key)
            return None
        if not isinstance(raw, str) or not raw.strip():
            self.invalid(
                obj,
                key,
                path,
                Bilingual(
                    "It must be a non-empty text (quote it).", "它必须是非空文本（请加引号）。"
                ),
            )
            return None
        return raw.strip()

    def flag(self, obj: _Map, key: str, path: str | None, default: bool) -> bool:
        raw = obj.get(key, default)
        if not isinstance(raw, bool):
            self.invalid(obj, key, path, Bilingual("Use true or false.", "请使用 true 或 false。"))
            return default
        return raw

    def number(
        self, obj: _Map, key: str, path: str | None, *, required: bool = False,
        minimum: float | None = None,
    ) -> float | None:  # fmt: skip
        raw = obj.get(key)
        if raw is None:
            if required:
                self.add("Q109", obj.line, path, field=key)
            return None
        value = finite(raw)
        if value is None or (minimum is not None and value < minimum):
            expected = (
                Bilingual("It must be a number.", "它必须是数字。")
                if minimum is None
                else Bilingual(
                    f"It must be a number not below {minimum:g}.",
                    f"它必须是不小于 {minimum:g} 的数字。",
                )
            )
            self.invalid(obj, key, path, expected)
            return None
        return value

    def weights(self, obj: _Map, key: str, path: str | None) -> Weights | None:
        raw = obj.get(key)
        single = finite(raw)
        if single is not None and single >= 0:
            return Weights(single, single)
        if isinstance(raw, _Map):
            self.fields(raw, ("process", "discrete"), path)
            values = [
                self.number(raw, v, path, required=True, minimum=0) for v in ("process", "discrete")
            ]
            if None in values:
                return None
            return Weights(*values)  # type: ignore[arg-type]
        self.invalid(
            obj,
            key,
            path,
            Bilingual(
                "Give a percentage, or {process: .., discrete: ..}.",
                "请给出百分比，或 {process: .., discrete: ..}。",
            ),
        )
        return None

    def record_id(self, value: str, line: int | None) -> None:
        self.r.ids.append((value, line))

    def check_id(self, obj: _Map, path_hint: str, prefix: str) -> str | None:
        raw = obj.get("id")
        if raw is None:
            self.add("Q109", obj.line, path_hint, field="id")
            return None
        value = str(raw)
        if not (
            isinstance(raw, str)
            and value.startswith(prefix + ".")
            and SEGMENTS.fullmatch(value[len(prefix) :])
        ):
            self.add("Q113", obj.at("id"), value, value=value, prefix=prefix)
        self.record_id(value, obj.at("id"))
        return value

    def sum_check(self, parts: list[Weights | None], what: Bilingual, line: int, path: str) -> None:
        weights = [w for w in parts if w is not None]
        if not parts or len(weights) < len(parts):
            return
        for variant, name in VARIANTS.items():
            total = sum(w.get(variant) for w in weights)
            if abs(total - 100) > WEIGHT_TOLERANCE:
                self.add("Q105", line, path, what=what, total=f"{total:g}", variant=name)

    # -- the document ------------------------------------------------------------------------

    def document(self, doc: Any) -> Questionnaire | None:
        if not isinstance(doc, _Map):
            self.add(
                "Q101",
                1,
                None,
                detail=Bilingual(
                    "the file is empty or not a mapping of fields", "文件为空，或不是字段的映射"
                ),
            )
            return None
        self.fields(doc, TOP_FIELDS, None)
        raw_id = doc.get("id")
        if raw_id is None:
            self.add("Q109", doc.line, None, field="id")
        elif not isinstance(raw_id, str) or not QID.fullmatch(raw_id):
            self.invalid(
                doc,
                "id",
                None,
                Bilingual(
                    "Use lower-case letters, digits and '_' ([a-z][a-z0-9_]*).",
                    "请只用小写字母、数字和 '_'（[a-z][a-z0-9_]*）。",
                ),
            )
        else:
            self.qid = raw_id
            self.r.qid = raw_id
            self.record_id(raw_id, doc.at("id"))
        qid = self.qid or str(raw_id)
        version = doc.get("version")
        if version is None:
            self.add("Q109", doc.line, qid, field="version")
        elif not isinstance(version, str) or not version.strip():
            self.invalid(
                doc,
                "version",
                qid,
                Bilingual('Quote the version, e.g. "2026.1".', '请给版本号加引号，例如 "2026.1"。'),
            )
            version = None
        kind = doc.get("kind")
        if kind is None:
            self.add("Q109", doc.line, qid, field="kind")
        elif kind not in KINDS:
            self.invalid(doc, "kind", qid, _one_of(KINDS))
        else:
            self.kind = kind
        title = self.text(doc, "title", qid)
        description = self.text(doc, "description", qid, required=False)
        source = self.string(doc, "source", qid, required=False)
        levels = self.levels(doc, qid)
        stages = self.stages(doc, qid)
        bands = self.bands(doc, qid)
        sections = self.sections(doc, qid)
        if self.r.problems:
            return None
        return Questionnaire(
            id=qid,
            version=str(version).strip(),
            kind=self.kind,
            title=title,  # type: ignore[arg-type]
            description=description or Text("", ""),
            source=source or "",
            sections=tuple(sections),
            levels=tuple(levels),
            stages=tuple(stages),
            bands=tuple(bands),
            path=self.r.file,
        )

    def levels(self, doc: _Map, qid: str) -> list[Level]:
        if "levels" not in doc:
            if self.kind == "cmmm":
                self.add("Q109", doc.line, qid, field="levels")
            return []
        if self.kind != "cmmm":
            self.invalid(
                doc,
                "levels",
                qid,
                Bilingual("Only a cmmm questionnaire has levels.", "只有 cmmm 问卷才有 levels。"),
            )
            return []
        out: list[Level] = []
        for raw in self.listing(doc, "levels", qid):
            obj = self.mapping(raw, doc.at("levels"), qid, "levels")
            if obj is None:
                continue
            self.fields(obj, LEVEL_FIELDS, qid)
            level = obj.get("level")
            if level is None:
                self.add("Q109", obj.line, qid, field="level")
            name = self.text(obj, "name", qid)
            description = self.text(obj, "description", qid)
            if isinstance(level, int) and not isinstance(level, bool) and name and description:
                out.append(Level(level, name, description))
        if [lv.level for lv in out] != [1, 2, 3, 4, 5] and not self.r.problems:
            numbers = ", ".join(str(lv.level) for lv in out)
            self.add(
                "Q110", doc.at("levels"), qid, field="levels", value=numbers,
                expected=Bilingual(
                    "List exactly the levels 1, 2, 3, 4, 5 in order.",
                    "请按顺序列出且仅列出等级 1、2、3、4、5。",
                ),
            )  # fmt: skip
        return out

    def stages(self, doc: _Map, qid: str) -> list[Stage]:
        if "stages" not in doc:
            if self.kind == "integration":
                self.add("Q109", doc.line, qid, field="stages")
            return []
        if self.kind != "integration":
            self.invalid(
                doc,
                "stages",
                qid,
                Bilingual(
                    "Only an integration questionnaire has stages.",
                    "只有 integration 问卷才有 stages。",
                ),
            )
            return []
        out: list[Stage] = []
        broken = False
        for raw in self.listing(doc, "stages", qid):
            obj = self.mapping(raw, doc.at("stages"), qid, "stages")
            if obj is None:
                broken = True
                continue
            self.fields(obj, STAGE_FIELDS, qid)
            stage = obj.get("stage")
            if stage is None:
                self.add("Q109", obj.line, qid, field="stage")
            elif not isinstance(stage, int) or isinstance(stage, bool):
                self.invalid(
                    obj,
                    "stage",
                    qid,
                    Bilingual("Use a whole number 1 to 4.", "请使用 1 到 4 的整数。"),
                )
                stage = None
            min_index = self.number(obj, "min_index", qid, required=True)
            name = self.text(obj, "name", qid)
            description = self.text(obj, "description", qid)
            if isinstance(stage, int) and min_index is not None and name and description:
                out.append(Stage(stage, min_index, name, description))
            else:
                broken = True
        if broken:
            return out
        if [s.stage for s in out] != [1, 2, 3, 4]:
            self.add(
                "Q110", doc.at("stages"), qid, field="stages",
                value=", ".join(str(s.stage) for s in out),
                expected=Bilingual(
                    "List exactly the stages 1, 2, 3, 4 in order.",
                    "请按顺序列出且仅列出阶段 1、2、3、4。",
                ),
            )  # fmt: skip
        elif (
            out[0].min_index != 0
            or any(b.min_index <= a.min_index for a, b in itertools.pairwise(out))
            or out[-1].min_index > 100
        ):
            cuts = ", ".join(f"{s.min_index:g}" for s in out)
            self.add(
                "Q107", doc.at("stages"), qid,
                detail=Bilingual(
                    f"stage cut-offs {cuts} must start at 0 and rise up to at most 100",
                    f"阶段分界值 {cuts} 必须从 0 开始递增，且不超过 100",
                ),
            )  # fmt: skip
        return out

    def bands(self, doc: _Map, qid: str) -> list[Band]:
        if "bands" not in doc:
            return []
        if self.kind != "green":
            self.invalid(
                doc,
                "bands",
                qid,
                Bilingual("Only a green questionnaire has bands.", "只有 green 问卷才有 bands。"),
            )
            return []
        out: list[Band] = []
        for raw in self.listing(doc, "bands", qid):
            obj = self.mapping(raw, doc.at("bands"), qid, "bands")
            if obj is None:
                continue
            self.fields(obj, BAND_FIELDS, qid)
            score = self.number(obj, "min_score", qid, required=True)
            name = self.text(obj, "name", qid)
            if score is not None and not 0 <= score <= 100:
                self.add(
                    "Q107",
                    obj.at("min_score"),
                    qid,
                    detail=Bilingual(
                        f"min_score {score:g} is not 0–100", f"min_score {score:g} 不在 0–100 之间"
                    ),
                )
            elif score is not None and name:
                out.append(Band(score, name))
        if len({b.min_score for b in out}) != len(out):
            self.add(
                "Q107",
                doc.at("bands"),
                qid,
                detail=Bilingual(
                    "two bands have the same min_score", "有两个等级的 min_score 相同"
                ),
            )
        return out

    def sections(self, doc: _Map, qid: str) -> list[Section]:
        raw_sections = self.listing(doc, "sections", qid)
        if not raw_sections:
            if "sections" not in doc or isinstance(doc.get("sections"), list | type(None)):
                self.add("Q109", doc.line, qid, field="sections")
            return []
        out: list[Section] = []
        weights: list[Weights | None] = []
        for raw in raw_sections:
            obj = self.mapping(raw, doc.at("sections"), qid, "sections")
            if obj is None:
                continue
            section, weight = self.section(obj, qid)
            weights.append(weight)
            if section:
                out.append(section)
        if self.kind in SCORED_KINDS:
            what = Bilingual(f"the sections of {qid}", f"{qid} 各章节")
            self.sum_check(weights, what, doc.at("sections"), qid)
        return out

    def section(self, obj: _Map, qid: str) -> tuple[Section | None, Weights | None]:
        self.fields(obj, SECTION_FIELDS, obj.get("id"))
        sid = self.check_id(obj, f"{qid} section", qid)
        path = sid or f"{qid} section"
        label = self.text(obj, "label", path)
        hint = self.text(obj, "hint", path, required=False)
        weight: Weights | None = None
        subdomains: list[Subdomain] = []
        if self.kind in SCORED_KINDS:
            if "weight" in obj:
                weight = self.weights(obj, "weight", path)
            else:
                self.add("Q109", obj.line, path, field="weight")
            sub_weights: list[Weights | None] = []
            for raw in self.listing(obj, "subdomains", path):
                sub = self.mapping(raw, obj.at("subdomains"), path, "subdomains")
                if sub is None:
                    continue
                self.fields(sub, SUBDOMAIN_FIELDS, sub.get("id"))
                sub_id = self.check_id(sub, f"{path} sub-domain", sid or qid)
                sub_path = sub_id or f"{path} sub-domain"
                sub_label = self.text(sub, "label", sub_path)
                if "weight" in sub:
                    sub_weight = self.weights(sub, "weight", sub_path)
                else:
                    sub_weight = None
                    self.add("Q109", sub.line, sub_path, field="weight")
                sub_weights.append(sub_weight)
                if sub_id and sub_label and sub_weight:
                    subdomains.append(Subdomain(sub_id, sub_label, sub_weight))
            if sub_weights:
                what = Bilingual(f"the sub-domains of {path}", f"{path} 各子域")
                self.sum_check(sub_weights, what, obj.at("subdomains"), path)
        else:
            for key in ("weight", "subdomains"):
                if key in obj:
                    self.invalid(
                        obj,
                        key,
                        path,
                        Bilingual(
                            "Profile sections have no weight or sub-domains.",
                            "企业信息章节没有权重和子域。",
                        ),
                    )
        sub_ids = {s.id for s in subdomains}
        declared = sub_ids | {
            str(s.get("id")) for s in self.listing(obj, "subdomains", path) if isinstance(s, _Map)
        }
        items: list[Item] = []
        raw_items = self.listing(obj, "items", path)
        if not raw_items:
            self.add("Q109", obj.line, path, field="items")
        for raw in raw_items:
            item_obj = self.mapping(raw, obj.at("items"), path, "items")
            if item_obj is None:
                continue
            item = self.item(item_obj, path, declared)
            if item:
                items.append(item)
        if not sid or not label:
            return None, weight
        return Section(sid, label, hint, weight, tuple(subdomains), tuple(items)), weight

    # -- items ------------------------------------------------------------------------------

    def item(self, obj: _Map, section: str, subdomains: set[str]) -> Item | None:
        before = len(self.r.problems)
        iid = self.check_id(obj, f"{section} item", self.qid or "?")
        path = iid or f"{section} item"
        self.fields(obj, ITEM_FIELDS, path)
        itype = obj.get("type")
        if itype is None:
            self.add("Q109", obj.line, path, field="type")
        elif itype not in ITEM_TYPES:
            self.add("Q102", obj.at("type"), path, value=itype, valid=", ".join(ITEM_TYPES))
            itype = None
        label = self.text(obj, "label", path)
        hint = self.text(obj, "hint", path)
        source = self.string(obj, "source", path, required=False)
        subdomain = self._subdomain(obj, path, itype, subdomains)
        level = self._level(obj, path, itype)
        options = self._options(obj, path, itype)
        cap = self._cap(obj, path, itype, options)
        unit, direction, benchmarks = self._numeric(obj, path, itype)
        constraint = self._constraint(obj, path, itype)
        dont_know = self.flag(obj, "dont_know", path, False)
        veto = self.flag(obj, "veto", path, False)
        if veto and itype not in (None, "yesno"):
            self.invalid(
                obj,
                "veto",
                path,
                Bilingual(
                    "Only a yesno item can be a veto.", "只有 yesno 题目才能设为否决项（veto）。"
                ),
            )
        weight = self.number(obj, "weight", path, minimum=0)
        relevant = self._relevant(obj, path)
        if iid:
            values = tuple(o.value for o in options) if options is not None else None
            self.r.items[iid] = _ItemInfo(itype, values)
        # `required` defaults to whether the item is scored (docs/questionnaire-format.md).
        scored_default = itype != "text" and not (itype == "numeric" and not benchmarks)
        required = self.flag(obj, "required", path, scored_default)
        if len(self.r.problems) > before or not (iid and itype and label and hint):
            return None
        return Item(
            id=iid,
            type=itype,
            label=label,
            hint=hint,
            source=source or "",
            section=section,
            subdomain=subdomain,
            level=level,
            options=options or (),
            cap=cap,
            unit=unit,
            direction=direction,
            benchmarks=MappingProxyType(benchmarks),
            required=required,
            constraint=constraint,
            relevant=relevant,
            relevant_src=obj.get("relevant") if relevant is not None else None,
            dont_know=dont_know,
            weight=1.0 if weight is None else weight,
            veto=veto,
            line=obj.line,
        )

    def _subdomain(self, obj: _Map, path: str, itype: str | None, declared: set[str]) -> str | None:
        raw = obj.get("subdomain")
        if raw is None:
            if itype == "requirement" and self.kind == "cmmm":
                self.add("Q109", obj.line, path, field="subdomain")
            return None
        if not isinstance(raw, str) or raw not in declared:
            self.add("Q112", obj.at("subdomain"), path, value=raw)
            return None
        return raw

    def _level(self, obj: _Map, path: str, itype: str | None) -> int | None:
        if itype == "requirement" and self.kind and self.kind != "cmmm":
            self.invalid(
                obj, "type", path,
                Bilingual(
                    "Requirement items belong in a cmmm questionnaire; use yesno or single here.",
                    "requirement 题目只能用于 cmmm 问卷；此处请使用 yesno 或 single。",
                ),
            )  # fmt: skip
        raw = obj.get("level")
        if raw is None:
            if itype == "requirement" and self.kind == "cmmm":
                self.add("Q109", obj.line, path, field="level")
            return None
        if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= 5:
            self.invalid(
                obj,
                "level",
                path,
                Bilingual("Use a whole number from 1 to 5.", "请使用 1 到 5 的整数。"),
            )
            return None
        return raw

    def _options(self, obj: _Map, path: str, itype: str | None) -> tuple[Option, ...] | None:
        has_options, source = "options" in obj, obj.get("options_from")
        if itype not in ("single", "multiple"):
            for key in ("options", "options_from"):
                if key in obj and itype:
                    self.invalid(
                        obj,
                        key,
                        path,
                        Bilingual(
                            "Only single and multiple items have options.",
                            "只有 single 和 multiple 题目才有选项。",
                        ),
                    )
            return ()
        if source is not None:
            if itype != "single" or source not in OPTIONS_FROM or has_options:
                self.invalid(
                    obj, "options_from", path,
                    Bilingual(
                        "A single item without its own options may use: "
                        + ", ".join(OPTIONS_FROM) + ".",
                        "没有自带选项的 single 题目可以使用：" + ", ".join(OPTIONS_FROM) + "。",
                    ),
                )  # fmt: skip
                return None
            entries = reference.CITIES if source == "cities" else reference.INDUSTRIES
            return tuple(Option(e.code, e.label) for e in entries)
        raw_options = self.listing(obj, "options", path)
        if not raw_options:
            self.add("Q109", obj.line, path, field="options")
            return None
        out: list[Option] = []
        seen: set[str] = set()
        ok = True
        for raw in raw_options:
            opt = self.mapping(raw, obj.at("options"), path, "options")
            if opt is None:
                ok = False
                continue
            self.fields(opt, OPTION_FIELDS, path)
            value = opt.get("value")
            if value is None:
                self.add("Q109", opt.line, path, field="value")
                ok = False
                continue
            if (
                not isinstance(value, str)
                or not OPTION_VALUE.fullmatch(value)
                or value == DONT_KNOW
            ):
                self.invalid(
                    opt, "value", path,
                    Bilingual(
                        "Option values use [a-z0-9_]+ (quote yes/no/on/off); "
                        "'dont_know' is reserved, use 'dont_know: true'.",
                        "选项值只能用 [a-z0-9_]+（yes/no/on/off 须加引号）；"
                        "'dont_know' 为保留值，请改用 'dont_know: true'。",
                    ),
                )  # fmt: skip
                ok = False
                continue
            if value in seen:
                self.invalid(
                    opt,
                    "value",
                    path,
                    Bilingual(
                        "Each option value must be unique in its item.",
                        "同一题目中的选项值必须唯一。",
                    ),
                )
            seen.add(value)
            label = self.text(opt, "label", path)
            points = self.number(opt, "points", path)
            if label:
                out.append(Option(value, label, 0.0 if points is None else points))
        return tuple(out) if ok else None

    def _cap(self, obj: _Map, path: str, itype: str | None, options: Any) -> float | None:
        if "cap" in obj and itype != "multiple":
            self.invalid(
                obj,
                "cap",
                path,
                Bilingual("Only a multiple item has a cap.", "只有 multiple 题目才有 cap。"),
            )
            return None
        if itype != "multiple":
            return None
        cap = self.number(obj, "cap", path)
        if cap is not None and cap <= 0:
            self.add(
                "Q107",
                obj.at("cap"),
                path,
                detail=Bilingual(f"cap {cap:g} must be above 0", f"cap {cap:g} 必须大于 0"),
            )
            return None
        if cap is None:
            return float(sum(o.points for o in options or ()))
        return cap

    def _numeric(
        self, obj: _Map, path: str, itype: str | None
    ) -> tuple[Text | None, str | None, dict[str, Benchmark]]:
        if itype != "numeric":
            for key in ("unit", "direction", "benchmarks"):
                if key in obj and itype:
                    self.invalid(
                        obj,
                        key,
                        path,
                        Bilingual(
                            "Only a numeric item has this field.", "只有 numeric 题目才有此字段。"
                        ),
                    )
            return None, None, {}
        unit = self.text(obj, "unit", path, required=False)
        direction = obj.get("direction")
        if direction is not None and direction not in ("lower", "higher"):
            self.invalid(
                obj,
                "direction",
                path,
                Bilingual("Use lower or higher.", "请使用 lower 或 higher。"),
            )
            direction = None
        raw = obj.get("benchmarks")
        if raw is None:
            return unit, direction, {}
        table = self.mapping(raw, obj.at("benchmarks"), path, "benchmarks")
        if table is None:
            return unit, direction, {}
        if "direction" not in obj:
            self.add("Q109", obj.line, path, field="direction")
        known = tuple(i.code for i in reference.INDUSTRIES)
        out: dict[str, Benchmark] = {}
        for key, value in table.items():
            if key != "default" and key not in known:
                self.add(
                    "Q110", table.at(key), path, field="benchmarks", value=key,
                    expected=Bilingual(
                        "Use 'default' or an industry code: " + ", ".join(known) + ".",
                        "请使用 'default' 或行业代码：" + ", ".join(known) + "。",
                    ),
                )  # fmt: skip
                continue
            entry = self.mapping(value, table.at(key), path, f"benchmarks.{key}")
            if entry is None:
                continue
            self.fields(entry, BENCHMARK_FIELDS, path)
            baseline = self.number(entry, "baseline", path, required=True)
            leading = self.number(entry, "leading", path, required=True)
            if baseline is None or leading is None:
                continue
            wrong = (direction == "lower" and leading >= baseline) or (
                direction == "higher" and leading <= baseline
            )
            if wrong:
                side = "below" if direction == "lower" else "above"
                side_zh = "低于" if direction == "lower" else "高于"
                self.add(
                    "Q107", table.at(key), path,
                    detail=Bilingual(
                        f"benchmarks.{key}: for direction {direction} the leading value "
                        f"{leading:g} must be {side} the baseline {baseline:g}",
                        f"benchmarks.{key}：方向为 {direction} 时，引领值 {leading:g} "
                        f"必须{side_zh}基准值 {baseline:g}",
                    ),
                )  # fmt: skip
            out[str(key)] = Benchmark(baseline, leading)
        if "default" not in table:
            self.add("Q111", obj.at("benchmarks"), path)
        return unit, direction, out

    def _constraint(self, obj: _Map, path: str, itype: str | None) -> Constraint | None:
        if "constraint" not in obj:
            return None
        raw = self.mapping(obj["constraint"], obj.at("constraint"), path, "constraint")
        if raw is None:
            return None
        self.fields(raw, CONSTRAINT_FIELDS, path)
        low = self.number(raw, "min", path)
        high = self.number(raw, "max", path)
        if low is not None and high is not None and low > high:
            self.add(
                "Q107",
                raw.at("min"),
                path,
                detail=Bilingual(
                    f"min {low:g} is above max {high:g}", f"min {low:g} 大于 max {high:g}"
                ),
            )
        if (low is not None or high is not None) and itype not in (None, "numeric"):
            self.invalid(
                raw,
                "min" if "min" in raw else "max",
                path,
                Bilingual("Only numeric items have min/max.", "只有 numeric 题目才有 min/max。"),
            )
        pattern = self.string(raw, "pattern", path, required=False)
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as err:
                self.invalid(
                    raw,
                    "pattern",
                    path,
                    Bilingual(
                        f"The regular expression is invalid: {err}.",
                        f"正则表达式无效（原文：{err}）。",
                    ),
                )
        check = raw.get("check")
        if check is not None and check not in CHECKS:
            self.invalid(raw, "check", path, _one_of(CHECKS))
        if (pattern is not None or check is not None) and itype not in (None, "text"):
            self.invalid(
                raw, "pattern" if pattern is not None else "check", path,
                Bilingual(
                    "Only text items have a pattern or check.",
                    "只有 text 题目才有 pattern 或 check。",
                ),
            )  # fmt: skip
        message = self.text(raw, "message", path, required=False)
        return Constraint(low, high, pattern, check, message)

    def _relevant(self, obj: _Map, path: str) -> expressions.Expr | None:
        src = obj.get("relevant")
        if src is None:
            return None
        try:
            expr = expressions.parse(src)
        except AssessmentError as err:
            self.add("Q108", obj.at("relevant"), path, **err.problems[0].params)
            return None
        self.r.relevants.append((path, obj.at("relevant"), expr))
        return expr


def _one_of(values: Iterable[str]) -> Bilingual:
    names = ", ".join(values)
    return Bilingual(f"Use one of: {names}.", f"可用值：{names}。")


def _duplicate_key(key: object) -> Bilingual:
    return Bilingual(
        f"the key '{key}' appears twice in one mapping", f"键 '{key}' 在同一映射中出现了两次"
    )


# What the OS says when a file cannot be read, for the causes people meet.
_OS_ERRORS_ZH = {
    errno.ENOENT: "文件不存在",
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
    errno.EISDIR: "这是文件夹，不是文件",
}


def _read_error(err: OSError | UnicodeDecodeError) -> Bilingual:
    """Why a file cannot be read, in both languages (the OS's own words in English)."""
    if isinstance(err, UnicodeDecodeError):
        return Bilingual(str(err), "文件不是 UTF-8 编码")
    said = err.strerror or str(err)
    zh = _OS_ERRORS_ZH.get(err.errno) if err.errno is not None else None
    return Bilingual(said, zh) if zh else foreign(said, "操作系统报错")


def _read(path: Path) -> _FileResult:
    """Parse and check one file on its own (set-level checks come later)."""
    file = _display(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        result = _FileResult(file=file)
        result.problems.append(problem("Q114", file=file, detail=_read_error(err)))
        return result
    loader = _LineLoader(source)
    try:
        doc = loader.get_single_data()
    except yaml.YAMLError as err:
        result = _FileResult(file=file)
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        said = (
            " ".join(
                str(x) for x in (getattr(err, "context", None), getattr(err, "problem", None)) if x
            )
            or str(err).splitlines()[0]
        )
        detail = foreign(said, "解析器报错")
        line = mark.line + 1 if mark is not None else None
        result.problems.append(problem("Q101", file=file, line=line, detail=detail))
        return result
    except (ValueError, KeyError, OverflowError) as err:
        # PyYAML's constructors raise these for `!!int x`, `!!timestamp 2020-13-45`,
        # `!!bool maybe` or an integer of more than 4,300 digits.
        result = _FileResult(file=file)
        said = f"{type(err).__name__}: {err}"
        detail = Bilingual(f"a value cannot be read ({said})", f"某个值无法读取（原文：{said}）")
        result.problems.append(problem("Q101", file=file, line=None, detail=detail))
        return result
    except RecursionError:
        result = _FileResult(file=file)
        detail = Bilingual("the file is nested too deeply", "文件嵌套层数过多")
        result.problems.append(problem("Q101", file=file, line=None, detail=detail))
        return result
    finally:
        loader.dispose()
    builder = _Builder(file)
    for key, line in loader.duplicates:
        builder.add("Q101", line, None, detail=_duplicate_key(key))
    builder.r.questionnaire = builder.document(doc)
    return builder.r


# --- set-level checks --------------------------------------------------------------------


def _check_set(results: list[_FileResult], extra: Iterable[_FileResult] = ()) -> list[Problem]:
    """Duplicate ids across files and references in 'relevant' across the set."""
    found: list[Problem] = []
    first: dict[str, str] = {}
    for res in results:
        for value, line in res.ids:
            where = f"{res.file}:{line}"
            if value in first:
                found.append(
                    problem("Q103", file=res.file, line=line, path=value, value=value,
                            first=first[value])
                )  # fmt: skip
            else:
                first[value] = where
    known: dict[str, _ItemInfo] = {}
    for res in (*results, *extra):
        for iid, info in res.items.items():
            known.setdefault(iid, info)
    for res in results:
        for path, line, expr in res.relevants:
            for ref in sorted(expr.refs()):
                if ref not in known:
                    found.append(problem("Q106", file=res.file, line=line, path=path, ref=ref))
            for ref, literal in expressions.literal_comparisons(expr):
                ref_info = known.get(ref)
                expected = _literal_problem(ref_info, literal) if ref_info else None
                if expected:
                    found.append(
                        problem("Q110", file=res.file, line=line, path=path, field="relevant",
                                value=literal, expected=Bilingual(f"{ref}: {expected}",
                                                                  f"{ref}：{expected.zh}"))
                    )  # fmt: skip
    return found


def _literal_problem(info: _ItemInfo, literal: Any) -> Bilingual | None:
    """Why comparing an item's answer with `literal` can never be true, or None."""
    if info.type in ("single", "multiple") and info.options is not None:
        if not isinstance(literal, str) or literal not in info.options:
            options = ", ".join(info.options)
            return Bilingual(
                f"compare with one of its options: {options}.", f"请与它的选项之一比较：{options}。"
            )
    elif info.type == "yesno" and not isinstance(literal, bool):
        return Bilingual("a yesno answer is true or false.", "yesno 题目的答案是 true 或 false。")
    elif info.type == "numeric" and finite(literal) is None:
        return Bilingual(
            "a numeric answer compares with a number.", "numeric 题目的答案只能与数字比较。"
        )
    elif info.type == "requirement" and literal not in ("full", "most", "partial", "none"):
        return Bilingual(
            "a requirement answer is full, most, partial or none.",
            "requirement 题目的答案是 full、most、partial 或 none。",
        )
    return None


def _finish(results: list[_FileResult], extra: Iterable[_FileResult] = ()) -> list[Problem]:
    problems = [p for res in results for p in res.problems]
    problems.extend(_check_set(results, extra))
    return problems


def _siblings_profile(path: Path) -> list[_FileResult]:
    profile = path.parent / "profile.yaml"
    if path.name == "profile.yaml" or not profile.is_file():
        return []
    return [_read(profile)]


def _check_file_name(res: _FileResult, expected: str) -> None:
    if res.qid is not None and res.qid != expected:
        res.problems.append(
            problem("Q110", file=res.file, line=None, path=res.qid, field="id", value=res.qid,
                    expected=Bilingual(f"The id must match the file name ({expected}.yaml).",
                                       f"编号必须与文件名一致（{expected}.yaml）。"))
        )  # fmt: skip
        res.questionnaire = None


def questionnaire_files(folder: Path) -> list[Path]:
    """The questionnaire files of a folder (every *.yaml / *.yml but programs.yaml)."""
    files = [*folder.glob("*.yaml"), *folder.glob("*.yml")]
    return sorted(p for p in files if p.is_file() and p.name not in NOT_QUESTIONNAIRES)


# --- public API ------------------------------------------------------------------------


def validate_path(path: str | os.PathLike[str]) -> list[Problem]:
    """All problems of a questionnaire file or a folder of them (empty when clean)."""
    target = Path(path)
    if target.is_dir():
        results = []
        for file in questionnaire_files(target):
            res = _read(file)
            _check_file_name(res, file.stem)
            results.append(res)
        if not results:
            return [
                problem(
                    "Q114",
                    file=_display(target),
                    detail=Bilingual("no questionnaire files (*.yaml)", "没有问卷文件（*.yaml）"),
                )
            ]
        return _finish(results)
    if not target.exists():
        return [
            problem(
                "Q114",
                file=_display(target),
                detail=Bilingual("no such file or folder", "文件或文件夹不存在"),
            )
        ]
    return _finish([_read(target)], _siblings_profile(target))


def load_questionnaire(path: str | os.PathLike[str]) -> Questionnaire:
    """Load one questionnaire file; raise AssessmentError with all its problems."""
    target = Path(path)
    res = _read(target)
    problems = _finish([res], _siblings_profile(target))
    if problems or res.questionnaire is None:
        raise AssessmentError(problems)
    return res.questionnaire


def load_questionnaires(
    folder: str | os.PathLike[str] | None = None, *, ids: Iterable[str] = DEFAULT_IDS
) -> QuestionnaireSet:
    """Load a set of questionnaires (`{id}.yaml` in `folder`, the shipped ones by default)."""
    base = DEFAULT_FOLDER if folder is None else Path(folder)
    results = []
    for qid in ids:
        res = _read(base / f"{qid}.yaml")
        _check_file_name(res, qid)
        results.append(res)
    problems = _finish(results)
    if problems:
        raise AssessmentError(problems)
    return QuestionnaireSet(tuple(res.questionnaire for res in results))  # type: ignore[misc]

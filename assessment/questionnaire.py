"""Typed, frozen questionnaire objects: what the loader returns and scoring consumes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from assessment.expressions import DONT_KNOW as DONT_KNOW
from assessment.expressions import Expr

ITEM_TYPES = ("requirement", "single", "multiple", "yesno", "numeric", "text")
KINDS = ("profile", "cmmm", "green", "integration")
VARIANTS = ("process", "discrete")
RATINGS: Mapping[str, float] = MappingProxyType(
    {"full": 1.0, "most": 0.8, "partial": 0.5, "none": 0.0}
)


@dataclass(frozen=True, slots=True)
class Text:
    """A text in both languages."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True, slots=True)
class Weights:
    """A weight (percent or relative) for the process and discrete variants."""

    process: float
    discrete: float

    def get(self, variant: str) -> float:
        return self.process if variant == "process" else self.discrete


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: Text
    points: float = 0.0


@dataclass(frozen=True, slots=True)
class Benchmark:
    """Baseline (基准值) and leading (引领值) values of a numeric indicator."""

    baseline: float
    leading: float


@dataclass(frozen=True, slots=True)
class Constraint:
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    check: str | None = None  # built-in check, e.g. "uscc"
    message: Text | None = None


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    type: str
    label: Text
    hint: Text
    source: str
    section: str
    subdomain: str | None = None
    level: int | None = None
    options: tuple[Option, ...] = ()
    cap: float | None = None
    unit: Text | None = None
    direction: str | None = None  # "lower" | "higher"
    benchmarks: Mapping[str, Benchmark] = field(default_factory=lambda: MappingProxyType({}))
    required: bool = True
    constraint: Constraint | None = None
    relevant: Expr | None = None  # parsed `relevant` condition
    relevant_src: str | None = None
    dont_know: bool = False
    weight: float = 1.0
    veto: bool = False
    line: int | None = None

    @property
    def scored(self) -> bool:
        """Whether the item contributes to a score."""
        if self.type == "text":
            return False
        if self.type == "numeric":
            return bool(self.benchmarks)
        return True

    def option(self, value: str) -> Option | None:
        for opt in self.options:
            if opt.value == value:
                return opt
        return None

    def benchmark(self, industry: str | None) -> Benchmark | None:
        """The benchmark for an industry, falling back to 'default'."""
        if not self.benchmarks:
            return None
        if industry and industry in self.benchmarks:
            return self.benchmarks[industry]
        return self.benchmarks.get("default")


@dataclass(frozen=True, slots=True)
class Subdomain:
    id: str
    label: Text
    weight: Weights


@dataclass(frozen=True, slots=True)
class Section:
    """A wizard page; in scored questionnaires also a domain / area / block."""

    id: str
    label: Text
    hint: Text | None
    weight: Weights | None
    subdomains: tuple[Subdomain, ...]
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Level:
    level: int
    name: Text
    description: Text


@dataclass(frozen=True, slots=True)
class Stage:
    stage: int
    min_index: float
    name: Text
    description: Text


@dataclass(frozen=True, slots=True)
class Band:
    min_score: float
    name: Text


@dataclass(frozen=True, slots=True)
class Questionnaire:
    id: str
    version: str
    kind: str
    title: Text
    description: Text
    source: str
    sections: tuple[Section, ...]
    levels: tuple[Level, ...] = ()
    stages: tuple[Stage, ...] = ()
    bands: tuple[Band, ...] = ()
    path: str | None = None

    def items(self) -> Iterator[Item]:
        for section in self.sections:
            yield from section.items

    def item(self, item_id: str) -> Item | None:
        return self._index().get(item_id)

    def section(self, section_id: str) -> Section | None:
        for section in self.sections:
            if section.id == section_id:
                return section
        return None

    def _index(self) -> dict[str, Item]:
        # Built lazily once per instance; frozen+slots forbids a cached attribute,
        # so memoise in a module-level dict keyed by identity.
        key = id(self)
        cached = _ITEM_INDEX.get(key)
        if cached is None or cached[0] is not self:
            cached = (self, {it.id: it for it in self.items()})
            _ITEM_INDEX[key] = cached
        return cached[1]


_ITEM_INDEX: dict[int, tuple[Questionnaire, dict[str, Item]]] = {}


@dataclass(frozen=True, slots=True)
class QuestionnaireSet:
    """The questionnaires one assessment answers: profile, im, green, integration."""

    questionnaires: tuple[Questionnaire, ...]

    def __getitem__(self, qid: str) -> Questionnaire:
        for q in self.questionnaires:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def get(self, qid: str) -> Questionnaire | None:
        for q in self.questionnaires:
            if q.id == qid:
                return q
        return None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questionnaires)

    def versions(self) -> dict[str, str]:
        return {q.id: q.version for q in self.questionnaires}

    def item(self, item_id: str) -> Item | None:
        q = self.get(item_id.split(".", 1)[0])
        return q.item(item_id) if q else None

    def items(self) -> Iterator[Item]:
        for q in self.questionnaires:
            yield from q.items()

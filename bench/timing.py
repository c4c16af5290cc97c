"""Timing helpers: repeated, interleaved measurements and the rows of the results table."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Timing:
    """Wall-clock samples of one operation, in seconds."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        """The median sample."""
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        """The fastest sample."""
        return min(self.samples)

    @property
    def high(self) -> float:
        """The slowest sample."""
        return max(self.samples)


def clock(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Run fn once; return (seconds, its result)."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def measure(fn: Callable[[], Any], repeats: int, *, warmup: int = 1) -> Timing:
    """Time fn `repeats` times after `warmup` untimed runs."""
    return interleaved({"x": fn}, repeats, warmup=warmup)["x"]


def interleaved(
    fns: Mapping[str, Callable[[], Any]], repeats: int, *, warmup: int = 1
) -> dict[str, Timing]:
    """Time several operations round-robin (A B A B …), so they share the machine's noise.

    The garbage collector runs before each sample and is paused during it: a collection
    triggered by a previous sample's garbage would otherwise land on the next one.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            gc.collect()
            gc.disable()
            try:
                seconds, _ = clock(fn)
            finally:
                gc.enable()
            samples[name].append(seconds)
    return {name: Timing(tuple(s)) for name, s in samples.items()}


def paired_ratio(a: Timing, b: Timing) -> float:
    """Median of the per-round ratios a/b (robust to a noisy neighbour in one round)."""
    return statistics.median(x / y for x, y in zip(a.samples, b.samples, strict=True))


class Partial(Exception):
    """A benchmark that failed part-way: the rows it did measure, and why it stopped."""

    def __init__(self, rows: list[Row], error: BaseException):
        super().__init__(f"{type(error).__name__}: {error}")
        self.rows = rows
        self.error = error


@dataclass(frozen=True, slots=True)
class Target:
    """A target: the figure's ratio to its limit (`ratio`) or the figure itself (`max`)."""

    kind: str  # "ratio" | "max"
    bound: float
    unit: str = "s"  # of the figure, for a "max" target

    def met(self, value: float | None, ratio: float | None) -> bool | None:
        """Whether the measured figure meets the target (None: not measured)."""
        x = ratio if self.kind == "ratio" else value
        return None if x is None else x <= self.bound

    def text(self) -> str:
        """The target as the table shows it."""
        if self.kind == "ratio":
            return f"≤ {self.bound:g}×"
        return f"≤ {format_value(self.bound, self.unit)}"


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the results table."""

    bench: str  # the benchmark module that produced it (for --only)
    what: str
    value: float | None
    unit: str  # "s" (shown as ms/s) or "MiB"
    target: Target
    limit_what: str = "—"
    limit_value: float | None = None
    ratio: float | None = None
    repeats: int = 0
    note: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        """Whether the row meets its target."""
        return self.target.met(self.value, self.ratio)

    def to_json(self) -> dict[str, Any]:
        """A plain dict for the results file."""
        return {
            "bench": self.bench,
            "what": self.what,
            "value": self.value,
            "unit": self.unit,
            "target": {"kind": self.target.kind, "bound": self.target.bound,
                       "unit": self.target.unit},
            "limit_what": self.limit_what,
            "limit_value": self.limit_value,
            "ratio": self.ratio,
            "repeats": self.repeats,
            "note": self.note,
            "extra": dict(self.extra),
        }  # fmt: skip

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Row:
        """The inverse of to_json."""
        return cls(
            bench=doc["bench"],
            what=doc["what"],
            value=doc["value"],
            unit=doc["unit"],
            target=Target(**doc["target"]),
            limit_what=doc["limit_what"],
            limit_value=doc["limit_value"],
            ratio=doc["ratio"],
            repeats=doc["repeats"],
            note=doc["note"],
            extra=doc.get("extra", {}),
        )


def format_value(value: float | None, unit: str) -> str:
    """Seconds as ms or s; other units as they are."""
    if value is None:
        return "—"
    if unit == "s":
        if value < 0.001:
            return f"{value * 1e6:.0f} µs"
        if value < 1.0:
            return f"{value * 1e3:.1f} ms"
        return f"{value:.2f} s"
    return f"{value:.0f} {unit}"

"""The performance harness at smoke size: every benchmark runs and yields a row of numbers.

No timing is asserted (the machine is shared); what must not break is that each benchmark
still runs against the current code and that BENCHMARKS.md is written and merged right.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# bench/ is a top-level folder run with `python -m bench`, not an installed package.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assessment.settings import TEST_DATABASE_URL  # noqa: E402
from bench import report  # noqa: E402
from bench.__main__ import BENCHMARKS  # noqa: E402
from bench.timing import Row, Target, Timing, format_value, interleaved, paired_ratio  # noqa: E402

PG_URL = TEST_DATABASE_URL.get()
# Rows each benchmark must produce (dashboard: 4 figures × SQLite and PostgreSQL).
EXPECTED_ROWS = {
    "scoring": 1,
    "peers": 2,
    "dashboard": 8,
    "xlsx_import": 1,
    "pages": 2,
    "browser": 1,
    "memory": 1,
}


def _data(path: Path) -> dict:
    found = re.search(r"<!-- bench-data\n(.*?)\n-->", path.read_text(encoding="utf-8"), re.S)
    assert found, "no bench-data block in the report"
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> tuple[dict, str, Path]:
    out = tmp_path_factory.mktemp("bench") / "BENCHMARKS.md"
    env = dict(os.environ, BENCH_PG_URL=PG_URL)
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert out.exists(), done.stderr[-4000:]
    return _data(out), done.stderr, out


@pytest.mark.slow
@pytest.mark.parametrize("name", BENCHMARKS)
def test_each_benchmark_runs_at_smoke_size_and_gives_numbers(smoke, name):
    data, log, _ = smoke
    assert name not in data["run"]["failed"], log[-4000:]
    rows = [r for r in data["rows"] if r["bench"] == name]
    assert len(rows) == EXPECTED_ROWS[name], [r["what"] for r in rows]
    for r in rows:
        assert isinstance(r["value"], float) and math.isfinite(r["value"]) and r["value"] > 0
        if r["target"]["kind"] == "ratio":
            assert r["limit_value"] > 0 and math.isfinite(r["ratio"]) and r["ratio"] > 0


@pytest.mark.slow
def test_smoke_report_says_it_is_not_real_figures_and_names_the_machine(smoke):
    _, _, out = smoke
    text = out.read_text(encoding="utf-8")
    assert "smoke sizes — not real figures" in text
    assert "Machine: " in text and "Python " in text


def test_every_benchmark_module_is_expected():
    assert set(BENCHMARKS) == set(EXPECTED_ROWS)


@pytest.mark.parametrize(
    ("target", "value", "ratio", "met"),
    [
        (Target("ratio", 2.0), 5.0, 1.9, True),
        (Target("ratio", 2.0), 5.0, 2.1, False),
        (Target("max", 0.3), 0.29, None, True),
        (Target("max", 0.3), 0.31, None, False),
        (Target("max", 0.3), None, None, None),
    ],
)
def test_target_verdicts(target, value, ratio, met):
    assert target.met(value, ratio) is met


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(0.0004, "s", "400 µs"), (0.25, "s", "250.0 ms"), (12.345, "s", "12.35 s"),
     (412.4, "MiB", "412 MiB"), (None, "s", "—")],
)  # fmt: skip
def test_figures_are_shown_in_readable_units(value, unit, text):
    assert format_value(value, unit) == text


def test_paired_ratio_is_the_median_of_round_ratios():
    a, b = Timing((2.0, 9.0, 3.0)), Timing((1.0, 1.0, 1.0))
    assert paired_ratio(a, b) == 3.0
    assert Timing((3.0, 1.0, 2.0)).median == 2.0


def test_interleaved_runs_each_operation_repeats_times_after_warmup():
    calls: list[str] = []
    result = interleaved({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, 3)
    assert calls == ["a", "b"] * 4
    assert [len(t.samples) for t in result.values()] == [3, 3]


def _row(bench: str, what: str, value: float) -> Row:
    return Row(bench=bench, what=what, value=value, unit="s", target=Target("max", 1.0))


def test_report_keeps_the_hand_written_part_and_other_benchmarks_rows(tmp_path):
    out = tmp_path / "BENCHMARKS.md"
    out.write_text("# Benchmarks\n\n## Findings\n\nhand-written\n", encoding="utf-8")
    run = {"date": "d", "seconds": 1, "load_before": (1, 1, 1), "load_after": (1, 1, 1),
           "smoke": False, "repeats": 5, "only": None, "failed": []}  # fmt: skip
    report.write(out, [_row("scoring", "old scoring", 1.0), _row("peers", "fit", 2.0)], run,
                 replace={"scoring", "peers"})  # fmt: skip
    report.write(out, [_row("peers", "new fit", 3.0)], run | {"only": ["peers"]},
                 replace={"peers"})  # fmt: skip
    text = out.read_text(encoding="utf-8")
    assert text.count("hand-written") == 1
    assert [r["what"] for r in _data(out)["rows"]] == ["old scoring", "new fit"]
    assert "| new fit | 3.00 s |" in text and "| fit |" not in text

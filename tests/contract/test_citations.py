"""Citations in docs, questionnaires and code point inside the repository or to a public source.

A reader who clones the project must be able to follow every reference: no absolute path of
the machine it was built on, no path outside the clone, and every `docs/...` or
`questionnaires/...` file that is cited exists.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".txt"}
# The change log records history, including where files once were; it is not a citation.
EXEMPT = {"CHANGELOG.md"}
# Machine folders a clone does not have (spelt in pieces so this file does not match itself).
_MACHINE = "|".join(re.escape(f"/{d}/") for d in ("work", "home", "root", "tmp"))
OUTSIDE = re.compile(rf"(?<![\w.])({_MACHINE}|\.\./shared/)")
CITED = re.compile(r"(?<![\w/.-])((?:docs|questionnaires)/[\w./-]+\.(?:md|txt|yaml))")


def tracked() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / f for f in out if Path(f).suffix in SUFFIXES and f not in EXEMPT]


FILES = tracked()


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_path_outside_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    hits = [m.group(0) for m in OUTSIDE.finditer(text)]
    assert not hits, f"{path.relative_to(ROOT)} cites a path outside the clone: {hits}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_cited_files_exist(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    missing = sorted({m.group(1) for m in CITED.finditer(text) if not (ROOT / m.group(1)).exists()})
    assert not missing, f"{path.relative_to(ROOT)} cites files that do not exist: {missing}"


def test_the_policy_text_is_in_the_repository() -> None:
    text = (ROOT / "docs/policy/shanxi-technical-transformation-opinions.zh.txt").read_text()
    assert "技术改造" in text and "八大专项工程" in (ROOT / "docs/policy/README.md").read_text()

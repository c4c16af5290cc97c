"""docs/architecture.md lists every module of the library and the pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
NAMES = set(re.findall(r"[\w/]+\.py|[\w/]+/", DOC))


def modules() -> list[Path]:
    found = [*ROOT.glob("assessment/**/*.py"), *ROOT.glob("ui/**/*.py")]
    return sorted(p for p in found if "migrations" not in p.parts and p.name != "__init__.py")


def mentioned(path: Path) -> bool:
    rel = path.relative_to(ROOT).as_posix()
    short = rel.removeprefix("assessment/")
    return rel in DOC or f"`{short}`" in DOC or _in_row_of(path)


def _in_row_of(path: Path) -> bool:
    """A file named alone (`db.py`) counts when its folder heads the same table row."""
    folder = path.parent.relative_to(ROOT).as_posix()
    short = folder.removeprefix("assessment/")
    return any(
        (f"`{folder}/`" in line or f"`{short}/`" in line) and f"`{path.name}`" in line
        for line in DOC.splitlines()
    )


@pytest.mark.parametrize("path", modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_module_is_in_the_architecture_doc(path: Path) -> None:
    assert mentioned(path), f"docs/architecture.md does not mention {path.relative_to(ROOT)}"


def test_a_module_missing_from_the_doc_is_found() -> None:
    assert not mentioned(ROOT / "assessment" / "storage" / "no_such_module.py")
    assert not mentioned(ROOT / "assessment" / "no_such_module.py")


def test_the_walk_of_an_answer_is_described() -> None:
    walk = DOC.split("## The walk of one answer", 1)[-1]
    for step in ("Widget", "Draft", "Submit", "Stored scores", "Peers", "Programs", "Report"):
        assert f"**{step}**" in walk

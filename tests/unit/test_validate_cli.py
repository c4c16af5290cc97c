"""`python -m assessment validate`: exit codes, messages, no tracebacks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assessment.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "tests" / "data" / "questionnaires"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for file in FIXTURES.glob("*.yaml"):
        shutil.copy(file, tmp_path / file.name)
    return tmp_path


def test_clean_folder_exits_0(folder, capsys):
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "4 file(s) checked, no problems" in out


def test_clean_single_file_exits_0(folder, capsys):
    assert main(["validate", str(folder / "im.yaml"), "--lang", "zh"]) == 0
    assert "未发现问题" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("file", "old", "new", "code"),
    [
        ("im.yaml", "weight: {process: 60, discrete: 40}", "weight: 61", "Q105"),
        ("green.yaml", "type: yesno", "type: checkbox", "Q102"),
        ("im.yaml", "kind: cmmm", "kind: [cmmm", "Q101"),
        ("integration.yaml", "${profile.employees}", "${profile.staff}", "Q106"),
    ],
    ids=["weights", "type", "yaml-syntax", "unknown-ref"],
)
def test_broken_folder_exits_2_with_located_messages(folder, capsys, file, old, new, code):
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert main(["validate", str(folder)]) == 2
    out = capsys.readouterr().out.splitlines()
    lines = [x for x in out if f" {code} " in x]
    assert lines
    assert all(x.startswith(str(path.resolve()) + ":") for x in lines)  # location first
    assert "problem(s) in 4 file(s)" in out[-1]


def test_missing_path_exits_2_with_c801(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "C801" in capsys.readouterr().err


def test_chinese_messages(folder, capsys):
    (folder / "green.yaml").write_text("id: green\n", encoding="utf-8")
    assert main(["validate", str(folder), "--lang", "zh"]) == 2
    out = capsys.readouterr().out
    assert "缺少字段" in out and "个问题" in out


@pytest.mark.parametrize(
    ("content", "code"),
    [("id: im\nkind: [cmmm\n", "Q101"), ("id: im\nversion: 1\n", "Q110")],
    ids=["yaml-syntax", "invalid"],
)
def test_subprocess_exit_2_without_traceback(tmp_path, content, code):
    (tmp_path / "im.yaml").write_text(content, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "assessment", "validate", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert code in proc.stdout


def test_subprocess_clean_fixture_exits_0():
    proc = subprocess.run(
        [sys.executable, "-m", "assessment", "validate", "tests/data/questionnaires"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("tests/data/questionnaires: 4 file(s) checked")


def test_default_path_is_the_shipped_folder(monkeypatch, folder, capsys):
    import assessment.commands.validate as command

    monkeypatch.setattr(command, "DEFAULT_FOLDER", folder)
    assert main(["validate"]) == 0
    assert capsys.readouterr().out.startswith("questionnaires: 4 file(s) checked")

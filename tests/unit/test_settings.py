"""Settings are declared once (assessment/settings.py), documented in the README from that
declaration, and read nowhere else."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from assessment import settings
from assessment.cli import main
from assessment.commands.settings import mask

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
TABLE = re.compile(r"<!-- settings table:[^\n]*-->\n(.*?)<!-- end of settings table -->", re.S)
# Folders and files of the program: they read no environment at all but through settings.
PROGRAM = ("assessment", "ui", "app.py", "server.py")
# Harness code: it may set variables for what it starts, but reads ours through settings.
HARNESS = ("tests", "bench")
OURS = re.compile(r"(ASSESSMENT_|DATABASE_|TEST_DATABASE_)\w*")
NAMES = {s.name for s in settings.SETTINGS}


def python_files(*places: str) -> list[Path]:
    found: list[Path] = []
    for place in places:
        path = ROOT / place
        found.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return found


def env_reads(source: str) -> list[str]:
    """Each read of the environment in `source`: the variable's name, or '?' when computed."""
    reads: list[str] = []

    def is_environ(node: ast.AST) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
            isinstance(node, ast.Name) and node.id == "environ"
        )

    def key(node: ast.AST | None) -> str:
        return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else "?"

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            first = node.args[0] if node.args else None
            if isinstance(func, ast.Attribute) and func.attr == "get" and is_environ(func.value):
                reads.append(key(first))  # os.environ.get(NAME)
            elif (isinstance(func, ast.Attribute) and func.attr == "getenv") or (
                isinstance(func, ast.Name) and func.id == "getenv"
            ):
                reads.append(key(first))  # os.getenv(NAME)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if is_environ(node.value):
                reads.append(key(node.slice))  # os.environ[NAME]
        elif isinstance(node, ast.Compare) and any(is_environ(c) for c in node.comparators):
            reads.append(key(node.left))  # NAME in os.environ
    return reads


# --- the declaration ------------------------------------------------------------------------


def test_the_readme_table_is_the_generated_one():
    found = TABLE.search(README.read_text(encoding="utf-8"))
    assert found, "README.md has no generated settings table (see assessment/settings.py)"
    assert found.group(1) == settings.markdown_table(), (
        "README.md's configuration table differs from the settings module: paste the output "
        "of `python -m assessment settings --markdown` between its markers"
    )


def test_the_cli_prints_the_readme_table(capsys):
    assert main(["settings", "--markdown"]) == 0
    assert capsys.readouterr().out == settings.markdown_table()


@pytest.mark.parametrize("setting", settings.SETTINGS, ids=lambda s: s.name)
def test_each_setting_is_named_typed_and_explained_in_both_languages(setting):
    assert re.fullmatch(r"[A-Z][A-Z0-9_]+", setting.name)
    assert setting.en.strip() and setting.zh.strip()
    assert re.search(r"[\u4e00-\u9fff]", setting.zh), setting.zh
    # The README shows the default as a clone has it, never the build machine's path.
    assert not re.search(r"(^|[\s`(])/(work|home|tmp|usr)\b", setting.shown_default)
    assert "|" not in setting.en + setting.zh + setting.shown_default  # a table cell


def test_every_setting_object_is_listed():
    declared = [v for v in vars(settings).values() if isinstance(v, settings.Setting)]
    assert set(map(id, declared)) == set(map(id, settings.SETTINGS))
    assert len(NAMES) == len(settings.SETTINGS)


def test_values_come_from_the_environment_else_the_default(monkeypatch, tmp_path):
    monkeypatch.delenv("ASSESSMENT_MODELS_DIR", raising=False)
    assert settings.MODELS_DIR.given() is None
    assert settings.MODELS_DIR.get() == ROOT / "models"
    monkeypatch.setenv("ASSESSMENT_MODELS_DIR", "  ")  # blank counts as unset
    assert settings.MODELS_DIR.get() == ROOT / "models"
    monkeypatch.setenv("ASSESSMENT_MODELS_DIR", str(tmp_path))
    assert settings.MODELS_DIR.get() == tmp_path
    monkeypatch.setenv("ASSESSMENT_NO_SKIP", "1")
    assert settings.NO_SKIP.get() is True
    monkeypatch.setenv("ASSESSMENT_NO_SKIP", "0")
    assert settings.NO_SKIP.get() is False
    monkeypatch.delenv("ASSESSMENT_CJK_FONT", raising=False)
    assert settings.CJK_FONT.get() is None


def test_the_listing_masks_passwords(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:s3cret@db.example/assess")
    assert main(["settings", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "s3cret" not in out and "postgresql://app:***@db.example/assess" in out
    assert "来自环境变量" in out
    assert mask("sqlite:////srv/a.db") == "sqlite:////srv/a.db"


# --- read nowhere else ------------------------------------------------------------------------


def test_the_scanner_finds_each_way_of_reading():
    source = (
        "import os\nfrom os import environ, getenv\n"
        "os.environ.get('DATABASE_URL')\nos.getenv('ASSESSMENT_MODELS_DIR')\ngetenv('A')\n"
        "os.environ['B']\n'C' in os.environ\nos.environ.get(NAME)\n"
        "os.environ['W'] = '1'\nos.environ.pop('W')\n"
    )
    assert env_reads(source) == ["DATABASE_URL", "ASSESSMENT_MODELS_DIR", "A", "B", "C", "?"]


@pytest.mark.parametrize("path", python_files(*PROGRAM), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_program_reads_the_environment_only_through_settings(path):
    if path == ROOT / "assessment" / "settings.py":
        return
    reads = env_reads(path.read_text(encoding="utf-8"))
    assert not reads, (
        f"{path.relative_to(ROOT)} reads {reads}: declare it in assessment/settings.py"
    )


@pytest.mark.parametrize("path", python_files(*HARNESS), ids=lambda p: str(p.relative_to(ROOT)))
def test_tests_and_bench_read_our_settings_only_through_settings(path):
    reads = [name for name in env_reads(path.read_text(encoding="utf-8")) if OURS.match(name)]
    assert not reads, f"{path.relative_to(ROOT)} reads {reads}: use assessment.settings"


def test_every_variable_the_project_names_is_declared():
    named: set[str] = set()
    for path in python_files(*PROGRAM, *HARNESS):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            value = node.value if isinstance(node, ast.Constant) else None
            if isinstance(value, str) and OURS.fullmatch(value):
                named.add(value)
    for doc in [README, ROOT / ".ci" / "run", *sorted((ROOT / "docs").rglob("*.md"))]:
        named.update(re.findall(r"\b(?:ASSESSMENT|DATABASE|TEST_DATABASE)_[A-Z0-9_]*[A-Z0-9]\b",
                                doc.read_text(encoding="utf-8")))  # fmt: skip
    assert named - NAMES == set(), "undeclared settings: add them to assessment/settings.py"

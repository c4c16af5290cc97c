"""Every setting read from the environment, declared once: name, type, default, meaning.

The program reads its environment here and nowhere else (a test checks it): other modules
ask a `Setting` for its value, e.g. `settings.MODELS_DIR.get()`. Values are read on every
call, so a changed environment (a test's monkeypatch) takes effect at once; a blank value
counts as unset. The README's configuration table is generated from `SETTINGS`
(`python -m assessment settings --markdown`) and a test fails when the two differ.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

REPO_ROOT = Path(__file__).resolve().parent.parent

T = TypeVar("T")


def _flag(raw: str) -> bool:
    return raw == "1"


@dataclass(frozen=True, slots=True)
class Setting(Generic[T]):
    """One environment variable: how to read it, what it means, what holds when unset."""

    name: str
    kind: Literal["URL", "folder", "file", "flag", "text"]
    parse: Callable[[str], T]
    default: T  # the value when the variable is unset or blank
    shown_default: str  # the default as the README shows it (no build-machine paths)
    en: str
    zh: str
    scope: Literal["program", "tests"] = "program"
    secret: bool = False  # may hold a password: shown masked

    def given(self) -> T | None:
        """The value set in the environment, or None when unset or blank."""
        raw = os.environ.get(self.name, "").strip()
        return self.parse(raw) if raw else None

    def get(self) -> T:
        """The value in effect: the environment's, else the default."""
        value = self.given()
        return self.default if value is None else value

    def meaning(self, lang: str = "en") -> str:
        """What the setting does, in `lang` (zh or en)."""
        return self.zh if lang == "zh" else self.en


DATABASE_URL: Setting[str] = Setting(
    "DATABASE_URL",
    "URL",
    str,
    f"sqlite:///{REPO_ROOT / 'data' / 'assessment.db'}",
    "`sqlite:///data/assessment.db`",
    "SQLAlchemy URL of the database; `postgresql://…` uses psycopg 3; the SQLite default "
    "runs in WAL mode with a busy timeout and is migrated automatically",
    "数据库的 SQLAlchemy 地址；`postgresql://…` 使用 psycopg 3 驱动；默认的 SQLite 数据库"
    "以 WAL 模式运行、设有忙等待超时，并自动迁移",
    secret=True,
)
QUESTIONNAIRES: Setting[Path | None] = Setting(
    "ASSESSMENT_QUESTIONNAIRES",
    "folder",
    Path,
    None,
    "`questionnaires/`",
    "the folder of questionnaire files the app loads",
    "应用加载的问卷文件夹",
)
MODELS_DIR: Setting[Path] = Setting(
    "ASSESSMENT_MODELS_DIR",
    "folder",
    Path,
    REPO_ROOT / "models",
    "`models/`",
    "where fitted peer models are written",
    "拟合后的同类对标模型的保存位置",
)
CJK_FONT: Setting[Path | None] = Setting(
    "ASSESSMENT_CJK_FONT",
    "file",
    Path,
    None,
    "—",
    "a font file with Chinese glyphs for the PDF report, tried before the installed Noto CJK "
    "and WenQuanYi fonts",
    "PDF 报告使用的中文字体文件，优先于系统已安装的 Noto CJK 和文泉驿字体",
)
SECRET_KEY: Setting[str | None] = Setting(
    "ASSESSMENT_SECRET_KEY",
    "text",
    str,
    None,
    "— (a random key per process)",
    "the key of the keyed hash under which unknown sign-in names are throttled; set it so "
    "that every app process counts them together (docs/deployment.md)",
    "对未知登录名进行限流时所用带密钥哈希的密钥；设置后各应用进程共同计数（见 docs/deployment.md）",
    secret=True,
)
TEST_DATABASE_URL: Setting[str] = Setting(
    "TEST_DATABASE_URL",
    "URL",
    str,
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "`postgresql+psycopg://postgres@127.0.0.1:5432/test`",
    "PostgreSQL for the test suite (each test run makes its own schemas)",
    "测试套件使用的 PostgreSQL（每次测试运行各建自己的 schema）",
    scope="tests",
    secret=True,
)
NO_SKIP: Setting[bool] = Setting(
    "ASSESSMENT_NO_SKIP",
    "flag",
    _flag,
    False,
    "`0`",
    "`1`: a test skipped for a missing component (PostgreSQL, Chromium) fails the run, as in CI",
    "`1`：因缺少组件（PostgreSQL、Chromium）而跳过的测试使整次运行失败，与 CI 相同",
    scope="tests",
)

SETTINGS: tuple[Setting[Any], ...] = (
    DATABASE_URL,
    QUESTIONNAIRES,
    MODELS_DIR,
    CJK_FONT,
    SECRET_KEY,
    TEST_DATABASE_URL,
    NO_SKIP,
)


HEADS = {
    "en": ("variable", "type", "meaning", "default", "used by"),
    "zh": ("变量", "类型", "作用", "默认值", "用于"),
}
# The words of the type and scope columns in Chinese (the English are the declared words).
ZH_WORDS = {"URL": "地址", "folder": "文件夹", "file": "文件", "flag": "开关", "text": "文本",
            "program": "程序", "tests": "测试"}  # fmt: skip


def markdown_table(lang: str = "en") -> str:
    """The configuration table of the README (lang en), or its Chinese version."""

    def word(w: str) -> str:
        return ZH_WORDS.get(w, w) if lang == "zh" else w

    head = HEADS["zh" if lang == "zh" else "en"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in SETTINGS:
        row = (f"`{s.name}`", word(s.kind), s.meaning(lang), s.shown_default, word(s.scope))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"

"""`python -m assessment validate [PATH]`: check questionnaire files, report every problem."""

from __future__ import annotations

import argparse
from pathlib import Path

from assessment.errors import fail
from assessment.loader import DEFAULT_FOLDER, questionnaire_files, validate_path

SUMMARY = {
    "en": (
        "{path}: {files} file(s) checked, no problems.",
        "{path}: {n} problem(s) in {files} file(s).",
    ),
    "zh": (
        "{path}：已检查 {files} 个文件，未发现问题。",
        "{path}：{files} 个文件中发现 {n} 个问题。",
    ),
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `validate` command."""
    p = sub.add_parser(
        "validate",
        help="check questionnaire YAML files (a file or a folder; exit 2 on any error)",
        description="Check questionnaire files and list every problem with file, line and "
        "item. Exits with 2 when any problem is found, 0 when clean.",
    )
    p.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=None,
        help="a questionnaire file or a folder of them (default: the shipped questionnaires/)",
    )
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="message language")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print each problem (location first) and a summary; 2 when any problem, else 0."""
    path: Path = args.path or DEFAULT_FOLDER
    if not path.exists():
        raise fail("C801", value=str(path))
    problems = validate_path(path)
    files = len(questionnaire_files(path)) if path.is_dir() else 1
    for p in problems:
        print(p.message(args.lang))
    ok, bad = SUMMARY[args.lang]
    shown = str(args.path) if args.path else "questionnaires"
    summary = (
        bad.format(path=shown, n=len(problems), files=files)
        if problems
        else ok.format(path=shown, files=files)
    )
    print(summary)
    return 2 if problems else 0

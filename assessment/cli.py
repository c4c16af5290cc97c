"""`python -m assessment …`: the command line. Library errors become messages and exit 2."""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

from assessment.errors import AssessmentError

# Each command module exposes register(subparsers); its handler returns an exit code.
COMMANDS = ("validate", "score", "db", "users", "demo", "peers", "audit", "enterprises")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assessment",
        description="Smart-manufacturing readiness assessment (Shanxi technical transformation).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        import_module(f"assessment.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except AssessmentError as err:
        lang = getattr(args, "lang", "en") or "en"
        print(err.message(lang), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

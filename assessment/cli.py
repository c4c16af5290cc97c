"""`python -m assessment …`: the command line. Library errors become messages and exit 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from assessment.commands import (
    audit,
    db,
    demo,
    enterprises,
    peers,
    score,
    settings,
    users,
    validate,
)
from assessment.errors import AssessmentError

# Each command module's register(subparsers) adds its parser; its handler returns an exit code.
COMMANDS: tuple[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None], ...] = (
    validate.register,
    score.register,
    db.register,
    users.register,
    demo.register,
    peers.register,
    settings.register,
    audit.register,
    enterprises.register,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assessment",
        description="Smart-manufacturing readiness assessment (Shanxi technical transformation).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for register in COMMANDS:
        register(sub)
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

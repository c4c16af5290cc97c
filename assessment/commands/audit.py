"""`python -m assessment audit …`: keep the audit log to its retention, list entries."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta

from assessment.storage import Repository, open_database

# The retention SECURITY.md states; `purge` without --older-than keeps this much.
DEFAULT_RETENTION_DAYS = 365


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of days") from None
    if days < 1:
        raise argparse.ArgumentTypeError("the retention is at least 1 day")
    return days


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `audit` command group."""
    p = sub.add_parser(
        "audit",
        help="audit log: purge entries past the retention, list recent entries",
        description="The audit log of the database named by $DATABASE_URL (SECURITY.md).",
    )
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="message language")
    actions = p.add_subparsers(dest="action", required=True)

    purge = actions.add_parser(
        "purge",
        help="delete audit entries older than DAYS, expired sessions and old sign-in failures",
        description="Run daily (docs/deployment.md): deletes audit entries older than DAYS "
        f"(default {DEFAULT_RETENTION_DAYS}), expired sessions and failure records too old "
        "to throttle. The purge itself is written to the audit log.",
    )
    purge.add_argument(
        "--older-than",
        type=_days,
        default=DEFAULT_RETENTION_DAYS,
        metavar="DAYS",
        help=f"retention in days (default {DEFAULT_RETENTION_DAYS})",
    )
    purge.set_defaults(handler=purge_)

    lst = actions.add_parser("list", help="the newest entries, one JSON object per line")
    lst.add_argument("--action", dest="only", help="only this action, e.g. sign_in_failed")
    lst.add_argument("--limit", type=int, default=50)
    lst.set_defaults(handler=list_)


def purge_(args: argparse.Namespace) -> int:
    repo = Repository(open_database())
    removed = repo.purge_audit(timedelta(days=args.older_than), actor="cli")
    other = repo.purge_expired()
    print(
        f"Removed {removed} audit entries older than {args.older_than} days and "
        f"{other} expired sessions or old failure records."
    )
    return 0


def list_(args: argparse.Namespace) -> int:
    repo = Repository(open_database())
    for entry in repo.audit_log(action=args.only, limit=args.limit):
        print(
            json.dumps(
                {
                    "at": entry.at.isoformat(),
                    "actor": entry.actor,
                    "action": entry.action,
                    "target": f"{entry.target_type or ''}:{entry.target_id or ''}",
                    "detail": entry.detail,
                },
                ensure_ascii=False,
                default=str,
            )
        )
    return 0

"""`python -m assessment enterprises correct …`: the staff-reviewed identity correction.

An enterprise whose assessment has been submitted cannot change its name, credit code, city
or industry through a resume code (S414); staff do it here after checking the business
licence. The change applies to every year and is audited with the reason.
"""

from __future__ import annotations

import argparse

from assessment.storage import Repository, open_database


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `enterprises` command group."""
    p = sub.add_parser(
        "enterprises",
        help="registered enterprises: correct an identity after review",
        description="Enterprises in the database named by $DATABASE_URL.",
    )
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="message language")
    actions = p.add_subparsers(dest="action", required=True)
    fix = actions.add_parser(
        "correct",
        help="change an enterprise's name, credit code, city or industry for every year",
    )
    fix.add_argument("credit_code", help="the credit code it is registered with now")
    fix.add_argument("--name")
    fix.add_argument("--new-credit-code", dest="new_code")
    fix.add_argument("--city", help="a city code, e.g. taiyuan")
    fix.add_argument("--industry", help="an industry code, e.g. equipment")
    fix.add_argument("--reason", required=True, help="what was checked (kept in the audit log)")
    fix.add_argument("--by", required=True, help="the staff member who checked it")
    fix.set_defaults(handler=correct)


def correct(args: argparse.Namespace) -> int:
    repo = Repository(open_database())
    changes = repo.correct_identity(
        repo.enterprise_by_code(args.credit_code),
        actor=args.by,
        reason=args.reason,
        name=args.name,
        credit_code=args.new_code,
        city=args.city,
        industry=args.industry,
    )
    if not changes:
        print("Nothing to change: give --name, --new-credit-code, --city or --industry.")
        return 2
    print("Corrected: " + ", ".join(f"{k} = {v}" for k, v in changes.items()))
    return 0

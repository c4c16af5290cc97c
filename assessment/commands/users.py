"""`python -m assessment users …`: add, list, disable staff accounts and reset a password."""

from __future__ import annotations

import argparse
import getpass
import sys

from assessment.errors import fail
from assessment.storage import Repository, open_database
from assessment.storage.models import ROLES


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `users` command group."""
    p = sub.add_parser(
        "users",
        help="staff accounts: add, list, disable, reset a password",
        description="Manage the staff accounts in the database named by $DATABASE_URL.",
    )
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="message language")
    actions = p.add_subparsers(dest="action", required=True)

    add = actions.add_parser("add", help="create an account (asks for the password)")
    add.add_argument("name")
    # No argparse `choices`: an unknown role is reported as U506, like in the app.
    add.add_argument("--role", required=True, help=f"one of: {', '.join(ROLES)}")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )
    add.set_defaults(handler=add_user)

    lst = actions.add_parser("list", help="list every account")
    lst.set_defaults(handler=list_users)

    dis = actions.add_parser("disable", help="disable an account and end its sessions")
    dis.add_argument("name")
    dis.set_defaults(handler=disable_user)

    pw = actions.add_parser(
        "passwd", help="set a new password for an account (asks for it); its sessions end"
    )
    pw.add_argument("name")
    pw.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )
    pw.set_defaults(handler=reset_password)


def _repo() -> Repository:
    return Repository(open_database())


def _password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        print(
            "No terminal to ask for the password: pipe it with --password-stdin.",
            file=sys.stderr,
        )
        return None
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise fail("U508")
    return first


def add_user(args: argparse.Namespace) -> int:
    if args.role not in ROLES:  # before asking for a password that would be wasted
        raise fail("U506", value=args.role, valid=", ".join(ROLES))
    password = _password(args)
    if password is None:
        return 2
    user = _repo().add_user(args.name, args.role, password, actor="cli")
    print(f"Added {user.username} ({user.role}).")
    return 0


def list_users(args: argparse.Namespace) -> int:
    users = _repo().list_users()
    if not users:
        print("No users yet. Add one with `python -m assessment users add NAME --role admin`.")
        return 0
    width = max(len(u.username) for u in users)
    for u in users:
        state = "disabled" if u.disabled else "active"
        created = u.created_at.strftime("%Y-%m-%d %H:%M UTC")
        print(f"{u.username:<{width}}  {u.role:<7}  {state:<8}  {created}")
    return 0


def disable_user(args: argparse.Namespace) -> int:
    user = _repo().disable_user(args.name, actor="cli")
    print(f"Disabled {user.username}; their sessions have ended.")
    return 0


def reset_password(args: argparse.Namespace) -> int:
    password = _password(args)
    if password is None:
        return 2
    user = _repo().reset_password(args.name, password, actor="cli")
    print(f"New password set for {user.username}; their sessions have ended.")
    return 0

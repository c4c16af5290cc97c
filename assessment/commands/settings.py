"""`python -m assessment settings`: the settings read from the environment, and their values."""

from __future__ import annotations

import argparse
import re

from assessment import settings

WORDS = {
    "en": {"environment": "set in the environment", "default": "default"},
    "zh": {"environment": "来自环境变量", "default": "默认值"},
}
PASSWORD = re.compile(r"(://[^:/@]*:)[^@/]*@")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `settings` command."""
    p = sub.add_parser(
        "settings",
        help="list the environment settings and their values (--markdown: the README table)",
        description="List every setting read from the environment (assessment/settings.py) "
        "with the value in effect and what it means. Passwords in URLs are masked.",
    )
    p.add_argument(
        "--markdown",
        action="store_true",
        help="print the configuration table of the README instead",
    )
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="output language")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the settings (or the README table); always 0."""
    if args.markdown:
        print(settings.markdown_table(args.lang), end="")
        return 0
    words = WORDS[args.lang]
    for s in settings.SETTINGS:
        given = s.given()
        value = s.get()
        if value is None:
            shown = s.shown_default.strip("`")
        elif isinstance(value, bool):
            shown = "1" if value else "0"
        else:
            shown = str(value)
        if s.secret:
            shown = mask(shown)
        source = words["default" if given is None else "environment"]
        print(f"{s.name}={shown}  ({source})")
        print(f"    {s.meaning(args.lang)}")
    return 0


def mask(url: str) -> str:
    """The URL with its password, if any, replaced by ***."""
    return PASSWORD.sub(r"\1***@", url)

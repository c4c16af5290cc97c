"""`python -m assessment validate` (stub: replaced by its owner)."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("validate", help="not implemented yet")
    p.set_defaults(handler=lambda args: 1)

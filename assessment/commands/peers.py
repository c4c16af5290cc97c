"""`python -m assessment peers` (stub: replaced by its owner)."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("peers", help="not implemented yet")
    p.set_defaults(handler=lambda args: 1)

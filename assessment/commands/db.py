"""`python -m assessment db …`: migrate the schema, export and import the whole database."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from assessment.storage import db, dump, rollup
from assessment.storage.db import Engine, check_schema
from assessment.storage.repository import Repository


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `db` command group."""
    p = sub.add_parser(
        "db",
        help="database schema, export and import ($DATABASE_URL; SQLite data/ by default)",
        description="Manage the database named by $DATABASE_URL (default: the SQLite file "
        "data/assessment.db). See docs/storage.md.",
    )
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="message language")
    actions = p.add_subparsers(dest="action", required=True)

    up = actions.add_parser("upgrade", help="migrate the schema up (to the newest by default)")
    up.add_argument("revision", nargs="?", default="head", help="target revision (default head)")
    up.set_defaults(handler=upgrade)

    down = actions.add_parser("downgrade", help="migrate the schema down one step, or to REV")
    down.add_argument(
        "revision", nargs="?", default="-1", help="target revision; 'base' drops every table"
    )
    down.set_defaults(handler=downgrade)

    cur = actions.add_parser("current", help="show the schema revision of the database")
    cur.set_defaults(handler=current)

    exp = actions.add_parser("export", help="write every row of every table to a JSON-lines file")
    exp.add_argument("file", type=Path)
    exp.set_defaults(handler=export)

    imp = actions.add_parser("import", help="load a JSON-lines export into an EMPTY database")
    imp.add_argument("file", type=Path)
    imp.set_defaults(handler=import_)

    roll = actions.add_parser(
        "rollup",
        help="check that the dashboard's score rollup matches the stored scores",
        description="Compare the score rollup (derived, kept in step by every write) with a "
        "fresh aggregate of the stored scores; exit 1 if they differ. --rebuild recomputes it.",
    )
    roll.add_argument("--rebuild", action="store_true", help="recompute the whole rollup")
    roll.set_defaults(handler=rollup_)


def _where() -> str:
    # The URL without its password, for messages.
    return db.display_url()


def upgrade(args: argparse.Namespace) -> int:
    engine = db.make_engine()
    db.upgrade(engine, args.revision)
    print(f"{_where()}: schema at revision {db.current_revision(engine) or 'base'}")
    return 0


def downgrade(args: argparse.Namespace) -> int:
    engine = db.make_engine()
    db.downgrade(engine, args.revision)
    print(f"{_where()}: schema at revision {db.current_revision(engine) or 'base'}")
    return 0


def current(args: argparse.Namespace) -> int:
    engine = db.make_engine()
    print(f"{_where()}: {db.current_revision(engine) or 'base'} (newest: {db.head_revision()})")
    return 0


def export(args: argparse.Namespace) -> int:
    engine = db.make_engine()
    n = dump.export_jsonl(engine, args.file)
    _audit(engine, "db_export", {"file": str(args.file), "rows": n})
    print(f"Exported {n} rows to {args.file}")
    return 0


def import_(args: argparse.Namespace) -> int:
    engine = db.make_engine()
    n = dump.import_jsonl(engine, args.file)
    _audit(engine, "db_import", {"file": str(args.file), "rows": n})
    print(f"Imported {n} rows from {args.file} into {_where()}")
    return 0


def rollup_(args: argparse.Namespace) -> int:
    engine = db.make_engine()
    check_schema(engine)
    if args.rebuild:
        rows = rollup.rebuild_all(engine)
        _audit(engine, "rollup_rebuild", {"rows": rows})
        print(f"{_where()}: score rollup rebuilt, {rows} rows")
        return 0
    wrong = rollup.check(engine)
    if wrong:
        print(f"{_where()}: score rollup differs from the stored scores in {len(wrong)} rows")
        for key, fresh, stored in wrong[:10]:
            print(f"  {key}: scores give {fresh}, rollup holds {stored}")
        print("Run `python -m assessment db rollup --rebuild` to recompute it.")
        return 1
    print(f"{_where()}: score rollup in step with the stored scores")
    return 0


def _audit(engine: Engine, action: str, detail: dict[str, Any]) -> None:
    Repository(engine).audit("cli", action, "database", None, detail)

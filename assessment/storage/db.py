"""Engine and schema: DATABASE_URL, SQLite pragmas, PostgreSQL via psycopg 3, migrations."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeAlias

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Select, Text, cast, create_engine, event, exc, type_coerce

# Re-exported: modules outside storage/ name an engine's type without importing SQLAlchemy.
from sqlalchemy import Engine as Engine
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url
from sqlalchemy.sql.elements import ColumnElement

from assessment import settings
from assessment.errors import Bilingual, fail

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# A SELECT of any columns (SQLAlchemy's Select is generic in the types of its row).
AnySelect: TypeAlias = Select[*tuple[Any, ...]]


def default_url() -> str:
    """The embedded SQLite database under <repo>/data/."""
    return settings.DATABASE_URL.default


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else $DATABASE_URL, else the SQLite default."""
    return normalize_url(url or settings.DATABASE_URL.given() or default_url())


def normalize_url(url: str) -> str:
    """Route plain postgresql:// (and postgres://) URLs to the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for `url` (see database_url) with the settings this project relies on."""
    url = database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"timeout": 10, "check_same_thread": False}
        connect_args.update(kwargs.pop("connect_args", {}))
        engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True, **kwargs)
        _sqlite_events(engine)
        return engine
    # pool_pre_ping: a restarted PostgreSQL server is noticed and reconnected to.
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module so that BEGIN is ours (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A write transaction takes the write lock up front: a deferred one that read
        # first could fail with SQLITE_BUSY when upgrading, without waiting.
        mode = "IMMEDIATE" if conn.get_execution_options().get("write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


# What a user is told about an unreachable database: the driver's own text names the host,
# port and database (logged for the operators instead).
UNREACHABLE = Bilingual("the server does not answer", "数据库服务器没有响应")
# SQLite: "no such table: x" / "no such column: x"; PostgreSQL: 'relation "x" does not
# exist' / 'column "x" does not exist'.
_MISSING_TABLE = re.compile(
    r'no such (?:table|column): ([\w.]+)|(?:relation|column) "?([\w.]+)"? does not exist'
)


@contextmanager
def transaction(engine: Engine, *, write: bool = False) -> Iterator[Connection]:
    """One transaction; connection failures become S409, a missing table or column S417."""
    try:
        with engine.connect() as conn:
            if write:
                conn = conn.execution_options(write=True)
            with conn.begin():
                yield conn
    except (exc.OperationalError, exc.InterfaceError, exc.ProgrammingError) as err:
        missing = _missing_table(err)
        if missing is not None:
            log.error("database schema damaged: %s", _short(err))
            raise fail("S417", value=missing) from err
        if isinstance(err, exc.ProgrammingError):
            raise
        log.warning("database unreachable: %s", _short(err))
        raise fail("S409", detail=UNREACHABLE) from err


def _missing_table(err: Exception) -> str | None:
    """The table or column a schema error names, else None."""
    found = _MISSING_TABLE.search(str(getattr(err, "orig", None) or err))
    return (found.group(1) or found.group(2)) if found else None


def json_text(conn: Connection, text: str) -> ColumnElement[Any]:
    """Already-encoded JSON text as the value of a JSON column: stored without encoding again.

    SQLite keeps JSON as text; PostgreSQL's jsonb parses the text in the statement.
    """
    value = type_coerce(text, Text)
    return cast(value, JSONB) if conn.dialect.name == "postgresql" else value


def display_url(url: str | Engine | None = None) -> str:
    """An engine's URL, or a database URL (see database_url), without its password."""
    if isinstance(url, Engine):
        return url.url.render_as_string(hide_password=True)
    return make_url(database_url(url)).render_as_string(hide_password=True)


def _short(err: Exception) -> str:
    text = str(getattr(err, "orig", None) or err).strip().splitlines()
    return text[0] if text else type(err).__name__


def _alembic_config(conn: Connection) -> Any:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the schema up to `revision` (all of it by default), in one transaction."""
    with transaction(engine, write=True) as conn:
        command.upgrade(_alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str = "-1") -> None:
    """Migrate the schema down to `revision` ("base" removes every table)."""
    with transaction(engine, write=True) as conn:
        command.downgrade(_alembic_config(conn), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None for an empty database)."""
    with transaction(engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest revision shipped with this code."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def check_schema(engine: Engine) -> None:
    """Refuse (S412) a database whose schema is not at the shipped head revision."""
    current = current_revision(engine)
    head = head_revision()
    if current != head:
        raise fail("S412", value=current or Bilingual("empty", "空"), head=head)


def open_database(url: str | None = None, *, upgrade_schema: bool | None = None) -> Engine:
    """The engine for `url`; the embedded SQLite default is migrated automatically."""
    url = database_url(url)
    engine = make_engine(url)
    if upgrade_schema is None:
        upgrade_schema = url == default_url()
    if upgrade_schema:
        upgrade(engine)
    else:
        check_schema(engine)
    return engine

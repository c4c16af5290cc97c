"""`python -m assessment db …` and `users …` against both backends (via DATABASE_URL)."""

from __future__ import annotations

import io
import subprocess
import sys
from urllib.parse import quote

import pytest
from answers_factory import profile_answers
from storage_support import PG_URL, table_dump

from assessment.cli import main
from assessment.storage import Repository, current_revision, head_revision

PASSWORD = "correct horse battery"


def url_of(engine) -> str:
    """A DATABASE_URL that reaches the same database (and schema) as `engine`."""
    if engine.dialect.name == "sqlite":
        return engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        schema = conn.exec_driver_sql("SHOW search_path").scalar()
    return f"{PG_URL}?options={quote('-csearch_path=' + schema)}"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def cli(engine, monkeypatch, capsys):
    """Run the CLI against `engine`; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", url_of(engine))

    def run(*argv: str, stdin: str | io.StringIO = "") -> tuple[int, str, str]:
        monkeypatch.setattr(
            sys, "stdin", stdin if isinstance(stdin, io.StringIO) else io.StringIO(stdin)
        )
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_users_add_list_disable(cli, engine, hasher):
    assert cli("users", "list")[1].startswith("No users yet")
    code, out, _ = cli(
        "users", "add", "alice", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert code == 0 and "alice" in out
    code, out, _ = cli("users", "list")
    assert code == 0 and out.split()[:3] == ["alice", "admin", "active"]
    repo = Repository(engine, hasher=hasher)
    assert repo.authenticate("alice", PASSWORD).user.role == "admin"
    assert cli("users", "disable", "alice")[0] == 0
    assert cli("users", "list")[1].split()[:3] == ["alice", "admin", "disabled"]
    assert [e.action for e in repo.audit_log(actor="cli")][:2] == ["disable_user", "add_user"]


@pytest.mark.parametrize(
    ("argv", "stdin", "code"),
    [
        (("users", "add", "bob", "--role", "root", "--password-stdin"), PASSWORD, "U506"),
        (("users", "add", "bob", "--role", "staff", "--password-stdin"), "short\n", "U507"),
        (("users", "add", "alice", "--role", "staff", "--password-stdin"), PASSWORD, "U505"),
        (("users", "disable", "nobody"), "", "S406"),
    ],
)
def test_users_refusals(cli, repo, argv, stdin, code):
    repo.add_user("alice", "staff", PASSWORD)  # cheap hashing; the CLI path is tested above
    status, _, err = cli(*argv, stdin=stdin)
    assert status == 2 and code in err
    assert cli("users", "list")[1].split()[:1] == ["alice"]


def test_users_add_prompts_twice_on_a_terminal(cli, monkeypatch):
    answers = iter([PASSWORD, PASSWORD, PASSWORD, "something else"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli("users", "add", "carol", "--role", "advisor", stdin=Tty())[0] == 0
    status, _, err = cli("users", "add", "dave", "--role", "advisor", stdin=Tty())
    assert status == 2 and "U508" in err


def test_users_add_without_terminal_needs_password_stdin(cli):
    status, _, err = cli("users", "add", "erin", "--role", "staff", stdin="")
    assert status == 2 and "--password-stdin" in err
    assert "erin" not in cli("users", "list")[1]


def test_users_refuse_a_database_that_is_not_migrated(cli, engine):
    cli("db", "downgrade", "base")
    status, _, err = cli("users", "list")
    assert status == 2 and "S412" in err
    cli("db", "upgrade")


def previous_revision() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from assessment.storage.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_revision(head_revision()).down_revision


def test_db_downgrade_and_upgrade(cli, engine):
    code, out, _ = cli("db", "current")
    assert code == 0 and head_revision() in out
    assert cli("db", "downgrade")[0] == 0  # one step: the revision before head
    assert current_revision(engine) == previous_revision()
    code, out, _ = cli("db", "upgrade")
    assert code == 0 and out.strip().endswith(head_revision())
    assert cli("db", "downgrade", "base")[0] == 0 and current_revision(engine) is None
    assert cli("db", "upgrade", "head")[0] == 0 and current_revision(engine) == head_revision()


def test_db_export_and_import(cli, engine, other_engine, repo, qset, tmp_path, monkeypatch):
    repo.create_draft(profile_answers(qset, 1, "profile.basic"), 2026)
    repo.add_user("alice", "staff", PASSWORD)
    path = tmp_path / "all.jsonl"
    code, out, _ = cli("db", "export", str(path))
    assert code == 0 and out.startswith("Exported 5 rows")
    source = table_dump(engine)
    monkeypatch.setenv("DATABASE_URL", url_of(other_engine))
    code, out, _ = cli("db", "import", str(path))
    assert code == 0 and out.startswith("Imported ")
    copied = table_dump(other_engine)
    # The copy equals the source plus each side's audit entry for the export / import.
    assert {k: v for k, v in copied.items() if k != "audit_log"} == {
        k: v for k, v in source.items() if k != "audit_log"
    }
    assert [e["action"] for e in copied["audit_log"]] == [
        *(e["action"] for e in source["audit_log"] if e["action"] != "db_export"),
        "db_import",
    ]
    status, _, err = cli("db", "import", str(path))  # not empty any more
    assert status == 2 and "S410" in err and f"{path}:1" in err
    status, _, err = cli("db", "import", str(tmp_path / "missing.jsonl"))
    assert status == 2 and "C801" in err


def test_db_rollup_checks_and_rebuilds(cli, engine, qset):
    import staff_seed
    from sqlalchemy import update

    from assessment import spreadsheets
    from assessment.storage.db import transaction
    from assessment.storage.models import ScoreRollup

    spreadsheets.commit(engine, qset, staff_seed.rows()[:5], actor="test")
    code, out, _ = cli("db", "rollup")
    assert code == 0 and "in step" in out
    with transaction(engine, write=True) as conn:  # damaged by hand, outside the application
        conn.execute(update(ScoreRollup).where(ScoreRollup.key == "im.total").values(total=0.5))
    code, out, _ = cli("db", "rollup")
    assert code == 1 and "differs" in out and "--rebuild" in out and "im.total" in out
    code, out, _ = cli("db", "rollup", "--rebuild")
    assert code == 0 and "rebuilt" in out
    assert cli("db", "rollup")[0] == 0


def test_module_entry_point_runs(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "assessment", "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(head_revision())

"""AppTest fixtures: a fresh, migrated SQLite database per test; the small questionnaires."""

from __future__ import annotations

import pytest
from apphelpers import SKIP_SET

from assessment.storage import make_engine, upgrade


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    """A migrated, empty SQLite database for this test only (DATABASE_URL)."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def small_set(monkeypatch) -> str:
    monkeypatch.setenv("ASSESSMENT_QUESTIONNAIRES", SKIP_SET)
    return SKIP_SET

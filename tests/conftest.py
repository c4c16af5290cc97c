"""Suite-wide settings. With ASSESSMENT_NO_SKIP=1 (CI) a skipped test fails the run:
a skip there means a component was missing, and that must not pass silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessment.settings import NO_SKIP

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def pytest_sessionfinish(session, exitstatus):
    if not NO_SKIP.get():
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"ASSESSMENT_NO_SKIP=1: {len(skipped)} test(s) skipped; a missing component fails CI.",
            red=True,
        )
        session.exitstatus = 1


# Layers by folder (pyproject.toml declares the markers). `make check` deselects every layer
# that needs a browser, PostgreSQL, several server processes or the bench harness.
LAYERS = {"e2e": "e2e", "load": "load", "bench": "bench"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        folder = Path(str(item.fspath)).relative_to(ROOT / "tests").parts[0]
        layer = LAYERS.get(folder)
        if layer:
            item.add_marker(getattr(pytest.mark, layer))

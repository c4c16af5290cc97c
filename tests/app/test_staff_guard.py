"""Every staff page checks the role on the server, on every run: signed-out, enterprise and
advisor sessions see only the refusal; staff and admin see the page."""

from __future__ import annotations

import pytest
import staff_apphelpers as h

STAFF_PAGES = [
    "staff_dashboard",
    "staff_cities",
    "staff_cases",
    "staff_import",
    "staff_export",
    "staff_quality",
    "staff_peers",
]
PAGE_MARKERS = {
    "staff_dashboard": "Provincial readiness dashboard",
    "staff_cities": "Annual city assessment",
    "staff_cases": "Typical cases",
    "staff_import": "Import assessments",
    "staff_export": "Export assessments",
    "staff_quality": "Data quality",
    "staff_peers": "Peer-group models",
    "staff_users": "Users",
}


def banner(at) -> str:
    return "\n".join(x.proto.body for x in at.get("html"))


@pytest.fixture
def tokens(db_url):
    return {role: h.user_token(db_url, role) for role in ("staff", "advisor", "admin")}


@pytest.mark.parametrize("module", [*STAFF_PAGES, "staff_users"])
def test_signed_out_and_enterprise_sessions_are_refused(db_url, module):
    for role in (None, "enterprise", "staff"):  # a role in the session alone proves nothing
        at = h.page(module, "en", role=role)
        at.run()
        assert not at.exception
        assert h.error_codes(at) == ["U503"]
        assert PAGE_MARKERS[module] not in banner(at)
        assert not at.dataframe and not at.metric


@pytest.mark.parametrize("module", [*STAFF_PAGES, "staff_users"])
def test_advisor_is_refused(db_url, tokens, module):
    at = h.page(module, "en", tokens["advisor"], role="advisor")
    at.run()
    assert h.error_codes(at) == ["U504"]
    assert PAGE_MARKERS[module] not in banner(at) and not at.dataframe


@pytest.mark.parametrize("module", STAFF_PAGES)
@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_and_admin_open_staff_pages(db_url, tokens, module, role):
    at = h.page(module, "en", tokens[role])
    at.run()
    assert not at.exception and h.error_codes(at) == []
    assert PAGE_MARKERS[module] in banner(at)


def test_users_page_is_for_admin_only(db_url, tokens):
    at = h.page("staff_users", "en", tokens["staff"])
    at.run()
    assert h.error_codes(at) == ["U504"]
    at = h.page("staff_users", "en", tokens["admin"])
    at.run()
    assert h.error_codes(at) == [] and PAGE_MARKERS["staff_users"] in banner(at)


def test_the_guard_rechecks_the_database_on_every_run(db_url, tokens):
    at = h.page("staff_dashboard", "en", tokens["staff"])
    at.run()
    assert h.error_codes(at) == []
    h.repo(db_url).sign_out(tokens["staff"])  # e.g. signed out in another tab
    at.run()
    assert h.error_codes(at) == ["U503"] and not at.metric
    # A disabled account loses its open sessions at once too.
    at = h.page("staff_dashboard", "en", tokens["admin"])
    at.run()
    h.repo(db_url).disable_user("admin-user")
    at.run()
    assert h.error_codes(at) == ["U503"]

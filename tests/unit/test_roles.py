"""The roles, defined once (assessment/roles.py) and read from there by storage and auth."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessment import auth, roles
from assessment.storage import models

ROOT = Path(__file__).resolve().parents[2]
MIGRATION = ROOT / "assessment" / "storage" / "migrations" / "versions" / "0001_initial_schema.py"


def test_the_users_check_constraint_is_the_one_the_migration_created():
    # A role added here needs a migration: this fails until the schema says the same.
    assert f'sa.CheckConstraint("{roles.role_check_sql()}"' in MIGRATION.read_text("utf-8")
    (check,) = (c for c in models.User.__table__.constraints if hasattr(c, "sqltext"))
    assert str(check.sqltext) == "role IN ('staff', 'advisor', 'admin')"


@pytest.mark.parametrize("group", [roles.STAFF_ROLES, roles.ADMIN_ROLES, roles.ADVISOR_PAGE_ROLES])
def test_every_group_is_made_of_account_roles(group):
    assert group and set(group) <= set(roles.ROLES)


def test_admins_are_staff_and_staff_may_open_the_advisor_page():
    assert set(roles.ADMIN_ROLES) <= set(roles.STAFF_ROLES) <= set(roles.ADVISOR_PAGE_ROLES)
    assert roles.ENTERPRISE not in roles.ROLES
    assert (roles.ENTERPRISE, *roles.ROLES) == roles.EVERYONE


def test_every_account_role_has_a_name_in_both_languages():
    assert set(roles.ROLE_NAMES) == set(roles.ROLES)
    assert roles.ROLE_LABELS["advisor"] == "专家顾问 / advisor"


def test_storage_and_auth_read_the_same_tuples():
    assert models.ROLES is roles.ROLES
    assert auth.STAFF_ROLES is roles.STAFF_ROLES
    assert auth.ADMIN_ROLES is roles.ADMIN_ROLES
    assert auth.ROLE_LABELS is roles.ROLE_LABELS

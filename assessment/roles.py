"""The roles of the app, in one place: who is staff, who is admin, who may open which page.

A signed-out visitor is an enterprise; a user account holds one of `ROLES`. Storage keeps
the account's role (its CHECK constraint is built from `ROLES`), `assessment.auth` checks
it, and the UI's menus and page guards ask these tuples.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from assessment.errors import Bilingual

ENTERPRISE = "enterprise"  # signed out: the enterprise pages, no account
STAFF = "staff"
ADVISOR = "advisor"
ADMIN = "admin"

ROLES: tuple[str, ...] = (STAFF, ADVISOR, ADMIN)  # what a user account can hold
EVERYONE: tuple[str, ...] = (ENTERPRISE, *ROLES)  # every role a session can have
STAFF_ROLES: tuple[str, ...] = (STAFF, ADMIN)  # the staff workspace
ADMIN_ROLES: tuple[str, ...] = (ADMIN,)  # user administration
ADVISOR_PAGE_ROLES: tuple[str, ...] = (ADVISOR, STAFF, ADMIN)  # the advisor page

ROLE_NAMES: Mapping[str, Bilingual] = MappingProxyType(
    {
        STAFF: Bilingual("staff", "工作人员"),
        ADVISOR: Bilingual("advisor", "专家顾问"),
        ADMIN: Bilingual("admin", "管理员"),
    }
)
ROLE_LABELS: Mapping[str, str] = MappingProxyType(
    {role: f"{name.zh} / {name.en}" for role, name in ROLE_NAMES.items()}
)


def role_check_sql(column: str = "role") -> str:
    """The CHECK constraint's condition that keeps `column` to one of `ROLES`."""
    return f"{column} IN ({', '.join(repr(role) for role in ROLES)})"

"""The page registry: every page of the app, its module, and who sees it in the menu.

`app.py` builds the menu of the session's role from `ROLE_PAGES`; pages move between each
other with `ui.goto.go()`. `guarded()` is the page boundary where library errors
(AssessmentError) become a message in the current language.

The menu only hides pages: every staff and advisor page checks the role again on the
server (ui.auth.require_role) on every run, against the same tuples (assessment.roles).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from types import MappingProxyType
from typing import Protocol

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from assessment import roles
from assessment.errors import AssessmentError
from ui import (
    advisor,
    landing,
    results,
    review,
    staff_cases,
    staff_cities,
    staff_dashboard,
    staff_export,
    staff_import,
    staff_peers,
    staff_quality,
    staff_signin,
    staff_users,
    wizard,
)
from ui.i18n import error_text, lang, t


class PageModule(Protocol):
    """A page's module (ui/landing.py, …): `render()` draws the page."""

    __name__: str

    def render(self) -> None: ...


@dataclass(frozen=True, slots=True)
class PageSpec:
    """A page: its module, how it is titled and addressed, and in whose menu it appears."""

    page_module: PageModule
    title_key: str
    icon: str
    url_path: str
    roles: tuple[str, ...]
    default: bool = False

    @property
    def module(self) -> str:
        """The name of the page's module (e.g. "ui.landing")."""
        return self.page_module.__name__

    @property
    def render(self) -> Callable[[], None]:
        """The page's render function, looked up when the page is built (on every run)."""
        return self.page_module.render


_ENTERPRISE = (roles.ENTERPRISE,)

# In menu order: a role's menu lists the pages that name it, in this order.
PAGES: Mapping[str, PageSpec] = MappingProxyType(
    {
        "landing": PageSpec(
            landing, "ui.nav.landing", ":material/home:", "start", _ENTERPRISE, default=True
        ),
        "wizard": PageSpec(
            wizard, "ui.nav.wizard", ":material/edit_note:", "assessment", _ENTERPRISE
        ),
        "review": PageSpec(review, "ui.nav.review", ":material/fact_check:", "review", _ENTERPRISE),
        "results": PageSpec(
            results, "ui.nav.results", ":material/insights:", "results", _ENTERPRISE
        ),
        "staff_dashboard": PageSpec(
            staff_dashboard,
            "ui.nav.staff_dashboard",
            ":material/dashboard:",
            "staff-dashboard",
            roles.STAFF_ROLES,
        ),
        "staff_cities": PageSpec(
            staff_cities,
            "ui.nav.staff_cities",
            ":material/location_city:",
            "staff-cities",
            roles.STAFF_ROLES,
        ),
        "staff_cases": PageSpec(
            staff_cases,
            "ui.nav.staff_cases",
            ":material/star:",
            "staff-cases",
            roles.STAFF_ROLES,
        ),
        "staff_import": PageSpec(
            staff_import,
            "ui.nav.staff_import",
            ":material/upload_file:",
            "staff-import",
            roles.STAFF_ROLES,
        ),
        "staff_export": PageSpec(
            staff_export,
            "ui.nav.staff_export",
            ":material/download:",
            "staff-export",
            roles.STAFF_ROLES,
        ),
        "staff_quality": PageSpec(
            staff_quality,
            "ui.nav.staff_quality",
            ":material/rule:",
            "staff-quality",
            roles.STAFF_ROLES,
        ),
        "staff_peers": PageSpec(
            staff_peers,
            "ui.nav.staff_peers",
            ":material/hub:",
            "staff-peer-models",
            roles.STAFF_ROLES,
        ),
        "advisor": PageSpec(
            advisor,
            "ui.nav.advisor",
            ":material/compare_arrows:",
            "advisor",
            roles.ADVISOR_PAGE_ROLES,
        ),
        "staff_users": PageSpec(
            staff_users,
            "ui.nav.staff_users",
            ":material/manage_accounts:",
            "staff-users",
            roles.ADMIN_ROLES,
        ),
        "staff_signin": PageSpec(
            staff_signin,
            "ui.nav.staff_signin",
            ":material/login:",
            "sign-in",
            roles.EVERYONE,
        ),
    }
)

# role → page names: the menu of each role (an unknown role gets the enterprise's).
ROLE_PAGES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        role: tuple(name for name, spec in PAGES.items() if role in spec.roles)
        for role in roles.EVERYONE
    }
)


def guarded(render: Callable[[], None]) -> Callable[[], None]:
    """Run a page, turning AssessmentError into an error message instead of a traceback."""

    @wraps(render)
    def page() -> None:
        try:
            render()
        except AssessmentError as err:
            if any(p.code.startswith("Q") for p in err.problems):
                # A broken questionnaire file: a friendly page, details folded away.
                st.error(f"**{t('ui.error.questionnaire_title')}**", icon=":material/warning:")
                st.markdown(t("ui.error.questionnaire_body"))
                with st.expander(t("ui.error.details")):
                    st.text(err.message(lang()))
                return
            st.error(error_text(err), icon=":material/warning:")
        finally:
            freeze_imported()

    return page


_frozen_at = 0  # len(sys.modules) when the heap was last frozen


def freeze_imported() -> None:
    """Keep what the imports built out of the garbage collector's scans (once per import).

    Streamlit runs a full `gc.collect()` after every script run, while the browser waits
    for the run's last messages. With pandas, scikit-learn and altair loaded that walks
    ~200,000 long-lived objects: ~100 ms on every click, more than the script itself.
    `gc.freeze()` moves the objects alive now to a generation collections skip (they are
    still freed when no longer referenced); it is redone only after a run that imported
    more modules, after one collection that frees this run's garbage first.
    """
    global _frozen_at
    if len(sys.modules) == _frozen_at:
        return
    _frozen_at = len(sys.modules)
    gc.collect()
    gc.freeze()


def page(name: str) -> StreamlitPage:
    """The st.Page for a registered page name."""
    spec = PAGES[name]
    return st.Page(
        guarded(spec.render),
        title=t(spec.title_key),
        icon=spec.icon,
        url_path=spec.url_path,
        default=spec.default,
    )

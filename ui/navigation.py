"""The page registry: every page of the app, built as `st.Page` objects on each run.

`app.py` picks which of these a role sees; pages move between each other with `go()`.
Each page module exposes `render()`; `guarded()` is the page boundary where library
errors (AssessmentError) become a message in the current language.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from importlib import import_module

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from assessment.errors import AssessmentError
from ui.i18n import error_text, lang, t


@dataclass(frozen=True, slots=True)
class PageSpec:
    """Where a page lives and how it is titled in the navigation."""

    module: str
    title_key: str
    icon: str
    url_path: str
    default: bool = False


PAGES: dict[str, PageSpec] = {
    "landing": PageSpec("ui.landing", "ui.nav.landing", ":material/home:", "start", default=True),
    "wizard": PageSpec("ui.wizard", "ui.nav.wizard", ":material/edit_note:", "assessment"),
    "review": PageSpec("ui.review", "ui.nav.review", ":material/fact_check:", "review"),
    "results": PageSpec("ui.results", "ui.nav.results", ":material/insights:", "results"),
    "advisor": PageSpec("ui.advisor", "ui.nav.advisor", ":material/compare_arrows:", "advisor"),
    "staff_signin": PageSpec(
        "ui.staff_signin", "ui.nav.staff_signin", ":material/login:", "sign-in"
    ),
    "staff_dashboard": PageSpec(
        "ui.staff_dashboard", "ui.nav.staff_dashboard", ":material/dashboard:", "staff-dashboard"
    ),
    "staff_cities": PageSpec(
        "ui.staff_cities", "ui.nav.staff_cities", ":material/location_city:", "staff-cities"
    ),
    "staff_cases": PageSpec(
        "ui.staff_cases", "ui.nav.staff_cases", ":material/star:", "staff-cases"
    ),
    "staff_import": PageSpec(
        "ui.staff_import", "ui.nav.staff_import", ":material/upload_file:", "staff-import"
    ),
    "staff_export": PageSpec(
        "ui.staff_export", "ui.nav.staff_export", ":material/download:", "staff-export"
    ),
    "staff_quality": PageSpec(
        "ui.staff_quality", "ui.nav.staff_quality", ":material/rule:", "staff-quality"
    ),
    "staff_peers": PageSpec(
        "ui.staff_peers", "ui.nav.staff_peers", ":material/hub:", "staff-peer-models"
    ),
    "staff_users": PageSpec(
        "ui.staff_users", "ui.nav.staff_users", ":material/manage_accounts:", "staff-users"
    ),
}


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
    render = import_module(spec.module).render
    return st.Page(
        guarded(render),
        title=t(spec.title_key),
        icon=spec.icon,
        url_path=spec.url_path,
        default=spec.default,
    )


def go(name: str) -> None:
    """Switch to another page (stops the current run)."""
    st.switch_page(page(name))

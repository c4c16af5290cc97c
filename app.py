"""Router: page config, the pages each role sees, and st.navigation(...).run().

Run with `streamlit run app.py`. Pages live in ui/ (one module per page); this file only
decides which of them the session's role may open.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assessment.errors import AssessmentError
from assessment.roles import ENTERPRISE
from ui import actions, auth, hardening, layout, navigation, peer_views
from ui.i18n import language_selector, t

# The tab icon is served by this app: a Material icon would be fetched from a font host.
ICON = Path(__file__).resolve().parent / "ui" / "static" / "favicon.png"

WIDE_PAGES = frozenset(
    {
        "results",
        "advisor",
        "staff-dashboard",
        "staff-cities",
        "staff-cases",
        "staff-import",
        "staff-export",
        "staff-quality",
        "staff-peer-models",
    }
)

hardening.refuse_cache_clearing()  # server.py does it at start; `streamlit run app.py` here
st.set_page_config(page_title=t("ui.app.title"), page_icon=str(ICON))
layout.style()
language_selector()
# The role comes from the signed-in session, re-validated against the database on every
# run (cookie or session token); signed out means the enterprise role. When the database
# cannot say (S409, S417), the last validated role picks the menu and the page's own guard
# shows the coded error.
try:
    role = auth.sync_role()
except AssessmentError:
    role = auth.last_role()
if role == ENTERPRISE:
    layout.remember_resume_error(actions.restore_from_url())
# The role's menu (ui/navigation.ROLE_PAGES); every staff and advisor page checks the role
# again on the server, on every run.
menu = navigation.ROLE_PAGES.get(role, navigation.ROLE_PAGES[ENTERPRISE])
pages = [navigation.page(name) for name in menu]
layout.sidebar_footer()
page = st.navigation(pages)
# Results use the full width (four headline figures, charts side by side); forms read
# better in a narrower column.
st.set_page_config(layout="wide" if page.url_path in WIDE_PAGES else "centered")
page.run()
# Once per process, after the first page is drawn: build the peer index in the background so
# that the first results page finds it (at 100,000 assessments the build takes seconds).
peer_views.warm_peer_index()

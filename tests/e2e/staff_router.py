"""A router for the staff browser tests that lists every staff page for every session.

Hiding a page from the menu is not access control: here nothing is hidden, so whatever an
enterprise or advisor session cannot see is refused by the page's own server-side guard.
"""

from __future__ import annotations

import streamlit as st

from ui import (
    auth,
    layout,
    staff_cases,
    staff_cities,
    staff_dashboard,
    staff_export,
    staff_import,
    staff_quality,
    staff_signin,
    staff_users,
)

PAGES = [
    (staff_signin, "sign-in"),
    (staff_dashboard, "staff-dashboard"),
    (staff_cities, "staff-cities"),
    (staff_cases, "staff-cases"),
    (staff_import, "staff-import"),
    (staff_export, "staff-export"),
    (staff_quality, "staff-quality"),
    (staff_users, "staff-users"),
]

layout.style()
auth.sync_role()
st.navigation(
    [
        st.Page(module.render, title=path, url_path=path, default=i == 0)
        for i, (module, path) in enumerate(PAGES)
    ]
).run()

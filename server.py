"""Entry point that adds the staff session-cookie routes to the app: `streamlit run server.py`.

`streamlit run app.py` runs the same pages, but a staff sign-in then lasts only as long as the
browser tab (server-side session state); through this entry point it also survives a reload,
held in an HttpOnly cookie (ui/auth_http.py, docs/staff.md). This entry point also adds the
security headers and the visitors' upload limit, and refuses clients' cache clearing
(ui/hardening.py, SECURITY.md).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from ui.auth_http import routes
from ui.hardening import SecurityHeaders, UploadLimit, refuse_cache_clearing

refuse_cache_clearing()
app = st.App(
    str(Path(__file__).resolve().with_name("app.py")),
    routes=routes(),
    middleware=[Middleware(SecurityHeaders), Middleware(UploadLimit)],
)

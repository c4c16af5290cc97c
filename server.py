"""Entry point that adds the staff session-cookie routes to the app: `streamlit run server.py`.

`streamlit run app.py` runs the same pages, but a staff sign-in then lasts only as long as the
browser tab (server-side session state); through this entry point it also survives a reload,
held in an HttpOnly cookie (ui/auth_http.py, docs/staff.md).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.auth_http import routes

app = st.App(str(Path(__file__).resolve().with_name("app.py")), routes=routes())

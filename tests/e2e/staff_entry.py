"""`streamlit run` entry for the staff browser tests: the test router plus the cookie routes."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.auth_http import routes

app = st.App(str(Path(__file__).resolve().with_name("staff_router.py")), routes=routes())

"""The staff dashboard page alone, signed in with $BENCH_STAFF_TOKEN.

Used by the memory benchmark only while app.py has no route to the staff pages; it runs
the real page module (ui/staff_dashboard.py) in a real `streamlit run` process.
"""

import os

import streamlit as st

from ui import staff_dashboard

st.session_state.setdefault("staff_token", os.environ["BENCH_STAFF_TOKEN"])
staff_dashboard.render()

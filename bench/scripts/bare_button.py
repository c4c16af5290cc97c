"""A bare Streamlit page with one button: the limit for "next section" in the browser.

Each click reruns the script and bumps a counter that the page shows, so the browser can
tell when the rerun has been drawn.
"""

import streamlit as st

st.session_state.setdefault("clicks", 0)
if st.button("next", key="next", type="primary"):
    st.session_state["clicks"] += 1
st.markdown(f"clicks: {st.session_state['clicks']}")

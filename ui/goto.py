"""Moving from one page to another: `go(name)` with a page name of ui/navigation.PAGES."""

from __future__ import annotations

import streamlit as st


def go(name: str) -> None:
    """Switch to another page (stops the current run)."""
    # Imported on use: ui.navigation imports every page module, and the pages call go().
    from ui.navigation import page

    st.switch_page(page(name))

"""A bare Streamlit script drawing the widgets of one questionnaire section page.

The limit for the section page rerun: the same widgets, labels and options (taken from the
real page's element tree by bench/pages.py and passed in session state as `bench_spec`),
in one form, with none of the app's work around them (no router, no repository, no skip
logic, no translation lookups).
"""

import streamlit as st

spec = st.session_state["bench_spec"]


def draw(el: dict, where) -> None:
    kind, label, key = el["kind"], el.get("label", ""), el.get("key")
    if kind == "radio":
        where.radio(
            label,
            el["options"],
            index=el.get("index"),
            key=key,
            help=el.get("help"),
            horizontal=el.get("horizontal", False),
        )
    elif kind == "selectbox":
        where.selectbox(label, el["options"], index=el.get("index"), key=key, help=el.get("help"))
    elif kind == "multiselect":
        where.multiselect(
            label, el["options"], default=el.get("default") or None, key=key, help=el.get("help")
        )
    elif kind == "text_input":
        where.text_input(label, value=el.get("value") or "", key=key, help=el.get("help"))
    elif kind == "checkbox":
        where.checkbox(label, value=bool(el.get("value")), key=key)
    elif kind == "markdown":
        where.markdown(el["body"])
    elif kind == "caption":
        where.caption(el["body"])
    elif kind == "subheader":
        where.subheader(el["body"], anchor=False)
    elif kind == "code":
        where.code(el["body"], language=None)


for el in spec["sidebar"]:
    draw(el, st.sidebar)
for el in spec["before"]:
    draw(el, st)
with st.form("bare"):
    for el in spec["form"]:
        draw(el, st)
    left, right = st.columns(2)
    left.form_submit_button("back", width="stretch")
    right.form_submit_button("next", type="primary", width="stretch")

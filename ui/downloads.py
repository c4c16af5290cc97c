"""Downloads built only when clicked, and written to the audit log every time.

An eager `st.download_button(data=bytes)` puts the file on the server's /media route the
moment the page is drawn, fetchable by anyone who learns its address, and says nothing
about who took it. Here the data is a callable that Streamlit runs on the click (deferred
download); it builds the file and records the download. The file's address is then
handed to that browser only, and dropped when the session no longer shows it.

A coded error while building (e.g. I705, a cell too long for XLSX) cannot be drawn from
the click, which runs outside the page: it is kept and shown above the button on the
page's next run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from assessment.errors import AssessmentError
from ui.i18n import error_text
from ui.resources import repository

ERRORS_KEY = "download_errors"


def audited_download(
    container: Any,
    label: str,
    build: Callable[[], bytes | str],
    *,
    file_name: str,
    mime: str,
    key: str,
    actor: str,
    what: str,
    detail: Mapping[str, Any] | None = None,
    **button: Any,
) -> None:
    """A download button whose file is built on click and audited as `download` of `what`."""
    repo = repository()  # taken here: the click runs outside the page's script run
    errors: dict[str, AssessmentError] = st.session_state.setdefault(ERRORS_KEY, {})
    failed = errors.pop(key, None)
    if failed is not None:
        container.error(error_text(failed), icon=":material/warning:")
    extra = dict(detail or {})

    def built() -> bytes | str:
        try:
            data = build()
        except AssessmentError as err:
            errors[key] = err
            raise
        size = len(data.encode("utf-8") if isinstance(data, str) else data)
        repo.audit(actor, "download", what, file_name, {**extra, "bytes": size})
        return data

    container.download_button(
        label, data=built, file_name=file_name, mime=mime, key=key, on_click="ignore", **button
    )

"""Shared, process-wide resources cached at the UI edge: questionnaires, the repository, and
the start-up warm-up of the peer index."""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

import streamlit as st

from assessment.errors import AssessmentError
from assessment.questionnaire import QuestionnaireSet

QUESTIONNAIRES_ENV = "ASSESSMENT_QUESTIONNAIRES"

log = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def _questionnaires(folder: str | None) -> QuestionnaireSet:
    from assessment import load_questionnaires

    return load_questionnaires(folder)


def questionnaires() -> QuestionnaireSet:
    """The questionnaire set: $ASSESSMENT_QUESTIONNAIRES or the shipped folder.

    Raises AssessmentError (Q codes) when a file is broken; pages show a friendly message.
    """
    return _questionnaires(os.environ.get(QUESTIONNAIRES_ENV) or None)


@st.cache_resource(show_spinner=False)
def _repository(url: str) -> Any:
    from assessment.storage import Repository, open_database

    return Repository(open_database(url), questionnaires())


def repository() -> Any:
    """The storage repository for $DATABASE_URL (one engine per URL per process)."""
    from assessment.storage.db import database_url

    return _repository(database_url())


_CHECKERS: dict[str, Any] = {}
_CHECKERS_LOCK = threading.Lock()


def staff_check_repository() -> Any:
    """A repository for checks made outside any page run (server.py's upload limit).

    Held in this module, not in Streamlit's cache: no browser can clear it, and it needs no
    script context.
    """
    from assessment.storage import Repository, open_database
    from assessment.storage.db import database_url

    url = database_url()
    with _CHECKERS_LOCK:
        repo = _CHECKERS.get(url)
        if repo is None:
            repo = _CHECKERS[url] = Repository(open_database(url))
    return repo


def _build_peer_index() -> None:
    # The cached peer service (ui.peer_views.service) builds the index on its first call;
    # Streamlit holds a lock per cache entry while it does, so a page asking for it in the
    # meantime waits for this build instead of starting another.
    from ui.peer_views import service

    try:
        service()
    except AssessmentError as err:  # no active model, too few submissions, a refused model
        log.info("peer index not built at start-up: %s", err)
    except Exception:  # a thread has no page to show it on; the pages retry and show it
        log.exception("peer index warm-up failed")


@st.cache_resource(show_spinner=False)
def _peer_warm_up(url: str) -> threading.Thread:
    thread = threading.Thread(target=_build_peer_index, name="peer-index-warm-up", daemon=True)
    thread.start()
    return thread


def warm_peer_index() -> threading.Thread:
    """Start building the peer index in a background thread, once per process and database,
    so that the first results page finds it built (docs/peers.md, "Service and caching")."""
    from assessment.storage.db import database_url

    return _peer_warm_up(database_url())

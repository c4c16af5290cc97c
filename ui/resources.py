"""Shared, process-wide resources cached at the UI edge: questionnaires and the repository."""

from __future__ import annotations

import threading

import streamlit as st

from assessment import settings
from assessment.loader import load_questionnaires
from assessment.questionnaire import QuestionnaireSet
from assessment.storage import Repository, open_database
from assessment.storage.db import database_url


@st.cache_resource(show_spinner=False)
def _questionnaires(folder: str | None) -> QuestionnaireSet:
    return load_questionnaires(folder)


def questionnaires() -> QuestionnaireSet:
    """The questionnaire set: $ASSESSMENT_QUESTIONNAIRES or the shipped folder.

    Raises AssessmentError (Q codes) when a file is broken; pages show a friendly message.
    """
    folder = settings.QUESTIONNAIRES.get()
    result: QuestionnaireSet = _questionnaires(str(folder) if folder is not None else None)
    return result


@st.cache_resource(show_spinner=False)
def _repository(url: str) -> Repository:
    return Repository(open_database(url), questionnaires())


def repository() -> Repository:
    """The storage repository for $DATABASE_URL (one engine per URL per process)."""
    result: Repository = _repository(database_url())
    return result


_CHECKERS: dict[str, Repository] = {}
_CHECKERS_LOCK = threading.Lock()


def staff_check_repository() -> Repository:
    """A repository for checks made outside any page run (server.py's upload limit).

    Held in this module, not in Streamlit's cache: no browser can clear it, and it needs no
    script context.
    """
    url = database_url()
    with _CHECKERS_LOCK:
        repo = _CHECKERS.get(url)
        if repo is None:
            repo = _CHECKERS[url] = Repository(open_database(url))
    return repo

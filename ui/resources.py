"""Shared, process-wide resources cached at the UI edge: questionnaires, the repository, and
the start-up warm-up of the peer index."""

from __future__ import annotations

from typing import Any

import streamlit as st

from assessment import settings
from assessment.questionnaire import QuestionnaireSet


@st.cache_resource(show_spinner=False)
def _questionnaires(folder: str | None) -> QuestionnaireSet:
    from assessment import load_questionnaires

    return load_questionnaires(folder)


def questionnaires() -> QuestionnaireSet:
    """The questionnaire set: $ASSESSMENT_QUESTIONNAIRES or the shipped folder.

    Raises AssessmentError (Q codes) when a file is broken; pages show a friendly message.
    """
    folder = settings.QUESTIONNAIRES.get()
    return _questionnaires(str(folder) if folder is not None else None)


@st.cache_resource(show_spinner=False)
def _repository(url: str) -> Any:
    from assessment.storage import Repository, open_database

    return Repository(open_database(url), questionnaires())


def repository() -> Any:
    """The storage repository for $DATABASE_URL (one engine per URL per process)."""
    from assessment.storage.db import database_url

    return _repository(database_url())

"""Shared, process-wide resources cached at the UI edge: questionnaires and the repository."""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from assessment.questionnaire import QuestionnaireSet

QUESTIONNAIRES_ENV = "ASSESSMENT_QUESTIONNAIRES"


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

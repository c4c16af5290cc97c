"""Shared, process-wide resources cached at the UI edge: questionnaires and the repository."""

from __future__ import annotations

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

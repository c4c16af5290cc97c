"""Smart-manufacturing readiness assessment for Shanxi enterprises (pure Python, no Streamlit).

Public API:
    load_questionnaire(path) -> Questionnaire
    load_questionnaires(folder=None) -> QuestionnaireSet   (the shipped set by default)
    validate_answers(answers, qset) -> list[Problem]
    score_assessment(answers, qset) -> AssessmentResult
    score_batch(frame, qset) -> pandas.DataFrame
    cmmm_level(level_scores) -> (S, level)
"""

from __future__ import annotations

from assessment.answers import validate_answers
from assessment.errors import AssessmentError, Problem
from assessment.loader import load_questionnaire, load_questionnaires
from assessment.scoring import cmmm_level, score_assessment
from assessment.scoring_batch import score_batch

__version__ = "0.1.0"

__all__ = [
    "AssessmentError",
    "Problem",
    "cmmm_level",
    "load_questionnaire",
    "load_questionnaires",
    "score_assessment",
    "score_batch",
    "validate_answers",
]

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

from importlib import import_module
from typing import Any

from assessment.errors import AssessmentError, Problem

__version__ = "0.1.0"

_LAZY = {
    "load_questionnaire": "assessment.loader",
    "load_questionnaires": "assessment.loader",
    "validate_answers": "assessment.answers",
    "score_assessment": "assessment.scoring",
    "score_batch": "assessment.scoring",
    "cmmm_level": "assessment.scoring",
}

__all__ = ["AssessmentError", "Problem", *_LAZY]


def __getattr__(name: str) -> Any:
    # Lazy so that `import assessment` stays cheap (pandas/sklearn load on first use).
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'assessment' has no attribute {name!r}")
    return getattr(import_module(module), name)

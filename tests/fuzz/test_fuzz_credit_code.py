"""Property-based tests of the unified social credit code check (GB 32100-2015).

Any text gets a verdict (a reason or None), never an exception; a code built with the
check character always passes; and changing any one character of a valid code is caught,
because every weight is non-zero modulo the prime 31.
"""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from assessment.answers import coerce_answer
from assessment.errors import CATALOGUE, AssessmentError
from assessment.loader import load_questionnaires
from assessment.reference import (
    USCC_ALPHABET,
    is_valid_uscc,
    normalise_uscc,
    uscc_check_char,
    uscc_detail,
    uscc_problem,
)

BODIES = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17)
# Near misses: the code's own alphabet, the five excluded letters, lower case, full-width
# digits, spaces, and anything else unicode has (incl. lone surrogates).
ANY_CHAR = st.one_of(
    st.sampled_from(USCC_ALPHABET + "IOZSV" + USCC_ALPHABET.lower() + "０１２３ \t\u3000"),
    st.characters(codec=None),
)


CREDIT_CODE = load_questionnaires().item("profile.credit_code")


def valid_code(body: str) -> str:
    return body + uscc_check_char(body)


@given(st.one_of(st.text(alphabet=ANY_CHAR, max_size=40), BODIES.map(valid_code)))
def test_any_text_gets_a_verdict_or_a_coded_error(text: str) -> None:
    reason = uscc_problem(text)
    assert reason is None or (isinstance(reason, str) and reason)
    detail = uscc_detail(text)
    assert (detail is None) == (reason is None)
    if detail is not None:
        assert detail.zh and detail.en
    assert is_valid_uscc(text) == (reason is None)
    # The check character is computed, or refused with ValueError, for any 17 characters.
    try:
        check = uscc_check_char(text[:17])
    except ValueError:
        pass
    else:
        assert check in USCC_ALPHABET
    # As an answer: accepted (normalised) or refused with catalogue codes.
    try:
        value = coerce_answer(CREDIT_CODE, text)
    except AssessmentError as err:
        assert set(err.codes) <= set(CATALOGUE)
        # A212: a control character, refused before storage (issue 14, item 9).
        assert set(err.codes) <= {"A206", "A207", "A210", "A212"}
    else:
        assert value is None or is_valid_uscc(value)


@given(BODIES)
def test_a_code_built_with_its_check_character_is_valid(body: str) -> None:
    code = valid_code(body)
    assert uscc_problem(code) is None
    # As users type it: lower case, spaced in groups.
    typed = " ".join(code[i : i + 6] for i in range(0, 18, 6)).lower()
    assert uscc_problem(typed) is None
    assert normalise_uscc(typed) == code


@given(BODIES, st.integers(min_value=0, max_value=17), ANY_CHAR)
def test_any_single_character_change_is_detected(body: str, pos: int, new: str) -> None:
    code = valid_code(body)
    changed = code[:pos] + new + code[pos + 1 :]
    # A change that normalises away (same letter in lower case) is no change at all.
    assume(normalise_uscc(changed) != code)
    assert uscc_problem(changed) is not None, changed
    if pos < 17 and new in USCC_ALPHABET:
        # Only allowed characters: the check character alone catches the change, because
        # every weight is non-zero modulo the prime 31.
        assert "check character" in uscc_problem(changed)

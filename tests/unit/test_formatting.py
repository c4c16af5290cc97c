"""Numbers, scores, percentages and times as shown (assessment.formatting): one rounding rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from assessment import formatting
from assessment.formatting import MISSING


@pytest.mark.parametrize(
    ("value", "digits", "shown"),
    [
        (34.5, 0, "35"),  # half up, where f"{34.5:.0f}" and Babel alone give "34"
        (35.5, 0, "36"),
        (34.49, 0, "34"),
        (2.675, 2, "2.68"),  # at the decimal the user reads, not the binary float
        (0.125, 2, "0.13"),
        (-0.5, 0, "-1"),  # halves away from zero
        (-0.4, 0, "0"),  # never "-0"
        (100, 0, "100"),
        (3, 2, "3.00"),
        (Decimal("1.005"), 2, "1.01"),
    ],
)
def test_scores_round_half_up(value, digits, shown):
    for lang in ("zh", "en"):
        assert formatting.score(value, lang, digits) == shown


@pytest.mark.parametrize("value", [None, float("nan"), float("inf"), "n/a", True])
def test_a_missing_score_is_a_dash(value):
    assert formatting.score(value, "en") == MISSING


def test_large_numbers_are_grouped_in_both_languages():
    assert formatting.number(12345.5, "zh") == "12,346"
    assert formatting.number(12345.5, "en", 1) == "12,345.5"
    assert formatting.number(12345, "en", grouping=False) == "12345"


@pytest.mark.parametrize(
    ("fraction", "digits", "shown"),
    [
        (0.855, 0, "86%"),
        (0.125, 1, "12.5%"),
        (0.12345, 1, "12.3%"),
        (0.1235, 1, "12.4%"),
        (1, 0, "100%"),
    ],
)
def test_percentages(fraction, digits, shown):
    assert formatting.percent(fraction, "zh", digits) == shown
    assert formatting.percent(fraction, "en", digits) == shown


def test_numbers_for_table_cells_and_deltas():
    assert formatting.whole(34.5) == 35 and formatting.whole(None) is None
    assert formatting.round_half_up(0.25, 1) == 0.3 and formatting.round_half_up(-0.05, 1) == -0.1
    assert formatting.round_half_up(float("nan"), 1) is None


def test_times_are_shown_in_shanghai():
    late_utc = dt.datetime(2024, 5, 1, 20, 30, tzinfo=dt.UTC)
    assert formatting.timestamp(late_utc, "zh") == "2024-05-02 04:30"
    assert formatting.timestamp(late_utc.replace(tzinfo=None), "en") == "2024-05-02 04:30"
    assert formatting.date(late_utc, "en") == "2024-05-02"  # the date in Shanghai
    assert formatting.timestamp(None, "en") == MISSING


def test_dates_in_the_languages_styles():
    day = dt.date(2024, 5, 1)
    assert formatting.date(day, "zh") == "2024-05-01"
    assert formatting.date(day, "zh", "long") == "2024年5月1日"
    assert formatting.date(day, "en", "long") == "May 1, 2024"


def test_today_is_shanghais():
    now = dt.datetime.now(formatting.TIMEZONE).date()
    assert formatting.today() in (now, now + dt.timedelta(days=1))

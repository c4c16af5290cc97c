"""Numbers, scores, percentages, dates and times as a person reads them (Babel, zh_CN and en).

One rounding rule for everything shown: a value is rounded at its decimal representation
(the shortest repr of a float) with `decimal.ROUND_HALF_UP`, halves away from zero — 34.5
shows as 35, 2.675 as 2.68 at two digits, −0.5 as −1 — and only then given to Babel,
which would otherwise round half to even. The results page, the PDF report, the advisor
page and the staff pages format scores with `score`, so one score is never rounded two
ways (docs/app.md). Times are shown in Asia/Shanghai (China Standard Time, UTC+8).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

LOCALES: Mapping[str, str] = MappingProxyType({"zh": "zh_CN", "en": "en"})
TIMEZONE = ZoneInfo("Asia/Shanghai")
MISSING = "—"  # shown for a value that is not there (None, NaN)
# Dates and times in tables, notes and the report: ISO order in both languages (sortable,
# unambiguous); Babel's styles ("long": 2024年5月1日, May 1, 2024) are there for prose.
DATE = "yyyy-MM-dd"
TIMESTAMP = "yyyy-MM-dd HH:mm"


def _locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["zh"])


def rounded(value: Any, digits: int = 0) -> Decimal | None:
    """`value` rounded half up to `digits` decimals; None when it is None or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    except (TypeError, ValueError, InvalidOperation):
        return None
    if not exact.is_finite():
        return None
    out = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return abs(out) if out == 0 else out  # never "-0"


def whole(value: Any) -> int | None:
    """`value` rounded half up to a whole number, for numeric table cells; None if missing."""
    exact = rounded(value)
    return None if exact is None else int(exact)


def round_half_up(value: Any, digits: int = 0) -> float | None:
    """`value` rounded half up as a float (metric deltas, numeric cells); None if missing."""
    exact = rounded(value, digits)
    return None if exact is None else float(exact)


def _pattern(digits: int, grouping: bool) -> str:
    whole = "#,##0" if grouping else "0"
    return whole + ("." + "0" * digits if digits > 0 else "")


def number(value: Any, lang: str, digits: int = 0, *, grouping: bool = True) -> str:
    """A number with `digits` decimals in the language's style (— when missing)."""
    exact = rounded(value, digits)
    if exact is None:
        return MISSING
    return format_decimal(exact, format=_pattern(digits, grouping), locale=_locale(lang))


def score(value: Any, lang: str, digits: int = 0) -> str:
    """A score (0–100, a level, an index, S) as every page and the report show it."""
    return number(value, lang, digits)


def percent(fraction: Any, lang: str, digits: int = 0) -> str:
    """A fraction (0.855) as a percentage ("86%") with `digits` decimals (— when missing)."""
    # Rounding the fraction at digits + 2 decimals is rounding the percentage at digits.
    exact = rounded(fraction, digits + 2)
    if exact is None:
        return MISSING
    return format_percent(exact, format=_pattern(digits, True) + "%", locale=_locale(lang))


def _in_shanghai(value: dt.datetime) -> dt.datetime:
    # Stored times are UTC; a naive one (SQLite) is read as UTC too.
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(TIMEZONE)


def date(value: dt.date | dt.datetime | None, lang: str, format: str = DATE) -> str:
    """A date ("2024-05-01"); a datetime is first put into Asia/Shanghai.

    `format` is a CLDR pattern or one of Babel's styles (short, medium, long, full).
    """
    if value is None:
        return MISSING
    if isinstance(value, dt.datetime):
        value = _in_shanghai(value).date()
    return format_date(value, format=format, locale=_locale(lang))


def timestamp(value: dt.datetime | None, lang: str, format: str = TIMESTAMP) -> str:
    """A moment in Asia/Shanghai time ("2024-05-01 20:30" by default)."""
    if value is None:
        return MISSING
    return format_datetime(
        _in_shanghai(value), format=format, tzinfo=TIMEZONE, locale=_locale(lang)
    )


def today() -> dt.date:
    """Today's date in Asia/Shanghai."""
    return dt.datetime.now(TIMEZONE).date()

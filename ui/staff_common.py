"""What the staff pages share: code labels, number formats, the filter bar, and cached
loaders keyed by the database's data version. Their texts are the catalogue's `staff.*`
keys (assessment/catalogue/)."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import streamlit as st

from assessment import formatting
from assessment.dashboard import Filters
from assessment.programs import ProgramSet, load_programs
from assessment.reference import CITIES, INDUSTRIES, SIZES
from assessment.spreadsheets import check_xlsx_frame, neutralise
from assessment.storage.db import display_url
from assessment.storage.queries import city_ranking, dashboard
from ui.i18n import lang, t
from ui.resources import questionnaires, repository

LEVELS = (0, 1, 2, 3, 4, 5)
# The database and a value that changes when its assessments change (`version()`).
DataVersion = tuple[str, int, str]


# --- labels ------------------------------------------------------------------------------

_CITY = {c.code: c.label for c in CITIES}
_INDUSTRY = {i.code: i.label for i in INDUSTRIES}


def city_label(code: Any) -> str:
    label = _CITY.get(code)
    return label.get(lang()) if label else str(code)


def industry_label(code: Any) -> str:
    label = _INDUSTRY.get(code)
    return label.get(lang()) if label else str(code)


def size_label(code: Any) -> str:
    return t(f"size.{code}") if code in SIZES else "—"


def level_label(level: Any) -> str:
    if level is None or (isinstance(level, float) and level != level):
        return "—"
    return t("level.n", n=int(level))


def pct(value: float | None, digits: int = 1) -> str:
    """A share (0–1) as a percentage in the session's language."""
    return formatting.percent(value, lang(), digits)


def num(value: float | None, digits: int = 1) -> str:
    """A number (a score, a mean level) with the one rounding rule."""
    return formatting.score(value, lang(), digits)


# --- data ----------------------------------------------------------------------------------


def version() -> DataVersion:
    """The database and a value that changes when its assessments change: a cache key."""
    db = repository().engine
    return (display_url(db), *dashboard.data_version(db))


@st.cache_data(show_spinner=False, max_entries=64)
def cached(name: str, filters: Filters, data_version: DataVersion, *args: Any) -> Any:
    """A dashboard function's result for these filters at this data version."""
    del data_version  # only part of the cache key
    return getattr(dashboard, name)(repository().engine, filters, *args)


@st.cache_resource(show_spinner=False)
def programs() -> ProgramSet:
    """The eight programs (questionnaires/programs.yaml), loaded once per process."""
    return load_programs(qset=questionnaires())


@st.cache_data(show_spinner=False, max_entries=16)
def city_table(year: int, data_version: DataVersion) -> pd.DataFrame:
    """The §4(4) table for `year` at this data version (program matching is the slow part)."""
    del data_version  # only part of the cache key
    return city_ranking.city_assessment(repository().engine, questionnaires(), year, programs())


def years() -> list[int]:
    """The years with submitted assessments (the filter bar's choices)."""
    return city_ranking.years(repository().engine)


def filter_bar(key: str, *, with_level: bool = True) -> Filters:
    """Year, city, industry, size class and level selectors; returns the Filters."""
    all_years = years()
    cols = st.columns(5 if with_level else 4)
    year = cols[0].selectbox(
        t("staff.filter.year"),
        [None, *all_years],
        format_func=lambda v: t("staff.filter.all") if v is None else str(v),
        index=1 if all_years else 0,
        key=f"{key}:year",
    )
    city = cols[1].selectbox(
        t("staff.filter.city"),
        [None, *(c.code for c in CITIES)],
        format_func=lambda v: t("staff.filter.all") if v is None else city_label(v),
        key=f"{key}:city",
    )
    industry = cols[2].selectbox(
        t("staff.filter.industry"),
        [None, *(i.code for i in INDUSTRIES)],
        format_func=lambda v: t("staff.filter.all") if v is None else industry_label(v),
        key=f"{key}:industry",
    )
    size = cols[3].selectbox(
        t("staff.filter.size"),
        [None, *SIZES],
        format_func=lambda v: t("staff.filter.all") if v is None else size_label(v),
        key=f"{key}:size",
    )
    level = None
    if with_level:
        level = cols[4].selectbox(
            t("staff.filter.level"),
            [None, *LEVELS],
            format_func=lambda v: t("staff.filter.all") if v is None else level_label(v),
            key=f"{key}:level",
        )
    return Filters(year=year, city=city, industry=industry, size_class=size, level=level)


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """Codes in a frame (city, industry, size_class) shown as labels in the current language."""
    out = frame.copy()
    for column, fn in (
        ("city", city_label),
        ("industry", industry_label),
        ("size_class", size_label),
    ):
        if column in out:
            out[column] = out[column].map(fn)
    return out


# --- downloads -----------------------------------------------------------------------------


def safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells neutralised against formula injection (spreadsheets.neutralise)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    return out.rename(columns=lambda c: neutralise(str(c)))


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with BOM (Excel opens Chinese correctly), cells neutralised."""
    return safe(frame).to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    """One-sheet XLSX, cells neutralised; I705 rather than a cell cut at 32,767 characters."""
    check_xlsx_frame(frame)
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        safe(frame).to_excel(writer, index=False, sheet_name=sheet)
    return out.getvalue()

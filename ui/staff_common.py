"""What the staff pages share: their strings (ui/i18n_staff.yaml), code labels, the filter
bar, and cached loaders keyed by the database's data version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
import yaml

from assessment import city_ranking, dashboard
from assessment.dashboard import Filters
from assessment.reference import CITIES, INDUSTRIES
from ui.i18n import lang
from ui.resources import questionnaires, repository

CATALOG = Path(__file__).resolve().parent / "i18n_staff.yaml"
SIZES = ("large", "medium", "small", "micro")
LEVELS = (0, 1, 2, 3, 4, 5)


def load_catalog(path: Path = CATALOG) -> dict[str, dict[str, str]]:
    """{key: {"zh": …, "en": …}} from the staff catalog."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return {str(k): {str(lg): str(v) for lg, v in texts.items()} for k, texts in data.items()}


@st.cache_resource
def _catalog() -> dict[str, dict[str, str]]:
    return load_catalog()


def s(key: str, **params: Any) -> str:
    """A staff UI string in the current language."""
    texts = _catalog().get(key)
    raw = key if texts is None else texts.get(lang(), texts.get("zh", key))
    if params:
        try:
            return raw.format(**params)
        except (KeyError, IndexError, ValueError):
            return raw
    return raw


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
    return s(f"size.{code}") if code in SIZES else "—"


def level_label(level: Any) -> str:
    if level is None or (isinstance(level, float) and level != level):
        return "—"
    return s("level.n", n=int(level))


def pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None or value != value else f"{value * 100:.{digits}f}%"


def num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None or value != value else f"{value:.{digits}f}"


# --- data ----------------------------------------------------------------------------------


def engine():
    return repository().engine


def version() -> tuple[str, int, str]:
    """The database and a value that changes when its assessments change: a cache key."""
    db = engine()
    return (db.url.render_as_string(hide_password=True), *dashboard.data_version(db))


@st.cache_data(show_spinner=False, max_entries=64)
def cached(name: str, filters: Filters, data_version: tuple[str, int, str], *args: Any) -> Any:
    """A dashboard function's result for these filters at this data version."""
    del data_version  # only part of the cache key
    return getattr(dashboard, name)(engine(), filters, *args)


@st.cache_resource(show_spinner=False)
def programs():
    from assessment.programs import load_programs

    return load_programs(qset=questionnaires())


@st.cache_data(show_spinner=False, max_entries=16)
def city_table(year: int, data_version: tuple[str, int, str]) -> pd.DataFrame:
    """The §4(4) table for `year` at this data version (program matching is the slow part)."""
    del data_version  # only part of the cache key
    return city_ranking.city_assessment(engine(), questionnaires(), year, programs())


def years() -> list[int]:
    return city_ranking.years(engine())


def filter_bar(key: str, *, with_level: bool = True) -> Filters:
    """Year, city, industry, size class and level selectors; returns the Filters."""
    all_years = years()
    cols = st.columns(5 if with_level else 4)
    year = cols[0].selectbox(
        s("filter.year"),
        [None, *all_years],
        format_func=lambda v: s("filter.all") if v is None else str(v),
        index=1 if all_years else 0,
        key=f"{key}:year",
    )
    city = cols[1].selectbox(
        s("filter.city"),
        [None, *(c.code for c in CITIES)],
        format_func=lambda v: s("filter.all") if v is None else city_label(v),
        key=f"{key}:city",
    )
    industry = cols[2].selectbox(
        s("filter.industry"),
        [None, *(i.code for i in INDUSTRIES)],
        format_func=lambda v: s("filter.all") if v is None else industry_label(v),
        key=f"{key}:industry",
    )
    size = cols[3].selectbox(
        s("filter.size"),
        [None, *SIZES],
        format_func=lambda v: s("filter.all") if v is None else size_label(v),
        key=f"{key}:size",
    )
    level = None
    if with_level:
        level = cols[4].selectbox(
            s("filter.level"),
            [None, *LEVELS],
            format_func=lambda v: s("filter.all") if v is None else level_label(v),
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
    from assessment.spreadsheets import neutralise

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
    import io

    from assessment.spreadsheets import check_xlsx_frame

    check_xlsx_frame(frame)
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        safe(frame).to_excel(writer, index=False, sheet_name=sheet)
    return out.getvalue()

"""The raw SQL behind the staff dashboard: the limit its aggregation is compared with.

Each query below returns the same numbers as the `assessment.dashboard` function of the
same name, written by hand as one SQL string and run on the bare DBAPI cursor (no
SQLAlchemy compilation, no result processing, no DataFrame). `render_sql` runs the set of
queries that one render of ui/staff_dashboard.py needs.
"""

from __future__ import annotations

from typing import Any

from assessment.dashboard import EQUIPMENT_LEVEL, EQUIPMENT_SIZES, KEY_INDUSTRIES, Filters

FROM = (
    " FROM assessments a JOIN enterprises e ON e.id = a.enterprise_id"
    " JOIN scores s ON s.assessment_id = a.id"
)


def _where(f: Filters, *, year: bool = True) -> str:
    parts = ["a.status = 'submitted'"]
    if year and f.year is not None:
        parts.append(f"a.year = {int(f.year)}")
    for column, value in (
        ("e.city", f.city),
        ("e.industry", f.industry),
        ("e.size_class", f.size_class),
    ):
        if value is not None:
            parts.append(f"{column} = '{value}'")  # codes from reference data, no quotes
    if f.level is not None:
        parts.append(f"s.cmmm_level = {int(f.level)}")
    return " WHERE " + " AND ".join(parts)  # fmt: skip


def _rollup_where(f: Filters) -> str:
    parts = []
    for column, value in (
        ("r.year", f.year),
        ("r.city", f.city),
        ("r.industry", f.industry),
        ("r.size_class", f.size_class),
        ("r.level", f.level),
    ):
        if value is not None:
            parts.append(
                f" AND {column} = {value!r}"
                if isinstance(value, str)
                else f" AND {column} = {int(value)}"
            )
    return "".join(parts)  # fmt: skip


def queries(dialect: str, f: Filters, keys: list[str]) -> dict[str, str]:
    """name → SQL for one dashboard render with filters f."""
    real = "DOUBLE PRECISION" if dialect == "postgresql" else "REAL"
    lv3 = f"AVG(CASE WHEN s.cmmm_level >= {EQUIPMENT_LEVEL} THEN 1.0 ELSE 0.0 END)"
    this, last = "s.invest_this_year", "s.invest_last_year"
    w, wy = _where(f), _where(f, year=False)
    sizes = ", ".join(f"'{x}'" for x in EQUIPMENT_SIZES)
    inds = ", ".join(f"'{x}'" for x in KEY_INDUSTRIES)
    key_list = ", ".join(f"'{k}'" for k in keys)
    invest = f"{this} IS NOT NULL AND {last} > 0"
    equip = f"e.size_class IN ({sizes}) AND e.industry IN ({inds})"
    return {
        "data_version": "SELECT COUNT(a.id), MAX(a.updated_at) FROM assessments a",
        "years": "SELECT a.year FROM assessments a WHERE a.status = 'submitted' "
        "GROUP BY a.year ORDER BY a.year DESC",
        "overview": f"SELECT COUNT(a.id), COUNT(DISTINCT a.enterprise_id), "
        f"AVG(CAST(s.cmmm_level AS {real})), {lv3}, AVG(CAST(s.readiness_score AS {real})), "
        f"AVG(CAST(s.cmmm_score AS {real})), AVG(CAST(s.green_score AS {real})), "
        f"AVG(CAST(s.integration_index AS {real})), "
        f"SUM(CASE WHEN {invest} THEN {this} END), SUM(CASE WHEN {invest} THEN {last} END), "
        f"COUNT(CASE WHEN {invest} THEN 1 END), SUM(CASE WHEN {equip} THEN CASE WHEN "
        f"s.cmmm_level >= {EQUIPMENT_LEVEL} THEN 1.0 ELSE 0.0 END END), "
        f"COUNT(CASE WHEN {equip} THEN 1 END){FROM}{w}",
        "levels": f"SELECT e.city, e.industry, s.cmmm_level, COUNT(a.id){FROM}{w} "
        "GROUP BY e.city, e.industry, s.cmmm_level",
        "subdomain_heatmap": f"SELECT r.industry, r.key, CAST(SUM(r.total) AS {real}) / "
        "NULLIF(SUM(r.answered), 0), SUM(r.answered) FROM score_rollup r "
        f"WHERE r.key IN ({key_list}){_rollup_where(f)} GROUP BY r.industry, r.key",
        "trend": f"SELECT a.year, COUNT(a.id), AVG(CAST(s.cmmm_level AS {real})), {lv3}, "
        f"AVG(CAST(s.readiness_score AS {real})){FROM}{wy} GROUP BY a.year",
        "investment_by_year": f"SELECT a.year, SUM({this}), SUM({last}), COUNT(a.id){FROM}{wy} "
        f"AND ({this}) IS NOT NULL AND ({last}) > 0 GROUP BY a.year",
        "assessments_table": "SELECT a.id, e.name, e.credit_code, e.city, e.industry, "
        "e.size_class, a.year, s.cmmm_level, s.cmmm_score, s.green_score, s.integration_index, "
        f"s.readiness_score, s.confidence{FROM}{w} "
        "ORDER BY a.year DESC, s.readiness_score DESC, a.id LIMIT 1000",
    }


def run_sql(raw_connection: Any, sql: dict[str, str]) -> dict[str, list]:
    """Run each query on a DBAPI connection; name → fetched rows."""
    cur = raw_connection.cursor()
    try:
        out = {}
        for name, q in sql.items():
            cur.execute(q)
            out[name] = cur.fetchall()
        return out
    finally:
        cur.close()

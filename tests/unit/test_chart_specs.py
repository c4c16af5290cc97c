"""`charts.vega_spec`: the cached, unvalidated spec the pages draw equals Altair's own
validated `to_dict()` without a theme (what `st.altair_chart` would send), for every chart
builder the results page and the peer widget cache."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

from assessment.charts import AreaPoint, bar_chart, history_chart, radar_chart, vega_spec
from ui.peer_views import comparison_chart, gap_chart, percentile_chart

POINTS = [AreaPoint(f"im.d{i}", f"领域 {i}", 12.5 * i, "") for i in range(7)]
POINTS[3] = AreaPoint("im.d3", "No data", None, "")
PCT = pd.DataFrame(
    {
        "area": ["CMMM", "Green", "CMMM", "Green"],
        "group": ["All", "All", "Peer cluster (成长型)", "Peer cluster (成长型)"],
        "percentile": [40.0, 72.5, 55.0, 90.0],
        "median": [50.0, 60.0, 48.0, 61.0],
        "top_quartile": [70.0, 75.0, 66.0, 80.0],
    }
)
GAPS = pd.DataFrame({"area": ["CMMM", "Green"], "gap": [12.5, 3.0]})
COMPARE = pd.DataFrame(
    {
        "area": ["CMMM", "CMMM", "Green"],
        "series": ["This enterprise", "Cluster mean", "This enterprise"],
        "value": [40.0, 55.0, 70.0],
    }
)

CHARTS = {
    "bar": lambda: bar_chart(POINTS),
    "bar_empty": lambda: bar_chart([]),
    "radar": lambda: radar_chart(POINTS, size=620),
    "radar_compare": lambda: radar_chart(POINTS, compare=POINTS[::-1], series=("2026", "2025")),
    "history": lambda: history_chart(
        [
            {"year": 2025, "measure": "CMMM", "value": 30.0},
            {"year": 2026, "measure": "CMMM", "value": 41.5},
        ]
    ),
    "percentile": lambda: percentile_chart(PCT, "en"),
    "gap": lambda: gap_chart(GAPS, "zh"),
    "comparison": lambda: comparison_chart(COMPARE, "en"),
}


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_spec_is_altairs_validated_spec_without_a_theme(name):
    chart = CHARTS[name]()
    with alt.theme.enable("none"):
        validated = chart.to_dict(validate=True)  # raises if the spec breaks the schema
    assert vega_spec(chart) == validated


def test_spec_leaves_the_default_theme_out():
    spec = vega_spec(bar_chart(POINTS))
    assert "continuousWidth" not in str(spec.get("config", {}))
    assert spec["$schema"] == alt.SCHEMA_URL

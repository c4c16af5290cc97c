"""Chart data and Altair chart builders for results (pure Python; no Streamlit).

The radar is drawn from computed coordinates (`radar_points`) so that the same geometry
serves the app (Altair) and the PDF report (matplotlib).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import altair as alt

from assessment.numbers import finite
from assessment.questionnaire import QuestionnaireSet, Text

SCALE_MAX = 100.0
RINGS: tuple[float, ...] = (20.0, 40.0, 60.0, 80.0, 100.0)
BRAND = "#b3261e"
MUTED = "#9e9e9e"


@dataclass(frozen=True, slots=True)
class AreaPoint:
    """One area (domain or sub-domain) to chart: its id, label and score (None = no data)."""

    id: str
    label: str
    score: float | None
    group: str = ""


@dataclass(frozen=True, slots=True)
class RadarVertex:
    """A radar vertex: the axis angle (radians, 0 = up, clockwise) and x/y for its value."""

    axis: int
    label: str
    value: float
    angle: float
    x: float
    y: float


def area_label(qset: QuestionnaireSet, area_id: str) -> Text:
    """The display label of a domain, area, block or sub-domain id."""
    q = qset.get(area_id.split(".", 1)[0])
    if q is not None:
        for section in q.sections:
            if section.id == area_id:
                return section.label
            for sub in section.subdomains:
                if sub.id == area_id:
                    return sub.label
    return Text(area_id, area_id)


class ScoredArea(Protocol):
    """What a chart reads of an area score (AreaScore, report.Area, …): its id and score."""

    @property
    def id(self) -> str: ...

    @property
    def score(self) -> float | None: ...


def area_points(
    areas: Iterable[ScoredArea], qset: QuestionnaireSet, lang: str, group: str = ""
) -> list[AreaPoint]:
    """AreaScore-like objects (id, score) as labelled chart points."""
    return [
        AreaPoint(a.id, area_label(qset, a.id).get(lang), finite(a.score), group) for a in areas
    ]


def _xy(angle: float, radius: float) -> tuple[float, float]:
    # Angle 0 points up and grows clockwise, the way radar charts are read.
    return radius * math.sin(angle), radius * math.cos(angle)


def radar_points(points: Sequence[AreaPoint], scale_max: float = SCALE_MAX) -> list[RadarVertex]:
    """Vertices of the radar polygon, one per axis; a missing score is drawn as 0."""
    n = len(points)
    out = []
    for i, p in enumerate(points):
        angle = 2 * math.pi * i / n if n else 0.0
        value = max(0.0, min(scale_max, p.score or 0.0))
        x, y = _xy(angle, value / scale_max)
        out.append(RadarVertex(i, p.label, value, angle, x, y))
    return out


def radar_grid(
    n: int, rings: Sequence[float] = RINGS, scale_max: float = SCALE_MAX
) -> list[dict[str, float]]:
    """Rows (ring, order, x, y) of the concentric grid polygons, each closed."""
    rows = []
    for ring in rings:
        for i in range(n + 1):
            x, y = _xy(2 * math.pi * (i % n) / n, ring / scale_max)
            rows.append({"ring": ring, "order": i, "x": x, "y": y})
    return rows


def _polygon_rows(vertices: Sequence[RadarVertex], series: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = [
        {"series": series, "order": v.axis, "x": v.x, "y": v.y, "label": v.label, "value": v.value}
        for v in vertices
    ]
    if rows:
        rows.append({**rows[0], "order": len(rows)})  # close the polygon
    return rows


def radar_chart(
    points: Sequence[AreaPoint],
    *,
    compare: Sequence[AreaPoint] | None = None,
    series: tuple[str, str] = ("", ""),
    size: int = 460,
) -> alt.TopLevelMixin:
    """An Altair radar of 0–100 scores (optionally with a second, comparison polygon)."""
    n = len(points)
    # Room beside the circle for the longest axis label (in radii; a Latin character at
    # 12 px is about 0.035 of a 190 px radius), and a height that keeps the circle round.
    longest = max((_text_width(p.label) for p in points), default=0)
    half_width = min(2.4, 1.2 + 0.035 * longest)
    height = int(size * 2.5 / (2 * half_width))
    grid = alt.Chart(_data(radar_grid(n))).mark_line(color="#dddddd", strokeWidth=1)
    grid = grid.encode(
        x=alt.X("x:Q", axis=None, scale=alt.Scale(domain=[-half_width, half_width])),
        y=alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[-1.25, 1.25])),
        detail="ring:N",
        order="order:Q",
    )
    spokes_rows = []
    for i in range(n):
        x, y = _xy(2 * math.pi * i / n, 1.0)
        spokes_rows += [{"axis": i, "x": 0.0, "y": 0.0}, {"axis": i, "x": x, "y": y}]
    spokes = (
        alt.Chart(_data(spokes_rows))
        .mark_line(color="#dddddd", strokeWidth=1)
        .encode(x="x:Q", y="y:Q", detail="axis:N")
    )
    rows = _polygon_rows(radar_points(points), series[0] or "current")
    colors = [BRAND]
    if compare is not None:
        rows += _polygon_rows(radar_points(compare), series[1] or "compare")
        colors.append(MUTED)
    domain = [series[0] or "current"] + ([series[1] or "compare"] if compare is not None else [])
    legend = alt.Legend(title=None, orient="bottom") if compare is not None else None
    shape = (
        alt.Chart(_data(rows))
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x="x:Q",
            y="y:Q",
            order="order:Q",
            color=alt.Color(
                "series:N", scale=alt.Scale(domain=domain, range=colors), legend=legend
            ),
            tooltip=[alt.Tooltip("label:N"), alt.Tooltip("value:Q", format=".0f")],
        )
    )
    label_rows = []
    for i, p in enumerate(points):
        x, y = _xy(2 * math.pi * i / n, 1.16)
        align = "center" if abs(x) < 0.2 else ("left" if x > 0 else "right")
        label_rows.append({"x": x, "y": y, "label": p.label, "align": align})
    labels = []
    aligns: tuple[Literal["left", "right", "center"], ...] = ("left", "right", "center")
    for align in aligns:
        subset = [r for r in label_rows if r["align"] == align]
        if subset:
            labels.append(
                alt.Chart(_data(subset))
                .mark_text(align=align, fontSize=12, color="#333333")
                .encode(x="x:Q", y="y:Q", text="label:N")
            )
    # altair's configure_*() and mark_*() are unannotated (they return Any): a stub gap.
    return (  # type: ignore[no-any-return]
        alt.layer(grid, spokes, shape, *labels)
        .properties(width=size, height=height)
        .configure_view(stroke=None)
    )


def _data(rows: Sequence[Mapping[str, object]]) -> alt.Data:
    """Rows inlined in the spec as Vega-Lite `values`."""
    # altair's generated schema classes have unannotated __init__ (a stub gap, not our code).
    return alt.Data(values=list(rows))  # type: ignore[no-untyped-call]


def _text_width(text: str) -> float:
    # A CJK character is about twice as wide as a Latin one.
    return sum(2.0 if ord(ch) > 0x2E80 else 1.0 for ch in text)


def bar_chart(
    points: Sequence[AreaPoint], *, title: str = "", height_per_bar: int = 32
) -> alt.LayerChart:
    """Horizontal bars of 0–100 scores, one per area, in the given order."""
    rows = [
        {"label": p.label, "score": p.score if p.score is not None else 0.0, "group": p.group}
        for p in points
    ]
    order = [p.label for p in points]
    base = alt.Chart(_data(rows)).encode(
        y=alt.Y(
            "label:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False)
        ),
        x=alt.X("score:Q", scale=alt.Scale(domain=[0, 100]), title=None),
    )
    bars = base.mark_bar(color=BRAND, cornerRadiusEnd=2)
    text = base.mark_text(align="left", dx=4, color="#333333").encode(
        text=alt.Text("score:Q", format=".0f")
    )
    chart = (bars + text).properties(height=max(60, height_per_bar * len(rows)))
    # A LayerChart; typed Any because altair's mark_*() returns Any (a stub gap).
    return chart.properties(title=title) if title else chart  # type: ignore[no-any-return]


def history_chart(rows: Sequence[Mapping[str, object]], *, value_title: str = "") -> alt.Chart:
    """Lines of key scores by year: rows are {"year", "measure", "value"}."""
    return (  # type: ignore[no-any-return]  # altair's mark_*() returns Any
        alt.Chart(_data(rows))
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title=None),
            y=alt.Y("value:Q", scale=alt.Scale(domain=[0, 100]), title=value_title or None),
            color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=["year:O", "measure:N", alt.Tooltip("value:Q", format=".1f")],
        )
        .properties(height=240)
    )


def vega_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The Vega-Lite spec of an Altair chart as Streamlit draws it, without validation.

    Streamlit's `altair_chart` validates the whole spec against the Vega-Lite schema on
    every rerun (most of a results-page rerun); the UI caches this dict instead and draws
    it with `st.vega_lite_chart`. The builders here are checked to validate in
    tests/unit/test_chart_specs.py. Like Streamlit, no Altair theme is applied: the
    default theme's 300 px view defaults are left out (Altair adds the theme, `$schema`
    and the collected datasets only at the top level, which this does by hand).
    """
    datasets: dict[str, Any] = {}
    spec = chart.to_dict(validate=False, context={"top_level": False, "datasets": datasets})
    spec["$schema"] = alt.SCHEMA_URL
    if datasets:
        spec["datasets"] = datasets
    return spec


def strongest_weakest(
    points: Sequence[AreaPoint], n: int = 3
) -> tuple[list[AreaPoint], list[AreaPoint]]:
    """Up to n highest- and n lowest-scoring areas with data, never the same area twice."""
    scored = [p for p in points if p.score is not None]
    ranked = sorted(scored, key=lambda p: -(p.score or 0.0))  # stable: ties keep order
    n_worst = min(n, len(ranked) // 2)
    n_best = min(n, len(ranked) - n_worst)
    worst = ranked[len(ranked) - n_worst :][::-1] if n_worst else []
    return ranked[:n_best], worst

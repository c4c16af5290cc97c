"""Chart geometry and the Altair chart builders."""

from __future__ import annotations

import math

import pytest

from assessment import load_questionnaires
from assessment.charts import (
    AreaPoint,
    area_label,
    area_points,
    bar_chart,
    history_chart,
    radar_chart,
    radar_grid,
    radar_points,
    strongest_weakest,
)
from assessment.questionnaire import Text


def _pts(*scores):
    return [AreaPoint(f"a{i}", f"A{i}", s) for i, s in enumerate(scores)]


@pytest.mark.parametrize(
    ("scores", "expected_xy"),
    [
        ((100, 100, 100, 100), [(0, 1), (1, 0), (0, -1), (-1, 0)]),  # up, right, down, left
        ((50, 0, 25, 100), [(0, 0.5), (0, 0), (0, -0.25), (-1, 0)]),
        ((None, 150, -10, 100), [(0, 0), (1, 0), (0, 0), (-1, 0)]),  # None → 0; clamped
    ],
)
def test_radar_vertices_start_up_and_go_clockwise(scores, expected_xy):
    vertices = radar_points(_pts(*scores))
    for v, (x, y) in zip(vertices, expected_xy, strict=True):
        assert v.x == pytest.approx(x, abs=1e-9)
        assert v.y == pytest.approx(y, abs=1e-9)
        assert 0 <= v.value <= 100


def test_radar_grid_rings_are_closed_polygons():
    rows = radar_grid(5, rings=(50, 100))
    assert len(rows) == 2 * 6
    for ring in (50, 100):
        ring_rows = [r for r in rows if r["ring"] == ring]
        assert ring_rows[0]["x"] == pytest.approx(ring_rows[-1]["x"])
        assert ring_rows[0]["y"] == pytest.approx(ring_rows[-1]["y"])
        for r in ring_rows:
            assert math.hypot(r["x"], r["y"]) == pytest.approx(ring / 100)


@pytest.mark.parametrize(
    ("scores", "best", "worst"),
    [
        ((90, 10, 50, 70, 30), ["a0", "a3", "a2"], ["a1", "a4"]),
        ((None, 40, 60), ["a2"], ["a1"]),  # two with data: one each, never both
        ((70,), ["a0"], []),
        ((None, None), [], []),
    ],
)
def test_strongest_and_weakest(scores, best, worst):
    top, bottom = strongest_weakest(_pts(*scores))
    assert [p.id for p in top] == best
    assert [p.id for p in bottom] == worst


def test_area_labels_come_from_the_questionnaires():
    qset = load_questionnaires()
    section = qset["im"].sections[0]
    assert area_label(qset, section.id) == section.label
    sub = section.subdomains[0]
    assert area_label(qset, sub.id) == sub.label
    assert area_label(qset, "im.nowhere") == Text("im.nowhere", "im.nowhere")
    area = type("A", (), {"id": section.id, "score": float("nan")})()
    (point,) = area_points([area], qset, "en")
    assert point.label == section.label.en and point.score is None


def test_chart_builders_make_valid_vega_lite():
    points = _pts(80, 60, None, 40, 20)
    radar = radar_chart(points, compare=_pts(50, 50, 50, 50, 50), series=("2026", "2025")).to_dict()
    assert radar["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    shape = radar["layer"][2]
    values = shape["data"]["values"]
    assert {r["series"] for r in values} == {"2026", "2025"}
    assert len(values) == 2 * (len(points) + 1)  # two closed polygons
    bars = bar_chart(points, title="T").to_dict()
    assert bars["title"] == "T"
    rows = [
        {"year": 2025, "measure": "m", "value": 1.0},
        {"year": 2026, "measure": "m", "value": 2},
    ]
    history = history_chart(rows).to_dict()
    assert history["mark"]["type"] == "line"
    assert history["encoding"]["y"]["scale"]["domain"] == [0, 100]

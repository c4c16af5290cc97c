"""score_batch gives the same numbers as score_assessment, row by row, and rejects bad cells."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _answer_gen import random_answers
from _scoring_builders import WORKED, qset

from assessment.errors import AssessmentError
from assessment.expressions import parse
from assessment.questionnaire import Constraint, QuestionnaireSet
from assessment.scoring import flat_keys, score_assessment
from assessment.scoring_batch import score_batch

ROOT = Path(__file__).resolve().parents[2]
QSET = qset()


def assert_same(batch: pd.DataFrame, rows: list[dict], qset: QuestionnaireSet) -> None:
    single = pd.DataFrame([score_assessment(r, qset).flat() for r in rows], index=batch.index)
    assert list(batch.columns) == list(single.columns)
    both_nan = batch.isna() & single.isna()
    close = (batch - single).abs() <= 1e-9
    mismatched = ~(both_nan | close)
    assert not mismatched.values.any(), batch[mismatched.any(axis=1)].T


def test_worked_example_rows_equal_single():
    rows = [
        WORKED,
        {**WORKED, "profile.production_type": "process"},
        {**WORKED, "green.energy.permit": False, "im.a.x.l1.a2": "dont_know"},
        {**WORKED, "profile.industry": "coking", "green.energy.unit": 130},
        {"profile.production_type": "discrete"},
    ]
    assert_same(score_batch(pd.DataFrame(rows), QSET), rows, QSET)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_answer_sets_equal_single_on_builders(seed):
    rng = random.Random(seed)
    rows = [random_answers(QSET, rng) for _ in range(150)]
    frame = pd.DataFrame(rows, index=[f"a{i}" for i in range(150)])
    batch = score_batch(frame, QSET)
    assert list(batch.index) == list(frame.index)
    assert_same(batch, rows, QSET)
    # the random sets do exercise every path
    assert (frame == "dont_know").values.any()
    assert batch["green.veto"].sum() > 0


def test_random_answer_sets_equal_single_on_shipped_questionnaires(shipped):
    rng = random.Random(7)
    rows = [random_answers(shipped, rng) for _ in range(200)]
    # lift some rows towards higher levels so the stop rule is exercised at every level
    for i, row in enumerate(rows[:120]):
        floor = ["partial", "most", "full"][i % 3]
        for key, value in row.items():
            if key.startswith("im.") and value in ("none", "partial") and rng.random() < 0.8:
                row[key] = floor
    assert_same(score_batch(pd.DataFrame(rows), shipped), rows, shipped)


def test_examples_equal_single(shipped, examples):
    rows = [answers for _, answers in examples]
    assert_same(score_batch(pd.DataFrame(rows), shipped), rows, shipped)


def test_empty_frame_gives_empty_result_with_all_columns():
    out = score_batch(pd.DataFrame(), QSET)
    assert len(out) == 0
    assert list(out.columns) == flat_keys(QSET)


def test_assessment_id_column_is_allowed():
    frame = pd.DataFrame([{**WORKED, "assessment_id": 17}])
    assert score_batch(frame, QSET)["im.total"].iloc[0] == 1.43


def test_numeric_column_with_dont_know_and_blank_cells():
    rows = [
        {**WORKED, "green.energy.unit": "dont_know"},
        {**WORKED, "green.energy.unit": ""},
        {**WORKED, "green.energy.unit": "  "},
        {**WORKED, "green.energy.unit": 0},
        {**WORKED, "green.energy.unit": 1.0},
    ]
    batch = score_batch(pd.DataFrame(rows), QSET)
    assert_same(batch, rows, QSET)
    assert batch["readiness.confidence"].iloc[0] < 1.0


def _string_columns(frame: pd.DataFrame) -> list[str]:
    return [
        c
        for c in frame.columns
        if pd.api.types.infer_dtype(frame[c].astype(object), skipna=True) == "string"
    ]


@pytest.mark.parametrize("storage", ["object", "python", "pyarrow", "pyarrow-chunked"])
def test_text_columns_score_the_same_in_every_storage(shipped, storage):
    # Arrow-backed columns are dictionary-encoded by Arrow, the others by pandas; a
    # column built by concatenation holds several Arrow chunks.
    rng = random.Random(11)
    rows = [random_answers(shipped, rng) for _ in range(120)]
    frame = pd.DataFrame(rows)
    text = _string_columns(frame)
    assert len(text) > 50
    dtype = {"object": object, "python": pd.StringDtype("python")}.get(
        storage, pd.StringDtype("pyarrow")
    )
    frame[text] = frame[text].astype(dtype)
    if storage == "pyarrow-chunked":
        frame = pd.concat([frame.iloc[:50], frame.iloc[50:]])
        assert frame[text[0]].array.__arrow_array__().num_chunks == 2
    assert_same(score_batch(frame, shipped), rows, shipped)


def test_numeric_column_of_mixed_python_and_numpy_numbers():
    # As a database driver may hand them over; one by one, the same plain numbers.
    values = [12, np.int64(40), np.float64(2.5), None, "dont_know", 7.25]
    rows = [{**WORKED, "green.energy.unit": v} for v in [12, 40, 2.5, None, "dont_know", 7.25]]
    frame = pd.DataFrame(rows)
    frame["green.energy.unit"] = pd.Series(values, dtype=object)
    assert_same(score_batch(frame, QSET), rows, QSET)


def _bad(column, value):
    return pd.DataFrame([WORKED, {**WORKED, column: value}])


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (_bad("im.a.x.l9.nope", "full"), "A201"),
        (_bad("nosuch.item", 1), "A201"),
        (_bad("im.a.x.l1.a1", "mostly"), "A203"),
        (_bad("green.mgmt.audit", "sometimes"), "A203"),
        (_bad("green.mgmt.iso", ["iso9001"]), "A203"),
        (_bad("green.mgmt.iso", "iso14001"), "A204"),
        (_bad("green.energy.permit", "yes"), "A204"),
        (_bad("green.energy.unit", "lots"), "A204"),
        (_bad("green.energy.unit", True), "A204"),
        (_bad("green.energy.unit", np.True_), "A204"),
        (_bad("green.energy.unit", "12 t"), "A204"),
    ],
)
def test_bad_cells_are_coded_errors_naming_row_and_column(frame, code):
    with pytest.raises(AssessmentError) as err:
        score_batch(frame, QSET)
    assert err.value.code == code
    if code != "A201":
        assert err.value.problems[0].path.startswith("row 1, column ")


def _with_item(qid, item_id, **changes):
    qs = []
    for q in QSET.questionnaires:
        if q.id == qid:
            sections = tuple(
                dataclasses.replace(
                    s,
                    items=tuple(
                        dataclasses.replace(it, **changes) if it.id == item_id else it
                        for it in s.items
                    ),
                )
                for s in q.sections
            )
            q = dataclasses.replace(q, sections=sections)
        qs.append(q)
    return QuestionnaireSet(tuple(qs))


@pytest.mark.parametrize(
    ("qid", "item_id", "changes", "value", "code"),
    [
        ("green", "green.energy.unit", {"constraint": Constraint(min=0, max=1000)}, 5000, "A202"),
        ("green", "green.energy.unit", {"constraint": Constraint(min=10)}, 5, "A202"),
        ("green", "green.energy.unit", {"dont_know": False}, "dont_know", "A210"),
        ("im", "im.a.x.l1.a1", {"dont_know": False}, "dont_know", "A210"),
    ],
)
def test_range_and_dont_know_rules(qid, item_id, changes, value, code):
    qs = _with_item(qid, item_id, **changes)
    with pytest.raises(AssessmentError) as err:
        score_batch(_bad(item_id, value), qs)
    assert err.value.code == code
    with pytest.raises(AssessmentError) as single:
        score_assessment({**WORKED, item_id: value}, qs)
    assert single.value.code == code  # the same rule as one by one


def test_not_a_dataframe():
    with pytest.raises(AssessmentError) as err:
        score_batch([WORKED], QSET)  # type: ignore[arg-type]
    assert err.value.code == "A208"


def _rel(src):
    return {"relevant": parse(src), "relevant_src": src}


def test_cascading_skip_matches_single():
    # green.mgmt.audit is asked only when the permit is held; im.a.x.l1.a1 only when the
    # audit is done: with no permit both are skipped, the second through the first.
    qs = _with_item("green", "green.mgmt.audit", **_rel("${green.energy.permit} = true"))
    qs = QuestionnaireSet(
        tuple(
            q
            if q.id != "im"
            else _with_item("im", "im.a.x.l1.a1", **_rel("${green.mgmt.audit} = 'done'")).get("im")
            for q in qs.questionnaires
        )
    )
    rows = [
        {**WORKED, "green.mgmt.audit": "done"},
        {**WORKED, "green.mgmt.audit": "done", "green.energy.permit": False},
    ]
    batch = score_batch(pd.DataFrame(rows), qs)
    assert_same(batch, rows, qs)
    first = score_assessment(rows[0], qs).items
    second = score_assessment(rows[1], qs).items
    assert first["im.a.x.l1.a1"].status == "scored"
    assert second["green.mgmt.audit"].status == "skipped"
    assert second["im.a.x.l1.a1"].status == "skipped"


def test_constant_expression_and_missing_referenced_column():
    qs = _with_item("im", "im.a.x.l1.a1", **_rel("1 = 1"))
    frame = pd.DataFrame([{k: v for k, v in WORKED.items() if k != "profile.production_type"}])
    batch = score_batch(frame, qs)
    assert_same(batch, frame.to_dict("records"), qs)
    assert batch["im.total"].iloc[0] == pytest.approx(1.43)


def test_relevance_on_a_numeric_column_and_blank_choice_cells():
    # ${profile.employees} is an int64 column: the expression must see plain numbers.
    qs = _with_item("im", "im.a.x.l1.a1", **_rel("${profile.employees} > 100"))
    rows = [
        {**WORKED, "profile.employees": 50},
        {**WORKED, "profile.employees": 500, "im.a.x.l1.a2": ""},
        {**WORKED, "profile.employees": 500, "integration.infra.it_staff": 12},
    ]
    batch = score_batch(pd.DataFrame(rows), qs)
    assert_same(batch, rows, qs)
    assert batch["im.l1"].tolist() == pytest.approx([(20 * 0.5 + 72) / 100, 0.92, 0.87])
    # numpy scalars in an object column (as from a database driver) behave the same
    frame = pd.DataFrame(rows)
    frame["profile.employees"] = pd.Series([np.int64(50), None, np.int64(500)], dtype=object)
    again = score_batch(frame, qs)
    assert again["im.l1"].tolist() == pytest.approx([(20 * 0.5 + 72) / 100, 0.9, 0.87])


def test_profile_only_set_has_only_readiness():
    qs = QuestionnaireSet((QSET["profile"],))
    batch = score_batch(pd.DataFrame([WORKED]).filter(like="profile."), qs)
    assert list(batch.columns) == ["readiness.score", "readiness.confidence"]
    assert np.isnan(batch["readiness.score"].iloc[0])
    assert batch["readiness.confidence"].iloc[0] == 0.0


def test_sections_without_subdomains_and_green_subdomains():
    from _scoring_builders import item, questionnaire, section

    flat_im = questionnaire(
        "im",
        "cmmm",
        [
            section(
                "im.a",
                [
                    item("im.a.l1", "requirement", section="im.a", level=1),
                    item("im.a.l2", "requirement", section="im.a", level=2),
                ],
                weight=(100, 100),
            ),
            section(
                "im.b",
                [item("im.b.x.l1", "requirement", section="im.b", subdomain="im.b.x", level=1)],
                weight=(0, 0),
                subdomains=(("im.b.x", (50, 50)), ("im.b.empty", (50, 50))),
            ),
        ],
    )
    g = QSET["green"]
    g_sections = list(g.sections)
    g_sections[1] = dataclasses.replace(
        g_sections[1],
        subdomains=section("x", [], subdomains=(("green.mgmt.certs", (100, 100)),)).subdomains,
        items=tuple(
            dataclasses.replace(it, subdomain="green.mgmt.certs") if it.type == "multiple" else it
            for it in g_sections[1].items
        ),
    )
    qs = QuestionnaireSet(
        (QSET["profile"], flat_im, dataclasses.replace(g, sections=tuple(g_sections)))
    )
    rows = [
        {
            "profile.production_type": "discrete",
            "im.a.l1": "full",
            "im.a.l2": "partial",
            "im.b.x.l1": "most",
            "green.mgmt.iso": ["iso14001"],
            "green.mgmt.audit": "done",
        },
        {"profile.production_type": "process", "im.a.l1": "partial", "im.a.l2": "full"},
    ]
    batch = score_batch(pd.DataFrame(rows), qs)
    assert_same(batch, rows, qs)
    assert batch["im.a"].tolist() == pytest.approx([75.0, 25.0])
    assert batch["im.b"].iloc[0] == pytest.approx(80.0)  # im.b.empty has no score
    assert np.isnan(batch["im.b.empty"]).all()
    assert batch["green.mgmt.certs"].iloc[0] == pytest.approx(50.0)
    assert np.isnan(batch["green.mgmt.certs"].iloc[1])


@pytest.mark.slow
def test_batch_of_20000_repeated_rows_scores_each_copy_alike(shipped):
    # Speed is measured in bench/ (BENCHMARKS.md), never asserted here; this checks that a
    # large batch (many blocks) gives every copy of a row the same scores.
    rng = random.Random(3)
    rows = [random_answers(shipped, rng) for _ in range(500)]
    frame = pd.concat([pd.DataFrame(rows)] * 40, ignore_index=True)  # 20,000 rows
    out = score_batch(frame, shipped)
    assert len(out) == 20_000
    assert np.isfinite(out["im.total"]).all()
    first = out.iloc[:500].to_numpy(dtype=float)
    for copy in range(1, 40):
        part = out.iloc[copy * 500 : (copy + 1) * 500].to_numpy(dtype=float)
        assert np.array_equal(first, part, equal_nan=True)


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> QuestionnaireSet:
    from assessment.loader import load_questionnaires

    return load_questionnaires()


@pytest.fixture(scope="module")
def examples() -> list[tuple[str, dict]]:
    paths = sorted((ROOT / "examples").glob("*.json"))
    assert len(paths) >= 3, "examples/*.json missing"
    return [(p.stem, json.loads(p.read_text(encoding="utf-8"))["answers"]) for p in paths]

"""Data-quality flags over a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import staff_seed
from answers_factory import credit_code, profile_answers

from assessment import quality, spreadsheets
from assessment.storage.queries.quality import quality_flags


def test_flags_over_the_database(repo, engine, clock, qset):
    rows = list(staff_seed.rows()[:12])
    requirement = [i.id for i in qset.items() if i.type == "requirement"]
    straight = {**rows[0].answers, **{k: "partial" for k in requirement if k in rows[0].answers}}
    rows[0] = replace(rows[0], answers=straight)
    rows[1] = replace(rows[1], answers={**rows[1].answers, "profile.rd_ratio": 75})
    rows[2] = replace(
        rows[2],
        answers={
            **rows[2].answers,
            "profile.invest_last_year": 1,
            "profile.invest_this_year": 50,
        },
    )
    twin = {
        **rows[3].answers,
        "profile.credit_code": credit_code(424242),
        "profile.name": rows[3].answers["profile.name"] + " ",
    }
    rows.append(replace(rows[3], answers=twin, year=2026))
    spreadsheets.commit(engine, qset, rows, actor="t", now=clock.now)
    draft = repo.create_draft(profile_answers(qset, 9, "profile.basic"), 2026)
    found = quality_flags(engine, qset, now=clock.now)
    kinds = {f.kind for f in found}
    assert {"straight_lined", "rd_ratio", "invest_growth", "duplicate_name"} <= kinds
    assert "abandoned_draft" not in kinds
    later = clock.now + quality.ABANDONED_AFTER + timedelta(days=1)
    old = [f for f in quality_flags(engine, qset, now=later) if f.kind == "abandoned_draft"]
    assert [f.assessment_id for f in old] == [draft.assessment_id]
    assert old[0].detail == "91 d"
    # Submitted assessments never count as abandoned, however old.
    assert len(old) == 1
    order = [list(quality.KINDS).index(f.kind) for f in found]
    assert order == sorted(order)  # grouped by kind, in the documented order

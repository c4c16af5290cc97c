"""AppTest of the advisor page: role checks, peers without names for advisors, what-if, notes.

One SQLite database per module holds ~300 demo enterprises (demo.generate, committed through
the bulk import path), a fitted and registered peer model, and one user per staff role.
"""

from __future__ import annotations

import pyarrow as pa
import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

import assessment
from assessment import demo, peers, spreadsheets
from assessment.storage import Repository, make_engine, upgrade
from assessment.storage.db import transaction
from assessment.storage.models import TABLES

N = 300
PASSWORD = "correct horse battery staple"
SCRIPT = """
from ui.navigation import guarded
from ui import advisor
guarded(advisor.render)()
"""


RARE = "nev"  # keep only 3 enterprises in this industry, so its peer group is suppressed
RARE_KEPT = 3


def answers(p: demo.DemoAssessment, keep: set[int]) -> dict:
    """Demo answers; RARE-industry enterprises not in `keep` are moved to 'other'."""
    out = dict(p.answers)
    if out["profile.industry"] == RARE and p.key not in keep:
        out["profile.industry"] = "other"
    return out


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("advisor")
    url = f"sqlite:///{folder / 'advisor.db'}"
    qset = assessment.load_questionnaires()
    engine = make_engine(url)
    upgrade(engine)
    population = demo.generate(qset, N, seed=3)
    keys = sorted({p.key for p in population if p.answers["profile.industry"] == RARE})
    keep = set(keys[:RARE_KEPT])
    rows = spreadsheets.prepared_rows([(p.year, answers(p, keep)) for p in population], qset)
    spreadsheets.commit(engine, qset, rows, actor="test-seed")
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    repo = Repository(engine, qset, hasher=cheap)
    model = peers.fit_peer_model(repo.scores_frame(latest=True, flat=True), qset, k_range=(3, 4))
    path = peers.save_model(model, folder)
    repo.register_peer_model(model.version, str(path), dict(model.metadata))
    for role in ("advisor", "staff", "admin"):
        repo.add_user(f"{role}1", role, PASSWORD)
    yield url, repo, model, folder
    engine.dispose()


@pytest.fixture
def env(seeded, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", seeded[0])
    monkeypatch.delenv("ASSESSMENT_QUESTIONNAIRES", raising=False)
    return seeded


def page(repo: Repository, role: str | None, *, lang: str = "en") -> AppTest:
    """The page for a signed-in user of `role` (None: nobody signed in), after one run."""
    at = AppTest.from_string(SCRIPT, default_timeout=120)
    at.session_state["lang"] = lang
    if role is not None:
        at.session_state["staff_token"] = repo.authenticate(f"{role}1", PASSWORD).token
    return at.run()


def codes_shown(at: AppTest) -> str:
    """The error messages shown, with Markdown escaping removed."""
    return " ".join(e.value for e in at.error).replace("\\", "")


def charts(at: AppTest) -> list[str]:
    """Each Altair chart's spec and data as one text (what the browser receives)."""
    out = []
    for chart in at.get("vega_lite_chart"):
        parts = [chart.proto.spec]
        for ds in chart.proto.datasets:
            table = pa.ipc.open_stream(ds.data.data).read_all().to_pandas()
            parts.append(table.to_csv())
        out.append("\n".join(parts))
    return out


def row_counts(engine) -> dict[str, int]:
    with transaction(engine) as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in TABLES}


def nearest_table(at: AppTest):
    return at.dataframe[0].value


# --- role checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("forged_role", "code"),
    [(None, "U503"), ("enterprise", "U503"), ("advisor", "U503"), ("staff", "U503")],
)
def test_refused_without_a_signed_in_staff_user(env, forged_role, code):
    # The role in session state is not trusted: only a token valid in the database counts.
    at = AppTest.from_string(SCRIPT, default_timeout=120)
    at.session_state["lang"] = "en"
    if forged_role:
        at.session_state["role"] = forged_role
    at.run()
    assert not at.exception
    assert f"({code})" in codes_shown(at)
    assert not at.selectbox and not at.dataframe and not at.text_area


def test_signed_out_token_is_refused(env):
    repo = env[1]
    token = repo.authenticate("advisor1", PASSWORD).token
    repo.sign_out(token)
    at = AppTest.from_string(SCRIPT, default_timeout=120)
    at.session_state["staff_token"] = token
    at.run()
    assert "(U503)" in codes_shown(at)
    assert not at.selectbox


@pytest.mark.parametrize("role", ["advisor", "staff", "admin"])
def test_page_opens_for_advisor_staff_and_admin(env, role):
    at = page(env[1], role)
    assert not at.exception, at.exception
    assert not at.error
    assert at.selectbox(key="advisor.assessment").value is not None
    assert len(at.get("vega_lite_chart")) >= 2  # comparison and map
    assert len(nearest_table(at)) == 10


# --- names: staff only --------------------------------------------------------------------


def test_advisor_sees_no_peer_names(env):
    at = page(env[1], "advisor")
    table = nearest_table(at)
    assert "Enterprise" not in table.columns and "Credit code" not in table.columns
    assert {"Industry", "Size", "CMMM level"} <= set(table.columns)
    for spec in charts(at):
        assert demo.SYNTHETIC_PREFIX not in spec  # no names in chart data or tooltips
    assert any("not shown to advisors" in c.value for c in at.caption)


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_see_peer_names(env, role):
    at = page(env[1], role)
    table = nearest_table(at)
    assert table["Enterprise"].str.startswith(demo.SYNTHETIC_PREFIX).all()
    assert any(demo.SYNTHETIC_PREFIX in spec for spec in charts(at))


def test_chosen_enterprise_is_not_among_its_nearest(env):
    repo = env[1]
    at = page(repo, "staff")
    record = repo.get(at.selectbox(key="advisor.assessment").value)
    assert record.name not in set(nearest_table(at)["Enterprise"])


# --- picking --------------------------------------------------------------------------------


def open_assessment(at: AppTest, repo: Repository, assessment_id: int) -> AppTest:
    """Search for an assessment by its credit code and pick it."""
    record = repo.get(assessment_id)
    at.text_input(key="advisor.search").input(record.credit_code).run()
    at.selectbox(key="advisor.assessment").set_value(assessment_id).run()
    return at


@pytest.mark.parametrize("by", ["name", "credit_code"])
def test_search_by_name_or_credit_code(env, by):
    repo = env[1]
    target = repo.scores_frame().iloc[17]
    at = page(repo, "advisor")
    query = target["name"][-5:] if by == "name" else target["credit_code"][:14]
    at.text_input(key="advisor.search").input(query).run()
    box = at.selectbox(key="advisor.assessment")
    assert f"{target['name']} · {target['credit_code']} · {target['year']}" in box.options
    assert all(query in o for o in box.options)
    assert len(box.options) < len(repo.scores_frame())


def test_search_without_match_says_so(env):
    at = page(env[1], "advisor")
    at.text_input(key="advisor.search").input("no such enterprise zzz").run()
    assert any("No submitted assessment" in i.value for i in at.info)
    assert not at.dataframe


def test_chinese_page(env):
    at = page(env[1], "advisor", lang="zh")
    assert not at.exception
    headings = {h.value for h in at.subheader}
    assert {"选择已提交的评估", "最相近的 10 家企业", "诊断备注"} <= headings
    assert "Advisor notes" not in headings


# --- comparison ---------------------------------------------------------------------------


@pytest.mark.parametrize(("industry", "suppressed"), [(RARE, True), ("equipment", False)])
def test_small_groups_are_named_but_never_shown(env, industry, suppressed):
    repo = env[1]
    pop = repo.scores_frame(latest=True)
    members = pop[pop["industry"] == industry]
    assert (len(members) < peers.K_MIN) is suppressed
    at = open_assessment(page(repo, "advisor"), repo, int(members["assessment_id"].iloc[0]))
    at.multiselect(key="advisor.groups").set_value(["industry"]).run()
    assert not at.exception
    notes = [
        c.value for c in at.caption if "Same industry" in c.value and "fewer than 5" in c.value
    ]
    comparison = charts(at)[0]
    assert bool(notes) is suppressed
    assert ("Same industry" in comparison) is not suppressed  # no median/Q3 series if hidden


# --- what-if --------------------------------------------------------------------------------


def test_what_if_changes_scores_without_saving(env):
    repo = env[1]
    at = page(repo, "advisor")
    aid = at.selectbox(key="advisor.assessment").value
    record = repo.get(aid)
    low = [
        i for i, v in record.answers.items() if i.startswith("im.") and v in ("none", "partial")
    ][:3]
    assert low
    before = row_counts(repo.engine)
    at.multiselect(key="advisor.wi_items").set_value(low).run()
    for item_id in low:
        at.selectbox(key=f"advisor.wi:{aid}:{item_id}").set_value("full")
    at.run()
    assert not at.exception
    assert any("3 answers changed" in c.value for c in at.caption)
    readiness = [m for m in at.metric if m.label == "Overall readiness"][-1]
    assert float(readiness.delta) > 0
    assert row_counts(repo.engine) == before
    assert repo.get(aid).answers == record.answers


def test_next_level_preset_raises_the_level(env):
    from assessment.roadmap import next_level_plan

    repo = env[1]
    at = page(repo, "advisor")
    record = repo.get(at.selectbox(key="advisor.assessment").value)
    plan = next_level_plan(record.answers, assessment.load_questionnaires())
    at.button(key="advisor.preset").click().run()
    assert not at.exception
    assert at.multiselect(key="advisor.wi_items").value == [s.item_id for s in plan.steps]
    level = [m for m in at.metric if m.label == "CMMM level"][-1]
    assert level.value == str(plan.target_level)
    at.button(key="advisor.reset").click().run()
    assert at.multiselect(key="advisor.wi_items").value == []
    assert any("Pick items and change" in c.value for c in at.caption)


# --- notes ----------------------------------------------------------------------------------


def test_note_is_saved_with_an_audit_entry(env):
    repo = env[1]
    at = page(repo, "advisor")
    aid = at.selectbox(key="advisor.assessment").value
    at.text_area(key="advisor.note_body").input("建议先做设备联网 / network the machines first")
    at.button(key=f"FormSubmitter:advisor.note:{aid}-Save note").click().run()
    assert not at.exception
    notes = repo.notes_for(aid)
    assert notes[-1].body == "建议先做设备联网 / network the machines first"
    assert notes[-1].author == "advisor1"
    audit = repo.audit_log(action="add_note", target_id=aid)
    assert audit and audit[0].actor == "advisor1"
    assert any("network the machines first" in t.value for t in at.text)


def test_empty_note_is_not_saved(env):
    repo = env[1]
    at = page(repo, "advisor")
    aid = at.selectbox(key="advisor.assessment").value
    count = len(repo.notes_for(aid))
    at.text_area(key="advisor.note_body").input("   ")
    at.button(key=f"FormSubmitter:advisor.note:{aid}-Save note").click().run()
    assert len(repo.notes_for(aid)) == count
    assert at.warning


# --- no usable model ------------------------------------------------------------------------


def test_broken_model_shows_its_code_and_keeps_notes(env, tmp_path):
    repo, model = env[1], env[2]
    bad = tmp_path / "broken.json"
    bad.write_text("{not json", encoding="utf-8")
    repo.register_peer_model("broken-for-test", str(bad), {})
    try:
        at = page(repo, "advisor")
        assert not at.exception
        assert "(M604)" in codes_shown(at)
        assert at.text_area(key="advisor.note_body") is not None
        assert not at.dataframe  # no nearest peers without a model
    finally:
        repo.activate_peer_model(model.version)


# --- the enterprise-facing widget -----------------------------------------------------------


def enterprise_view(assessment_id: int | None) -> None:
    from ui.peer_views import benchmark_or_none, render_enterprise_benchmark

    bench = None if assessment_id is None else benchmark_or_none(assessment_id)
    render_enterprise_benchmark(bench, "en")


def widget(assessment_id: int | None) -> AppTest:
    at = AppTest.from_function(enterprise_view, args=(assessment_id,), default_timeout=120)
    at.session_state["lang"] = "en"
    return at.run()


def test_enterprise_widget_respects_k_anonymity(env):
    repo = env[1]
    pop = repo.scores_frame(latest=True)
    me = pop[pop["industry"] == RARE].iloc[0]
    at = widget(int(me["assessment_id"]))
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "Same industry (New-energy vehicles): fewer than 5 enterprises" in captions
    texts = "\n".join(charts(at))
    assert "Same industry" not in texts  # the hidden group has no percentile anywhere
    assert "All enterprises" in texts and "Peer cluster" in texts
    assert demo.SYNTHETIC_PREFIX not in texts  # no enterprise names, not even its own
    assert any(m.value.startswith("**Peer cluster:") for m in at.markdown)


def test_enterprise_widget_scopes(env):
    repo = env[1]
    aid = int(repo.scores_frame(latest=True)["assessment_id"].iloc[0])
    at = widget(aid)
    assert "Intelligent manufacturing" in charts(at)[0]
    at.segmented_control(key="peers.scope").set_value("sub").run()
    assert "Equipment" in charts(at)[0] or "equipment" in charts(at)[0].lower()
    assert "Overall readiness" not in charts(at)[0]


def test_enterprise_widget_without_benchmark(env):
    at = widget(None)
    assert not at.exception
    assert any("not available" in i.value for i in at.info)


# --- strings ----------------------------------------------------------------------------------


def test_catalog_has_the_same_keys_in_both_languages():
    from assessment.texts import catalogue

    def page_texts(lang: str) -> dict[str, str]:
        # A plural entry (a mapping of forms) counts with all its forms.
        return {
            k: v if isinstance(v, str) else " ".join(v.values())
            for k, v in catalogue()[lang].items()
            if k.startswith(("advisor.", "peers."))
        }

    table = {lang: page_texts(lang) for lang in ("zh", "en")}
    assert set(table["zh"]) == set(table["en"])
    assert all(table["zh"][k].strip() and table["en"][k].strip() for k in table["en"])


def test_every_string_the_pages_use_is_in_the_catalog(root):
    import re

    from assessment.texts import catalogue
    from ui.peer_views import GROUP_ORDER, HEADLINE_KEYS

    used = set()
    for name in ("ui/advisor.py", "ui/peer_views.py"):
        source = (root / name).read_text(encoding="utf-8")
        used |= set(
            re.findall(
                r'\b(?:t|text)\(\s*"((?:advisor|peers|rating|yesno|level)\.[a-z_.]+)"', source
            )
        )
    used |= {f"peers.group.{g}" for g in GROUP_ORDER}
    used |= {f"peers.headline.{k}" for k in HEADLINE_KEYS}
    used |= {f"rating.{r}" for r in ("full", "most", "partial", "none", "dont_know")}
    assert len(used) > 60
    assert used <= set(catalogue()["en"]), used - set(catalogue()["en"])

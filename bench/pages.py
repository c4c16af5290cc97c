"""Server-side reruns of two app pages under AppTest, with 100,000 assessments stored.

- The questionnaire section page: the real app (app.py) is driven through the wizard with
  the answers of examples/process-mid.json up to the CMMM section with the most questions;
  then plain reruns are timed (what Streamlit does on every widget interaction outside
  the form). The limit is bench/scripts/bare_section.py drawing the same widgets, labels
  and options — read from the real page's element tree — timed interleaved.
- The results page: the same session goes on through every section, submits, and the
  results page's reruns are timed. An active peer model fitted on the population is
  registered, as in production, so the page draws the peer benchmark.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from assessment import settings
from assessment.answers import effective_answers, is_relevant
from bench import database
from bench.timing import Partial, Row, Target, Timing, clock, paired_ratio

NAME = "pages"
ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
BARE = Path(__file__).resolve().parent / "scripts" / "bare_section.py"
EXAMPLE = ROOT / "examples" / "process-mid.json"
TIMEOUT = 300
FIRST_TIMEOUT = 1800  # the submit click: the peer index over the whole population is rebuilt


def _widgets(at) -> list:
    out = []
    for group in (at.text_input, at.radio, at.selectbox, at.multiselect):
        out += [w for w in group if w.key and w.key.startswith("w:")]
    return out


def _fill(at, answers: dict[str, Any]) -> None:
    for w in _widgets(at):
        item_id = w.key.split(":")[1]
        if item_id not in answers:
            continue
        value = answers[item_id]
        kind = type(w).__name__
        if value == "dont_know" and kind in ("TextInput", "Multiselect"):
            box = next(c for c in at.checkbox if c.key == f"{w.key}:dk")
            box.check()
        elif kind == "TextInput":
            w.input(str(value))
        elif kind == "Radio":
            w.set_value({True: "true", False: "false"}.get(value, value))
        elif kind == "Selectbox":
            w.select(value)
        else:
            w.set_value(list(value))


def _section(at) -> str | None:
    for b in at.button:
        if b.key and b.key.startswith("FormSubmitter:form:"):
            return b.key.split(":")[2]
    return None


def _save(at) -> None:
    buttons = [b for b in at.button if b.key and b.key.startswith("FormSubmitter:form:")]
    buttons[-1].click().run()
    if at.exception:
        raise AssertionError(f"the wizard failed: {at.exception}")


def _button(at, key: str):
    return next(b for b in at.button if b.key == key)


def target_section(qset, answers: dict[str, Any]) -> str:
    """The CMMM section with the most questions shown for these answers."""
    effective = effective_answers(answers, qset)
    q = next(q for q in qset.questionnaires if q.kind == "cmmm")
    return max(q.sections, key=lambda s: sum(is_relevant(i, effective) for i in s.items)).id


def _flatten(node: Any) -> list[Any]:
    out = [node]
    for key in sorted(getattr(node, "children", {}) or {}):
        out += _flatten(node.children[key])
    return out


def page_spec(at) -> dict[str, list[dict]]:
    """The widgets and texts of the page, in order, for the bare script."""
    spec: dict[str, list[dict]] = {"sidebar": [], "before": [], "form": []}
    for part, block in (("main", at.main), ("sidebar", at.sidebar)):
        in_form = False
        for node in _flatten(block):
            kind = getattr(node, "type", None)
            if kind == "form":
                in_form = True
                continue
            el = _element(node, kind)
            if el is None:
                continue
            where = "sidebar" if part == "sidebar" else ("form" if in_form else "before")
            spec[where].append(el)
    return spec


def _element(node: Any, kind: str | None) -> dict | None:
    if kind in ("radio", "selectbox", "multiselect"):
        options = [str(o) for o in node.options]
        el = {"kind": kind, "label": node.label, "options": options, "help": node.help or None}
        if kind == "radio":
            el["horizontal"] = bool(node.proto.horizontal)
        if kind != "multiselect":
            el["index"] = node.index
        return el
    if kind == "text_input":
        return {"kind": kind, "label": node.label, "value": node.value, "help": node.help or None}
    if kind == "checkbox":
        return {"kind": kind, "label": node.label, "value": node.value}
    if kind in ("markdown", "caption", "subheader", "code"):
        body = node.value if kind != "code" else node.proto.code_text
        return {"kind": kind, "body": str(body)}
    return None


def _reruns(ats: dict[str, Any], repeats: int) -> dict[str, Timing]:
    """Interleaved timed reruns of already-run AppTests (one warm-up rerun each)."""
    for at in ats.values():
        at.run()
    samples: dict[str, list[float]] = {k: [] for k in ats}
    for _ in range(repeats):
        for name, at in ats.items():
            t, _ = clock(at.run)
            if at.exception:
                raise AssertionError(f"{name} failed on rerun: {at.exception}")
            samples[name].append(t)
    return {k: Timing(tuple(v)) for k, v in samples.items()}


def run(ctx) -> list[Row]:
    """Time section-page reruns against the bare script, then results-page reruns."""
    from streamlit.testing.v1 import AppTest

    n = ctx.size(100_000)
    url = database.with_peer_model(ctx, n, "pages")
    answers = json.loads(EXAMPLE.read_text(encoding="utf-8"))["answers"]
    target = target_section(ctx.qset, answers)
    old = settings.DATABASE_URL.given()  # restored afterwards
    os.environ["DATABASE_URL"] = url
    try:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        at.session_state["lang"] = "zh"
        at.run()
        # The first page started the peer index warm-up in a background thread, as in a
        # served process; a user spends minutes on the questionnaire, so the pages are timed
        # once it is done (while it runs it shares the interpreter with every rerun).
        from ui import peer_views

        peer_views.warm_peer_index().join(timeout=FIRST_TIMEOUT)
        _button(at, "start_new").click().run()
        seen = set()
        while (section := _section(at)) != target:
            if section is None or section in seen:
                raise AssertionError(f"the wizard stopped at {section}: {at.error}")
            seen.add(section)
            _fill(at, answers)
            _save(at)
        _fill(at, answers)  # the page as a user sees it before saving: answers filled in
        at.run()
        spec = page_spec(at)
        bare = AppTest.from_file(str(BARE), default_timeout=TIMEOUT)
        bare.session_state["bench_spec"] = spec
        bare.run()
        widgets = len(_widgets(at))
        t = _reruns({"page": at, "bare": bare}, ctx.repeats)
        ctx.log(f"pages: section {t['page'].median:.3f}s bare {t['bare'].median:.3f}s")
        section_row = Row(
            bench=NAME,
            what=f"questionnaire section page rerun, `{target}` ({widgets} questions, AppTest)",
            value=t["page"].median,
            unit="s",
            target=Target("ratio", 1.5),
            limit_what="a bare script with the same widgets (bench/scripts/bare_section.py)",
            limit_value=t["bare"].median,
            ratio=paired_ratio(t["page"], t["bare"]),
            repeats=ctx.repeats,
            extra={"page_samples": t["page"].samples, "bare_samples": t["bare"].samples},
        )

        try:
            # on through the rest of the questionnaire, then submit
            while (section := _section(at)) is not None:
                if section in seen:
                    raise AssertionError(f"the wizard stopped at {section}: {at.error}")
                seen.add(section)
                _fill(at, answers)
                _save(at)
            at.checkbox(key="confirm_submit").check().run()
            # The first results page after the submission: the index is warm, the new
            # submission changes the population (docs/peers.md, refresh policy). Timed once.
            submit = _button(at, "submit").click()
            first_results, _ = clock(lambda: submit.run(timeout=FIRST_TIMEOUT))
            if at.exception or not at.metric:
                problem = at.exception or at.error
                raise AssertionError(f"no results page after submitting: {problem}")
            peers_shown = not any("peer" in str(i.value).lower() for i in at.info)
            results = _reruns({"results": at}, ctx.repeats)["results"]
            ctx.log(f"pages: results {results.median:.3f}s")
        except Exception as err:  # keep the section-page figures
            raise Partial([section_row], err) from err
    finally:
        if old is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = old
    return [
        section_row,
        Row(
            bench=NAME,
            what=f"results page rerun ({n:,} stored, active peer model, AppTest)",
            value=results.median,
            unit="s",
            target=Target("max", 0.3),
            repeats=ctx.repeats,
            note=(
                f"{results.low * 1e3:.0f}–{results.high * 1e3:.0f} ms; peer benchmark "
                f"{'drawn' if peers_shown else 'not shown'}; the submit click itself (save, "
                f"score, the first results page, peer index warmed at the first page) took "
                f"{first_results:.1f} s"
            ),
            extra={"samples": results.samples, "first_results": first_results},
        ),
    ]

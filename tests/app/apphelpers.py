"""Helpers to drive the app under AppTest, and answers for the small questionnaire set.

Widgets of questionnaire items have keys `w:<item id>:<n>`, so tests find them by item
id in either language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
SKIP_SET = str(Path(__file__).resolve().parent / "data" / "skip")
SMALL_SET = str(ROOT / "tests" / "data" / "questionnaires")

# Valid Shanxi credit codes (division 1401xx / 1407xx, GB 32100 check character computed).
CREDIT_CODE = "91140100MA0K000017"
OTHER_CODE = "91140700MA0L00002U"

PROFILE_BASIC = {
    "profile.name": "太原示例装备制造有限公司",
    "profile.credit_code": CREDIT_CODE,
    "profile.city": "taiyuan",
    "profile.industry": "equipment",
    "profile.production_type": "discrete",
}


def new_app(lang: str = "zh") -> AppTest:
    """The app with the language chosen (as the sidebar switch would set it)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    return at


def widget(at: AppTest, item_id: str) -> Any:
    """The widget of a questionnaire item on the current page, or None."""
    for group in (at.text_input, at.radio, at.selectbox, at.multiselect):
        for w in group:
            if w.key and w.key.startswith(f"w:{item_id}:"):
                return w
    return None


def dont_know(at: AppTest, item_id: str) -> Any:
    """The "don't know" checkbox of an item (numeric, text, multiple), or None."""
    for w in at.checkbox:
        if w.key and w.key.startswith(f"w:{item_id}:") and w.key.endswith(":dk"):
            return w
    return None


def fill(at: AppTest, answers: dict[str, Any]) -> None:
    """Enter answers (stored-answer form) into the visible widgets."""
    for item_id, value in answers.items():
        w = widget(at, item_id)
        assert w is not None, f"{item_id} is not on the page"
        kind = type(w).__name__
        if value == "dont_know" and kind in ("TextInput", "Multiselect"):
            box = dont_know(at, item_id)
            assert box is not None, f"{item_id} offers no 'don't know'"
            box.check()
        elif kind == "TextInput":
            w.input(str(value))
        elif kind == "Radio":
            w.set_value({True: "true", False: "false"}.get(value, value))
        elif kind == "Selectbox":
            w.select(value)
        else:
            w.set_value(list(value))


def save(at: AppTest) -> AppTest:
    """Press the form's primary button ("save and continue"/"save and review")."""
    buttons = [b for b in at.button if b.key and b.key.startswith("FormSubmitter:form:")]
    assert buttons, "no form on the page"
    buttons[-1].click().run()
    return at


def back(at: AppTest) -> AppTest:
    buttons = [b for b in at.button if b.key and b.key.startswith("FormSubmitter:form:")]
    assert len(buttons) == 2, "no back button on this page"
    buttons[0].click().run()
    return at


def button(at: AppTest, key: str) -> Any:
    return next(b for b in at.button if b.key == key)


def texts(at: AppTest) -> str:
    """All visible text of the page (markdown, captions, messages, labels) as one string."""
    parts: list[str] = []
    for group in (
        at.markdown,
        at.caption,
        at.error,
        at.warning,
        at.info,
        at.success,
        at.subheader,
        at.title,
        at.header,
    ):
        parts += [str(x.value) for x in group]
    for group in (
        at.text_input,
        at.radio,
        at.selectbox,
        at.multiselect,
        at.checkbox,
        at.button,
        at.metric,
    ):
        parts += [str(x.label) for x in group]
    for group in (at.radio, at.selectbox, at.multiselect):
        for w in group:
            parts += [str(o) for o in w.options]
    parts += [h.proto.body for h in at.get("html")]  # the page banner (st.html)
    return "\n".join(parts)


def errors(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.error]


def start(at: AppTest) -> AppTest:
    at.run()
    button(at, "start_new").click().run()
    return at


SECTIONS: list[tuple[str, dict]] = [
    ("profile.basic", PROFILE_BASIC),
    (
        "profile.facts",
        {
            "profile.employees": "120",
            "profile.first_unit": False,
            "profile.four_bases": ["components"],
        },
    ),
    ("im.factory", {"im.factory.equipment.l1.plan": "full", "im.factory.network.l2.lan": "most"}),
    ("im.production", {"im.production.scheduling.l3.aps": "partial"}),
    ("green.basic", {"green.basic.compliance": True, "green.basic.systems": ["iso14001"]}),
    ("green.energy", {}),  # unit_energy is skipped: four_bases was answered
    ("integration.infrastructure", {"integration.infrastructure.erp": "partial"}),
]


def complete(at: AppTest, sections=SECTIONS) -> AppTest:
    """Start a new assessment and save every section with the answers above."""
    start(at)
    for section_id, answers in sections:
        assert widget_section(at) == section_id, (section_id, errors(at))
        fill(at, answers)
        save(at)
        assert not at.exception, at.exception
    return at


def widget_section(at: AppTest) -> str | None:
    """The id of the section whose form is on the page."""
    for b in at.button:
        if b.key and b.key.startswith("FormSubmitter:form:"):
            return b.key.split(":")[2]
    return None


def resume_code(at: AppTest) -> str:
    return (
        at.query_params["resume"][0]
        if isinstance(at.query_params["resume"], list)
        else at.query_params["resume"]
    )


def stored_answers() -> dict[str, Any]:
    """The SECTIONS answers as stored values (what scoring sees)."""
    out: dict[str, Any] = {}
    for _, answers in SECTIONS:
        for key, value in answers.items():
            out[key] = float(value) if key == "profile.employees" else value
    return out


def submit(at: AppTest) -> AppTest:
    """Confirm and submit on the review page."""
    at.checkbox(key="confirm_submit").check().run()
    button(at, "submit").click().run()
    assert not at.exception, at.exception
    return at


def jump(at: AppTest, section_id: str) -> AppTest:
    """Use the wizard's section picker."""
    picker = next(s for s in at.selectbox if s.key and s.key.startswith("jump:"))
    labels = picker.options
    index = next(i for i, s in enumerate(SECTIONS) if s[0] == section_id)
    picker.set_value(index).run()
    assert widget_section(at) == section_id, labels
    return at


def _flatten(node: Any) -> list[Any]:
    children = getattr(node, "children", None)
    if not children:
        return [node]
    out = [node]
    for key in sorted(children):
        out += _flatten(children[key])
    return out


def messages_under(at: AppTest, item_id: str) -> list[str]:
    """Error messages drawn right under an item's widget (before the next question)."""
    nodes = _flatten(at._tree)
    out: list[str] = []
    found = False
    for node in nodes:
        key = getattr(node, "key", None) or ""
        if key.startswith("w:") and not key.endswith(":dk"):
            if found:
                break
            found = key.startswith(f"w:{item_id}:")
            continue
        if found and type(node).__name__ == "Error":
            out.append(str(node.value))
    return out


def fill_page_from(at: AppTest, answers: dict[str, Any]) -> list[str]:
    """Enter, for every question on the page, its answer from `answers`; return the ids."""
    ids = []
    for group in (at.text_input, at.radio, at.selectbox, at.multiselect):
        for w in group:
            if w.key and w.key.startswith("w:"):
                ids.append(w.key.split(":")[1])
    fill(at, {i: answers[i] for i in ids if i in answers})
    return ids

""" "Next section" in headless Chromium, click to rendered, against a bare one-button page.

The app runs under `streamlit run app.py` on a fresh migrated SQLite database holding one
draft: every section answered with examples/process-mid.json, so each form is filled in
and "save and continue" goes through. The browser opens the draft's resume link (which
lands on the last section), steps back to section SECTION_START untimed, then clicks "save
and continue" section by section: each sample is the time from the click until the next
section's heading is shown and the app reports its script run finished. The limit is
bench/scripts/bare_button.py under its own `streamlit run`: one button whose click reruns
the script and redraws a counter, timed the same way, interleaved click by click.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from assessment.storage import Repository, make_engine, upgrade
from bench.server import Streamlit, browser, settled
from bench.timing import Row, Target, Timing, paired_ratio

NAME = "browser"
ROOT = Path(__file__).resolve().parent.parent
BARE = Path(__file__).resolve().parent / "scripts" / "bare_button.py"
EXAMPLE = ROOT / "examples" / "process-mid.json"
TIMEOUT_MS = 120_000


def draft_database(ctx) -> tuple[str, str, list[str]]:
    """(database URL, resume code, section labels in order) of a fully answered draft."""
    url = f"sqlite:///{ctx.tmp / 'browser.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    repo = Repository(engine, ctx.qset)
    answers = json.loads(EXAMPLE.read_text(encoding="utf-8"))["answers"]
    sections = [s for q in ctx.qset.questionnaires for s in q.sections]
    first = sections[0]
    own = {it.id for it in first.items}
    draft = repo.create_draft({k: v for k, v in answers.items() if k in own}, time.gmtime().tm_year)
    version = draft.version
    for s in sections[1:]:
        own = {it.id for it in s.items}
        version = repo.save_section(
            draft.assessment_id, s.id, {k: v for k, v in answers.items() if k in own}, version
        )
    engine.dispose()
    return url, draft.resume_code, [s.label.en for s in sections]


def _heading(page, labels: list[str], index: int) -> None:
    """Wait for the heading of section `index` (as ui/wizard.py words it in English)."""
    text = f"Section {index + 1} of {len(labels)} · {labels[index]}"
    page.get_by_role("heading").filter(has_text=text).first.wait_for(timeout=TIMEOUT_MS)


def _form_button(page, text: str):
    return page.locator('[data-testid="stFormSubmitButton"] button').filter(has_text=text)


def run(ctx) -> list[Row]:
    """Time "save and continue" clicks in the app against clicks on the bare page."""
    from playwright.sync_api import sync_playwright

    url, code, labels = draft_database(ctx)
    clicks = max(ctx.repeats, 5) if not ctx.smoke else 1
    app = Streamlit(ROOT / "app.py", env={"DATABASE_URL": url})
    bare = Streamlit(BARE)
    try:
        with sync_playwright() as pw:
            chrome = browser(pw)
            try:
                # English pages (the app follows the browser's language)
                page = chrome.new_page(locale="en-US")
                page.goto(f"{app.url}assessment?resume={code}", timeout=TIMEOUT_MS)
                _heading(page, labels, len(labels) - 1)
                settled(page)
                start = len(labels) - 1 - clicks
                for index in range(len(labels) - 2, start - 1, -1):  # back, untimed
                    _form_button(page, "←").click()
                    _heading(page, labels, index)
                    settled(page)
                other = chrome.new_page(locale="en-US")
                other.goto(bare.url, timeout=TIMEOUT_MS)
                other.get_by_text("clicks: 0").wait_for(timeout=TIMEOUT_MS)
                settled(other)
                app_t, bare_t = [], []
                for i in range(clicks):
                    t0 = time.perf_counter()
                    _form_button(page, "→").last.click()
                    _heading(page, labels, start + i + 1)
                    settled(page)
                    app_t.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    other.get_by_role("button", name="next").click()
                    other.get_by_text(f"clicks: {i + 1}").wait_for(timeout=TIMEOUT_MS)
                    settled(other)
                    bare_t.append(time.perf_counter() - t0)
            finally:
                chrome.close()
    finally:
        app.close()
        bare.close()
    a, b = Timing(tuple(app_t)), Timing(tuple(bare_t))
    ctx.log(f"browser: next {a.median:.3f}s bare {b.median:.3f}s")
    return [
        Row(
            bench=NAME,
            what='"next section" in headless Chromium, click to rendered (`streamlit run app.py`)',
            value=a.median,
            unit="s",
            target=Target("ratio", 1.5),
            limit_what="a bare Streamlit page with one button (bench/scripts/bare_button.py)",
            limit_value=b.median,
            ratio=paired_ratio(a, b),
            repeats=clicks,
            note=(
                f"{clicks} clicks through the last sections, each saving a filled-in section; "
                f"app {a.low * 1e3:.0f}–{a.high * 1e3:.0f} ms, bare "
                f"{b.low * 1e3:.0f}–{b.high * 1e3:.0f} ms; median of click ratios "
                f"{statistics.median(x / y for x, y in zip(app_t, bare_t, strict=True)):.2f}"
            ),
            extra={"app_samples": a.samples, "bare_samples": b.samples},
        )
    ]

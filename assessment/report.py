"""The results summary and the PDF report (fpdf2, charts by matplotlib, CJK font).

`summarise(result, qset)` turns a scored assessment — an AssessmentResult, or the stored
ScoredAssessment the results page reads — into labelled, bilingual facts that both the
results page and the PDF show. `build_pdf(...)` renders them in one language: texts from
the catalogue (`report.*` keys, assessment/texts.py), numbers through
assessment/formatting.py (the results page's rounding). No Streamlit here.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from assessment import formatting, settings
from assessment.charts import AreaPoint, area_label, radar_points, strongest_weakest
from assessment.errors import fail
from assessment.numbers import finite
from assessment.programs import ProgramMatch
from assessment.questionnaire import QuestionnaireSet, Text
from assessment.scored import Scored
from assessment.scoring import (
    GATE_FAILED,
    GATE_MET,
    GATE_UNVERIFIED,
    AreaScore,
    is_gate,
    questionnaire_of_kind,
)
from assessment.texts import bilingual, text

if TYPE_CHECKING:  # matplotlib itself is imported only when a PDF is made
    from matplotlib.font_manager import FontProperties

# --- summary ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Area:
    """A labelled area score (None when nothing in it was answered)."""

    id: str
    label: Text
    score: float | None
    answered: int = 0
    total: int = 0


@dataclass(frozen=True, slots=True)
class Summary:
    """What an assessment came to, labelled in both languages."""

    name: str
    credit_code: str
    level: int | None
    level_name: Text | None
    level_meaning: Text | None
    cmmm_score: float | None
    cmmm_total: float | None
    green_score: float | None
    green_band: Text | None
    green_veto: bool
    failed_vetoes: tuple[Text, ...]
    unconfirmed_vetoes: tuple[Text, ...]
    stage: int | None
    stage_name: Text | None
    stage_meaning: Text | None
    integration_index: float | None
    readiness: float | None
    confidence: float
    domains: tuple[Area, ...] = ()
    cmmm_subdomains: tuple[Area, ...] = ()
    green_areas: tuple[Area, ...] = ()
    integration_blocks: tuple[Area, ...] = ()
    strongest: tuple[Area, ...] = ()
    weakest: tuple[Area, ...] = ()
    dont_know: int = 0
    unanswered: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)
    # "met" | "failed" (a basic requirement answered no) | "unverified" (answered "don't know")
    green_gate: str = GATE_MET
    # What confirming the "don't know" answers could raise each headline to (None: no
    # "don't know", or not known for a stored assessment): CMMM S, green, 两化, readiness.
    cmmm_total_if_confirmed: float | None = None
    green_if_confirmed: float | None = None
    integration_if_confirmed: float | None = None
    readiness_if_confirmed: float | None = None

    def all_domains(self) -> tuple[Area, ...]:
        """CMMM domains, green areas and 两化 blocks, in that order (the radar axes)."""
        return (*self.domains, *self.green_areas, *self.integration_blocks)


def _areas(areas: Iterable[AreaScore], qset: QuestionnaireSet) -> tuple[Area, ...]:
    return tuple(
        Area(a.id, area_label(qset, a.id), finite(a.score), a.answered, a.total) for a in areas
    )


def _item_label(qset: QuestionnaireSet, item_id: str) -> Text:
    item = qset.item(item_id)
    return item.label if item is not None else Text(item_id, item_id)


def summarise(result: Scored, qset: QuestionnaireSet) -> Summary:
    """Label a scored assessment (fresh or stored) with level, band and stage names."""
    cm, gr, it = result.cmmm, result.green, result.integration
    level = level_name = level_meaning = None
    if cm is not None:
        level = cm.level
        q = questionnaire_of_kind(qset, "cmmm")
        match = next((lv for lv in (q.levels if q else ()) if lv.level == level), None)
        level_name = match.name if match else bilingual("report.level_zero")
        level_meaning = match.description if match else bilingual("report.level_zero_meaning")
    stage = stage_name = stage_meaning = None
    if it is not None and it.stage is not None:
        stage = it.stage
        q = questionnaire_of_kind(qset, "integration")
        found = next((s for s in (q.stages if q else ()) if s.stage == stage), None)
        stage_name = found.name if found else None
        stage_meaning = found.description if found else None
    domains = _areas(cm.domains, qset) if cm else ()
    subdomains = _areas(cm.subdomains, qset) if cm else ()
    # The basic requirements are a gate, not an area: never a strength, never on the radar.
    gq = questionnaire_of_kind(qset, "green")
    gates = {s.id for s in (gq.sections if gq else ()) if is_gate(s)}
    green_areas = _areas([a for a in gr.areas if a.id not in gates], qset) if gr else ()
    pool = [AreaPoint(a.id, a.label.zh, a.score) for a in (*subdomains, *green_areas)]
    best, worst = strongest_weakest(pool)
    by_id = {a.id: a for a in (*subdomains, *green_areas)}
    confirmed = result.if_confirmed
    return Summary(
        name=result.profile.name or "",
        credit_code=result.profile.credit_code or "",
        level=level,
        level_name=level_name,
        level_meaning=level_meaning,
        cmmm_score=finite(cm.score) if cm else None,
        cmmm_total=finite(cm.total) if cm else None,
        green_score=finite(gr.score) if gr else None,
        green_band=gr.band.name if gr and gr.band else None,
        green_veto=bool(gr and gr.veto),
        failed_vetoes=tuple(_item_label(qset, i) for i in (gr.failed_vetoes if gr else ())),
        unconfirmed_vetoes=tuple(
            _item_label(qset, i) for i in (gr.unconfirmed_vetoes if gr else ())
        ),
        stage=stage,
        stage_name=stage_name,
        stage_meaning=stage_meaning,
        integration_index=finite(it.index) if it else None,
        readiness=finite(result.readiness.score),
        confidence=float(result.readiness.confidence),
        domains=domains,
        cmmm_subdomains=subdomains,
        green_areas=green_areas,
        integration_blocks=_areas(it.blocks, qset) if it else (),
        strongest=tuple(by_id[p.id] for p in best),
        weakest=tuple(by_id[p.id] for p in worst),
        dont_know=len(result.dont_know),
        unanswered=len(result.unanswered),
        green_gate=gr.gate if gr else GATE_MET,
        cmmm_total_if_confirmed=confirmed.get(f"{cm.questionnaire}.total") if cm else None,
        green_if_confirmed=confirmed.get(f"{gr.questionnaire}.score") if gr else None,
        integration_if_confirmed=confirmed.get(f"{it.questionnaire}.index") if it else None,
        readiness_if_confirmed=confirmed.get("readiness.score"),
    )


# --- fonts -----------------------------------------------------------------------------

# (path, face index in a .ttc collection). Noto Sans CJK face 2 is Simplified Chinese
# (SC); fpdf2 embeds this CFF-based OpenType collection via collection_font_number.
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # fonts-noto-cjk
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),  # fonts-noto-cjk
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # fonts-wqy-microhei
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # fonts-wqy-zenhei
)
# The same faces as matplotlib's font manager names them (for the chart images).
MPL_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei")


@dataclass(frozen=True, slots=True)
class CjkFont:
    """A font file with Chinese glyphs and the face to use in it."""

    path: str
    index: int = 0


def find_cjk_font(candidates: Sequence[tuple[str, int]] | None = None) -> CjkFont:
    """The first CJK font found: $ASSESSMENT_CJK_FONT, then FONT_CANDIDATES (else R901)."""
    looked: list[str] = []
    chosen = settings.CJK_FONT.get()
    if chosen is not None:
        override = str(chosen)
        looked.append(override)
        if Path(override).is_file():
            index = 2 if "NotoSansCJK" in override or "NotoSerifCJK" in override else 0
            return CjkFont(override, index)
    for path, index in FONT_CANDIDATES if candidates is None else candidates:
        looked.append(path)
        if Path(path).is_file():
            return CjkFont(path, index)
    raise fail("R901", paths=", ".join(looked))


# --- labels ----------------------------------------------------------------------------

# (score key, catalogue key of its column heading) for the history table.
HISTORY_KEYS = (
    ("im.score", "report.measure_im"),
    ("green.score", "report.measure_green"),
    ("integration.index", "report.measure_integration"),
    ("readiness.score", "report.measure_readiness"),
)
# The green gate's verdict: Summary.green_gate → catalogue key.
GATE_KEYS = {
    GATE_MET: "report.veto_ok",
    GATE_FAILED: "report.veto_failed",
    GATE_UNVERIFIED: "report.veto_unverified",
}
# Area tables: (catalogue key of the heading, Summary attribute).
AREA_TABLES = (
    ("report.domains", "domains"),
    ("report.subdomains", "cmmm_subdomains"),
    ("report.green_areas", "green_areas"),
    ("report.integration_blocks", "integration_blocks"),
)


# --- chart images ----------------------------------------------------------------------


def _mpl_font(font: CjkFont) -> FontProperties:
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in MPL_FAMILIES:
        if family in names:
            return font_manager.FontProperties(family=family)
    return font_manager.FontProperties(fname=font.path)


def radar_png(points: Sequence[AreaPoint], font: CjkFont) -> bytes:
    """The radar chart as PNG bytes (matplotlib, same geometry as the app's radar)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    prop = _mpl_font(font)
    vertices = radar_points(points)
    fig, ax = plt.subplots(figsize=(6.2, 5.2), dpi=150)
    try:
        n = len(vertices)
        for ring in (0.2, 0.4, 0.6, 0.8, 1.0):
            xs = [ring * math.sin(2 * math.pi * i / n) for i in range(n + 1)]
            ys = [ring * math.cos(2 * math.pi * i / n) for i in range(n + 1)]
            ax.plot(xs, ys, color="#dddddd", linewidth=0.8)
        for i in range(n):
            a = 2 * math.pi * i / n
            ax.plot([0, math.sin(a)], [0, math.cos(a)], color="#dddddd", linewidth=0.8)
            x, y = 1.13 * math.sin(a), 1.13 * math.cos(a)
            ha = "center" if abs(x) < 0.2 else ("left" if x > 0 else "right")
            ax.text(x, y, vertices[i].label, ha=ha, va="center", fontproperties=prop, fontsize=8)
        xs = [v.x for v in vertices] + [vertices[0].x]
        ys = [v.y for v in vertices] + [vertices[0].y]
        ax.fill(xs, ys, color="#b3261e", alpha=0.15)
        ax.plot(xs, ys, color="#b3261e", linewidth=2, marker="o", markersize=3)
        ax.set_xlim(-1.7, 1.7)
        ax.set_ylim(-1.25, 1.25)
        ax.set_aspect("equal")
        ax.axis("off")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()
    finally:
        plt.close(fig)


def bars_png(points: Sequence[AreaPoint], font: CjkFont, *, lang: str = "zh") -> bytes:
    """Horizontal 0–100 bars as PNG bytes, each labelled with its score."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    prop = _mpl_font(font)
    fig, ax = plt.subplots(figsize=(6.2, 0.42 * len(points) + 0.6), dpi=150)
    try:
        labels = [p.label for p in points][::-1]
        values = [p.score or 0.0 for p in points][::-1]
        bars = ax.barh(range(len(values)), values, color="#b3261e", height=0.6)
        ax.set_yticks(range(len(values)))
        ax.set_yticklabels(labels, fontproperties=prop, fontsize=9)
        ax.set_xlim(0, 100)
        for bar, p in zip(bars, [p for p in points][::-1], strict=True):
            ax.text(
                bar.get_width() + 1.5,
                bar.get_y() + bar.get_height() / 2,
                formatting.score(p.score, lang),
                va="center",
                fontsize=8,
            )
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()
    finally:
        plt.close(fig)


# --- the PDF ---------------------------------------------------------------------------


def _points(areas: Sequence[Area], lang: str) -> list[AreaPoint]:
    return [AreaPoint(a.id, a.label.get(lang), a.score) for a in areas]


class _Report:
    """Thin helpers over FPDF for headings, key–value lines and tables."""

    def __init__(self, lang: str, font: CjkFont):
        from fpdf import FPDF

        self.lang = lang
        self.font = font
        outer = self

        class _PDF(FPDF):
            def footer(self) -> None:
                self.set_y(-12)
                self.set_font("cjk", size=8)
                self.set_text_color(120, 120, 120)
                self.cell(0, 6, outer.tr("report.page", n=self.page_no()), align="C")

        self.pdf = _PDF(format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=16)
        self.pdf.set_margins(16, 16, 16)
        self.pdf.add_font("cjk", fname=font.path, collection_font_number=font.index)
        self.pdf.set_title(self.tr("report.title"))
        self.pdf.add_page()

    def tr(self, key: str, /, **params: Any) -> str:
        """The catalogue text `key` in the report's language."""
        return text(key, self.lang, **params)

    def score(self, value: float | None, digits: int = 0) -> str:
        """A score with the one rounding rule of the results page (assessment.formatting)."""
        return formatting.score(value, self.lang, digits)

    def heading(self, text: str, size: int = 13, keep_with: float = 30) -> None:
        """A heading that never ends a page: it moves on when `keep_with` mm do not fit."""
        pdf = self.pdf
        if pdf.will_page_break(keep_with + 12):
            pdf.add_page()
        pdf.ln(3)
        pdf.set_font("cjk", size=size)
        pdf.set_text_color(179, 38, 30)
        pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("cjk", size=10)

    def para(self, text: str, size: int = 10) -> None:
        # markdown=False: user-supplied text (names) must print literally.
        self.pdf.set_font("cjk", size=size)
        self.pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT", markdown=False, align="L")

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float] | None = None,
    ) -> None:
        pdf = self.pdf
        pdf.set_font("cjk", size=9)
        from fpdf.fonts import FontFace

        # Plain (not bold) headings: only the regular CJK face is embedded.
        head = FontFace(emphasis="", fill_color=(246, 232, 230))
        with pdf.table(
            col_widths=widths, text_align="LEFT", line_height=6, headings_style=head
        ) as table:
            row = table.row()
            for cell in header:
                row.cell(cell)
            for values in rows:
                row = table.row()
                for cell in values:
                    row.cell(str(cell))
        pdf.ln(2)

    def image(self, png: bytes, width: float) -> None:
        x = (self.pdf.w - width) / 2
        self.pdf.image(io.BytesIO(png), x=x, w=width)


class HistoryEntry(Protocol):
    """An earlier assessment of the same enterprise, as the history table reads it."""

    @property
    def year(self) -> int: ...

    @property
    def submitted(self) -> bool: ...

    @property
    def scores(self) -> Mapping[str, float | None] | None: ...


def build_pdf(
    summary: Summary,
    *,
    lang: str = "zh",
    year: int | None = None,
    history: Sequence[HistoryEntry] = (),
    matches: Sequence[ProgramMatch] | None = None,
    today: date | None = None,
    font: CjkFont | None = None,
) -> bytes:
    """The assessment report as PDF bytes, in `lang` (zh or en), with charts."""
    font = font or find_cjk_font()
    r = _Report(lang, font)
    pdf = r.pdf
    pdf.set_font("cjk", size=9)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(0, 6, r.tr("report.issuer"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("cjk", size=18)
    pdf.multi_cell(0, 10, r.tr("report.title"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    facts = [
        (r.tr("report.enterprise"), summary.name),
        (r.tr("report.credit_code"), summary.credit_code),
        (r.tr("report.year"), str(year) if year else "—"),
        (r.tr("report.date"), formatting.date(today or formatting.today(), lang)),
    ]
    for label, value in facts:
        r.para(r.tr("report.fact", label=label, value=value))

    r.heading(r.tr("report.headline"))
    level_name = summary.level_name.get(lang) if summary.level_name else "—"
    stage_name = summary.stage_name.get(lang) if summary.stage_name else "—"
    level = summary.level if summary.level is not None else "—"
    rows = [
        (r.tr("report.cmmm"), r.tr("report.level", level=level, name=level_name)),
        (
            r.tr("report.green"),
            f"{r.score(summary.green_score)} · "
            + r.tr(GATE_KEYS[summary.green_gate])
            + (f" · {summary.green_band.get(lang)}" if summary.green_band else ""),
        ),
        (
            r.tr("report.integration"),
            r.tr("report.stage", stage=summary.stage or "—", name=stage_name)
            + " · "
            + r.tr("report.index", index=r.score(summary.integration_index)),
        ),
        (r.tr("report.readiness"), r.score(summary.readiness)),
    ]
    r.table([r.tr("report.item"), r.tr("report.result")], rows, widths=(2, 5))
    if summary.level_meaning is not None:
        r.para(r.tr("report.fact", label=level_name, value=summary.level_meaning.get(lang)))
    r.para(
        r.tr(
            "report.cmmm_detail",
            score=r.score(summary.cmmm_score),
            total=r.score(summary.cmmm_total, 2),
        )
    )
    sep = r.tr("report.list_separator")
    if summary.failed_vetoes:
        items = sep.join(t.get(lang) for t in summary.failed_vetoes)
        r.para(r.tr("report.failed_items", items=items))
    if summary.unconfirmed_vetoes:
        items = sep.join(t.get(lang) for t in summary.unconfirmed_vetoes)
        r.para(r.tr("report.unverified_items", items=items))
    if summary.dont_know and summary.cmmm_total_if_confirmed is not None:
        r.para(
            r.tr(
                "report.if_confirmed",
                dk=summary.dont_know,
                total=r.score(summary.cmmm_total_if_confirmed, 2),
                green=r.score(summary.green_if_confirmed),
                index=r.score(summary.integration_if_confirmed),
            )
        )
    r.para(
        r.tr(
            "report.confidence",
            pct=formatting.percent(summary.confidence, lang),
            dk=summary.dont_know,
            open=summary.unanswered,
        )
    )

    r.heading(r.tr("report.charts"), keep_with=125)
    axes = _points(summary.all_domains(), lang)
    if len(axes) >= 3:
        r.image(radar_png(axes, font), width=140)
    for key, attribute in AREA_TABLES:
        areas = getattr(summary, attribute)
        if not areas:
            continue
        first = attribute == "domains"
        r.heading(r.tr(key), size=11, keep_with=95 if first else 40)
        if first:
            r.image(bars_png(_points(areas, lang), font, lang=lang), width=150)
        r.table(
            [r.tr("report.area"), r.tr("report.score"), r.tr("report.answered")],
            [(a.label.get(lang), r.score(a.score), f"{a.answered}/{a.total}") for a in areas],
            widths=(5, 1.2, 1.6),
        )

    r.heading(r.tr("report.strongest"), size=11, keep_with=12)
    r.para(sep.join(f"{a.label.get(lang)} {r.score(a.score)}" for a in summary.strongest) or "—")
    r.heading(r.tr("report.weakest"), size=11, keep_with=12)
    r.para(sep.join(f"{a.label.get(lang)} {r.score(a.score)}" for a in summary.weakest) or "—")

    if matches:
        r.heading(r.tr("report.programs"), keep_with=60)
        r.table(
            [r.tr("report.program"), r.tr("report.eligible"), r.tr("report.fit")],
            [
                (
                    f"{m.name.get(lang)} ({m.section})",
                    r.tr("report.yes" if m.eligible else "report.no"),
                    r.score(m.fit),
                )
                for m in matches
            ],
            widths=(5, 1.3, 1),
        )
        for m in matches:
            if m.recommended:
                r.para(f"• {m.explanation.get(lang)}", size=9)

    submitted = [h for h in history if h.submitted and h.scores]
    if submitted:
        r.heading(r.tr("report.history"))
        r.table(
            [r.tr("report.year"), r.tr("report.level_col")]
            + [r.tr(label) for _, label in HISTORY_KEYS],
            [
                [str(h.year), r.score(scores.get("im.level"))]
                + [r.score(scores.get(key)) for key, _ in HISTORY_KEYS]
                for h in submitted
                if (scores := h.scores)
            ],
        )

    pdf.ln(4)
    pdf.set_text_color(110, 110, 110)
    r.para(r.tr("report.footer"), size=8)
    return bytes(pdf.output())

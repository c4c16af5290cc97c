"""The results summary and the PDF report (fpdf2, charts by matplotlib, CJK font).

`summarise(result, qset)` turns a scored assessment — an AssessmentResult, or the stored
ScoredAssessment the results page reads — into labelled, bilingual facts that both the
results page and the PDF show. `build_pdf(...)` renders them in one language.
No Streamlit here.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from assessment.charts import AreaPoint, area_label, radar_points, strongest_weakest
from assessment.errors import fail
from assessment.questionnaire import QuestionnaireSet, Text
from assessment.scored import Scored

# --- summary ---------------------------------------------------------------------------

LEVEL_ZERO = Text("未达到一级", "Below level 1")
LEVEL_ZERO_MEANING = Text(
    "一级（规划级）的要求尚未基本满足：先从规划和管理制度、核心装备的自动化入手。",
    "The level-1 (Planning) requirements are not yet largely met: start with planning, "
    "management rules and automating core equipment.",
)


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

    def all_domains(self) -> tuple[Area, ...]:
        """CMMM domains, green areas and 两化 blocks, in that order (the radar axes)."""
        return (*self.domains, *self.green_areas, *self.integration_blocks)


def _clean(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _areas(areas: Iterable[Any], qset: QuestionnaireSet) -> tuple[Area, ...]:
    return tuple(
        Area(a.id, area_label(qset, a.id), _clean(a.score), a.answered, a.total) for a in areas
    )


def _of_kind(qset: QuestionnaireSet, kind: str) -> Any:
    return next((q for q in qset.questionnaires if q.kind == kind), None)


def _item_label(qset: QuestionnaireSet, item_id: str) -> Text:
    item = qset.item(item_id)
    return item.label if item is not None else Text(item_id, item_id)


def summarise(result: Scored, qset: QuestionnaireSet) -> Summary:
    """Label a scored assessment (fresh or stored) with level, band and stage names."""
    cm, gr, it = result.cmmm, result.green, result.integration
    level = level_name = level_meaning = None
    if cm is not None:
        level = cm.level
        q = _of_kind(qset, "cmmm")
        match = next((lv for lv in (q.levels if q else ()) if lv.level == level), None)
        level_name = match.name if match else LEVEL_ZERO
        level_meaning = match.description if match else LEVEL_ZERO_MEANING
    stage = stage_name = stage_meaning = None
    if it is not None and it.stage is not None:
        stage = it.stage
        q = _of_kind(qset, "integration")
        match = next((s for s in (q.stages if q else ()) if s.stage == stage), None)
        stage_name = match.name if match else None
        stage_meaning = match.description if match else None
    domains = _areas(cm.domains, qset) if cm else ()
    subdomains = _areas(cm.subdomains, qset) if cm else ()
    pool = [
        AreaPoint(a.id, a.label.zh, a.score)
        for a in (*subdomains, *(_areas(gr.areas, qset) if gr else ()))
    ]
    best, worst = strongest_weakest(pool)
    by_id = {a.id: a for a in (*subdomains, *(_areas(gr.areas, qset) if gr else ()))}
    return Summary(
        name=result.profile.name or "",
        credit_code=result.profile.credit_code or "",
        level=level,
        level_name=level_name,
        level_meaning=level_meaning,
        cmmm_score=_clean(cm.score) if cm else None,
        cmmm_total=_clean(cm.total) if cm else None,
        green_score=_clean(gr.score) if gr else None,
        green_band=gr.band.name if gr and gr.band else None,
        green_veto=bool(gr and gr.veto),
        failed_vetoes=tuple(_item_label(qset, i) for i in (gr.failed_vetoes if gr else ())),
        unconfirmed_vetoes=tuple(
            _item_label(qset, i) for i in (gr.unconfirmed_vetoes if gr else ())
        ),
        stage=stage,
        stage_name=stage_name,
        stage_meaning=stage_meaning,
        integration_index=_clean(it.index) if it else None,
        readiness=_clean(result.readiness.score),
        confidence=float(result.readiness.confidence),
        domains=domains,
        cmmm_subdomains=subdomains,
        green_areas=_areas(gr.areas, qset) if gr else (),
        integration_blocks=_areas(it.blocks, qset) if it else (),
        strongest=tuple(by_id[p.id] for p in best),
        weakest=tuple(by_id[p.id] for p in worst),
        dont_know=len(result.dont_know),
        unanswered=len(result.unanswered),
    )


# --- fonts -----------------------------------------------------------------------------

FONT_ENV = "ASSESSMENT_CJK_FONT"
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
    override = os.environ.get(FONT_ENV)
    if override:
        looked.append(override)
        if Path(override).is_file():
            index = 2 if "NotoSansCJK" in override or "NotoSerifCJK" in override else 0
            return CjkFont(override, index)
    for path, index in FONT_CANDIDATES if candidates is None else candidates:
        looked.append(path)
        if Path(path).is_file():
            return CjkFont(path, index)
    raise fail("R901", paths=", ".join(looked))


# --- labels in both languages ----------------------------------------------------------

L: dict[str, Text] = {
    "title": Text(
        "企业智能制造能力自评估报告", "Smart-manufacturing readiness self-assessment report"
    ),
    "issuer": Text(
        "山西省推进企业技术改造 · 企业自评估服务",
        "Shanxi enterprise technical transformation · self-assessment service",
    ),
    "enterprise": Text("企业名称", "Enterprise"),
    "credit_code": Text("统一社会信用代码", "Unified social credit code"),
    "year": Text("评估年度", "Assessment year"),
    "date": Text("报告日期", "Report date"),
    "headline": Text("评估结论", "Summary"),
    "cmmm": Text("智能制造能力成熟度", "Intelligent-manufacturing maturity"),
    "level": Text("{level} 级 · {name}", "Level {level} · {name}"),
    "cmmm_detail": Text(
        "成熟度得分 {score}（总分 S = {total}，满分 5）",
        "Maturity score {score} (S = {total} of 5)",
    ),
    "green": Text("绿色工厂得分", "Green-factory score"),
    "veto_ok": Text("基本要求：满足", "Basic requirements: met"),
    "veto_failed": Text("基本要求：未满足（否决）", "Basic requirements: not met (veto)"),
    "failed_items": Text("未满足的基本要求：", "Basic requirements not met: "),
    "integration": Text("两化融合阶段", "IT–industrialisation integration stage"),
    "stage": Text("第 {stage} 阶段 · {name}", "Stage {stage} · {name}"),
    "index": Text("融合指数 {index}", "Integration index {index}"),
    "readiness": Text("综合就绪度", "Overall readiness"),
    "confidence": Text(
        "答案确定性 {pct}%（“不清楚” {dk} 题，未答 {open} 题）",
        'Answer certainty {pct}% ({dk} answered "don\'t know", {open} not answered)',
    ),
    "charts": Text("各领域得分（0–100）", "Scores by area (0–100)"),
    "domains": Text("智能制造能力域", "Intelligent-manufacturing domains"),
    "subdomains": Text("智能制造能力子域", "Intelligent-manufacturing sub-domains"),
    "green_areas": Text("绿色工厂各方面", "Green-factory areas"),
    "integration_blocks": Text("两化融合各方面", "Integration blocks"),
    "area": Text("领域", "Area"),
    "item": Text("项目", "Measure"),
    "result": Text("结果", "Result"),
    "score": Text("得分", "Score"),
    "answered": Text("已答/题数", "Answered / items"),
    "strongest": Text("优势领域", "Strongest areas"),
    "weakest": Text("薄弱领域", "Weakest areas"),
    "programs": Text("适合的专项工程", "Special programs that fit"),
    "program": Text("专项工程", "Program"),
    "fit": Text("匹配度", "Fit"),
    "eligible": Text("条件", "Gates"),
    "yes": Text("符合", "met"),
    "no": Text("不符合", "not met"),
    "history": Text("历年评估", "Earlier assessments"),
    "measure_im": Text("智能制造", "Intelligent mfg."),
    "measure_green": Text("绿色工厂", "Green factory"),
    "measure_integration": Text("两化融合", "Integration"),
    "measure_readiness": Text("就绪度", "Readiness"),
    "level_col": Text("成熟度等级", "Maturity level"),
    "footer": Text(
        "本报告由企业自评估生成，结果基于企业自行填写的答案，仅供参考，不代表官方认定。",
        "This report comes from a self-assessment: it rests on the enterprise's own answers "
        "and is for guidance; it is not an official certification.",
    ),
    "page": Text("第 {n} 页", "Page {n}"),
}

HISTORY_KEYS = (
    ("im.score", "measure_im"),
    ("green.score", "measure_green"),
    ("integration.index", "measure_integration"),
    ("readiness.score", "measure_readiness"),
)


def _fmt(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


# --- chart images ----------------------------------------------------------------------


def _mpl_font(font: CjkFont) -> Any:
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


def bars_png(points: Sequence[AreaPoint], font: CjkFont) -> bytes:
    """Horizontal 0–100 bars as PNG bytes."""
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
                _fmt(p.score),
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
                self.cell(0, 6, outer.tr("page", n=self.page_no()), align="C")

        self.pdf = _PDF(format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=16)
        self.pdf.set_margins(16, 16, 16)
        self.pdf.add_font("cjk", fname=font.path, collection_font_number=font.index)
        self.pdf.set_title(L["title"].get(lang))
        self.pdf.add_page()

    def tr(self, key: str, **params: Any) -> str:
        text = L[key].get(self.lang)
        return text.format(**params) if params else text

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

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], widths=None) -> None:
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


def build_pdf(
    summary: Summary,
    *,
    lang: str = "zh",
    year: int | None = None,
    history: Sequence[Any] = (),
    matches: Sequence[Any] | None = None,
    today: date | None = None,
    font: CjkFont | None = None,
) -> bytes:
    """The assessment report as PDF bytes, in `lang` (zh or en), with charts."""
    font = font or find_cjk_font()
    r = _Report(lang, font)
    pdf = r.pdf
    pdf.set_font("cjk", size=9)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(0, 6, r.tr("issuer"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("cjk", size=18)
    pdf.multi_cell(0, 10, r.tr("title"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    facts = [
        (r.tr("enterprise"), summary.name),
        (r.tr("credit_code"), summary.credit_code),
        (r.tr("year"), str(year) if year else "—"),
        (r.tr("date"), (today or date.today()).isoformat()),
    ]
    for label, value in facts:
        r.para(f"{label}：{value}" if lang == "zh" else f"{label}: {value}")

    r.heading(r.tr("headline"))
    level_name = summary.level_name.get(lang) if summary.level_name else "—"
    stage_name = summary.stage_name.get(lang) if summary.stage_name else "—"
    rows = [
        (
            r.tr("cmmm"),
            r.tr(
                "level", level=summary.level if summary.level is not None else "—", name=level_name
            ),
        ),
        (
            r.tr("green"),
            f"{_fmt(summary.green_score)} · "
            + r.tr("veto_failed" if summary.green_veto else "veto_ok")
            + (f" · {summary.green_band.get(lang)}" if summary.green_band else ""),
        ),
        (
            r.tr("integration"),
            r.tr("stage", stage=summary.stage or "—", name=stage_name)
            + " · "
            + r.tr("index", index=_fmt(summary.integration_index)),
        ),
        (r.tr("readiness"), _fmt(summary.readiness)),
    ]
    r.table([r.tr("item"), r.tr("result")], rows, widths=(2, 5))
    if summary.level_meaning is not None:
        r.para(
            f"{level_name}: {summary.level_meaning.get(lang)}"
            if lang == "en"
            else f"{level_name}：{summary.level_meaning.get(lang)}"
        )
    r.para(r.tr("cmmm_detail", score=_fmt(summary.cmmm_score), total=_fmt(summary.cmmm_total, 2)))
    if summary.failed_vetoes:
        r.para(r.tr("failed_items") + "; ".join(t.get(lang) for t in summary.failed_vetoes))
    r.para(
        r.tr(
            "confidence",
            pct=round(summary.confidence * 100),
            dk=summary.dont_know,
            open=summary.unanswered,
        )
    )

    r.heading(r.tr("charts"), keep_with=125)
    axes = _points(summary.all_domains(), lang)
    if len(axes) >= 3:
        r.image(radar_png(axes, font), width=140)
    for key, areas in (
        ("domains", summary.domains),
        ("subdomains", summary.cmmm_subdomains),
        ("green_areas", summary.green_areas),
        ("integration_blocks", summary.integration_blocks),
    ):
        if not areas:
            continue
        r.heading(r.tr(key), size=11, keep_with=95 if key == "domains" else 40)
        if key == "domains":
            r.image(bars_png(_points(areas, lang), font), width=150)
        r.table(
            [r.tr("area"), r.tr("score"), r.tr("answered")],
            [(a.label.get(lang), _fmt(a.score), f"{a.answered}/{a.total}") for a in areas],
            widths=(5, 1.2, 1.6),
        )

    sep = "；" if lang == "zh" else "; "
    r.heading(r.tr("strongest"), size=11, keep_with=12)
    r.para(sep.join(f"{a.label.get(lang)} {_fmt(a.score)}" for a in summary.strongest) or "—")
    r.heading(r.tr("weakest"), size=11, keep_with=12)
    r.para(sep.join(f"{a.label.get(lang)} {_fmt(a.score)}" for a in summary.weakest) or "—")

    if matches:
        r.heading(r.tr("programs"), keep_with=60)
        r.table(
            [r.tr("program"), r.tr("eligible"), r.tr("fit")],
            [
                (
                    f"{m.name.get(lang)} ({m.section})",
                    r.tr("yes" if m.eligible else "no"),
                    _fmt(m.fit),
                )
                for m in matches
            ],
            widths=(5, 1.3, 1),
        )
        for m in matches:
            if getattr(m, "recommended", False):
                r.para(f"• {m.explanation.get(lang)}", size=9)

    submitted = [h for h in history if getattr(h, "submitted", False) and h.scores]
    if submitted:
        r.heading(r.tr("history"))
        r.table(
            [r.tr("year"), r.tr("level_col")] + [r.tr(label) for _, label in HISTORY_KEYS],
            [
                [str(h.year), _fmt(h.scores.get("im.level"))]
                + [_fmt(h.scores.get(key)) for key, _ in HISTORY_KEYS]
                for h in submitted
            ],
        )

    pdf.ln(4)
    pdf.set_text_color(110, 110, 110)
    r.para(r.tr("footer"), size=8)
    return bytes(pdf.output())

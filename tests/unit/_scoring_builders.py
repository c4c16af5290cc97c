"""Small hand-built questionnaires for the scoring tests (numbers worked out in docs/scoring.md).

They are built from the dataclasses directly, so the scoring tests depend on the method
only, not on the shipped YAML (which the example and golden tests cover).
"""

from __future__ import annotations

from types import MappingProxyType

from assessment.expressions import parse
from assessment.questionnaire import (
    Band,
    Benchmark,
    Item,
    Level,
    Option,
    Questionnaire,
    QuestionnaireSet,
    Section,
    Stage,
    Subdomain,
    Text,
    Weights,
)


def t(s: str) -> Text:
    return Text(s, s)


def item(
    id: str,
    type: str,
    *,
    section: str,
    subdomain: str | None = None,
    level: int | None = None,
    options: tuple[tuple[str, float], ...] = (),
    cap: float | None = None,
    benchmarks: dict[str, tuple[float, float]] | None = None,
    direction: str | None = None,
    relevant: str | None = None,
    dont_know: bool = True,
    weight: float = 1.0,
    veto: bool = False,
    required: bool = True,
) -> Item:
    return Item(
        id=id,
        type=type,
        label=t(id),
        hint=t(id),
        source="test",
        section=section,
        subdomain=subdomain,
        level=level,
        options=tuple(Option(v, t(v), p) for v, p in options),
        cap=cap,
        direction=direction,
        benchmarks=MappingProxyType(
            {k: Benchmark(b, lead) for k, (b, lead) in (benchmarks or {}).items()}
        ),
        relevant=parse(relevant) if relevant else None,
        relevant_src=relevant,
        dont_know=dont_know,
        weight=weight,
        veto=veto,
        required=required,
    )


def section(id, items, weight=None, subdomains=()) -> Section:
    return Section(
        id=id,
        label=t(id),
        hint=None,
        weight=None if weight is None else Weights(*weight),
        subdomains=tuple(Subdomain(sid, t(sid), Weights(*w)) for sid, w in subdomains),
        items=tuple(items),
    )


def questionnaire(id, kind, sections, **extra) -> Questionnaire:
    return Questionnaire(
        id=id,
        version="test",
        kind=kind,
        title=t(id),
        description=t(id),
        source="test",
        sections=tuple(sections),
        **extra,
    )


def profile() -> Questionnaire:
    s = "profile.main"
    return questionnaire(
        "profile",
        "profile",
        [
            section(
                s,
                [
                    item("profile.name", "text", section=s),
                    item("profile.credit_code", "text", section=s),
                    item("profile.city", "single", section=s, options=(("taiyuan", 0),)),
                    item(
                        "profile.industry",
                        "single",
                        section=s,
                        options=(("coking", 0), ("steel", 0), ("equipment", 0)),
                    ),
                    item(
                        "profile.production_type",
                        "single",
                        section=s,
                        options=(("process", 0), ("discrete", 0), ("mixed", 0)),
                    ),
                    item("profile.employees", "numeric", section=s),
                    item("profile.revenue", "numeric", section=s),
                ],
            )
        ],
    )


def cmmm() -> Questionnaire:
    """Two domains; im.b.z.l3.b4 applies to process manufacturers only."""
    a, b = "im.a", "im.b"
    return questionnaire(
        "im",
        "cmmm",
        [
            section(
                a,
                [
                    item("im.a.x.l1.a1", "requirement", section=a, subdomain="im.a.x", level=1),
                    item("im.a.x.l1.a2", "requirement", section=a, subdomain="im.a.x", level=1),
                    item("im.a.x.l2.a3", "requirement", section=a, subdomain="im.a.x", level=2),
                ],
                weight=(60, 20),
                subdomains=(("im.a.x", (100, 100)),),
            ),
            section(
                b,
                [
                    item("im.b.y.l1.b1", "requirement", section=b, subdomain="im.b.y", level=1),
                    item("im.b.z.l1.b2", "requirement", section=b, subdomain="im.b.z", level=1),
                    item("im.b.y.l2.b3", "requirement", section=b, subdomain="im.b.y", level=2),
                    item(
                        "im.b.z.l3.b4",
                        "requirement",
                        section=b,
                        subdomain="im.b.z",
                        level=3,
                        relevant="${profile.production_type} = 'process'",
                    ),
                ],
                weight=(40, 80),
                subdomains=(("im.b.y", (50, 50)), ("im.b.z", (50, 50))),
            ),
        ],
        levels=tuple(Level(i, t(f"L{i}"), t(f"L{i}")) for i in range(1, 6)),
    )


def green() -> Questionnaire:
    e, m = "green.energy", "green.mgmt"
    return questionnaire(
        "green",
        "green",
        [
            section(
                e,
                [
                    item("green.energy.permit", "yesno", section=e, veto=True),
                    item(
                        "green.energy.unit",
                        "numeric",
                        section=e,
                        direction="lower",
                        benchmarks={"default": (200, 120), "coking": (150, 110)},
                        weight=2,
                    ),
                ],
                weight=(60, 60),
            ),
            section(
                m,
                [
                    item(
                        "green.mgmt.iso",
                        "multiple",
                        section=m,
                        options=(("iso14001", 20), ("iso50001", 20), ("iso45001", 20), ("none", 0)),
                        cap=40,
                    ),
                    item(
                        "green.mgmt.audit",
                        "single",
                        section=m,
                        options=(("none", 0), ("planned", 1), ("done", 3)),
                    ),
                ],
                weight=(40, 40),
            ),
        ],
        bands=(Band(0, t("starting")), Band(60, t("developing")), Band(80, t("ready"))),
    )


def integration() -> Questionnaire:
    i, a = "integration.infra", "integration.apps"
    return questionnaire(
        "integration",
        "integration",
        [
            section(
                i,
                [
                    item("integration.infra.network", "yesno", section=i),
                    item(
                        "integration.infra.share",
                        "numeric",
                        section=i,
                        direction="higher",
                        benchmarks={"default": (50, 90)},
                    ),
                    item("integration.infra.it_staff", "numeric", section=i),  # a fact
                ],
                weight=(50, 50),
            ),
            section(
                a,
                [
                    item(
                        "integration.apps.systems",
                        "multiple",
                        section=a,
                        options=(("erp", 30), ("mes", 30), ("plm", 20), ("scm", 20)),
                    ),
                ],
                weight=(50, 50),
            ),
        ],
        stages=tuple(
            Stage(s, m, t(f"S{s}"), t(f"S{s}")) for s, m in ((1, 0), (2, 30), (3, 55), (4, 80))
        ),
    )


def qset() -> QuestionnaireSet:
    return QuestionnaireSet((profile(), cmmm(), green(), integration()))


# The worked example of docs/scoring.md.
WORKED = {
    "profile.name": "Example Co",
    "profile.industry": "steel",
    "profile.production_type": "discrete",
    "profile.employees": 350,
    "profile.revenue": 5000,
    "im.a.x.l1.a1": "full",
    "im.a.x.l1.a2": "partial",
    "im.a.x.l2.a3": "most",
    "im.b.y.l1.b1": "full",
    "im.b.z.l1.b2": "most",
    "im.b.y.l2.b3": "partial",
    "im.b.z.l3.b4": "none",
    "green.energy.permit": True,
    "green.energy.unit": 160,
    "green.mgmt.iso": ["iso14001"],
    "green.mgmt.audit": "planned",
    "integration.infra.network": True,
    "integration.infra.share": 70,
    "integration.apps.systems": ["erp", "mes"],
}

"""The library's imports: an acyclic graph, every import at the top of its module.

The graph is read from the source (AST) of every module under assessment/ (the Alembic
scripts under storage/migrations/ are loaded by path, not imported, and are left out).
An edge A → B means that importing A runs B: `from assessment.storage import rollup`
names the module `assessment.storage.rollup`, and importing a module of a package from
outside that package also runs the package's `__init__` (`from assessment.storage.db
import …` in demo.py runs assessment/storage/__init__.py). Imports under
`if TYPE_CHECKING:` count: a cycle of types is a cycle of the design.

An import inside a function hides a dependency from the reader and from this graph, so
each one needs a reason in ALLOWED_IN_FUNCTIONS: a heavy optional dependency that one
rarely-run path needs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "assessment"

# (importing module, imported module) → why the import waits until the function runs.
_SKLEARN = (
    "assessment.peers loads scikit-learn (~1 s): only this command needs it, not every CLI run"
)
_PDF = (
    "PDF only (~0.5 s each): the results page and the CLI never pay for it until a report is made"
)
_DRAFTS = (
    "TEMPORARY: assessment/storage/drafts.py is being changed on the security branch; "
    "lift to the top after that merge (the graph already includes this edge: no cycle)"
)
ALLOWED_IN_FUNCTIONS: Mapping[tuple[str, str], str] = {
    ("assessment.commands.demo", "assessment.peers"): _SKLEARN,
    ("assessment.commands.peers", "assessment.peers"): _SKLEARN,
    ("assessment.report", "matplotlib"): _PDF,
    ("assessment.report", "matplotlib.pyplot"): _PDF,
    ("assessment.report", "fpdf"): _PDF,
    ("assessment.report", "fpdf.fonts"): _PDF,
    ("assessment.scoring_batch", "pyarrow"): "optional (pandas does not require it): "
    "present whenever a column is Arrow-backed, the only case that needs it",
    ("assessment.scoring_batch", "pyarrow.compute"): "as pyarrow",
    ("assessment.storage.drafts", "assessment.answers"): _DRAFTS,
    ("assessment.storage.drafts", "assessment.scoring"): _DRAFTS,
    ("assessment.storage.drafts", "assessment.storage.queries.peers"): _DRAFTS,
    ("assessment.storage.drafts", "assessment.scored"): _DRAFTS,
}


@dataclass(frozen=True, slots=True)
class Import:
    """One import statement's target module, where it is, and whether a function holds it."""

    importer: str
    target: str
    line: int
    in_function: bool


def module_name(path: Path, root: Path = ROOT) -> str:
    """The dotted name of a module file (a package's __init__.py names the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def library_modules(root: Path = ROOT, package: str = PACKAGE) -> dict[str, str]:
    """Dotted name → source of every importable module of the package."""
    out = {}
    for path in sorted((root / package).rglob("*.py")):
        if "__pycache__" in path.parts or "migrations" in path.parts:
            continue
        out[module_name(path, root)] = path.read_text(encoding="utf-8")
    return out


def _absolute(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(name: str, source: str, modules: Iterable[str]) -> list[Import]:
    """Every import statement of a module, its target resolved to a module where known."""
    known = set(modules)
    is_package = any(m.startswith(name + ".") for m in known)
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            if isinstance(child, ast.Import):
                found.extend(Import(name, a.name, child.lineno, inside) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = _absolute(name, is_package, child)
                for alias in child.names:
                    sub = f"{base}.{alias.name}"
                    target = sub if sub in known else base
                    found.append(Import(name, target, child.lineno, inside))
            visit(child, inside)

    visit(ast.parse(source), False)
    return found


def graph(modules: Mapping[str, str]) -> dict[str, set[str]]:
    """Module → the library modules importing it runs (packages' __init__ included)."""
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for name, source in modules.items():
        for imp in imports_of(name, source, modules):
            parts = imp.target.split(".")
            for k in range(1, len(parts) + 1):
                target = ".".join(parts[:k])
                inside = name == target or name.startswith(target + ".")
                if target in modules and target != name and not inside:
                    edges[name].add(target)
    return edges


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return sorted(found)


def imports_in_functions(modules: Mapping[str, str]) -> list[Import]:
    """Every import that runs only when a function does."""
    return [
        imp
        for name, source in modules.items()
        for imp in imports_of(name, source, modules)
        if imp.in_function
    ]


MODULES = library_modules()


def test_the_graph_sees_the_library() -> None:
    assert {"assessment", "assessment.scoring", "assessment.storage.drafts"} <= set(MODULES)
    edges = graph(MODULES)
    assert "assessment.questionnaire" in edges["assessment.scoring"]
    assert "assessment.storage.rollup" in edges["assessment.storage.drafts"]


def test_no_import_cycles_in_the_library() -> None:
    found = cycles(graph(MODULES))
    assert not found, f"import cycles among library modules: {found}"


def test_imports_inside_functions_have_a_reason() -> None:
    hidden = [
        f"{imp.importer}:{imp.line} imports {imp.target}"
        for imp in imports_in_functions(MODULES)
        if (imp.importer, imp.target) not in ALLOWED_IN_FUNCTIONS
    ]
    assert not hidden, f"move these imports to the top of their module: {hidden}"


def test_every_allowed_function_import_is_still_there() -> None:
    used = {(imp.importer, imp.target) for imp in imports_in_functions(MODULES)}
    stale = sorted(set(ALLOWED_IN_FUNCTIONS) - used)
    assert not stale, f"allowed but no longer imported inside a function: {stale}"
    assert all(reason.strip() for reason in ALLOWED_IN_FUNCTIONS.values())


# --- the checks themselves can fail ----------------------------------------------------


def _modules(**sources: str) -> dict[str, str]:
    return {name.replace("__", "."): source for name, source in sources.items()}


@pytest.mark.parametrize(
    "sources",
    [
        # a ↔ b, one side hidden in a function
        {"p": "", "p__a": "from p.b import f\n", "p__b": "def g():\n    from p.a import h\n"},
        # a → b → c → a through `from package import module`
        {"p": "", "p__a": "from p import b\n", "p__b": "import p.c\n", "p__c": "from p.a import x"},
        # a module importing a package whose __init__ (through n) imports the module
        {
            "p": "",
            "p__a": "from p.s.m import x\n",
            "p__s": "from p.s import n\n",
            "p__s__m": "",
            "p__s__n": "from p.a import y\n",
        },
        # only for the type checker, still a cycle of the design
        {
            "p": "",
            "p__a": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from p.b import B\n",
            "p__b": "from p.a import A\n",
        },
    ],
)
def test_a_cycle_is_recognised(sources: dict[str, str]) -> None:
    assert cycles(graph(_modules(**sources)))


def test_acyclic_imports_pass() -> None:
    modules = _modules(
        p="from p.a import f\n",
        p__a="from p import b\nfrom p.s import m\n",
        p__b="import json\n",
        p__s="from p.s.m import x\n",
        p__s__m="from p.b import y\nfrom p.s import n\n",
        p__s__n="",
    )
    assert cycles(graph(modules)) == []


def test_an_import_in_a_function_is_recognised() -> None:
    modules = _modules(
        p="",
        p__a="import json\n\nclass C:\n    def f(self):\n        import p.b\n",
        p__b="x = lambda: __import__('json')\n",
    )
    hidden = imports_in_functions(modules)
    assert [(i.importer, i.target, i.line) for i in hidden] == [("p.a", "p.b", 5)]

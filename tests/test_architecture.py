"""The shape of the code (design/ARCHITECTURE.md): a pure core inside an imperative shell, arrows pointing down,
no import cycle, the faces (API, pages, CLI) never importing each other, and one definition per fact.

The import graph is read from the source with ``ast`` (every ``import`` and ``from ... import``, module level or
inside a function: a lazy import is still a dependency)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "ioguide"

#: The pure clinical core: no I/O, no shell, no face.
CORE = {"case", "criteria", "toxicity", "planning", "simulation"}
#: Shared leaves everything may use.
LEAVES = {"ioguide", "errors", "validation"}
FACES = {"api", "web", "cli"}


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """The ioguide modules ``path`` imports (``from pkg import name`` counts as ``pkg.name`` when that is a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "ioguide"}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "ioguide":
                continue
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in MODULES else node.module)
    return found


GRAPH: dict[str, set[str]] = {name: {t for t in _imports(path) if t in MODULES} for name, path in MODULES.items()}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "ioguide"


def _package_graph() -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for source, targets in GRAPH.items():
        for target in targets:
            if _package(target) != _package(source):
                out[_package(source)].add(_package(target))
    return out


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan), i.e. the import cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def _offending(allowed: set[str], packages: set[str]) -> dict[str, set[str]]:
    graph = _package_graph()
    return {p: graph[p] - allowed - {p} for p in packages if graph[p] - allowed - {p}}


def test_the_graph_is_read() -> None:
    """A broken reader would pass every rule below: the graph must hold the arrows we know exist."""
    assert "ioguide.criteria.case_input" in GRAPH["ioguide.criteria.assess"]
    assert {"api", "web", "records", "serving"} <= _package_graph()["app"]


def test_no_import_cycle_between_packages_or_modules() -> None:
    assert _cycles(_package_graph()) == []
    assert _cycles(GRAPH) == []


def test_the_core_imports_nothing_from_the_shell() -> None:
    assert _offending(CORE | LEAVES, CORE) == {}


def test_the_faces_do_not_import_each_other_and_services_import_no_face() -> None:
    graph = _package_graph()
    assert graph["api"] & (FACES - {"api"}) == set()
    assert graph["web"] & (FACES - {"web"}) == set()
    assert graph["services"] & (FACES | {"app", "serving"}) == set()


def test_the_shell_below_the_services_imports_no_service_and_no_face() -> None:
    shell = {"records", "imaging", "interop"}
    upper = {"services", "serving", "app", "demo", *FACES}
    assert {p: _package_graph()[p] & upper for p in shell if _package_graph()[p] & upper} == {}


def test_injected_from_is_read_only_where_the_case_is_parsed_stored_or_assessed() -> None:
    """One answer to "is this lesion injected on date D" (issue 16): ``Lesion.injected_at`` in the core, asked
    through ``ioguide.case.facts``; nothing else reads a lesion's ``injected_from`` to decide it again."""
    allowed = {
        "ioguide.criteria.values",  # the rule: Lesion.injected_at
        "ioguide.criteria.case_input",  # the one parser
        "ioguide.criteria.itrecist",  # when a subset's membership changed (a different fact, itRECIST's)
        "ioguide.services.casedoc",  # the case document to and from the records
        "ioguide.records.models",
        "ioguide.web.records_pages",  # the lesion form writes the document's key (a translation, no decision)
        "ioguide.services.bulk",  # the store: reads the column into the case document (no decision)
        "ioguide.services.cohort_query",  # the SQL form of facts.any_injected (test_cohort_query checks agreement)
        "ioguide.services.lesions",  # reclassification writes the document's key (a correction, no decision)
        "ioguide.api.routes.corrections",  # the reclassification body's field (a translation)
        "ioguide.web.review_pages",  # the reclassification form's field (a translation)
    }
    readers = {
        name
        for name, path in MODULES.items()
        if not name.startswith("ioguide.records.migrations") and _reads_injected_from(path)
    }
    assert "ioguide.criteria.values" in readers  # the reader finds the rule itself
    assert readers <= allowed, readers - allowed


def _reads_injected_from(path: Path) -> bool:
    """``x.injected_from`` or the key ``"injected_from"`` in code (prose in docstrings does not count)."""
    return any(
        (isinstance(node, ast.Attribute) and node.attr == "injected_from")
        or (isinstance(node, ast.Constant) and node.value == "injected_from")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
    )

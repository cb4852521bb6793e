"""The floors of the house (docs/architecture.md), held against the code's own imports.

An AST walk of every module of the project (not tests, not migrations) reads each
import — at the top of a module or inside a function, relative or absolute — and
fails on:

* an import from an app into an app on a higher floor (ground to roof:
  the core, notifications, communities, posts, moderation, records, feed, then
  the project wiring: settings, URLs, the Celery app, the WSGI/ASGI entry points
  and the demo seeder);
* an import circle between modules, other than a service that enqueues its
  own app's task while the task module imports the service (the task↔service
  pair: a module's imports of its own app's ``tasks`` module are set aside, and
  what is left must have no circle).

Where a lower app must cause something in a higher one, it sends a signal that
the higher app connects to in its ``AppConfig.ready()``; where a lower app's page
shows something of a higher one, its template loads the higher app's tags.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Ground to roof. An app may import itself and the apps below it.
FLOORS = ["unisocial", "notifications", "communities", "posts", "moderation", "records", "feed", "project"]
APPS = [f for f in FLOORS if f != "project"]
# The project wiring inside the unisocial package: it composes every app, so it stands on the roof.
PROJECT_WIRING = (
    "unisocial.settings",
    "unisocial.urls",
    "unisocial.api_urls",
    "unisocial.celery",
    "unisocial.wsgi",
    "unisocial.asgi",
    "unisocial.management",
    "unisocial.devserver",  # runserver and the embedded mode's periodic jobs (every app's tasks, by name)
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            modules[_module_name(path)] = path
    return modules


def floor_of(module: str) -> str | None:
    # The package itself only loads the Celery app (the usual Celery layout): wiring too.
    if module == "unisocial" or any(module == w or module.startswith(w + ".") for w in PROJECT_WIRING):
        return "project"
    top = module.split(".")[0]
    return top if top in APPS else None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST):
    """Every import node, skipping ``if TYPE_CHECKING:`` blocks (never run)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The project modules ``module`` imports (``from a import b`` names a.b when that is a module)."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in _imports(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module
            targets = [
                f"{prefix}.{alias.name}" if f"{prefix}.{alias.name}" in known else prefix for alias in node.names
            ]
        for target in targets:
            # The longest project module that the dotted name starts with.
            parts = target.split(".")
            while parts and ".".join(parts) not in known:
                parts.pop()
            if parts and ".".join(parts) != module:
                found.add(".".join(parts))
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {name: imports_of(name, path, known) for name, path in modules.items()}


def upward_imports(graph) -> list[str]:
    rank = {floor: n for n, floor in enumerate(FLOORS)}
    wrong = []
    for source, targets in graph.items():
        for target in targets:
            a, b = floor_of(source), floor_of(target)
            if a and b and rank[b] > rank[a]:
                wrong.append(f"{source} ({a}) imports {target} ({b})")
    return sorted(wrong)


def _task_edge(source: str, target: str) -> bool:
    """A service enqueuing its own app's task (the task module imports the service)."""
    app = source.split(".")[0]
    return target == f"{app}.tasks" and source != target


def circles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), task edges set aside."""
    edges = {s: {t for t in ts if not _task_edge(s, t)} for s, ts in graph.items()}
    index, low, on_stack, stack, result = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        # Iterative Tarjan: the graph is small, but recursion limits are not worth the risk.
        work = [(v, iter(sorted(edges.get(v, ()))))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == node:
                            break
                    if len(component) > 1:
                        result.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(result)


def test_every_app_is_on_a_floor():
    apps_on_disk = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps_on_disk <= set(APPS), f"apps with no floor in FLOORS: {sorted(apps_on_disk - set(APPS))}"


def test_no_app_imports_an_app_above_it():
    wrong = upward_imports(import_graph())
    assert not wrong, "imports that run up the floors:\n" + "\n".join(wrong)


def test_no_import_circles_but_task_and_service():
    found = circles(import_graph())
    assert not found, "import circles:\n" + "\n".join(" <-> ".join(c) for c in found)


# The check itself: it must see what it is there to see.
@pytest.mark.parametrize(
    "graph, upward, circular",
    [
        ({"posts.services": {"records.holds"}, "records.holds": set()}, 1, 0),
        ({"records.holds": {"posts.models"}, "posts.models": set()}, 0, 0),
        ({"unisocial.urls": {"feed.views"}, "feed.views": set()}, 0, 0),
        ({"unisocial.admin": {"communities.models"}, "communities.models": set()}, 1, 0),
        ({"posts.a": {"posts.b"}, "posts.b": {"posts.a"}}, 0, 1),
        ({"posts.services": {"posts.tasks"}, "posts.tasks": {"posts.services"}}, 0, 0),
        ({"records.a": {"records.tasks"}, "records.tasks": {"records.b"}, "records.b": {"records.a"}}, 0, 0),
        ({"records.a": {"records.b"}, "records.b": {"records.c"}, "records.c": {"records.a"}}, 0, 1),
    ],
)
def test_the_check_sees_what_it_guards(graph, upward, circular):
    assert len(upward_imports(graph)) == upward
    assert len(circles(graph)) == circular


def test_the_walk_reads_lazy_and_relative_imports():
    graph = import_graph()
    # Module-level, relative: posts/models/__init__.py re-exports its submodules.
    assert "posts.models.post" in graph["posts.models"]
    # Every app's models are read by something: the walk is not empty.
    assert sum(len(t) for t in graph.values()) > 100

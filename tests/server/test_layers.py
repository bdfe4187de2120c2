"""The server's layers, read from its source with `ast` (nothing under server/ is imported here):

- REST (server/api), pages (server/web) and Socket.IO (server/realtime) reach the database only through
  server/services: none of their modules imports `server.db` or the session (`db` of server.extensions);
- no import circle among the modules of server/, imports inside functions included (a package's
  `__init__` that imports its submodules while one of them imports the `__init__` back is a circle);
- no circle among the packages of server/services (every `server.services.X.*` is node X).

Imports under `if TYPE_CHECKING:` never run: they make no circle, but an outer layer may not have them
either (it names no model at all)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parents[2] / "server"
OUTER = ("server.api", "server.web", "server.realtime")

# Outer-layer imports of server.db that are allowed, each with its reason: (module, imported module, name).
ALLOWED_DB_IMPORTS = {
    # The Socket.IO hub marks its floor worker threads so the connection pool serves scans first
    # (FloorFirstPool). That is engine set-up, like the engine options bound in server/app.py, not a query.
    ("server.realtime.hub", "server.db.engine", "floor_thread"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(SERVER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(SERVER.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST, type_checking: bool = False):
    """(node, under TYPE_CHECKING) for every import anywhere in the tree, function bodies included."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, type_checking
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                yield from _import_nodes(ast.Module(body=[child], type_ignores=[]), True)
            for child in node.orelse:
                yield from _import_nodes(ast.Module(body=[child], type_ignores=[]), type_checking)
        else:
            yield from _import_nodes(node, type_checking)


def imports(name: str, path: Path, known: set[str]) -> list[tuple[str, str | None, bool]]:
    """(module imported, name taken from it or None, under TYPE_CHECKING) for each server.* import.
    `from package import submodule` imports the submodule; `from package import name` the package."""
    is_package = path.name == "__init__.py"
    found = []
    for node, type_checking in _import_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, type_checking) for alias in node.names]
            continue
        base = node.module or ""
        if node.level:
            package = name.split(".") if is_package else name.split(".")[:-1]
            package = package[:len(package) - (node.level - 1)]
            base = ".".join(package + ([base] if base else []))
        for alias in node.names:
            target = f"{base}.{alias.name}"
            found.append((target, None, type_checking) if target in known else (base, alias.name, type_checking))
    return [(target, what, tc) for target, what, tc in found if target == "server" or target.startswith("server.")]


def graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the server modules it imports at run time (to the nearest module that exists)."""
    known = set(modules)
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for target, _, type_checking in imports(name, path, known):
            while target not in known and "." in target:
                target = target.rsplit(".", 1)[0]
            if not type_checking and target in known and target != name:
                targets.add(target)
        edges[name] = targets
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


@pytest.fixture(scope="module")
def modules() -> dict[str, Path]:
    return all_modules()


def test_the_reader_sees_the_server(modules):
    """Guards the guards: the walk finds the layers and reads imports at module level and in functions."""
    edges = graph(modules)
    assert {"server.api", "server.web", "server.realtime", "server.services.transaction",
            "server.services.catalogue.items"} <= set(modules)
    assert "server.services.people.auth" in edges["server.api.auth"]  # module level
    assert "server.api.auth" in edges["server.api"]  # inside register_api
    assert "server.web.picking" in edges["server.web"]  # inside register_web
    assert "server.realtime.floor" in edges["server.realtime"]  # inside register_namespaces
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_outer_layers_do_not_reach_into_the_database(modules):
    known = set(modules)
    reaching = []
    for name, path in modules.items():
        if not name.startswith(OUTER):
            continue
        for target, what, _ in imports(name, path, known):
            into_db = target == "server.db" or target.startswith("server.db.")
            session = target == "server.extensions" and what == "db"
            if (into_db or session) and (name, target, what) not in ALLOWED_DB_IMPORTS:
                reaching.append(f"{name} imports {target}{'.' + what if what else ''}")
    assert reaching == []


def test_no_import_circle_among_server_modules(modules):
    assert cycles(graph(modules)) == []


def test_no_import_circle_among_service_packages(modules):
    def node(module: str) -> str | None:
        parts = module.split(".")
        return parts[2] if len(parts) > 2 and parts[:2] == ["server", "services"] else None

    packages: dict[str, set[str]] = {}
    for source, targets in graph(modules).items():
        if node(source) is None:
            continue
        packages.setdefault(node(source), set()).update(
            node(t) for t in targets if node(t) is not None and node(t) != node(source))
    assert {"people", "floor", "lookup", "catalogue", "receiving", "picking", "packing", "returns", "inventory",
            "orders", "printing", "reports", "demo", "transaction"} <= set(packages)
    assert cycles(packages) == []

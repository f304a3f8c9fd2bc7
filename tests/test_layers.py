"""Imports run one way: the app, then the ways in (API, review UI, CLI), then the domain
(chats, auth, search), then the plumbing (models, extensions, …), then settings, then the
plain rules. Every import counts, those inside functions too; no cycle at all."""

import ast
from pathlib import Path

import pytest

from ragchat.settings import ROOT

# Lowest first. A module belongs to the group of its longest matching name.
LAYERS = [
    ("foundation", ["ragchat.version", "ragchat.rules", "ragchat.exceptions", "ragchat.jsontext"]),
    ("settings", ["ragchat.settings"]),
    (
        "plumbing",
        [
            "ragchat.extensions",
            "ragchat.models",
            "ragchat.fields",
            "ragchat.paging",
            "ragchat.problems",
            "ragchat.logs",
            "ragchat.security",
            "ragchat.errors",
            "ragchat.transactions",
        ],
    ),
    ("domain", ["ragchat.chats", "ragchat.auth", "ragchat.search", "ragchat.insights"]),
    ("entry points", ["ragchat.api", "ragchat.web", "ragchat.commands", "ragchat.metrics"]),
    ("app", ["ragchat"]),
]
# The ways in do not lean on each other: what two of them share belongs below them.
SEPARATE = "entry points"


def modules_of(package_dir, package):
    """{module name: source path} for every module of the package."""
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    assert package in found
    return found


def imports_of(name, path, known):
    """The package's modules that `name` imports anywhere in its source."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    targets = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in known else base)
    return {target for target in targets if target in known and target != name}


def layer_of(name):
    best = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            inside = name == prefix or (prefix != "ragchat" and name.startswith(prefix + "."))
            if inside and (best is None or len(prefix) > len(best[1])):
                best = (index, prefix)
    return best


def violations(package_dir, package="ragchat"):
    """Every backward edge, edge between two ways in, unplaced module, and cycle."""
    known = modules_of(package_dir, package)
    graph = {name: imports_of(name, path, known) for name, path in known.items()}
    problems = [f"{name} is in no layer" for name in known if layer_of(name) is None]
    for name, targets in graph.items():
        placed = layer_of(name)
        for target in sorted(targets):
            goes_to = layer_of(target)
            if placed is None or goes_to is None:
                continue
            if goes_to[0] > placed[0]:
                problems.append(
                    f"{name} ({LAYERS[placed[0]][0]}) imports {target} ({LAYERS[goes_to[0]][0]})"
                )
            elif LAYERS[placed[0]][0] == SEPARATE == LAYERS[goes_to[0]][0] and placed != goes_to:
                problems.append(f"{name} imports another way in: {target}")
    problems.extend(f"import cycle: {' -> '.join(cycle)}" for cycle in cycles(graph))
    return problems


def cycles(graph):
    """One cycle through each strongly connected group of modules, if any."""
    found, state = [], {}

    def visit(node, path):
        state[node] = "open"
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, path)
        path.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return found


def test_ragchat_imports_run_one_way_without_cycles():
    assert violations(ROOT / "ragchat") == []


@pytest.mark.parametrize(
    ("modules", "expected"),
    [
        (
            {"ragchat.models": "from ragchat.chats import Chat\n"},
            "ragchat.models (plumbing) imports ragchat.chats (domain)",
        ),
        (
            {"ragchat.chats.sessions": "def f():\n    import ragchat.api\n"},
            "ragchat.chats.sessions (domain) imports ragchat.api (entry points)",
        ),
        (
            {"ragchat.web.views": "from ragchat.api.sessions import x\n"},
            "ragchat.web.views imports another way in: ragchat.api.sessions",
        ),
        (
            {"ragchat.chats.sessions": "from ragchat.chats import messages\n"},
            "import cycle: ragchat.chats.sessions -> ragchat.chats.messages"
            " -> ragchat.chats.sessions",
        ),
        ({"ragchat.stray": ""}, "ragchat.stray is in no layer"),
    ],
)
def test_the_check_finds_what_it_forbids(tmp_path, modules, expected):
    """A small package laid out like ragchat, with one wrong import each time."""
    package = {
        "ragchat": "from ragchat import api\n",
        "ragchat.models": "from ragchat import extensions\n",
        "ragchat.extensions": "",
        "ragchat.chats": "",
        "ragchat.chats.messages": "from .sessions import get\n",
        "ragchat.chats.sessions": "from ragchat.models import Row\n",
        "ragchat.api": "",
        "ragchat.api.sessions": "from ragchat.chats import sessions\n",
        "ragchat.web": "",
        "ragchat.web.views": "",
    }
    for name, source in {**package, **modules}.items():
        is_package = any(other.startswith(name + ".") for other in {**package, **modules})
        path = tmp_path / Path(*name.split("."))
        path = path / "__init__.py" if is_package else path.with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    assert violations(tmp_path / "ragchat") == [expected]

"""The boundaries the README promises, checked on the source itself."""

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "engine"
DAGS = ROOT / "dags"
SOLVERS = ("routing", "batching", "packing", "layout", "scheduling")
EDGES = ("engine.store", "engine.publish", "engine.commands", "engine.cli", "engine.orchestration")
#: What a DAG file may import from engine when Airflow parses it: the wave config's schema (for the params).
DAG_PARSE_IMPORTS = ("engine.io.config",)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(nodes: list[ast.stmt], *, deep: bool) -> list[tuple[str, tuple[str, ...]]]:
    """(module, names) of every import; ``deep``: also inside functions and classes, never under TYPE_CHECKING."""
    found: list[tuple[str, tuple[str, ...]]] = []
    todo = list(nodes)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import):
            found.extend((a.name, ()) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.module, tuple(a.name for a in node.names)))
        elif isinstance(node, ast.If) and _is_type_checking(node):
            todo.extend(node.orelse)
        elif deep or isinstance(node, (ast.If, ast.Try)):
            todo.extend(ast.iter_child_nodes(node))  # type: ignore[arg-type]
    return found


def imported_modules(path: Path, *, top_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {m for m, _ in _imports(tree.body, deep=not top_level_only)}


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def import_graph() -> nx.DiGraph:
    """engine module -> the engine modules it imports at run time (at any depth, not TYPE_CHECKING)."""
    modules = {module_name(p): p for p in ENGINE.rglob("*.py")}
    g = nx.DiGraph()
    g.add_nodes_from(modules)
    for name, path in modules.items():
        for target, names in _imports(ast.parse(path.read_text(encoding="utf-8")).body, deep=True):
            if not target.startswith("engine"):
                continue
            subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in modules]
            for t in subs or [target]:
                if t in modules and t != name:
                    g.add_edge(name, t)
    return g


@pytest.mark.parametrize("room", SOLVERS)
def test_solvers_never_import_the_edges(room: str) -> None:
    for path in (ENGINE / room).rglob("*.py"):
        bad = {m for m in imported_modules(path) if m.startswith(EDGES)}
        assert not bad, f"{path.relative_to(ENGINE)} imports {sorted(bad)}"


def test_no_import_cycle_anywhere_in_engine() -> None:
    g = import_graph()
    cycles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    # a package's __init__ re-exports its modules; a module importing its own package is a cycle too
    assert not cycles, f"import cycles: {cycles}"


def test_the_cycle_check_sees_lazy_imports(tmp_path: Path) -> None:
    tree = ast.parse("def f():\n    from engine.wave.pipeline import plan_group\n"
                     "if TYPE_CHECKING:\n    from engine.store import Store\n")
    assert [m for m, _ in _imports(tree.body, deep=True)] == ["engine.wave.pipeline"]


def test_dag_files_import_only_the_config_schema_at_parse_time() -> None:
    for path in DAGS.glob("*.py"):
        top = {m for m in imported_modules(path, top_level_only=True) if m.startswith("engine")}
        assert top <= set(DAG_PARSE_IMPORTS), f"{path.name} imports {sorted(top)} at parse time"


def test_the_config_schema_imports_no_solver_and_no_database() -> None:
    code = ("import sys, engine.io.config; heavy = ('numba', 'numpy', 'ortools', 'sqlalchemy', 'networkx', "
            "'engine.store', 'engine.wave', 'engine.routing', 'engine.packing'); "
            "print(sorted(m for m in sys.modules if m.startswith(heavy)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"

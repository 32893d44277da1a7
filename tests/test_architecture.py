"""The boundaries the README promises, checked on the source itself."""

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[1] / "engine"
DAGS = Path(__file__).resolve().parents[1] / "dags"
SOLVERS = ("routing", "batching", "packing", "layout", "scheduling")
EDGES = ("engine.store", "engine.publish", "engine.commands", "engine.cli", "engine.orchestration")


def imported_modules(path: Path, *, top_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("room", SOLVERS)
def test_solvers_never_import_the_edges(room: str) -> None:
    for path in (ENGINE / room).rglob("*.py"):
        bad = {m for m in imported_modules(path) if m.startswith(EDGES)}
        assert not bad, f"{path.relative_to(ENGINE)} imports {sorted(bad)}"


def test_dag_files_import_no_engine_at_parse_time() -> None:
    for path in DAGS.glob("*.py"):
        top = imported_modules(path, top_level_only=True)
        assert not {m for m in top if m.startswith("engine")}, f"{path.name} imports engine at parse time"

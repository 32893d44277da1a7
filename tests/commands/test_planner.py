"""CLI handlers of the planner: ``layout check``, ``evaluate``, ``slotting``."""

from pathlib import Path

import pytest

from engine.cli import main

RECT = """\
name: dc-test
kind: rectangular
blocks: 2
aisles: 4
slots_per_side: 10
zones:
  - {id: Z1, aisles: [1, 2]}
  - {id: Z2, aisles: [3, 4], depot_x_m: 6.0}
"""

GRAPH = """\
name: mezz
kind: graph
nodes: [{id: dock, x_m: 0, y_m: 0}, {id: n1, x_m: 5, y_m: 0}, {id: n2, x_m: 5, y_m: 8}]
edges: [[dock, n1], {from: n1, to: n2, length_m: 9.5}]
locations: [{id: M-01, node: n1}, {id: M-02, node: n2}]
depot: dock
"""


def test_layout_check_rect_next_to_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "layout.yaml"
    path.write_text(RECT)
    assert main(["layout", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "aisles 4, blocks 2, locations 160 (80 pick positions)" in out
    assert "zones 2: Z1, Z2" in out and "9 m x 24 m" in out
    assert (tmp_path / "layout.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "layout.svg").exists()


def test_layout_check_graph_to_named_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mezz.yaml"
    path.write_text(GRAPH)
    assert main(["layout", "check", str(path), "--out", str(tmp_path / "pics" / "m.svg")]) == 0
    assert "nodes 3, edges 2, locations 2" in capsys.readouterr().out
    assert (tmp_path / "pics" / "m.png").exists() and (tmp_path / "pics" / "m.svg").exists()


def test_layout_check_folder(tmp_path: Path) -> None:
    path = tmp_path / "mezz.yaml"
    path.write_text(GRAPH)
    assert main(["layout", "check", str(path), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "mezz.png").exists()


def test_layout_check_bad_layout_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("kind: rectangular\nblocks: 0\naisles: 3\nslots_per_side: 5\n")
    assert main(["layout", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "'blocks'" in err
    assert not list(tmp_path.glob("*.png"))


def test_layout_check_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layout", "check", str(tmp_path / "nope.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err

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


@pytest.fixture(scope="module")
def history_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from engine.synth.generate import SynthParams, generate, write_instance

    inst = generate(SynthParams(blocks=1, aisles=6, slots_per_side=8, skus=40, orders=30), seed=9)
    paths = write_instance(inst, tmp_path_factory.mktemp("hist"))
    # a candidate layout: same aisles, one more block (every inventory location still exists)
    doc = paths["layout"].read_text().replace("blocks: 1", "blocks: 2")
    paths["layout2"] = paths["layout"].with_name("layout2.yaml")
    paths["layout2"].write_text(doc)
    return paths


def _common(p: dict[str, Path], out: Path) -> list[str]:
    return ["--layout", str(p["layout"]), "--skus", str(p["skus"]), "--inventory", str(p["inventory"]),
            "--orders", str(p["orders"]), "--config", str(p["wave"]), "--max-iterations", "20",
            "--time-limit", "5", "--out", str(out)]


@pytest.mark.slow
def test_slotting_then_evaluate_the_new_inventory(history_files: dict[str, Path], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import csv
    import json

    out = tmp_path / "slot"
    assert main(["slotting", *_common(history_files, out), "--max-moves", "15"]) == 0
    stdout = capsys.readouterr().out
    assert "moves (" in stdout and "difference:" in stdout
    moves = list(csv.DictReader((out / "moves.csv").open()))
    assert 0 < len(moves) <= 15 and set(moves[0]) == {"from", "to", "sku"}
    for name in ("inventory.csv", "evaluation.csv", "evaluation.json", "evaluation.md",
                 "slotting_before_after.png", "slotting_before_after.svg"):
        assert (out / name).exists(), name
    saved = json.loads((out / "evaluation.json").read_text())["difference"]["distance_m"]

    # Evaluating the written inventory as a candidate measures the same saving.
    again = tmp_path / "eval"
    assert main(["evaluate", *_common(history_files, again), "--slotting", str(out / "inventory.csv")]) == 0
    doc = json.loads((again / "evaluation.json").read_text())
    assert doc["difference"]["distance_m"] == pytest.approx(saved)
    assert doc["candidate"]["orders"] == doc["baseline"]["orders"] == 30
    assert (again / "comparison.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_evaluate_compare_layout_and_picker_params(history_files: dict[str, Path], tmp_path: Path) -> None:
    import json

    out = tmp_path / "cmp"
    args = [*_common(history_files, out), "--compare", str(history_files["layout2"]), "--walking-speed", "0.5",
            "--time-per-stop", "0", "--time-per-unit", "0"]
    assert main(["evaluate", *args]) == 0
    doc = json.loads((out / "evaluation.json").read_text())
    base = doc["baseline"]
    # with no stop or unit time, picker hours are walking time at 0.5 m/s
    assert base["picker_hours"] == pytest.approx(base["distance_m"] / 0.5 / 3600)
    assert doc["candidate"]["scenario"] == "layout2"


def test_evaluate_bad_inputs_exit_2(history_files: dict[str, Path], tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "skus.csv"
    bad.write_text("sku,length_cm\nA,1\n")
    args = _common(history_files, tmp_path / "x")
    args[args.index("--skus") + 1] = str(bad)
    assert main(["evaluate", *args]) == 2
    err = capsys.readouterr().err
    assert "skus.csv" in err and "required column missing" in err
    assert main(["evaluate", *_common(history_files, tmp_path / "y"), "--walking-speed", "0"]) == 2
    assert "walking_speed_m_s" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()

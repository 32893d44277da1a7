"""``pickwave plan`` end to end through the CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from engine.cli import main
from engine.synth import SynthParams, generate, write_instance


@pytest.fixture()
def inputs(tmp_path: Path) -> dict[str, Path]:
    inst = generate(SynthParams(blocks=1, aisles=10, slots_per_side=10, skus=60, orders=30), seed=2)
    return write_instance(inst, tmp_path / "in")


def argv(paths: dict[str, Path], out: Path, *extra: str) -> list[str]:
    return ["plan", "--layout", str(paths["layout"]), "--skus", str(paths["skus"]), "--inventory",
            str(paths["inventory"]), "--orders", str(paths["orders"]), "--boxes", str(paths["boxes"]),
            "--config", str(paths["wave"]), "--out", str(out), *extra]


def test_plan_writes_the_five_files_and_accounts_for_every_order(
    inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(argv(inputs, out, "--max-iterations", "30", "--seed", "4")) == 0
    captured = capsys.readouterr()
    assert "released" in captured.out and "pickwave:" not in captured.err  # progress only on a terminal
    summary = json.loads((out / "summary.json").read_text())
    assert summary["config"]["max_iterations"] == 30 and summary["config"]["seed"] == 4
    with open(inputs["orders"], newline="") as f:
        ordered = {r["order_id"] for r in csv.DictReader(f)}
    with open(out / "picklists.csv", newline="") as f:
        picked = {r["order_id"] for r in csv.DictReader(f)}
    with open(out / "held.csv", newline="") as f:
        held = {r["order_id"] for r in csv.DictReader(f)}
    assert picked | held == ordered and not picked & held


def test_missing_input_file_exits_2_and_writes_nothing(
    inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = {**inputs, "skus": tmp_path / "nope.csv"}
    out = tmp_path / "out"
    assert main(argv(inputs, out)) == 2
    assert "nope.csv" in capsys.readouterr().err
    assert not out.exists()


def test_summary_line_says_more_when_the_plan_walks_further() -> None:
    from engine.commands.plan import compared

    assert compared(0.25) == "25.0% less than"
    assert compared(-1.182) == "118.2% more than"


def test_workers_option_plans_the_same_wave(inputs: dict[str, Path], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(argv(inputs, a, "--max-iterations", "20", "--workers", "1")) == 0
    assert main(argv(inputs, b, "--max-iterations", "20", "--workers", "2")) == 0
    assert (a / "picklists.csv").read_text() == (b / "picklists.csv").read_text()
    out = capsys.readouterr().out
    assert out.count("first-come S-shape") == 2

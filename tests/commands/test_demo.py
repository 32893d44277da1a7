"""`pickwave demo` end to end on a small wave, and the shipped sample data."""

import csv
import json
from pathlib import Path

import pytest

from engine.cli import main
from engine.commands.demo import demo_instance
from engine.synth import render_instance

REPO = Path(__file__).resolve().parents[2]


def test_shipped_sample_is_the_demo_instance() -> None:
    for name, text in render_instance(demo_instance()).items():
        path = REPO / "data" / "sample" / Path(name).name
        assert path.read_text(encoding="utf-8") == text, f"{path} differs from the generator's output"


@pytest.mark.slow
def test_demo_runs_a_full_wave(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--orders", "60", "--seed", "3", "--time-limit", "2"]) == 0
    said = capsys.readouterr().out
    summary = json.loads((out / "wave" / "summary.json").read_text())
    assert summary["counts"]["orders_in"] + summary["counts"].get("already_held", 0) >= 1
    for name in ("picklists.csv", "batches.csv", "cartons.csv", "held.csv", "summary.json"):
        assert (out / "wave" / name).is_file() and str(out / "wave" / name) in said
    pictures = sorted(p.name for p in (out / "pictures").iterdir())
    assert "layout.png" in pictures and "pick_density.svg" in pictures
    assert any(n.startswith("route_") for n in pictures)
    assert (out / "pickwave.db").is_file()
    # Every order of the demo's input file is in exactly one of picklists.csv and held.csv, those
    # cancelled at import (refunded, voided; seed 3 has four) included.
    def ids(path: Path) -> list[str]:
        with path.open(newline="", encoding="utf-8") as f:
            return [row["order_id"] for row in csv.DictReader(f)]
    given = set(ids(out / "input" / "orders.csv"))
    picked, held = set(ids(out / "wave" / "picklists.csv")), ids(out / "wave" / "held.csv")
    assert len(held) == len(set(held)) and not picked & set(held)
    assert picked | set(held) == given
    assert "cancelled before release" in (out / "wave" / "held.csv").read_text(encoding="utf-8")

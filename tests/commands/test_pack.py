"""``pickwave pack`` end to end on a small fixture, checked with the packing verifier."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path

from engine.cli import main
from engine.io.tables import read_boxes, read_skus
from engine.packing import Carton, Placement
from engine.packing.verify import carton_violations

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "packing"


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _args(out: Path, *extra: str) -> list[str]:
    return ["pack", "--skus", str(FIX / "skus.csv"), "--boxes", str(FIX / "boxes.csv"),
            "--orders", str(FIX / "orders.csv"), "--out", str(out), *extra]


def test_pack_writes_valid_cartons_and_holds(tmp_path: Path) -> None:
    assert main(_args(tmp_path, "--config", str(FIX / "wave.yaml"))) == 0
    cartons = _rows(tmp_path / "cartons.csv")
    held = {r["order_id"]: r["reason"] for r in _rows(tmp_path / "held.csv")}
    assert held == {"o4": "no_box_fits", "o5": "unknown_sku", "o6": "invalid"}
    packed: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for r in cartons:
        packed[r["order_id"]][r["sku"]] += 1
    assert packed == {"o1": {"book": 3}, "o2": {"vase": 2, "book": 1}, "o3": {"bottle": 4}}
    skus = read_skus(FIX / "skus.csv").skus
    boxes = {b.box_id: b for b in read_boxes(FIX / "boxes.csv").boxes}
    groups = defaultdict(list)
    for r in cartons:
        groups[(r["order_id"], r["carton_no"], r["box_id"])].append(
            Placement(r["sku"], *(float(r[k]) for k in ("x_cm", "y_cm", "z_cm", "dx_cm", "dy_cm", "dz_cm")))
        )
    for (_, no, box_id), ps in groups.items():
        box = boxes[box_id]
        weight = box.tare_kg + sum(skus[p.sku].weight_kg for p in ps)
        assert carton_violations(Carton(int(no), box_id, tuple(ps), weight, 0.0), box, skus, 1.5) == []
    # the padding of wave.yaml (1.5 cm) is applied around the vases
    vases = [r for r in cartons if r["sku"] == "vase"]
    assert all(float(r["x_cm"]) >= 1.5 and float(r["z_cm"]) >= 1.5 for r in vases)


def test_pack_missing_file_is_exit_2(tmp_path: Path, capsys) -> None:
    args = _args(tmp_path / "out")
    args[2] = str(tmp_path / "nope.csv")
    assert main(args) == 2
    assert "nope.csv" in capsys.readouterr().err
    assert not (tmp_path / "out" / "cartons.csv").exists()

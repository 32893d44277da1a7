"""``pickwave route`` end to end on a temporary folder."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from engine.cli import main

LAYOUT = """\
name: tiny
kind: rectangular
blocks: 2
aisles: 4
slots_per_side: 5
slot_length_m: 1.0
aisle_pitch_m: 3.0
cross_aisle_width_m: 2.0
depot: {x_m: 4.5}
"""

PICKS = """\
list_id,location_id
L1,A01-B1-S002-L
L1,A03-B2-S004-R
L1,A03-B2-S004-L
L2,A04-B1-S001-L
L1,A01-B1-S002-L
"""


def _write(tmp_path: Path, picks: str = PICKS) -> tuple[Path, Path]:
    layout, pick_file = tmp_path / "layout.yaml", tmp_path / "picks.csv"
    layout.write_text(LAYOUT, encoding="utf-8")
    pick_file.write_text(picks, encoding="utf-8")
    return layout, pick_file


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("routing", ["optimal", "s-shape"])
def test_route_writes_routes_and_lengths(tmp_path: Path, routing: str) -> None:
    layout, picks = _write(tmp_path)
    out = tmp_path / "out"
    code = main(["route", "--layout", str(layout), "--picks", str(picks), "--out", str(out),
                 "--routing", routing])
    assert code == 0
    routes = _rows(out / "routes.csv")
    l1 = {r["location_id"]: r["stop"] for r in routes if r["list_id"] == "L1"}
    # three location ids, repeated pick listed once; both sides of A03-B2-S004 share a stop
    assert len([r for r in routes if r["list_id"] == "L1"]) == 3
    assert l1["A03-B2-S004-L"] == l1["A03-B2-S004-R"] != l1["A01-B1-S002-L"]
    assert {l1["A01-B1-S002-L"], l1["A03-B2-S004-L"]} == {"1", "2"}
    lengths = {r["list_id"]: r for r in _rows(out / "route_lengths.csv")}
    assert set(lengths) == {"L1", "L2"}
    # L2: from x 4.5 to aisle 4 (x 9), up to y 1.5 and back
    assert float(lengths["L2"]["distance_m"]) == pytest.approx(2 * (4.5 + 1.5))
    assert lengths["L2"]["proven"] == ("1" if routing == "optimal" else "0")
    assert not list(out.glob(".route-*"))


def test_unknown_location_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layout, picks = _write(tmp_path, "list_id,location_id\nL1,A01-B1-S001-L\nL1,A09-B1-S001-L\n")
    out = tmp_path / "out"
    code = main(["route", "--layout", str(layout), "--picks", str(picks), "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "picks.csv" in err[0] and "row 3" in err[0] and "location_id" in err[0] and "A09-B1-S001-L" in err[0]
    assert not (out / "routes.csv").exists()


def test_missing_column_and_unknown_method(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layout, picks = _write(tmp_path, "list,location_id\nL1,A01-B1-S001-L\n")
    assert main(["route", "--layout", str(layout), "--picks", str(picks), "--out", str(tmp_path)]) == 2
    assert "list_id" in capsys.readouterr().err
    layout, picks = _write(tmp_path)
    assert main(["route", "--layout", str(layout), "--picks", str(picks), "--out", str(tmp_path),
                 "--routing", "zigzag"]) == 2
    assert "zigzag" in capsys.readouterr().err

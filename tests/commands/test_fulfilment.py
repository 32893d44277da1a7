"""An order's life after its wave, on the command line: reports, pack verify, ship, deliver, returns, wave list/show.

The same functions the ``fulfilment`` DAG calls; here through ``engine.cli.main``.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from engine.cli import main
from tests.dags.conftest import seed_store


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], Path]:
    """A store with one wave committed by ``pickwave wave run``: the ``--db`` option and the wave's folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PICKWAVE_SHORT_STOCK", raising=False)
    monkeypatch.setenv("PICKWAVE_OUTPUT_URL", str(tmp_path / "waves"))
    url = f"sqlite:///{tmp_path / 'store.db'}"
    seed_store(url, tmp_path / "inputs")
    (tmp_path / "wave.yaml").write_text("max_iterations: 30\nseed: 1\n")
    db = ["--db", url]
    assert main([*db, "wave", "run", "--config", "wave.yaml", "--wave-id", "W-CLI"]) == 0
    return db, tmp_path / "waves" / "W-CLI"


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def _json(capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 0) -> object:
    capsys.readouterr()
    assert main(argv) == code
    return json.loads(capsys.readouterr().out)


def test_an_order_from_pick_to_refund_on_the_command_line(shop: tuple[list[str], Path], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    db, wave = shop
    picks = _rows(wave / "picklists.csv")
    oid = sorted({p["order_id"] for p in picks})[0]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "picks.csv").write_text("event,order_id,sku,qty\n" + "".join(
        f"picked,{oid},{p['sku']},{p['qty']}\n" for p in picks if p["order_id"] == oid))
    done = _json(capsys, [*db, "reports", "ingest", str(inbox), "--json"])
    assert done["applied"] >= 1 and done["quarantined"] == 0  # type: ignore[index]
    assert (inbox / "processed").is_dir() and not (inbox / "picks.csv").exists()
    assert _json(capsys, [*db, "orders", "show", oid, "--json"])["status"] == "picked"  # type: ignore[index]

    packing = [r for f in sorted((wave / "packing").glob("*.csv")) for r in _rows(f) if r["order_id"] == oid]
    cartons = _rows(wave / "cartons.csv")
    ids = {r["carton_no"]: r["carton_id"] for r in packing}
    units = Counter((ids[c["carton_no"]], c["sku"]) for c in cartons if c["order_id"] == oid)
    header = "event,order_id,sku,qty,carton_id\n"
    bad = tmp_path / "bad-pack.csv"
    (_cid, sku), n = next(iter(units.items()))
    bad.write_text(header + f"packed,{oid},{sku},{n},{oid}-99\n")
    verdict = _json(capsys, [*db, "pack", "verify", str(bad), "--json"], code=1)
    assert verdict["orders"][oid].startswith("not packed (picked)")  # type: ignore[index]
    assert "not a planned carton" in verdict["orders"][oid]  # type: ignore[index]
    good = tmp_path / "pack.csv"
    good.write_text(header + "".join(f"packed,{oid},{s},{q},{c}\n" for (c, s), q in sorted(units.items())))
    assert _json(capsys, [*db, "pack", "verify", str(good), "--json"])["orders"] == {oid: "packed"}  # type: ignore[index]

    shipped = _json(capsys, [*db, "ship", oid, "--out", str(tmp_path / "out"), "--json"])
    assert [s["order_id"] for s in shipped] == [oid]  # type: ignore[union-attr, index]
    assert (tmp_path / "out" / "labels" / f"{oid}.zpl").is_file()
    assert _json(capsys, [*db, "deliver", oid, "--out", str(tmp_path / "out"), "--json"]) == {
        "delivered": [oid], "followups": [oid]}
    assert main([*db, "deliver", oid]) == 2  # delivered already: refused, nothing changed
    capsys.readouterr()
    back = _json(capsys, [*db, "returns", "RMA-1", oid, "--disposition", "restock", "--refund", "--json"])
    assert back["refund_status"] == "refunded" and back["already"] is False  # type: ignore[index]
    assert _json(capsys, [*db, "returns", "RMA-1", oid, "--disposition", "restock", "--json"])["already"] is True  # type: ignore[index]
    assert main([*db, "returns", "RMA-2", sorted({p["order_id"] for p in picks})[1], "--disposition", "scrap"]) == 2
    assert "never shipped" in capsys.readouterr().err
    history = [e["action"] for e in _json(capsys, [*db, "orders", "show", oid, "--json"])["events"]]  # type: ignore[index]
    moves = [a for a in history if a not in ("restock", "scrap")]
    assert moves[moves.index("release"):] == ["release", "confirm_pick", "pack", "ship", "deliver", "return", "refund"]


def test_wave_list_and_show(shop: tuple[list[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    db, wave = shop
    waves = _json(capsys, [*db, "wave", "list", "--json"])
    assert [w["wave_id"] for w in waves] == ["W-CLI"]  # type: ignore[union-attr, index]
    shown = _json(capsys, [*db, "wave", "show", "W-CLI", "--json"])
    batches = {r["batch_id"] for r in _rows(wave / "batches.csv")}
    assert shown["batches"] == len(batches) and shown["statuses"] == {"released": 11}  # type: ignore[index]
    assert shown["picks"] == len(_rows(wave / "picklists.csv")) and shown["out"] == str(wave)  # type: ignore[index]
    capsys.readouterr()
    assert main([*db, "wave", "show", "W-NONE"]) == 2
    assert "no such wave" in capsys.readouterr().err
    assert main([*db, "wave", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("W-CLI,")

"""Store-backed commands end to end through ``engine.cli.main``, and bad input as a new user tries it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from engine.cli import main
from tests.store import samples

HEADER = "order_id,sku,qty,created_at,payment_status\n"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with the sample catalogue imported into a fresh SQLite store."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PICKWAVE_DB_URL", f"sqlite:///{tmp_path / 'shop.db'}")
    monkeypatch.delenv("PICKWAVE_OUTPUT_URL", raising=False)
    monkeypatch.delenv("PICKWAVE_SHORT_STOCK", raising=False)
    f = samples.write_catalog(tmp_path)
    assert main(["catalog", "import", "--layout", str(f["layout"]), "--skus", str(f["skus"]),
                 "--inventory", str(f["inventory"]), "--boxes", str(f["boxes"])]) == 0
    (tmp_path / "orders.csv").write_text(samples.ORDERS, encoding="utf-8")
    return tmp_path


def listed(capsys: pytest.CaptureFixture[str], *status: str) -> list[dict[str, str]]:
    capsys.readouterr()
    assert main(["orders", "list", *(["--status", status[0]] if status else [])]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_import_then_list_awaiting_shows_exactly_the_captured(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["orders", "import", "orders.csv"]) == 0
    rows = listed(capsys, "awaiting_fulfillment")
    assert [r["order_id"] for r in rows] == list(samples.CAPTURED_VALID)
    assert {r["payment_status"] for r in rows} == {"captured"}
    assert {"order_id", "status", "payment_status", "channel"} <= set(rows[0])


def test_import_twice_is_idempotent(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["orders", "import", "orders.csv", "--channel", "web"]) == 0
    first = listed(capsys)
    assert main(["orders", "import", "orders.csv", "--channel", "web"]) == 0
    assert "0 new, 0 updated, 0 cancelled, 8 unchanged" in capsys.readouterr().out
    assert listed(capsys) == first


def test_action_moves_and_refuses(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["orders", "import", "orders.csv"])
    capsys.readouterr()
    assert main(["orders", "action", "capture", "O2", "--reason", "paid by phone", "--by", "carol"]) == 0
    assert "O2: pending_payment -> awaiting_fulfillment" in capsys.readouterr().out
    assert main(["orders", "action", "ship", "O1"]) == 2
    err = capsys.readouterr().err
    assert "cannot ship an order that is awaiting_fulfillment" in err and "nothing was changed" in err


def test_wave_run_releases_all_or_nothing_and_reruns_change_nothing(
        shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["orders", "import", "orders.csv"])
    (shop / "wave.yaml").write_text("time_limit_s: 5\nmax_iterations: 20\n")
    capsys.readouterr()
    assert main(["wave", "run", "--config", "wave.yaml", "--wave-id", "W-1"]) == 0
    assert "2 orders released" in capsys.readouterr().out
    out = shop / "waves" / "W-1"
    assert sorted(p.name for p in out.iterdir()) == ["batches.csv", "cartons.csv", "held.csv", "manifest.json",
                                                     "packing", "picklists.csv", "picklists.json", "sheets",
                                                     "summary.json"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["released"] == ["O1", "O4"] and all((out / f).is_file() for f in manifest["files"])
    assert {p.name for p in (out / "sheets").iterdir()} == {f"{b}.html" for b in {
        r["batch_id"] for r in csv.DictReader((out / "picklists.csv").open())}}
    picked = {r["order_id"] for r in csv.DictReader((out / "picklists.csv").open())}
    held = {r["order_id"]: r["reason"] for r in csv.DictReader((out / "held.csv").open())}
    assert picked == {"O1", "O4"} and not picked & set(held)
    assert held == {"O2": "unpaid", "O3": "unpaid", "O5": "unpaid", "O6": "invalid", "O7": "unknown_sku",
                    "O8": "short_stock"}  # O5: refunded at import, reported once
    assert json.loads((out / "summary.json").read_text())["wave_id"] == "W-1"
    assert {r["order_id"] for r in listed(capsys, "released")} == {"O1", "O4"}
    before = listed(capsys)
    assert main(["wave", "run", "--config", "wave.yaml", "--wave-id", "W-1"]) == 0
    assert "already committed; nothing changed" in capsys.readouterr().out
    assert listed(capsys) == before


def test_wave_run_without_catalogue_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PICKWAVE_DB_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    (tmp_path / "o.csv").write_text(HEADER + "A,S1,1,2026-11-20,captured\n")
    main(["orders", "import", "o.csv"])
    assert main(["wave", "run"]) == 2
    assert "catalog import" in capsys.readouterr().err
    assert not (tmp_path / "waves").exists() or not any((tmp_path / "waves").iterdir())


# --- bad input, as a new user would try it -----------------------------------------------
BAD_FILES: dict[str, tuple[bytes, str]] = {
    "missing_column": (b"order_id,sku,created_at,payment_status\nX1,S1,2026-11-20,captured\n",
                       "required column missing"),
    "non_utf8": (HEADER.encode() + b"X1,S\xe91,1,2026-11-20,captured\n", "not UTF-8"),
    "empty": (b"", "empty file"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_unusable_file_exits_2_and_changes_nothing(shop: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    main(["orders", "import", "orders.csv"])
    before = listed(capsys)
    data, message = BAD_FILES[case]
    (shop / "bad.csv").write_bytes(data)
    assert main(["orders", "import", "bad.csv"]) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and message in err
    assert listed(capsys) == before


BAD_ROWS = {
    "wrong_type": ("X1,S1,1,2026-11-20,maybe\n", "unknown payment status"),
    "negative": ("X1,S1,-3,2026-11-20,captured\n", "must be at least 1"),
    "zero": ("X1,S1,0,2026-11-20,captured\n", "must be at least 1"),
    "huge": ("X1,S1,99999999999999999999,2026-11-20,captured\n", "must be at most"),
    "non_numeric": ("X1,S1,three,2026-11-20,captured\n", "not a whole number"),
    "impossible_date": ("X1,S1,1,2026-02-30,captured\n", "not an ISO 8601"),
    "unknown_sku": ("X1,NOPE,1,2026-11-20,captured\n", "not in the catalogue"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_bad_row_holds_its_order_and_keeps_the_rest(shop: Path, capsys: pytest.CaptureFixture[str],
                                                    case: str) -> None:
    main(["orders", "import", "orders.csv"])
    before = listed(capsys)
    row, message = BAD_ROWS[case]
    (shop / "bad.csv").write_text(HEADER + row + "X2,S1,1,2026-11-20,captured\n", encoding="utf-8")
    assert main(["orders", "import", "bad.csv"]) == 0
    after = {r["order_id"]: r for r in listed(capsys)}
    assert after["X1"]["status"] == "on_hold" and message in after["X1"]["hold_detail"]
    assert after["X2"]["status"] == "awaiting_fulfillment"
    assert [after[r["order_id"]] for r in before] == before


def test_unterminated_quote_holds_the_order(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (shop / "q.csv").write_text(HEADER + "Q1,S1,1,2026-11-20,captured\n" + '"Q2,S1,1,2026-11-20,captured\n')
    assert main(["orders", "import", "q.csv"]) == 0
    rows = {r["order_id"]: r for r in listed(capsys)}
    assert rows["Q1"]["status"] == "awaiting_fulfillment"
    (held,) = [r for oid, r in rows.items() if oid != "Q1"]
    assert held["status"] == "on_hold" and "row 3" in held["hold_detail"]


def test_nul_character_holds_the_order_naming_the_row(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (shop / "nul.csv").write_text(HEADER + "N1,S\x001,1,2026-11-20,captured\nN2,S1,1,2026-11-20,captured\n"
                                  "N\x003,S1,1,2026-11-20,captured\n")
    assert main(["orders", "import", "nul.csv"]) == 0
    out = capsys.readouterr().out
    assert "1 on hold" in out and "1 refused" in out
    rows = {r["order_id"]: r for r in listed(capsys)}
    assert set(rows) == {"N1", "N2"}  # an order id with NUL cannot be stored at all: refused
    assert rows["N1"]["status"] == "on_hold" and "row 2, column 'sku'" in rows["N1"]["hold_detail"]
    assert "\0" not in rows["N1"]["hold_detail"]


def test_duplicate_lines_add_up(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (shop / "dup.csv").write_text(HEADER + "D1,S1,1,2026-11-20,captured\n" * 2, encoding="utf-8")
    assert main(["orders", "import", "dup.csv"]) == 0
    (row,) = [r for r in listed(capsys) if r["order_id"] == "D1"]
    assert (row["lines"], row["units"]) == ("2", "2")


def test_sql_looking_strings_are_stored_verbatim(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evil = "X'); DROP TABLE orders; --"
    (shop / "evil.csv").write_text(HEADER + f'"{evil}",S1,1,2026-11-20,captured\n', encoding="utf-8")
    assert main(["orders", "import", "evil.csv", "--channel", "1 OR 1=1"]) == 0
    rows = listed(capsys)
    assert [(r["order_id"], r["channel"]) for r in rows] == [(evil, "1 OR 1=1")]
    assert main(["orders", "action", "hold", evil, "--reason", "'; DELETE FROM events; --"]) == 0
    assert listed(capsys, "on_hold")[0]["hold_detail"] == "'; DELETE FROM events; --"


def test_rerun_finishes_a_wave_whose_files_were_not_moved_in(
        shop: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A run that commits and then fails to move its files: the next run puts them in place."""
    import engine.commands.store as store_commands

    main(["orders", "import", "orders.csv"])
    (shop / "wave.yaml").write_text("time_limit_s: 5\nmax_iterations: 20\n")

    def disk_full(staged: str, out: str) -> bool:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(store_commands, "_publish_local", disk_full)
        assert main(["wave", "run", "--config", "wave.yaml", "--wave-id", "W-9"]) == 1
    assert "error: output: No space left on device" in capsys.readouterr().err  # one line, no traceback
    out = shop / "waves" / "W-9"
    assert not out.exists()
    assert {r["order_id"] for r in listed(capsys, "released")} == {"O1", "O4"}
    capsys.readouterr()
    # A plain rerun (no --wave-id: it would plan a new wave) first finishes the stranded one, and says so.
    assert main(["wave", "run", "--config", "wave.yaml"]) == 0
    said = capsys.readouterr().out
    assert "wave W-9: committed by an earlier run that stopped before publishing" in said
    assert "2 orders released) are now in" in said
    assert (out / "summary.json").is_file() and (out / "picklists.csv").is_file()
    assert not list(out.parent.glob(".W-9.*.staging"))


@pytest.mark.parametrize("wave_id", ["../../ESCAPED", "/tmp/pickwave-ESCAPED-abs", "a/b", ".hidden"])
def test_wave_id_that_would_leave_the_output_folder_is_refused(
        shop: Path, capsys: pytest.CaptureFixture[str], wave_id: str) -> None:
    main(["orders", "import", "orders.csv"])
    capsys.readouterr()
    assert main(["wave", "run", "--wave-id", wave_id]) == 2
    err = capsys.readouterr().err
    assert "error: --wave-id:" in err and "cannot name a folder" in err
    assert not (shop.parent / "ESCAPED").exists() and not Path("/tmp/pickwave-ESCAPED-abs").exists()
    assert listed(capsys, "released") == []

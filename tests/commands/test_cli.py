"""The command line as a newcomer meets it: help, --version, --db, a store that is not there, orders show."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from engine.cli import build_parser, main
from tests.store import samples


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample catalogue and orders in ``shop.db``, named with ``--db`` only (no PICKWAVE_DB_URL)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PICKWAVE_DB_URL", raising=False)
    monkeypatch.delenv("PICKWAVE_OUTPUT_URL", raising=False)
    monkeypatch.delenv("PICKWAVE_SHORT_STOCK", raising=False)
    f = samples.write_catalog(tmp_path)
    db = f"sqlite:///{tmp_path / 'shop.db'}"
    assert main(["--db", db, "catalog", "import", "--layout", str(f["layout"]), "--skus", str(f["skus"]),
                 "--inventory", str(f["inventory"]), "--boxes", str(f["boxes"])]) == 0
    (tmp_path / "orders.csv").write_text(samples.ORDERS, encoding="utf-8")
    assert main(["orders", "import", "orders.csv", "--db", db]) == 0  # --db after the subcommand too
    return tmp_path


def db(shop: Path) -> list[str]:
    return ["--db", f"sqlite:///{shop / 'shop.db'}"]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("pickwave 0.")


def test_top_level_help_says_what_the_commands_are_for() -> None:
    text = build_parser().format_help()
    assert "argument parsing" not in text
    for words in ("--db URL", "plan one wave from", "orders show", "wave run", "Exit codes"):
        assert words in text, words


def test_help_lists_the_valid_values(capsys: pytest.CaptureFixture[str]) -> None:
    for argv, values in ((["route", "--help"], ("s-shape", "largest-gap", "combined")),
                         (["orders", "list", "--help"], ("awaiting_fulfillment", "on_hold", "refunded")),
                         (["orders", "action", "--help"], ("capture", "unhold", "cancel")),
                         (["wave", "run", "--help"], ("--time-limit", "backorder", "cluster"))):
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert all(v in out for v in values), (argv, out)


def test_a_store_that_is_not_there_is_a_clear_error_and_nothing_is_created(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PICKWAVE_DB_URL", f"sqlite:///{tmp_path / 'typo.db'}")
    for argv in (["orders", "list"], ["wave", "run"], ["orders", "show", "O1"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "no store at" in err and "typo.db" in err and "PICKWAVE_DB_URL" in err
    assert main(["--db", f"sqlite:///{tmp_path / 'other.db'}", "orders", "list"]) == 2
    assert "--db" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no empty store file anywhere, not ./pickwave.db either


def test_db_option_beats_the_environment(shop: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PICKWAVE_DB_URL", f"sqlite:///{shop / 'elsewhere.db'}")
    capsys.readouterr()
    assert main([*db(shop), "orders", "list"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 8
    assert not (shop / "elsewhere.db").exists()


def test_orders_show_prints_the_history(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*db(shop), "orders", "action", "hold", "O1", "--reason", "customer called"]) == 0
    capsys.readouterr()
    assert main([*db(shop), "orders", "show", "O1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("order O1: on_hold") and "history:" in out and "customer called" in out
    assert main([*db(shop), "orders", "show", "O1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "on_hold" and [e["action"] for e in doc["events"]][-1] == "hold"
    assert doc["events"][-1]["from"] == "awaiting_fulfillment" and doc["lines"]
    assert main([*db(shop), "orders", "show", "NOPE"]) == 2
    assert "no such order" in capsys.readouterr().err


def test_wave_run_overrides_and_the_short_stock_key(shop: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (shop / "wave.yaml").write_text("max_iterations: 20\nshort_stock: backorder\n")
    capsys.readouterr()
    assert main([*db(shop), "wave", "run", "--config", "wave.yaml", "--wave-id", "W-1", "--time-limit", "7",
                 "--seed", "4"]) == 0
    out = capsys.readouterr()
    assert "1 lines back-ordered" in out.out
    assert "pickwave: release" not in out.err  # not a terminal: no progress lines
    config = json.loads((shop / "waves" / "W-1" / "summary.json").read_text())["config"]
    assert (config["time_limit_s"], config["seed"], config["short_stock"]) == (7.0, 4, "backorder")
    monkeypatch.setenv("PICKWAVE_SHORT_STOCK", "sometimes")
    assert main([*db(shop), "wave", "run", "--config", "wave.yaml"]) == 2
    assert "PICKWAVE_SHORT_STOCK" in capsys.readouterr().err


def test_progress_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse
    import sys

    from engine.commands.common import StderrProgress, progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert progress(argparse.Namespace(quiet=False)) is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert isinstance(progress(argparse.Namespace(quiet=False)), StderrProgress)
    assert progress(argparse.Namespace(quiet=True)) is None

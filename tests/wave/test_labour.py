"""Plans with ``labour:`` (SPEC section 8) end to end: files, the independent checker, the horizon."""

from __future__ import annotations

import csv
import dataclasses
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from engine.cli import main
from engine.scheduling import LabourParams
from engine.synth import SynthParams, generate, write_instance

VERIFY = Path(__file__).resolve().parents[2].parent / "shared" / "tools" / "verify_plan.py"
START = "2024-11-05T08:00:00Z"


def _inputs(tmp: Path, labour: dict, orders: int = 60) -> tuple[dict[str, Path], Path]:
    inst = generate(SynthParams(blocks=1, aisles=8, slots_per_side=12, skus=80, orders=orders), seed=3)
    files = write_instance(inst, tmp / "in")
    cfg = yaml.safe_load(files["wave"].read_text())
    cfg.update({"time_limit_s": 5, "max_iterations": 200, "labour": labour,
                "carriers": [{"id": "DHL", "departs": ["12:00", "17:30"], "timezone": "America/New_York"},
                             {"id": "UPS", "departs": ["15:00"], "timezone": "Europe/Berlin"}]})
    files["wave"].write_text(yaml.safe_dump(cfg))
    return files, tmp / "out"


def _plan(files: dict[str, Path], out: Path) -> None:
    code = main(["-q", "plan", "--layout", str(files["layout"]), "--skus", str(files["skus"]), "--inventory",
                 str(files["inventory"]), "--orders", str(files["orders"]), "--boxes", str(files["boxes"]),
                 "--config", str(files["wave"]), "--out", str(out), "--workers", "1"])
    assert code == 0


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_plan_with_labour_writes_schedule_and_promises(tmp_path: Path) -> None:
    files, out = _inputs(tmp_path, {"pickers": 2, "start": START})
    _plan(files, out)
    sched, prom = _rows(out / "schedule.csv"), _rows(out / "promises.csv")
    batches = _rows(out / "batches.csv")
    assert sorted(r["batch_id"] for r in sched) == sorted(b["batch_id"] for b in batches)
    summary = json.loads((out / "summary.json").read_text())
    lab = summary["labour"]
    assert lab["pickers"] == 2 and lab["orders_on_time"] + lab["orders_late"] == len(prom) == summary["counts"][
        "released"]
    assert set(lab["baselines"]) == {"first_come_edd", "distance_only_edd"}
    if VERIFY.exists():
        res = subprocess.run([sys.executable, str(VERIFY), "--layout", str(files["layout"]), "--skus",
                              str(files["skus"]), "--inventory", str(files["inventory"]), "--orders",
                              str(files["orders"]), "--boxes", str(files["boxes"]), "--config", str(files["wave"]),
                              "--out", str(out)], capture_output=True, text=True)
        assert res.returncode == 0, res.stdout[-2000:]
        assert "violations: 0" in res.stdout


def _tight_day(tmp: Path, pickers: int) -> tuple[dict[str, Path], Path]:
    """A wave whose every third order must ship 30 min after the start, the rest 3 h after."""
    inst = generate(SynthParams(blocks=1, aisles=10, slots_per_side=15, skus=120, orders=160), seed=5)
    start = datetime(2024, 11, 5, 8, 0, tzinfo=UTC)
    orders = tuple(dataclasses.replace(o, carrier="", ship_by=start + timedelta(minutes=30 if k % 3 == 0 else 180))
                   for k, o in enumerate(inst.orders))
    cfg = dataclasses.replace(inst.config, time_limit_s=5, max_iterations=200,
                              labour=LabourParams(pickers=pickers, start=start, pack_lead_s=0))
    files = write_instance(dataclasses.replace(inst, orders=orders, config=cfg), tmp / "in")
    return files, tmp / "out"


def _with_pickers(files: dict[str, Path], pickers: int) -> None:
    cfg = yaml.safe_load(files["wave"].read_text())
    cfg["labour"]["pickers"] = pickers
    files["wave"].write_text(yaml.safe_dump(cfg))


def test_pickers_needed_is_the_fewest_the_planner_makes_it_with(tmp_path: Path) -> None:
    """Planned again with ``pickers_needed`` pickers no order is late, with one fewer some are; the bound
    is no higher."""
    files, out = _tight_day(tmp_path, 6)
    _plan(files, out)
    lab = json.loads((out / "summary.json").read_text())["labour"]
    need, bound = lab["pickers_needed"], lab["pickers_lower_bound"]
    assert lab["orders_late"] == 0
    assert need is not None and need >= 2 and bound is not None and 1 <= bound <= need
    _with_pickers(files, need)
    _plan(files, tmp_path / "at")
    assert json.loads((tmp_path / "at" / "summary.json").read_text())["labour"]["orders_late"] == 0
    _with_pickers(files, need - 1)
    _plan(files, tmp_path / "below")
    below = json.loads((tmp_path / "below" / "summary.json").read_text())["labour"]
    assert below["orders_late"] > 0
    assert below["pickers_needed"] == need


def test_plan_is_byte_identical_with_max_iterations(tmp_path: Path) -> None:
    files, out = _inputs(tmp_path, {"pickers": 2, "start": START}, orders=40)
    _plan(files, out)
    first = {n: (out / n).read_text() for n in ("schedule.csv", "promises.csv", "picklists.csv")}
    _plan(files, tmp_path / "again")
    assert first == {n: (tmp_path / "again" / n).read_text() for n in first}


def test_horizon_holds_later_only_what_can_wait(tmp_path: Path) -> None:
    horizon = 1800.0
    files, out = _inputs(tmp_path, {"pickers": 1, "start": START, "horizon_s": horizon})
    _plan(files, out)
    later = [h for h in _rows(out / "held.csv") if h["reason"] == "later"]
    assert later, "a horizon of 30 min with one picker leaves orders for a later run"
    limit = datetime.fromisoformat(START.replace("Z", "+00:00")) + timedelta(seconds=horizon)
    for h in later:
        if h["detail"].startswith("latest start "):
            ls = datetime.fromisoformat(h["detail"].removeprefix("latest start ").replace("Z", "+00:00"))
            assert ls.astimezone(UTC) >= limit
    released = {r["order_id"] for r in _rows(out / "promises.csv")}
    assert released and not released & {h["order_id"] for h in later}


def test_bad_labour_is_one_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files, out = _inputs(tmp_path, {"pickers": 0})
    code = main(["-q", "plan", "--layout", str(files["layout"]), "--skus", str(files["skus"]), "--inventory",
                 str(files["inventory"]), "--orders", str(files["orders"]), "--boxes", str(files["boxes"]),
                 "--config", str(files["wave"]), "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "labour" in err and "pickers" in err and "Traceback" not in err


def test_the_fewest_pickers_judge_trips_by_the_durations_the_plan_gives_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The durations a group's fewest-pickers searches are judged by (faces re-chosen as the plan re-chooses
    them) are, for the plan's own trips, exactly the durations of the plan's schedule."""
    import engine.wave.groups as groups
    from engine.wave import load_problem, plan_wave

    files, _ = _tight_day(tmp_path, 4)
    seen: list[tuple[object, object]] = []
    real = groups.batch_group

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        got = real(*args, **kwargs)
        seen.append((got[0], args[9] if len(args) > 9 else kwargs.get("final")))
        return got

    monkeypatch.setattr(groups, "batch_group", spy)
    problem = load_problem(files["layout"], files["skus"], files["inventory"], files["orders"], files["boxes"],
                           files["wave"])
    plan = plan_wave(problem, pack_workers=1)
    assert len(seen) == 1
    trips, final = seen[0]
    assert callable(final)
    assert plan.labour is not None
    want = sorted((t.end - t.start).total_seconds() for t in plan.labour.trips)
    got = sorted(final(trips))
    assert got == pytest.approx(want, abs=1e-3)

"""Writing a plan as the files of SPEC section 5, atomically.

All files are written into a temporary folder next to the target first. A new
target folder appears in one rename; an existing one gets its files replaced
one by one with ``summary.json`` removed first and written last, so a folder
with a ``summary.json`` always holds a complete plan.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from engine.packing.io import CARTON_COLUMNS, HELD_COLUMNS, cartons_rows, held_rows
from engine.scheduling.clock import iso_utc
from engine.wave.plan import Plan

PICK_COLUMNS = ("wave_id", "batch_id", "zone", "stop", "location_id", "sku", "qty", "order_id", "tote")
BATCH_COLUMNS = ("wave_id", "batch_id", "zone", "orders", "lines", "units", "weight_kg", "volume_l", "distance_m")
FILES = ("picklists.csv", "batches.csv", "cartons.csv", "held.csv", "summary.json")
SCHEDULE_COLUMNS = ("wave_id", "picker", "seq", "batch_id", "start", "end")
PROMISE_COLUMNS = ("order_id", "due", "completes", "late_s")
LABOUR_FILES = ("schedule.csv", "promises.csv")


def fmt(x: float) -> str:
    """A float with up to 6 decimals, trailing zeros dropped.

    >>> fmt(12.5), fmt(1 / 3), fmt(2.0)
    ('12.5', '0.333333', '2')
    """
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _csv(header: tuple[str, ...], rows: Iterable[Iterable[object]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def picklist_rows(plan: Plan) -> list[tuple[str, ...]]:
    """``picklists.csv`` rows: batches in order, picks in walking order."""
    return [
        (plan.wave_id, b.batch_id, b.zone, str(p.stop), p.location_id, p.sku, str(p.qty), p.order_id, p.tote)
        for b in plan.batches
        for p in b.picks
    ]


def batch_rows(plan: Plan) -> list[tuple[str, ...]]:
    return [
        (plan.wave_id, b.batch_id, b.zone, str(len(b.orders)), str(b.lines), str(b.units), fmt(b.weight_kg),
         fmt(b.volume_l), repr(round(b.distance_m, 9)))
        for b in plan.batches
    ]


def schedule_rows(plan: Plan) -> list[tuple[str, ...]]:
    """``schedule.csv`` rows (SPEC section 8): one per trip, by start then picker."""
    lab = plan.labour
    return [] if lab is None else [(plan.wave_id, t.picker, str(t.seq), t.batch_id, iso_utc(t.start), iso_utc(t.end))
                                   for t in lab.trips]


def promise_rows(plan: Plan) -> list[tuple[str, ...]]:
    """``promises.csv`` rows: every released order, ``due`` empty where it has none."""
    lab = plan.labour
    return [] if lab is None else [(p.order_id, "" if p.due is None else iso_utc(p.due), iso_utc(p.completes),
                                    fmt(p.late_s)) for p in lab.promises]


def summary_json(plan: Plan) -> dict[str, Any]:
    doc = plan.summary.to_json()
    if plan.labour is not None:
        doc["labour"] = plan.labour.to_json()
    return doc


def render_plan(plan: Plan) -> dict[str, str]:
    """File name -> text of every output file (pure); with ``labour``, ``schedule.csv`` and ``promises.csv``."""
    files = {
        "picklists.csv": _csv(PICK_COLUMNS, picklist_rows(plan)),
        "batches.csv": _csv(BATCH_COLUMNS, batch_rows(plan)),
        "cartons.csv": _csv(CARTON_COLUMNS, cartons_rows(plan.cartons)),
        "held.csv": _csv(HELD_COLUMNS, held_rows(plan.held)),
    }
    if plan.labour is not None:
        files["schedule.csv"] = _csv(SCHEDULE_COLUMNS, schedule_rows(plan))
        files["promises.csv"] = _csv(PROMISE_COLUMNS, promise_rows(plan))
    files["summary.json"] = json.dumps(summary_json(plan), indent=2) + "\n"
    return files


def write_plan(plan: Plan, out_dir: str | Path) -> None:
    """Write every SPEC section 5 file of ``plan`` into ``out_dir`` (created if missing)."""
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    mask = os.umask(0o022)
    os.umask(mask)
    os.chmod(tmp, 0o777 & ~mask)  # mkdtemp makes 0700; the folder is renamed into place and read by others
    try:
        for name, text in render_plan(plan).items():
            with open(tmp / name, "w", encoding="utf-8", newline="") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
        if not out.exists():
            os.rename(tmp, out)
            return
        (out / "summary.json").unlink(missing_ok=True)
        for name in (*FILES, *LABOUR_FILES):
            if name == "summary.json":
                continue
            if (tmp / name).exists():
                os.replace(tmp / name, out / name)
            else:  # a plan without labour leaves no stale schedule behind
                (out / name).unlink(missing_ok=True)
        os.replace(tmp / "summary.json", out / "summary.json")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

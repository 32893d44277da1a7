"""Pictures of a wave against the clock (SPEC section 8), PNG and SVG.

- :func:`plot_gantt` -- one row per picker, one bar per trip; a trip carrying an
  order that finishes late is red; each trip's earliest due time is a tick on
  its row, and the distinct due times (carrier cutoffs less pack lead) are
  dashed lines;
- :func:`plot_workload` -- per cutoff, the picking work that must be done by it
  (every trip carrying an order due by then) against the pickers' capacity
  until then.

Both read the plan's own files (:func:`read_schedule`), so they draw any
published wave, and draw through :func:`engine.planner.plots.save_figure`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from engine.planner.plots import save_figure

ON_TIME = "#4e79a7"
LATE = "#d62728"


@dataclass(frozen=True, slots=True)
class TripBar:
    picker: str
    batch_id: str
    start: datetime
    end: datetime
    due: datetime | None  # earliest due time of its orders
    late_orders: int


@dataclass(frozen=True, slots=True)
class ScheduleView:
    start: datetime
    pickers: int
    trips: tuple[TripBar, ...]
    dues: tuple[datetime, ...]  # every order's due time (with repeats), for the workload


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def read_schedule(wave_dir: str | Path, pickers: int | None = None) -> ScheduleView:
    """The schedule of a written wave: ``schedule.csv``, ``promises.csv``, ``picklists.csv``, ``summary.json``."""
    import json

    d = Path(wave_dir)
    summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    lab = summary.get("labour") or {}
    with open(d / "schedule.csv", newline="", encoding="utf-8") as f:
        sched = list(csv.DictReader(f))
    with open(d / "promises.csv", newline="", encoding="utf-8") as f:
        prom = {r["order_id"]: r for r in csv.DictReader(f)}
    orders_of: dict[str, set[str]] = {}
    last_trip: dict[str, str] = {}
    end_of = {r["batch_id"]: _t(r["end"]) for r in sched}
    with open(d / "picklists.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            orders_of.setdefault(r["batch_id"], set()).add(r["order_id"])
            b = last_trip.get(r["order_id"])
            if b is None or end_of.get(r["batch_id"], _t(lab["start"])) > end_of.get(b, _t(lab["start"])):
                last_trip[r["order_id"]] = r["batch_id"]
    bars = []
    for r in sched:
        os_ = orders_of.get(r["batch_id"], set())
        dues = [_t(prom[o]["due"]) for o in os_ if o in prom and prom[o]["due"]]
        late = sum(1 for o in os_
                   if o in prom and float(prom[o]["late_s"] or 0) > 0 and last_trip.get(o) == r["batch_id"])
        bars.append(TripBar(r["picker"], r["batch_id"], _t(r["start"]), _t(r["end"]), min(dues, default=None), late))
    return ScheduleView(_t(lab["start"]), int(pickers or lab.get("pickers") or len({b.picker for b in bars})),
                        tuple(bars), tuple(_t(p["due"]) for p in prom.values() if p["due"]))


def _hours(view: ScheduleView, t: datetime) -> float:
    return (t - view.start).total_seconds() / 3600.0


def plot_gantt(view: ScheduleView, path: str | Path, title: str = "") -> list[Path]:
    """Pickers and trips against time (hours after the start); late trips red, due times marked."""
    from matplotlib.figure import Figure

    pickers = sorted({b.picker for b in view.trips})
    row = {p: k for k, p in enumerate(pickers)}
    fig = Figure(figsize=(11, max(2.5, 0.45 * len(pickers) + 1.6)), layout="constrained")
    ax = fig.add_subplot()
    horizon = max((_hours(view, b.end) for b in view.trips), default=1.0)
    for b in view.trips:
        y = row[b.picker]
        x0, x1 = _hours(view, b.start), _hours(view, b.end)
        ax.barh(y, x1 - x0, left=x0, height=0.7, color=LATE if b.late_orders else ON_TIME, edgecolor="white",
                linewidth=0.6)
        if b.due is not None and _hours(view, b.due) <= horizon * 1.08:
            ax.plot([_hours(view, b.due)] * 2, [y - 0.38, y + 0.38], color="black", linewidth=1.0)
    for due in sorted(set(view.dues)):
        h = _hours(view, due)
        if 0 <= h <= horizon * 1.05:
            ax.axvline(h, color="#888888", linestyle="--", linewidth=0.8)
    ax.set_xlim(0, horizon * 1.08)
    ax.set_yticks(range(len(pickers)), pickers)
    ax.invert_yaxis()
    ax.set_xlabel(f"hours after {view.start.strftime('%Y-%m-%d %H:%M')} UTC")
    late = sum(b.late_orders for b in view.trips)
    ax.set_title(title or f"{len(view.trips)} trips on {len(pickers)} pickers; {late} orders late "
                          "(red: carries a late order; tick: earliest due; dashed: due times)")
    return save_figure(fig, path)


def workload(view: ScheduleView) -> list[tuple[datetime, float, float]]:
    """Per distinct due time: (cutoff, hours of picking that must end by it, pickers' hours until it)."""
    cutoffs = sorted(set(view.dues))
    out = []
    for c in cutoffs:
        need = sum((b.end - b.start).total_seconds() for b in view.trips if b.due is not None and b.due <= c)
        cap = max(0.0, (c - view.start).total_seconds()) * view.pickers
        out.append((c, need / 3600.0, cap / 3600.0))
    return out


def plot_workload(view: ScheduleView, path: str | Path, title: str = "", most: int = 12) -> list[Path]:
    """Work due by each cutoff against picker capacity until it (the first ``most`` cutoffs)."""
    from matplotlib.figure import Figure

    rows = workload(view)[:most]
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax = fig.add_subplot()
    xs = list(range(len(rows)))
    need = [r[1] for r in rows]
    cap = [r[2] for r in rows]
    ax.bar(xs, need, color=[LATE if n > c + 1e-9 else ON_TIME for n, c in zip(need, cap, strict=True)],
           label="picking due by the cutoff (h)")
    ax.plot(xs, cap, color="black", marker="o", label=f"capacity of {view.pickers} pickers until then (h)")
    ax.set_xticks(xs, [r[0].strftime("%a %H:%M") for r in rows], rotation=30, ha="right")
    ax.set_ylabel("hours")
    ax.legend(loc="upper left")
    ax.set_title(title or "workload against picker capacity per cutoff (due time = departure less pack lead, UTC)")
    return save_figure(fig, path)

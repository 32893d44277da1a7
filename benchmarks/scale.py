"""End-to-end waves of 1k, 10k and 100k orders: wall time, peak memory, distance per order.

Each size runs in a fresh child process (so peak memory is that wave's own):
generate a seeded instance (about 3 lines per order, skewed popularity), write
the SPEC files, then time ``pickwave plan``'s whole path — read and validate the
files, release, pack, batch, route, write every output — and record the child's
peak resident memory (``wait4``'s ``ru_maxrss``). Distances are compared with the
first-come S-shape and single-order baselines that the plan's own summary
computes on the same released orders.

Run: ``.venv/bin/python -m benchmarks.scale [--sizes 1000 10000 100000] [--time-limit S] [--tag T]``.
Writes ``benchmarks/results/scale[-T].md`` and ``.csv`` and prints the table.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Size:
    """A warehouse big enough for a wave of ``orders`` orders."""

    orders: int
    blocks: int
    aisles: int
    slots_per_side: int
    skus: int


SIZES = {
    1_000: Size(1_000, 2, 20, 40, 1_500),
    10_000: Size(10_000, 2, 30, 50, 3_000),
    100_000: Size(100_000, 3, 40, 60, 6_000),
}


def _child(orders: int, time_limit_s: float, workers: int, work: Path) -> dict[str, float | int | str]:
    """Generate, then plan from files as ``pickwave plan`` does; returns the measurements."""
    from engine.model import CartSpec
    from engine.synth import SynthParams, generate, write_instance
    from engine.wave import load_problem, plan_wave, write_plan

    size = SIZES.get(orders) or Size(orders, 2, 30, 50, 3_000)
    t0 = time.perf_counter()
    inst = generate(SynthParams(blocks=size.blocks, aisles=size.aisles, slots_per_side=size.slots_per_side,
                                skus=size.skus, orders=orders, mean_lines=3.0, time_limit_s=time_limit_s,
                                cart=CartSpec(totes=8)), seed=1, name=f"scale-{orders}")
    files = write_instance(inst, work / "input")
    t_gen = time.perf_counter() - t0

    t1 = time.perf_counter()
    problem = load_problem(files["layout"], files["skus"], files["inventory"], files["orders"], files["boxes"],
                           files["wave"])
    t_read = time.perf_counter() - t1
    t2 = time.perf_counter()
    plan = plan_wave(problem, pack_workers=workers)
    t_plan = time.perf_counter() - t2
    t3 = time.perf_counter()
    write_plan(plan, work / "out")
    t_write = time.perf_counter() - t3
    summary = json.loads((work / "out" / "summary.json").read_text())
    released = summary["counts"]["released"]
    lines = sum(len(o.lines) for o in problem.orders)
    return {
        "orders": orders,
        "lines": lines,
        "released": released,
        "batches": summary["counts"]["batches"],
        "generate_s": round(t_gen, 2),
        "read_s": round(t_read, 2),
        "plan_s": round(t_plan, 2),
        "write_s": round(t_write, 2),
        "wall_s": round(t_read + t_plan + t_write, 2),
        "distance_m": summary["distance_m"],
        "m_per_order": round(summary["distance_m"] / max(released, 1), 2),
        "vs_first_come_sshape": summary["savings"]["vs_first_come_sshape"],
        "vs_single_order_optimal": summary["savings"]["vs_single_order_optimal"],
        "iterations": summary["search"]["iterations"],
        "stopped_by": summary["search"]["stopped_by"],
    }


def run_size(orders: int, time_limit_s: float, workers: int) -> dict[str, float | int | str]:
    """One wave in a fresh process; adds its peak memory in MB."""
    with tempfile.TemporaryDirectory(prefix=f"pickwave-scale-{orders}-") as tmp:
        cmd = [sys.executable, "-m", "benchmarks.scale", "--child", str(orders), "--time-limit", str(time_limit_s),
               "--workers", str(workers), "--work", tmp]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(f"wave of {orders} orders failed with exit code {proc.returncode}")
        row = json.loads(out.strip().splitlines()[-1])
        row["peak_mb"] = round(usage.ru_maxrss / 1024, 1)  # Linux: KiB
        return row


def table(rows: list[dict[str, float | int | str]]) -> str:
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    if len(rows) > 1:
        lines.append("")
        lines.append("Growth between consecutive sizes (time and memory per order, ratio to the smaller size):")
        lines.append("")
        lines.append("| from | to | orders x | wall_s x | wall per order x | peak_mb x |")
        lines.append("|---|---|---|---|---|---|")
        for a, b in itertools.pairwise(rows):
            k = float(b["orders"]) / float(a["orders"])
            w = float(b["wall_s"]) / max(float(a["wall_s"]), 1e-9)
            lines.append(f"| {a['orders']} | {b['orders']} | {k:.0f} | {w:.2f} | {w / k:.2f} | "
                         f"{float(b['peak_mb']) / float(a['peak_mb']):.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--time-limit", type=float, default=None,
                    help="time_limit_s of each wave (default: 20 s for 1k, 40 s for 10k, 300 s for 100k)")
    ap.add_argument("--workers", type=int, default=2, help="packing processes")
    ap.add_argument("--tag", default="", help="suffix of the results files (scale-TAG.md), e.g. one size rerun")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        print(json.dumps(_child(a.child, a.time_limit, a.workers, a.work)))
        return 0
    defaults = {1_000: 20.0, 10_000: 40.0, 100_000: 300.0}
    rows = []
    for n in a.sizes:
        limit = a.time_limit or defaults.get(n, 60.0)
        row = run_size(n, limit, a.workers)
        row = {"time_limit_s": limit, **row}
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    RESULTS.mkdir(exist_ok=True)
    md = table(rows)
    header = ("# End-to-end waves\n\nGenerated by `.venv/bin/python -m benchmarks.scale`. `wall_s` = read + plan + "
              "write (what `pickwave plan` does after start-up); generation is not included. `peak_mb` is the "
              "child process's peak resident memory. Savings are against the baselines in the plan's own "
              "summary, on the same released orders.\n\n")
    suffix = f"-{a.tag}" if a.tag else ""
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    header += f"Machine: {os.cpu_count()} cores, shared; load average {load} at the end.\n\n"
    (RESULTS / f"scale{suffix}.md").write_text(header + md + "\n", encoding="utf-8")
    with open(RESULTS / f"scale{suffix}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())

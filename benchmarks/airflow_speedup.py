"""Speed-up of the ``wave_planning`` DAG's mapped ``plan_group`` stage: 2 worker processes versus 1.

What is measured, on one generated wave (``engine.synth``, 10 000 orders by
default, 24 aisles in 4 zones, method ``zone``, seed 11, ``max_iterations`` set
so both sides do the same search and give the same plan):

(a) ``plan_wave(problem, pack_workers=1)`` in this process;
(b) the DAG's stages as its tasks run them: ``prepare_wave`` and the staged
    prep pickle written (task ``plan``); ``plan_group_task`` for each group in a
    pool of 2 processes, each reading the staged prep file and writing its group
    plan file (mapped task ``plan_group`` under LocalExecutor with parallelism 2);
    the group files read back and ``assemble_plan`` (task ``assemble``, without
    rendering the files).

Airflow's own per-task start-up (a few seconds per task instance) is not
included, nor the store claim; (a) and (b) alternate ``--repeat`` times in one
run, best of each (the first round also shown: each new process loads the
compiled route kernels on first use, about 2 s, which a fresh task process
pays), with the 1-minute load average before and after. The two plans are
checked equal (``render_plan`` bytes, except ``runtime_s``).

Run: ``.venv/bin/python -m benchmarks.airflow_speedup [--orders N] [--iterations I] [--repeat R]``
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pickle
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from engine.model import CartSpec, Method, WaveConfig
from engine.orchestration.waves import group_url, plan_group_task, prep_url, staging_url
from engine.publish.storage import read_bytes, write_atomic
from engine.synth import SynthParams, generate
from engine.wave import Plan, WaveProblem, assemble_plan, plan_wave, prepare_wave, render_plan

log = logging.getLogger(__name__)
RESULTS = Path(__file__).resolve().parent / "results"
WAVE = "W-BENCH"


def _problem(orders: int, iterations: int) -> WaveProblem:
    inst = generate(SynthParams(orders=orders, zones=4, aisles=24, skus=1400), seed=11)
    cfg = WaveConfig(method=Method.ZONE, cart=CartSpec(), max_iterations=iterations, seed=0, time_limit_s=3600.0)
    return WaveProblem.build(inst.layout, {s.sku: s for s in inst.skus}, inst.stock, inst.boxes, inst.orders,
                             config=cfg, wave_id=WAVE)


def _staged(problem: WaveProblem, out: str, pool: ProcessPoolExecutor) -> tuple[Plan, dict[str, float]]:
    """(b): the DAG's plan -> plan_group (mapped, over ``pool``) -> assemble, through staged files."""
    t0 = time.perf_counter()
    prep = prepare_wave(problem)
    stage = staging_url(out, WAVE)
    write_atomic(prep_url(stage), pickle.dumps(prep, protocol=pickle.HIGHEST_PROTOCOL))
    t1 = time.perf_counter()
    n = len(prep.groups)
    # largest groups first, as the pool would best be fed; each task reads the prep file itself
    order = sorted(range(n), key=lambda k: -len(prep.groups[k]))
    list(pool.map(plan_group_task, [out] * n, [WAVE] * n, order))
    t2 = time.perf_counter()
    groups = [pickle.loads(read_bytes(group_url(stage, k))) for k in range(n)]
    plan = assemble_plan(prep, groups)
    t3 = time.perf_counter()
    return plan, {"prepare": t1 - t0, "groups": t2 - t1, "assemble": t3 - t2, "total": t3 - t0}


def _files(plan: Plan) -> dict[str, str]:
    files = render_plan(plan)
    summary = json.loads(files["summary.json"])
    summary.pop("runtime_s")
    files["summary.json"] = json.dumps(summary, sort_keys=True)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders", type=int, default=10000)
    parser.add_argument("--iterations", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    problem = _problem(args.orders, args.iterations)
    out = Path(tempfile.mkdtemp(prefix="pw-speedup-")).as_uri()
    load_before = os.getloadavg()[0]
    serial: list[float] = []
    staged: list[dict[str, float]] = []
    groups = 0
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(len, [[], []]))  # start both workers (an executor's workers are running already)
        for _ in range(args.repeat):
            t = time.perf_counter()
            one = plan_wave(problem, pack_workers=1)
            serial.append(time.perf_counter() - t)
            two, times = _staged(problem, out, pool)
            staged.append(times)
            if _files(one) != _files(two):
                raise AssertionError("the staged plan differs from plan_wave's")
            groups = len({b.zone for b in two.batches})
    load_after = os.getloadavg()[0]
    s = min(serial)
    best = min(staged, key=lambda t: t["total"])
    # the group stage alone, serially: what plan_wave spends there (its total less prepare and assemble)
    group_serial = s - best["prepare"] - best["assemble"]
    rows = [
        ("orders", str(args.orders)), ("method / groups", f"zone / {groups}"),
        ("max_iterations", str(args.iterations)), ("batches", str(len(one.batches))),
        (f"(a) plan_wave, 1 process (s, best of {args.repeat})", f"{s:.2f}"),
        (f"(b) staged, plan_group over 2 processes (s, best of {args.repeat})", f"{best['total']:.2f}"),
        ("(b) prepare_wave + prep pickle written (s)", f"{best['prepare']:.2f}"),
        ("(b) plan_group stage, 2 processes, files in and out (s)", f"{best['groups']:.2f}"),
        ("(b) group plans read + assemble_plan (s)", f"{best['assemble']:.2f}"),
        ("(a) / (b) first round (cold: numba kernels loaded on first use in each process) (s)",
         f"{serial[0]:.2f} / {staged[0]['total']:.2f}"),
        ("whole plan speed-up (a)/(b)", f"{s / best['total']:.2f}x"),
        ("group stage speed-up (a less (b)'s prepare and assemble) / (b) group stage",
         f"{group_serial / best['groups']:.2f}x"),
        ("load average (1 min) before / after", f"{load_before:.2f} / {load_after:.2f}"),
        ("cores", str(os.cpu_count())),
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    md = "| measure | value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in rows)
    (RESULTS / "airflow_speedup.md").write_text(
        "# wave_planning: plan_group mapped over 2 processes vs plan_wave in 1\n\n" + md
        + "\nSame plan both ways (render_plan bytes checked equal). Airflow's per-task start-up and the store "
          "claim are not included.\n\nCommand: `.venv/bin/python -m benchmarks.airflow_speedup "
        f"--orders {args.orders} --iterations {args.iterations} --repeat {args.repeat}`\n")
    (RESULTS / "airflow_speedup.csv").write_text("measure,value\n" + "".join(f'"{k}","{v}"\n' for k, v in rows))
    print(md)


if __name__ == "__main__":
    main()

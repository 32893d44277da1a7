"""Speed-up of the ``wave_planning`` DAG's mapped tasks: 2 worker processes versus 1.

What is measured: a generated wave (``engine.synth``, 2 000 orders, seed 11) is
imported into a fresh SQLite store and planned once by ``plan_task``. Then the
per-batch mapped work of the DAG — ``route_batch_task`` (sheet with route map
and route check) and ``pack_batch_task`` (carton check and pack list) for every
batch — runs (a) in this one process, one batch after another, and (b) in a
pool of 2 processes, the way LocalExecutor with parallelism 2 spreads mapped
task instances over worker processes (without Airflow's own per-task start-up
cost, which adds about the same fixed time to both). Same files either way.

Run: ``.venv/bin/python -m benchmarks.airflow_speedup [--orders N] [--repeat R]``
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

log = logging.getLogger(__name__)
RESULTS = Path(__file__).resolve().parent / "results"


def _batch_work(args: tuple[str, str, str]) -> str:
    from engine.orchestration.waves import pack_batch_task, route_batch_task

    out, wave_id, batch_id = args
    route_batch_task(out, wave_id, batch_id)
    pack_batch_task(out, wave_id, batch_id)
    return batch_id


def _seed(url: str, folder: Path, orders: int) -> None:
    from engine.io.tables import read_boxes, read_inventory, read_orders, read_skus
    from engine.store import CatalogInput, open_store
    from engine.synth.generate import SynthParams, generate, write_instance

    paths = write_instance(generate(SynthParams(orders=orders), seed=11), folder)
    skus = read_skus(paths["skus"])
    with open_store(url) as store:
        store.import_catalog(CatalogInput(paths["layout"].read_text(), "layout.yaml", skus.skus,
                                          read_inventory(paths["inventory"]).stock, read_boxes(paths["boxes"]).boxes))
        store.import_orders(read_orders(paths["orders"], skus.skus.keys()), file="orders.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from engine.orchestration.waves import plan_task

    tmp = Path(tempfile.mkdtemp(prefix="pw-speedup-"))
    url = f"sqlite:///{tmp / 'store.db'}"
    _seed(url, tmp / "in", args.orders)
    out = str(tmp / "out")
    t0 = time.perf_counter()
    planned = plan_task(url, out, {"time_limit_s": 20, "max_iterations": 2000, "seed": 0}, "W-BENCH")
    plan_s = time.perf_counter() - t0
    jobs = [(out, "W-BENCH", b) for b in planned["batches"]]  # type: ignore[attr-defined]
    serial, pooled = [], []
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_batch_work, jobs[:2]))  # warm the workers' imports, as a running executor would be
        for _ in range(args.repeat):
            t = time.perf_counter()
            for j in jobs:
                _batch_work(j)
            serial.append(time.perf_counter() - t)
            t = time.perf_counter()
            list(pool.map(_batch_work, jobs, chunksize=max(1, len(jobs) // 16)))
            pooled.append(time.perf_counter() - t)
    s, p = min(serial), min(pooled)
    rows = [("orders", str(args.orders)), ("batches (mapped task instances x2)", str(len(jobs))),
            ("plan_task (s)", f"{plan_s:.2f}"), (f"mapped work, 1 process (s, best of {args.repeat})", f"{s:.2f}"),
            (f"mapped work, 2 processes (s, best of {args.repeat})", f"{p:.2f}"), ("speed-up", f"{s / p:.2f}x"),
            ("cores", str(os.cpu_count()))]
    RESULTS.mkdir(parents=True, exist_ok=True)
    md = "| measure | value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in rows)
    (RESULTS / "airflow_speedup.md").write_text(
        "# wave_planning mapped tasks: 2 processes vs 1\n\n" + md + "\nCommand: `.venv/bin/python -m "
        f"benchmarks.airflow_speedup --orders {args.orders} --repeat {args.repeat}`\n")
    (RESULTS / "airflow_speedup.csv").write_text("measure,value\n" + "".join(f'"{k}",{v}\n' for k, v in rows))
    print(md)


if __name__ == "__main__":
    main()

"""The benchmark suite's one entry point: every table, in one run.

Runs, each in this order and each writing ``benchmarks/results/<name>.md`` and
``.csv``: routing on the SPRP instances (``sprp``), faces chosen with the route on
the SPRP-SS instances (``sprp_ss``), batching quality against the
baselines on generated warehouses (``batching``) and against proven optima on the
Henn & Wäscher instances (``henn_waescher``), cartonization on the BoxPacker
e-commerce orders (``boxpacker``), one order of 100,000 identical units
(``packing_big_order``), end-to-end waves of 1k, 10k and 100k orders
(``scale``), slotting (``slotting``), a 10k-order wave through Airflow's
LocalExecutor against one process (``airflow_localexecutor``), the same wave
through ``pickwave wave run`` and through the DAG (``wave_service``), batching
and sequencing with due dates on the Kris instances (``kris``) and generated DC
days against the clock (``dc_days``), graph-layout routing (``graph_routing``) and
whole cluster plans with totes on the Foodmart instances (``foodmart``).

Run: ``.venv/bin/python -m benchmarks.run [--only sprp batching ...] [--quick]``
(``make bench`` runs it all). ``--quick`` passes ``--quick`` where a benchmark has one
and limits the scale run to 1k and 10k orders.
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import time
from pathlib import Path

SUITE = ("sprp", "sprp_ss", "batching", "henn_waescher", "boxpacker", "packing_big_order", "scale", "slotting",
         "airflow_localexecutor", "wave_service", "kris", "dc_days", "graph_routing", "foodmart")
QUICK_ARGS = {"sprp_ss": ["--limit", "100", "--cli-sample", "3"], "batching": ["--quick"],
              "henn_waescher": ["--seeds", "0", "--time-limit", "2", "--tag", "quick"],
              "graph_routing": ["--quick"], "foodmart": ["--limit", "3"],
              "scale": ["--sizes", "1000", "10000"], "boxpacker": ["--limit", "500"],
              "airflow_localexecutor": ["--orders", "2000", "--iterations", "4000", "--parallelism", "2"],
              "wave_service": ["--orders", "2000"], "kris": ["--limits", "5", "--name", "kris-quick"],
              "dc_days": ["--days", "1000:5", "--name", "dc_days-quick"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", choices=SUITE, default=list(SUITE))
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    for name in a.only:
        args = QUICK_ARGS.get(name, []) if a.quick else []
        t0 = time.perf_counter()
        logging.info("benchmark %s %s", name, " ".join(args))
        # One process per benchmark: no warm caches or memory carried from one to the next.
        code = subprocess.call([sys.executable, "-m", f"benchmarks.{name}", *args],
                               cwd=Path(__file__).resolve().parents[1])
        logging.info("benchmark %s done in %.0f s (exit %s)", name, time.perf_counter() - t0, code)
        if code:
            return int(code)
    return 0


if __name__ == "__main__":
    sys.exit(main())

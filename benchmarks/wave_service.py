"""The same 10,000-order wave through both roads a user takes: ``pickwave wave run`` and the Airflow DAG.

One generated wave (the store of :mod:`benchmarks.airflow_localexecutor`:
10 000 orders, 24 aisles in 4 zones, method ``zone``, ``max_iterations``
fixed), planned from a fresh copy of one seeded SQLite store by

- **wave run**: ``python -m engine.cli wave run`` in a fresh process (its wall
  time, Python start-up included): claim, plan, render and publish every file,
  commit;
- **Airflow**: ``wave_planning`` triggered once on ``airflow standalone`` with
  LocalExecutor (:func:`benchmarks.airflow_localexecutor.airflow_run`; the DAG
  run's own start to end).

``--label`` names the code measured (``before``/``after`` a change; default
``current``); each label's rows replace that label's earlier rows in
``benchmarks/results/wave_service.csv`` (``-<N>`` for ``--orders N`` other
than 10000), and the ``.md`` shows every label.
Run: ``.venv/bin/python -m benchmarks.wave_service --label after [--orders N]
[--iterations 4000] [--parallelism 2]``. To measure older code, run this file
from a checkout of it (``PYTHONPATH=<checkout>``), which is how ``before`` was taken.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks.airflow_localexecutor import WAVE, airflow_run, config, seed_store

log = logging.getLogger(__name__)
RESULTS = Path(__file__).resolve().parent / "results"
HEADER = ("label", "road", "orders", "max_iterations", "wall_s", "files", "load_1min")


def wave_run(db: Path, work: Path, iterations: int) -> tuple[float, int]:
    """``pickwave wave run`` in a fresh process: its wall time and the files it published."""
    cfg = work / "wave.yaml"
    cfg.write_text(yaml.safe_dump(config(iterations)))
    out = work / "out" / WAVE
    env = {**os.environ, "PICKWAVE_DB_URL": f"sqlite:///{db}"}
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "engine.cli", "-q", "wave", "run", "--config", str(cfg), "--wave-id", WAVE,
                    "--out", str(out)], env=env, check=True, cwd=work)
    return time.perf_counter() - t, sum(1 for p in out.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--label", default="current", help="the code measured (default: current)")
    ap.add_argument("--orders", type=int, default=10000)
    ap.add_argument("--iterations", type=int, default=4000)
    ap.add_argument("--parallelism", type=int, default=2)
    ap.add_argument("--results", type=Path, default=RESULTS)
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    root = Path(tempfile.mkdtemp(prefix="pw-service-bench-"))
    seed = seed_store(a.orders, root)
    rows: list[tuple[str, ...]] = []
    work = root / "cli"
    work.mkdir()
    shutil.copy(seed, work / "store.db")
    wall, files = wave_run(work / "store.db", work, a.iterations)
    rows.append((a.label, "pickwave wave run", str(a.orders), str(a.iterations), f"{wall:.1f}", str(files),
                 f"{os.getloadavg()[0]:.1f}"))
    log.info("wave run: %.1f s, %d files", wall, files)
    work = root / "airflow"
    work.mkdir()
    shutil.copy(seed, work / "store.db")
    run = airflow_run(work / "store.db", work, a.iterations, a.parallelism, None)
    files = sum(1 for p in run.out.rglob("*") if p.is_file())
    rows.append((a.label, f"Airflow LocalExecutor, parallelism {a.parallelism}", str(a.orders), str(a.iterations),
                 f"{run.wall_s:.1f}", str(files), f"{os.getloadavg()[0]:.1f}"))
    log.info("airflow: %.1f s, %d files", run.wall_s, files)
    shutil.rmtree(root, ignore_errors=True)
    a.results.mkdir(parents=True, exist_ok=True)
    name = "wave_service" + ("" if a.orders == 10000 else f"-{a.orders}")
    path = a.results / f"{name}.csv"
    old = list(csv.reader(io.StringIO(path.read_text()))) [1:] if path.exists() else []
    kept = [tuple(r) for r in old if r and r[0] != a.label]
    every = kept + rows
    path.write_text(",".join(HEADER) + "\n" + "".join(",".join(f'"{c}"' for c in r) + "\n" for r in every))
    table = ("| " + " | ".join(HEADER) + " |\n|" + "---|" * len(HEADER) + "\n"
             + "".join("| " + " | ".join(r) + " |\n" for r in every))
    (a.results / f"{name}.md").write_text(
        "# One wave, both roads: `pickwave wave run` and the `wave_planning` DAG\n\n"
        f"{a.orders} generated orders, method zone (4 zones), max_iterations {a.iterations}, each run from a "
        "fresh copy of one seeded SQLite store. `wall_s`: wave run's process (Python start-up included); "
        "Airflow's DAG run start to end (metadata DB). `files`: files published in the wave's folder. "
        f"Shared 2-core machine ({os.cpu_count()} cores seen); `load_1min` is the load average after each run.\n\n"
        + table + "\nCommand: `.venv/bin/python -m benchmarks.wave_service --label LABEL`; `before` was run from "
        "a checkout of the code before the change with `PYTHONPATH=<checkout>`.\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())

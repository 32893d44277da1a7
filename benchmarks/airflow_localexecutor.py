"""One large wave through Airflow's LocalExecutor, mapped tasks spread over workers, against one process.

What is measured, on one generated wave (``engine.synth``: 10 000 orders by
default, 24 aisles in 4 zones, method ``zone``, ``max_iterations`` fixed so
every run does the same search and gives the same plan):

- **one process**: the ``wave_planning`` DAG's task functions called in order
  in one fresh Python process (``plan_task`` — claim, release, pack, every
  group, assemble —, then every chunk's ``render_chunk_task``, ``publish_task``, ``relay_outbox_task``): the same
  work and the same files as the DAG, without Airflow;
- **Airflow, LocalExecutor, parallelism P** (for each ``--parallelism``): a real
  deployment in a temp ``AIRFLOW_HOME`` — ``airflow standalone`` (scheduler,
  DAG processor, API server, triggerer) on its SQLite metadata DB with
  ``AIRFLOW__CORE__EXECUTOR=LocalExecutor`` and ``AIRFLOW__CORE__PARALLELISM=P``
  — running ``wave_planning`` once, triggered with the wave config as its conf.
  The time is the DAG run's own (``dag_run.start_date`` to ``end_date``, read
  from the metadata DB), so Airflow's start-up is not counted but its per-task
  overhead (a process per task instance, the API round trips, scheduling
  latency) is.

Each run starts from its own copy of one seeded SQLite store and writes to its
own folder; the published ``picklists.csv``, ``batches.csv``, ``cartons.csv``
and ``held.csv`` must be byte-identical across all runs (checked). The DAGs'
intervals are set to 0 (no schedule): only the triggered run plans.

Run: ``.venv/bin/python -m benchmarks.airflow_localexecutor [--orders N]
[--iterations 4000 100000] [--parallelism 1 2] [--metadata-server URL]``.
Writes ``benchmarks/results/airflow_localexecutor.md`` and ``.csv``
(``-pg`` with the metadata DB on PostgreSQL, ``-<N>`` for ``--orders N`` other than 10000).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

log = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
WAVE = "W-BENCH"
COMPARED = ("picklists.csv", "batches.csv", "cartons.csv", "held.csv")
DAG = "wave_planning"


@dataclass(frozen=True, slots=True)
class TaskTime:
    """One task instance of the measured DAG run, from Airflow's metadata DB."""

    task_id: str
    map_index: int
    start: float
    end: float
    tries: int


@dataclass(frozen=True, slots=True)
class Run:
    name: str
    wall_s: float
    tasks: tuple[TaskTime, ...]
    out: Path


def config(iterations: int) -> dict[str, object]:
    return {"method": "zone", "max_iterations": iterations, "seed": 0, "time_limit_s": 3600}


def seed_store(orders: int, folder: Path) -> Path:
    """Generate the wave's inputs and import them into a fresh SQLite store; its file."""
    from engine.io.tables import read_boxes, read_inventory, read_orders, read_skus
    from engine.store import CatalogInput, open_store
    from engine.synth import SynthParams, generate, write_instance

    inst = generate(SynthParams(orders=orders, zones=4, aisles=24, skus=1400), seed=11)
    paths = write_instance(inst, folder / "inputs")
    db = folder / "seed.db"
    skus = read_skus(paths["skus"])
    with open_store(f"sqlite:///{db}") as store:
        store.import_catalog(CatalogInput(paths["layout"].read_text(), "layout.yaml", skus.skus,
                                          read_inventory(paths["inventory"]).stock,
                                          read_boxes(paths["boxes"]).boxes))
        store.import_orders(read_orders(paths["orders"], skus.skus.keys()), file="orders.csv")
    return db


def one_process(db: Path, out: Path, iterations: int) -> None:
    """The DAG's task functions in order, in this process (run in a fresh one by :func:`main`)."""
    from engine.orchestration.waves import plan_task, publish_task, relay_outbox_task, render_chunk_task

    url, cfg = f"sqlite:///{db}", config(iterations)
    planned = plan_task(url, str(out), cfg, WAVE)
    for k in planned["chunks"]:  # type: ignore[attr-defined]
        render_chunk_task(str(out), WAVE, int(k))
    publish_task(url, str(out), cfg, WAVE)
    relay_outbox_task(url, str(out / "outbox"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _airflow_env(home: Path, db: Path, out: Path, parallelism: int) -> dict[str, str]:
    env, port = dict(os.environ), _free_port()
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(parallelism),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        # task processes reach the API server here (the default assumes port 8080)
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        # no schedule: only the triggered run plans
        "AIRFLOW_VAR_PICKWAVE_WAVE_INTERVAL_MIN": "0",
        "AIRFLOW_VAR_PICKWAVE_FULFILMENT_INTERVAL_MIN": "0",
        "PICKWAVE_DB_URL": f"sqlite:///{db}",
        "PICKWAVE_OUTPUT_URL": str(out),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    })
    return env


def _ts(value: object) -> float:
    """Seconds since the epoch of a metadata DB timestamp (a datetime, or text on SQLite; UTC)."""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _wait(what: str, check: object, timeout: float, poll: float = 2.0) -> object:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = check()  # type: ignore[operator]
        if got:
            return got
        time.sleep(poll)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def _metadata_url(home: Path, server: str | None, name: str) -> str:
    """Airflow's metadata DB: SQLite in ``home``, or a fresh database ``name`` on the PostgreSQL ``server``."""
    if server is None:
        return f"sqlite:///{home / 'airflow.db'}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)


def airflow_run(db: Path, work: Path, iterations: int, parallelism: int, metadata_server: str | None) -> Run:
    """``wave_planning`` once on ``airflow standalone`` with LocalExecutor; the DAG run's times."""
    home, out = work / "airflow", work / "out"
    env = _airflow_env(home, db, out, parallelism)
    meta_url = _metadata_url(home, metadata_server, f"pw_af_bench_{work.name}".replace("-", "_"))
    env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = meta_url
    if metadata_server is not None:  # Airflow would derive an asyncpg URL; psycopg 3 does async too
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"] = meta_url
    subprocess.run(["airflow", "db", "migrate"], env=env, check=True, capture_output=True)
    meta = sa.create_engine(meta_url)
    logf = (work / "standalone.log").open("w")
    proc = subprocess.Popen(["airflow", "standalone"], env=env, stdout=logf, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        def query(sql: str) -> list[tuple[object, ...]]:
            with meta.connect() as conn:
                return [tuple(r) for r in conn.execute(sa.text(sql), {"dag": DAG, "run": "bench"})]

        _wait("the DAG to be parsed", lambda: query("select 1 from serialized_dag where dag_id = :dag"), 300)
        subprocess.run(["airflow", "dags", "unpause", DAG], env=env, check=True, capture_output=True)
        conf = json.dumps({**config(iterations), "wave_id": WAVE})
        subprocess.run(["airflow", "dags", "trigger", DAG, "--run-id", "bench", "--conf", conf],
                       env=env, check=True, capture_output=True)

        def finished() -> str | None:
            rows = query("select state from dag_run where dag_id = :dag and run_id = :run")
            state = str(rows[0][0]) if rows else None
            return state if state in ("success", "failed") else None

        state = _wait("the DAG run to finish", finished, 3600, poll=1.0)
        if state != "success":
            bad = query("select task_id, map_index, state from task_instance where run_id = :run "
                        "and state != 'success'")
            raise RuntimeError(f"DAG run {state}: {bad}; logs under {home / 'logs'}")
        (start, end), = query("select start_date, end_date from dag_run where dag_id = :dag and run_id = :run")
        tis = tuple(TaskTime(str(t), int(str(m)), _ts(s), _ts(e), int(str(n))) for t, m, s, e, n in query(
            "select task_id, map_index, start_date, end_date, try_number from task_instance "
            "where run_id = :run and state = 'success'"))
        return Run(f"Airflow LocalExecutor, parallelism {parallelism}", _ts(end) - _ts(start), tis, out / WAVE)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        logf.close()
        meta.dispose()
        if metadata_server is not None:
            admin = sa.create_engine(metadata_server, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(meta_url).database}" WITH (FORCE)'))
            admin.dispose()


def _busy(tasks: tuple[TaskTime, ...]) -> float:
    return sum(t.end - t.start for t in tasks)


def _peak(tasks: tuple[TaskTime, ...]) -> int:
    """Most task instances running at once."""
    events = sorted([(t.start, 1) for t in tasks] + [(t.end, -1) for t in tasks])
    now = peak = 0
    for _, d in events:
        now += d
        peak = max(peak, now)
    return peak


def _stage(tasks: tuple[TaskTime, ...], task_id: str) -> tuple[int, float]:
    mine = [t for t in tasks if t.task_id == task_id]
    if not mine:
        return 0, 0.0
    return len(mine), max(t.end for t in mine) - min(t.start for t in mine)


def measure(seed: Path, root: Path, iterations: int, parallelism: list[int],
            metadata_server: str | None) -> list[Run]:
    """One process, then Airflow at each parallelism, each from its own copy of the seeded store."""
    work = root / f"i{iterations}-one"
    work.mkdir()
    shutil.copy(seed, work / "store.db")
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "benchmarks.airflow_localexecutor", "--one-process",
                    str(work / "store.db"), str(work / "out"), str(iterations)], cwd=REPO, check=True)
    runs = [Run("one process", time.perf_counter() - t, (), work / "out" / WAVE)]
    log.info("%d iterations, %s: %.1f s", iterations, runs[-1].name, runs[-1].wall_s)
    for p in parallelism:
        work = root / f"i{iterations}-p{p}"
        work.mkdir()
        shutil.copy(seed, work / "store.db")
        runs.append(airflow_run(work / "store.db", work, iterations, p, metadata_server))
        log.info("%d iterations, %s: %.1f s", iterations, runs[-1].name, runs[-1].wall_s)
    first = {n: (runs[0].out / n).read_bytes() for n in COMPARED}
    for r in runs[1:]:
        for n in COMPARED:
            if (r.out / n).read_bytes() != first[n]:
                raise AssertionError(f"{iterations} iterations, {r.name}: {n} differs from the one-process run's")
    return runs


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    return ("| " + " | ".join(header) + " |\n|" + "---|" * len(header) + "\n"
            + "".join("| " + " | ".join(row) + " |\n" for row in rows))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--orders", type=int, default=10000)
    ap.add_argument("--iterations", type=int, nargs="+", default=[4000, 100000])
    ap.add_argument("--parallelism", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--metadata-server", metavar="URL",
                    help="Airflow's metadata DB on this PostgreSQL server (a fresh database per run), "
                         "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres; default SQLite")
    ap.add_argument("--one-process", nargs=3, metavar=("DB", "OUT", "ITERATIONS"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if a.one_process:
        one_process(Path(a.one_process[0]), Path(a.one_process[1]), int(a.one_process[2]))
        return 0
    root = Path(tempfile.mkdtemp(prefix="pw-af-bench-"))
    seed = seed_store(a.orders, root)
    load_before = os.getloadavg()
    header = ("max_iterations", "run", "wall_s", "speed_up", "task_instances", "peak_running", "busy_s",
              "plan_group_s", "render_chunk_s", "retries")
    rows: list[tuple[str, ...]] = []
    per_task: dict[str, dict[str, float]] = {}
    counts: dict[str, object] = {}
    for iterations in a.iterations:
        runs = measure(seed, root, iterations, a.parallelism, a.metadata_server)
        counts = json.loads((runs[0].out / "summary.json").read_text())["counts"]
        base = runs[0].wall_s
        for r in runs:
            groups, groups_s = _stage(r.tasks, "plan_group")
            chunks, chunks_s = _stage(r.tasks, "render_chunk")
            rows.append((str(iterations), r.name, f"{r.wall_s:.1f}", f"{base / r.wall_s:.2f}x",
                         str(len(r.tasks)) if r.tasks else "-", str(_peak(r.tasks)) if r.tasks else "1",
                         f"{_busy(r.tasks):.1f}" if r.tasks else "-",
                         f"{groups_s:.1f} ({groups})" if groups else "-",
                         f"{chunks_s:.1f} ({chunks})" if chunks else "-",
                         str(sum(t.tries - 1 for t in r.tasks)) if r.tasks else "-"))
            if r.tasks:
                col = per_task.setdefault(f"{iterations} it, P={r.name.rsplit(' ', 1)[-1]}", {})
                for t in r.tasks:
                    col[t.task_id] = col.get(t.task_id, 0.0) + t.end - t.start
    load_after = os.getloadavg()
    cols = list(per_task)
    task_ids = sorted({t for c in per_task.values() for t in c}, key=lambda t: -max(c.get(t, 0) for c in
                                                                                     per_task.values()))
    busy = _table(("task", *cols), [(t, *(f"{per_task[c].get(t, 0.0):.1f}" for c in cols)) for t in task_ids])
    text = (f"# wave_planning on Airflow's LocalExecutor vs one process\n\n"
            f"One wave: {a.orders} orders generated ({counts['released']} released, {counts['held']} held), "
            f"method zone (4 zones: 4 mapped `plan_group`), {counts['batches']} batches at the last "
            "max_iterations. `wall_s`: the DAG run's start to end in Airflow's metadata DB (one process: the "
            "subprocess's wall time, its Python start-up included); `speed_up`: one process's wall time over "
            "the run's, same max_iterations; `busy_s`: task instances' run times summed; `plan_group_s` / "
            "`render_chunk_s`: first start to last end of that mapped task (instances). The four plan files are "
            "byte-identical in every run of one max_iterations (checked). Airflow's metadata DB: "
            f"{'PostgreSQL' if a.metadata_server else 'SQLite'}.\n\n" + _table(header, rows)
            + "\nSeconds per task (instances summed):\n\n" + busy
            + f"\nMachine: {os.cpu_count()} cores; load average (1/5/15 min) "
            f"{'/'.join(f'{x:.1f}' for x in load_before)} before, {'/'.join(f'{x:.1f}' for x in load_after)} after.\n\n"
            f"Command: `.venv/bin/python -m benchmarks.airflow_localexecutor --orders {a.orders} "
            f"--iterations {' '.join(map(str, a.iterations))} --parallelism {' '.join(map(str, a.parallelism))}"
            + (f" --metadata-server {a.metadata_server}" if a.metadata_server else "") + "`\n")
    # other sizes (make bench --quick runs 2,000 orders) never overwrite the 10,000-order tables
    name = ("airflow_localexecutor" + ("-pg" if a.metadata_server else "")
            + ("" if a.orders == 10000 else f"-{a.orders}"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.md").write_text(text)
    (RESULTS / f"{name}.csv").write_text(
        ",".join(header) + "\n" + "".join(",".join(f'"{c}"' for c in row) + "\n" for row in rows))
    print(text)
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

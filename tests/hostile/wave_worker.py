"""``pickwave wave run`` in its own process, stopped at one stage so that a test can ``kill -9`` it there.

``python -m tests.hostile.wave_worker STAGE READY_FILE [CLI ARGS...]`` runs
``engine.cli.main(["wave", "run", *ARGS])`` with one hook: on reaching STAGE
it writes READY_FILE and sleeps until killed. Stages:

* ``search``: inside the batching search (the claim's transaction is open);
* ``staging``: half of the wave's files written to the staging folder;
* ``commit``: right after COMMIT, before any file is moved into place;
* ``move``: half of the staged files moved into the wave's folder;
* ``dag-commit``: the DAG's ``publish_task`` right after its COMMIT.

With ``--workers 2`` the search runs in worker processes, which must die with it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any


def main(argv: list[str]) -> int:
    stage, ready, args = argv[0], Path(argv[1]), argv[2:]

    def stop() -> None:
        ready.write_text(stage)
        while True:
            time.sleep(3600)

    import engine.commands.store as commands
    import engine.publish.storage as storage
    import engine.wave as wave
    import engine.wave.pipeline as pipeline

    if stage == "search":
        real_group: Callable[..., Any] = pipeline.plan_group

        def group(*a: Any, **k: Any) -> Any:
            stop()
            return real_group(*a, **k)

        pipeline.plan_group = group  # type: ignore[assignment]
        real_plan = wave.plan_wave

        def plan(*a: Any, **k: Any) -> Any:
            k["pack_workers"] = 1  # the serial path calls plan_group in this process
            return real_plan(*a, **k)

        wave.plan_wave = plan  # type: ignore[assignment]
    elif stage == "staging":
        real_folder = storage.write_folder

        def folder(target: Any, files: Mapping[str, Any]) -> None:
            half = dict(list(files.items())[: max(1, len(files) // 2)])
            Path(target).mkdir(parents=True)
            for name, data in half.items():
                (Path(target) / name).parent.mkdir(parents=True, exist_ok=True)
                (Path(target) / name).write_bytes(data.encode() if isinstance(data, str) else data)
            stop()
            real_folder(target, files)

        storage.write_folder = folder  # type: ignore[assignment]
    elif stage == "commit":
        def publish(staged: str, out: str) -> bool:
            stop()
            return False

        commands._publish_local = publish  # type: ignore[assignment]
    elif stage == "move":
        real_move = storage.move
        moved = [0]

        def move(src: str, dst: str) -> None:
            real_move(src, dst)
            moved[0] += 1
            if moved[0] == 3:
                stop()

        storage.move = move  # type: ignore[assignment]
    elif stage == "dag-commit":
        # The DAG's publish task (args: STORE_URL OUT_URL WAVE_ID), killed right after its COMMIT.
        import engine.orchestration.waves as dag_waves

        def staged(_src: str, _dst: str) -> bool:
            stop()
            return False

        dag_waves.publish_staged = staged  # type: ignore[assignment]
        dag_waves.publish_task(args[0], args[1], {"time_limit_s": 2, "max_iterations": 30, "seed": 1}, args[2])
        return 0
    else:
        raise SystemExit(f"unknown stage {stage!r}")
    from engine.cli import main as cli

    return cli(["wave", "run", *args])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""A wave run in its own process, for the concurrency and crash tests.

``python -m tests.store.worker URL GO_FILE READY_FILE MAX_ORDERS HOLD_S [kill]``:
waits until GO_FILE exists, claims up to MAX_ORDERS orders, plans them with the
test planner, and just before COMMIT writes READY_FILE and sleeps HOLD_S
seconds (with ``kill``: sleeps until killed). Prints the report as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from engine.model import WaveConfig
from engine.store import open_store
from tests.store.samples import naive_release


def main(argv: list[str]) -> int:
    url, go, ready, max_orders, hold_s = argv[:5]
    kill = argv[5:] == ["kill"]
    store = open_store(url)
    while not Path(go).exists():
        time.sleep(0.01)
    with store.claim_releasable(WaveConfig(max_orders=int(max_orders))) as claim:
        release = naive_release(claim)

        def pause() -> None:
            Path(ready).write_text(claim.wave_id)
            time.sleep(3600 if kill else float(hold_s))

        report = claim.commit(release, before_commit=pause)
    print(json.dumps({"wave_id": report.wave_id, "released": list(report.released)}))
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

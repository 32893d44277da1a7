"""A folder of 3PL report files applied to the store: the edge both the DAG and ``pickwave reports ingest`` use.

Each file is applied in one store transaction
(:func:`engine.store.fulfilment.apply_report`), then moved to
``processed/<sha12>-<name>``; the rows not applied are also written to
``quarantine/<file>.jsonl`` with their reason. The same bytes again are only
moved away. Any fsspec URL works (``memory://`` too).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

from engine.publish.outbox import safe_name
from engine.publish.storage import exists, join, list_files, move, read_bytes, write_atomic
from engine.store import Store
from engine.store.fulfilment import ReportOutcome, apply_report

log = logging.getLogger(__name__)

REPORT_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json")


def ingest_folder(store: Store, inbox_url: str, names: Sequence[str] | None = None) -> list[ReportOutcome]:
    """Apply every report file directly in ``inbox_url`` (or only ``names`` there), oldest name first.

    Raises :class:`FileNotFoundError` for a name given that is not there.
    """
    if names is None:
        urls = list_files(inbox_url, REPORT_SUFFIXES)
    else:
        urls = [join(inbox_url, n) for n in names]
        missing = [u for u in urls if not exists(u)]
        if missing:
            raise FileNotFoundError(f"no report file {missing[0]}")
    outcomes = []
    for url in urls:
        name = url.rsplit("/", 1)[-1]
        data = read_bytes(url)
        digest = hashlib.sha256(data).hexdigest()
        with store.transaction() as s:
            outcome = apply_report(s, name, data, digest)
        if outcome.quarantined:
            write_atomic(join(inbox_url, "quarantine", f"{safe_name(name)}.jsonl"),
                         "".join(q.to_json() + "\n" for q in outcome.quarantined))
        move(url, join(inbox_url, "processed", f"{digest[:12]}-{name}"))
        log.info("report %s: %d events applied, %d quarantined%s", name, outcome.applied, len(outcome.quarantined),
                 " (seen before: skipped)" if outcome.skipped else "")
        outcomes.append(outcome)
    return outcomes


def totals(outcomes: Sequence[ReportOutcome]) -> dict[str, int]:
    """``files``, ``applied`` (events), ``quarantined`` (rows), ``skipped`` (files seen before)."""
    return {"files": len(outcomes), "applied": sum(o.applied for o in outcomes),
            "quarantined": sum(len(o.quarantined) for o in outcomes), "skipped": sum(o.skipped for o in outcomes)}

"""Fulfilment on the command line: ``reports ingest``, ``pack verify``, ``ship``, ``deliver``, ``returns``.

Adapters over the functions the ``fulfilment`` DAG calls
(:func:`engine.intake_3pl.inbox.ingest_folder`,
:func:`engine.carriers.shipping.ship_packed`,
:func:`engine.publish.followups.send_followups`,
:func:`engine.store.returns.return_everything`), so an order moves the same
way from a terminal as on the schedule. ``--json`` prints one JSON document
for scripts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from engine.commands.common import actor, store_url
from engine.errors import InputError, Problem
from engine.intake_3pl.inbox import ingest_folder, totals
from engine.publish.storage import join
from engine.store import ActionRefusedError, open_store
from engine.store.fulfilment import ReportOutcome


def _out_url(args: argparse.Namespace) -> str:
    """``--out``, else ``PICKWAVE_OUTPUT_URL``, else ``./waves`` (labels and the outbox go under it)."""
    return str(getattr(args, "out", None) or os.environ.get("PICKWAVE_OUTPUT_URL") or "waves")


def _print(doc: object) -> None:
    print(json.dumps(doc, indent=1, sort_keys=True))


def _outcomes_json(outcomes: Sequence[ReportOutcome]) -> dict[str, object]:
    return {**totals(outcomes), "reports": [
        {"file": o.name, "sha256": o.digest, "applied": o.applied, "skipped": o.skipped,
         "quarantined": [{"row": q.row, "reason": str(q.reason), "detail": q.detail} for q in o.quarantined]}
        for o in outcomes]}


def _say(outcomes: Sequence[ReportOutcome]) -> None:
    for o in outcomes:
        if o.skipped:
            print(f"{o.name}: applied before (same bytes); moved to processed/")
            continue
        print(f"{o.name}: {o.applied} events applied, {len(o.quarantined)} rows quarantined")
        for q in o.quarantined:
            print(f"  row {q.row}: {q.reason}: {q.detail}")


def run_reports_ingest(args: argparse.Namespace) -> int:
    """Apply 3PL report files (progress and returns) from a folder, each once; quarantine what contradicts."""
    folder = args.folder or os.environ.get("PICKWAVE_INBOX_URL")
    if not folder:
        raise InputError([Problem("reports ingest", "name the inbox folder (or set PICKWAVE_INBOX_URL)")])
    with open_store(store_url(args)) as store:
        try:
            outcomes = ingest_folder(store, str(folder), args.file or None)
        except FileNotFoundError as exc:
            raise InputError([Problem(str(folder), str(exc))]) from None
    if args.json:
        _print(_outcomes_json(outcomes))
    else:
        _say(outcomes)
        t = totals(outcomes)
        print(f"{t['files']} files: {t['applied']} events applied, {t['quarantined']} rows quarantined, "
              f"{t['skipped']} seen before")
    return 0


def run_pack_verify(args: argparse.Namespace) -> int:
    """Check a pack report (``packed`` rows) against the planned cartons; orders that match are packed.

    Exit 0 when every order in the file packs, 1 when any is refused (the
    rows are quarantined with the list of differences, the order stays picked).
    """
    from engine.intake_3pl import EventKind, parse_report
    from engine.io.text import read_text

    path = Path(args.file)
    parsed = parse_report(read_text(path), path.name)
    other = sorted({str(e.kind) for e in parsed.events if e.kind is not EventKind.PACKED})
    if other:
        raise InputError([Problem(str(path), f"pack verify takes packed rows only, not {', '.join(other)} "
                                             "(use `pickwave reports ingest`)")])
    with open_store(store_url(args)) as store:
        (outcome,) = ingest_folder(store, str(path.parent), [path.name])
        orders = sorted({e.order_id for e in parsed.events})
        status = {oid: (o.status if (o := store.order(oid)) is not None else "not in the store") for oid in orders}
    why = {oid: [q.detail for q in outcome.quarantined if oid in q.raw.split(",") or repr(oid) in q.detail]
           for oid in orders}
    verdict = {oid: "packed" if status[oid] == "packed" and not why[oid] else
               f"not packed ({status[oid]}): " + "; ".join(dict.fromkeys(why[oid])) for oid in orders}
    if args.json:
        _print({"file": outcome.name, "skipped": outcome.skipped, "orders": verdict,
                "quarantined": [{"row": q.row, "reason": str(q.reason), "detail": q.detail}
                                for q in outcome.quarantined]})
    elif outcome.skipped:
        print(f"{outcome.name} was applied before (same bytes); nothing changed")
    else:
        for oid, what in verdict.items():
            print(f"{oid}: {what}")
    return 1 if outcome.quarantined else 0


def run_ship(args: argparse.Namespace) -> int:
    """Label packed orders (all, or those named) through their carriers and mark them shipped."""
    from engine.carriers.shipping import ship_packed

    out = _out_url(args)
    with open_store(store_url(args)) as store:
        shipped = ship_packed(store, out, args.order_ids or None, actor=actor())
    if args.json:
        _print([{"order_id": s.order_id, "carrier": s.carrier, "tracking_number": s.tracking_number,
                 "label": s.label_url, "parcels": s.parcels, "weight_kg": s.weight_kg} for s in shipped])
        return 0
    for s in shipped:
        print(f"{s.order_id}: shipped {s.parcels} parcel(s), {s.weight_kg:g} kg, {s.carrier} {s.tracking_number}; "
              f"label {s.label_url}")
    missing = sorted(set(args.order_ids or ()) - {s.order_id for s in shipped})
    if missing:
        print(f"not packed, not shipped: {', '.join(missing)}", file=sys.stderr)
    print(f"{len(shipped)} orders shipped")
    return 1 if missing else 0


def run_deliver(args: argparse.Namespace) -> int:
    """Mark orders delivered (all or nothing) and send each its follow-up, once ever."""
    from engine.publish.followups import send_followups

    with open_store(store_url(args)) as store:
        try:
            moves = store.apply("deliver", args.order_ids, args.reason, actor())
        except ActionRefusedError as exc:
            for problem in exc.problems:
                print(f"error: {problem}", file=sys.stderr)
            print("error: nothing was changed", file=sys.stderr)
            return 2
        sent = send_followups(store, join(_out_url(args), "outbox"))
    if args.json:
        _print({"delivered": [m.order_id for m in moves], "followups": sent})
        return 0
    for m in moves:
        print(f"{m.order_id}: {m.from_status} -> {m.to_status}")
    print(f"{len(sent)} follow-ups sent to {join(_out_url(args), 'outbox')}")
    return 0


def run_returns(args: argparse.Namespace) -> int:
    """Return every unit an order shipped under one RMA: restock to their faces or scrap; refund if asked."""
    from engine.intake_3pl import Disposition
    from engine.store.fulfilment import now
    from engine.store.returns import RefusedError, return_everything

    with open_store(store_url(args)) as store:
        try:
            with store.transaction() as s:
                done = return_everything(s, args.rma_id, args.order_id, Disposition(args.disposition), args.refund,
                                         now(), source=args.reason or "pickwave returns", actor=actor())
        except RefusedError as exc:
            print(f"error: {exc.reason}: {exc.detail}", file=sys.stderr)
            print("error: nothing was changed", file=sys.stderr)
            return 2
    if args.json:
        _print(done)
    elif done["already"]:
        print(f"RMA {done['rma_id']} was applied before: {done['units']} units, refund {done['refund_status']}")
    else:
        print(f"RMA {done['rma_id']}: order {done['order_id']}, {done['units']} units {args.disposition}, "
              f"refund {done['refund_status']}")
    return 0

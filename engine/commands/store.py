"""Store-backed commands: ``catalog import``, ``orders import|list|show|action``, ``wave run``.

Thin: read files with :mod:`engine.io`, call :class:`engine.store.Store`,
print what happened. The store is ``--db``, else ``PICKWAVE_DB_URL`` (default
``sqlite:///pickwave.db``; see :func:`engine.commands.common.store_url`).
Short stock under ``wave run`` follows the config's ``short_stock`` key
(``hold``, the default, or ``backorder``); ``--short-stock`` or
``PICKWAVE_SHORT_STOCK`` override it.
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from engine.commands.common import actor, progress, store_url
from engine.errors import InputError, Problem
from engine.io.config import read_wave_config, with_overrides
from engine.io.ids import id_problem
from engine.io.layout import parse_layout
from engine.io.tables import parse_orders, parse_orders_jsonl, read_boxes, read_inventory, read_skus
from engine.io.text import read_text
from engine.model import Method, ShortStockPolicy, WaveConfig
from engine.publish.storage import local_folder, make_dirs, publish_staged
from engine.store import (
    ActionRefusedError,
    CatalogInput,
    OrderStatus,
    Store,
    WaveRelease,
    cancellations,
    open_store,
)

log = logging.getLogger(__name__)
#: Held (flock) by the run that owns a staging folder; see :func:`sweep_staging`.
STAGING_LOCK = ".lock"
#: Overrides the config's ``short_stock`` for ``wave run`` (documented in the README).
SHORT_STOCK_ENV = "PICKWAVE_SHORT_STOCK"


def run_catalog_import(args: argparse.Namespace) -> int:
    layout_yaml = read_text(args.layout)
    layout = parse_layout(layout_yaml, args.layout)
    skus = read_skus(args.skus)
    inventory = read_inventory(args.inventory, layout.has_location)
    boxes = read_boxes(args.boxes)
    catalog = CatalogInput(layout_yaml, str(args.layout), skus.skus, inventory.stock, boxes.boxes,
                           skus.warnings + inventory.warnings + boxes.warnings)
    with open_store(store_url(args, create=True)) as store:
        report = store.import_catalog(catalog, by=actor())
    for w in report.warnings[len(catalog.warnings):]:
        log.warning("%s", w)
    print(report.summary())
    return 0


def run_orders_import(args: argparse.Namespace) -> int:
    path = str(args.file)
    text = read_text(path)
    # Same rule as engine.io.tables.read_orders.
    jsonl = path.endswith((".jsonl", ".json", ".ndjson")) or text.lstrip().startswith("{")
    data = (parse_orders_jsonl(text, path, None, args.channel) if jsonl
            else parse_orders(text, path, None, None, args.channel))
    cancelled, notes = cancellations(text, path, jsonl)
    for note in notes:
        log.warning("%s", note)
    with open_store(store_url(args, create=True)) as store:
        report = store.import_orders(data, args.channel, file=path, cancelled=cancelled, by=actor())
    for p in report.refused:
        log.warning("%s", p)
    for h in report.held:
        log.warning("order %s on hold (%s): %s", h.order_id, h.reason, h.detail)
    print(report.summary())
    return 0


LIST_COLUMNS = ("order_id", "status", "payment_status", "channel", "priority", "created_at", "ship_by",
                "wave_id", "lines", "units", "hold_reason", "hold_detail")


def run_orders_list(args: argparse.Namespace) -> int:
    if args.status and args.status not in {s.value for s in OrderStatus}:
        raise InputError([Problem("--status", f"unknown status {args.status!r}; one of "
                                              f"{', '.join(s.value for s in OrderStatus)}")])
    with open_store(store_url(args)) as store:
        orders = store.list_orders(args.status)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(LIST_COLUMNS)
    for o in orders:
        out.writerow([o.order_id, o.status, o.payment_status, o.channel, o.priority,
                      o.created_at.isoformat() if o.created_at else "", o.ship_by.isoformat() if o.ship_by else "",
                      o.wave_id, len(o.lines), sum(ln.qty for ln in o.lines), o.hold_reason, o.hold_detail])
    return 0


def _iso(ts: object) -> str:
    return ts.isoformat() if hasattr(ts, "isoformat") else ""


def run_order_show(args: argparse.Namespace) -> int:
    """One order: its status, payment, wave, lines and every event of its history, oldest first."""
    with open_store(store_url(args)) as store:
        order = store.order(args.order_id)
        events = store.events(args.order_id) if order is not None else ()
    if order is None:
        raise InputError([Problem(args.order_id, "no such order in the store (`pickwave orders list` lists them)")])
    doc = {
        "order_id": order.order_id, "status": order.status, "payment_status": order.payment_status,
        "channel": order.channel, "priority": order.priority, "created_at": _iso(order.created_at),
        "ship_by": _iso(order.ship_by), "wave_id": order.wave_id, "hold_reason": order.hold_reason,
        "hold_detail": order.hold_detail,
        "lines": [{"line_no": ln.line_no, "sku": ln.sku, "qty": ln.qty} for ln in order.lines],
        "events": [{"at": _iso(e.at), "action": e.action, "from": e.from_status, "to": e.to_status,
                    "reason": e.reason, "by": e.actor, "wave_id": e.wave_id} for e in events],
    }
    if args.json:
        print(json.dumps(doc, indent=1))
        return 0
    print(f"order {order.order_id}: {order.status} (payment {order.payment_status or '-'}), channel "
          f"{order.channel or '-'}, priority {order.priority}" + (f", wave {order.wave_id}" if order.wave_id else ""))
    print(f"  created {_iso(order.created_at) or '-'}, ship by {_iso(order.ship_by) or '-'}")
    if order.hold_reason:
        print(f"  on hold: {order.hold_reason}: {order.hold_detail}")
    for ln in order.lines:
        print(f"  line {ln.line_no}: {ln.qty} x {ln.sku}")
    print("history:")
    for e in events:
        move = f"{e.from_status or '-'} -> {e.to_status or '-'}"
        print(f"  {_iso(e.at)}  {e.action:<13} {move:<44} {e.reason}  (by {e.actor})")
    return 0


def run_order_action(args: argparse.Namespace) -> int:
    with open_store(store_url(args)) as store:
        try:
            moves = store.apply(args.name, args.order_ids, args.reason, args.by)
        except ActionRefusedError as exc:
            for problem in exc.problems:
                print(f"error: {problem}", file=sys.stderr)
            print("error: nothing was changed", file=sys.stderr)
            return 2
    for m in moves:
        print(f"{m.order_id}: {m.from_status} -> {m.to_status}")
    return 0


def wave_output_dir(wave_id: str, out: str | None) -> Path:
    """``--out``, else ``$PICKWAVE_OUTPUT_URL/<wave_id>``, else ``./waves/<wave_id>``."""
    if out:
        return local_folder(out)
    base = os.environ.get("PICKWAVE_OUTPUT_URL")
    return local_folder(base, "PICKWAVE_OUTPUT_URL") / wave_id if base else Path("waves") / wave_id


def workers(args: argparse.Namespace) -> int:
    """``--workers``, else every core: processes for packing, groups and routes (the plan does not depend on it
    with ``max_iterations``)."""
    n = getattr(args, "workers", None) or os.cpu_count() or 1
    if n < 1:
        raise InputError([Problem("--workers", f"must be >= 1, got {n}")])
    return int(n)


def wave_config(args: argparse.Namespace) -> WaveConfig:
    """``--config`` with the command line's overrides, and ``PICKWAVE_SHORT_STOCK`` under ``--short-stock``."""
    config = read_wave_config(args.config)
    raw = getattr(args, "short_stock", None) or os.environ.get(SHORT_STOCK_ENV) or None
    try:
        policy = ShortStockPolicy(raw) if raw else None
    except ValueError:
        raise InputError([Problem(SHORT_STOCK_ENV, f"must be hold or backorder, got {raw!r}")]) from None
    try:
        return with_overrides(config, time_limit_s=getattr(args, "time_limit", None),
                              max_iterations=getattr(args, "max_iterations", None), seed=getattr(args, "seed", None),
                              method=Method(args.method) if getattr(args, "method", None) else None,
                              short_stock=policy)
    except ValueError as exc:
        raise InputError([Problem("command line", str(exc))]) from None


def run_wave(args: argparse.Namespace) -> int:
    """Finish unpublished waves, then claim, plan, stage the files, commit the wave, move the files into place.

    The files are staged next to ``DIR`` and moved into it only after the
    store commits, so a failed run leaves neither a half-released wave nor
    files that describe one. The store records where they were staged until
    they are in place: a run killed after COMMIT is finished by the next run
    of any kind (this command or the DAG), which says so.
    """
    from engine.publish import render_wave
    from engine.publish.storage import write_folder
    from engine.wave import WaveProblem, plan_wave

    if args.wave_id is not None:
        why = id_problem(args.wave_id, "--wave-id", file_name=True)
        if why is not None:
            raise InputError([Problem("--wave-id", why)])
    wave_output_dir("W", args.out)  # an unusable --out or PICKWAVE_OUTPUT_URL is refused before any claim
    config = wave_config(args)
    with open_store(store_url(args)) as store:
        stuck = finish_unpublished(store)
        sweep_staging(wave_output_dir("W", args.out).parent, stuck)
        with store.claim_releasable(config, args.wave_id, by=actor("wave")) as claim:
            out = wave_output_dir(claim.wave_id, args.out)
            if claim.already_committed:
                print(f"wave {claim.wave_id} is already committed; nothing changed")
                return 0
            try:
                cat = claim.catalog
            except LookupError as exc:
                raise InputError([Problem(store.url, str(exc))]) from None
            problem = WaveProblem.build(cat.layout, cat.skus, cat.stock, cat.boxes, claim.orders, claim.held,
                                        config, claim.wave_id)
            plan = plan_wave(problem, progress(args), pack_workers=workers(args))
            make_dirs(out.parent)
            staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".staging", dir=out.parent))
            lock = _hold(staging)
            staged = staging / "plan"
            committed = False
            try:
                write_folder(staged, render_wave(plan, cat.layout))
                report = claim.commit(WaveRelease.from_plan(plan), out=str(out), staged=str(staged))
                if report.already_committed:
                    print(f"wave {claim.wave_id} was committed by another run meanwhile; nothing changed")
                    return 0
                committed = True
            finally:
                if not committed:
                    os.close(lock)
                    shutil.rmtree(staging, ignore_errors=True)
        # Committed: the staged files are the wave's only copy until they are in place (the store knows where).
        try:
            _publish_local(str(staged), str(out))
            store.mark_published(report.wave_id)
        finally:
            os.close(lock)
    for h in report.held:
        if h.reason == "short_stock":
            log.warning("order %s short of stock: %s", h.order_id, h.detail)
    for b in report.backorders:
        log.warning("order %s: %d x %s back-ordered", b.order_id, b.qty, b.sku)
    print(f"wave {report.wave_id}: {len(report.released)} orders released, {len(report.held)} held, "
          f"{len(report.backorders)} lines back-ordered, {report.picks} picks; files in {out}")
    return 0


def _hold(staging: Path) -> int:
    """Lock a staging folder for this run (released by the kernel however the run ends); returns the fd."""
    # Locked under a temporary name, then renamed: a sweeper never sees the lock file unlocked.
    tmp = staging / f"{STAGING_LOCK}.{os.getpid()}"
    fd = os.open(tmp, os.O_CREAT | os.O_RDWR, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.rename(tmp, staging / STAGING_LOCK)
    return fd


def sweep_staging(root: Path, keep: frozenset[Path] = frozenset()) -> list[Path]:
    """Remove staging folders of runs that died before COMMIT (nothing in the store refers to them).

    A folder is removed only when its lock can be taken: a run still planning
    holds it, and a committed wave's staged files are moved out (and their
    folder removed) by :func:`finish_unpublished` first; ``keep`` are the
    folders of committed waves it could not publish. Returns what was removed.
    """
    removed = []
    for folder in sorted(root.glob(".*.staging")) if root.is_dir() else []:
        try:
            fd = os.open(folder / STAGING_LOCK, os.O_RDWR)
        except OSError:
            continue  # not one of ours, or being created this instant
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        if folder.resolve() in keep:
            os.close(fd)
            continue
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)
        removed.append(folder)
    for folder in removed:
        log.info("removed %s, left by a run that stopped before committing its wave", folder)
    return removed


def _publish_local(staged: str, out: str) -> bool:
    """Move a staged wave into ``out`` (summary and manifest last) and drop its ``.staging`` folder."""
    ok = publish_staged(staged, out)
    parent = Path(staged).parent
    if ok and parent.name.endswith(".staging"):
        shutil.rmtree(parent, ignore_errors=True)
    return ok


def finish_unpublished(store: Store) -> frozenset[Path]:
    """Publish the files of waves an earlier run committed but did not publish (it was killed), and say so.

    Returns the staging folders of the waves it could not publish (kept for a later run).
    """
    stuck: set[Path] = set()
    for wave, ok in store.finish_publishing(lambda w: _publish_local(w.staged, w.out)):
        if ok:
            print(f"wave {wave.wave_id}: committed by an earlier run that stopped before publishing; "
                  f"its files ({len(wave.released)} orders released) are now in {wave.out}")
        else:
            log.error("wave %s is committed (%d orders released) but its staged files at %s are not reachable "
                      "from here; its files are not in %s yet", wave.wave_id, len(wave.released),
                      wave.staged or "(unknown)", wave.out)
            if wave.staged:
                stuck.add(Path(wave.staged).parent.resolve())
    return frozenset(stuck)

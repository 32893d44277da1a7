"""The ``pickwave`` command line (SPEC section 6).

This module only parses arguments: each subcommand is handled by a function in :mod:`engine.commands`, imported
when that subcommand runs, so ``pickwave --help`` stays fast and one area's
heavy imports (OR-Tools, SQLAlchemy, matplotlib) load only where needed.
Exit codes: 0 success, 2 unusable input (one line per problem on stderr),
1 any other failure.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from engine.errors import InputError
from engine.model import Method, RoutingMethod, ShortStockPolicy
from engine.store.lifecycle import Action, OrderStatus

DESCRIPTION = "pickwave: batch pick optimisation and wave planning for warehouses and 3PLs."
EPILOG = """from files (no store):
  plan        plan one wave from layout, SKUs, inventory, orders and boxes (SPEC files out)
  route       route given pick lists through a layout
  pack        cartonize orders
  demo        generate a sample warehouse and run a full wave on an embedded store

the order store (--db URL, or PICKWAVE_DB_URL; default sqlite:///pickwave.db):
  catalog import   load layout, SKUs, inventory and boxes
  orders import    import orders (CSV or JSON lines), idempotent
  orders list      orders as CSV (--status)
  orders show      one order, its lines and its event history
  orders action    a lifecycle action (capture, hold, cancel, ...)
  wave run         plan, release and publish a wave: all or nothing
  wave list|show   committed waves; one wave and where its orders are now

fulfilment (what the `fulfilment` DAG does, by hand):
  reports ingest   apply 3PL progress and return reports from a folder, once each
  pack verify      check a pack report against the planned cartons
  ship             label packed orders and mark them shipped
  deliver          mark orders delivered and send their follow-ups
  returns          return an order's units under an RMA (restock or scrap, refund)

planners:
  evaluate    replay an order history on a layout, side by side with a candidate
  slotting    recommend SKU moves, measured by replay
  layout check  validate and draw a layout

`pickwave COMMAND --help` says more. Exit codes: 0 success, 2 unusable input (one line per
problem on stderr naming file, row and column), 1 anything else.
"""

# subcommand path -> "module:function" in engine.commands
HANDLERS: dict[tuple[str, ...], str] = {
    ("plan",): "engine.commands.plan:run_plan",
    ("route",): "engine.commands.route:run_route",
    ("pack",): "engine.commands.pack:run_pack",
    ("demo",): "engine.commands.demo:run_demo",
    ("catalog", "import"): "engine.commands.store:run_catalog_import",
    ("orders", "import"): "engine.commands.store:run_orders_import",
    ("orders", "list"): "engine.commands.store:run_orders_list",
    ("orders", "action"): "engine.commands.store:run_order_action",
    ("orders", "show"): "engine.commands.store:run_order_show",
    ("wave", "run"): "engine.commands.store:run_wave",
    ("wave", "list"): "engine.commands.waves:run_wave_list",
    ("wave", "show"): "engine.commands.waves:run_wave_show",
    ("reports", "ingest"): "engine.commands.fulfilment:run_reports_ingest",
    ("pack", "verify"): "engine.commands.fulfilment:run_pack_verify",
    ("ship",): "engine.commands.fulfilment:run_ship",
    ("deliver",): "engine.commands.fulfilment:run_deliver",
    ("returns",): "engine.commands.fulfilment:run_returns",
    ("evaluate",): "engine.commands.planner:run_evaluate",
    ("slotting",): "engine.commands.planner:run_slotting",
    ("layout", "check"): "engine.commands.planner:run_layout_check",
}


def _plan_inputs(p: argparse.ArgumentParser, *, layout: bool = True) -> None:
    if layout:
        p.add_argument("--layout", required=True, help="layout.yaml")
    p.add_argument("--skus", required=True, help="skus.csv")
    p.add_argument("--boxes", required=True, help="boxes.csv")


def _store_option(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``--db`` after the subcommand too (SUPPRESS: an absent one keeps the value given before it)."""
    p.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                   help="the order store, a SQLAlchemy URL (default: PICKWAVE_DB_URL, else sqlite:///pickwave.db)")
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pickwave", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"pickwave {_version()}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only; no progress")
    parser.add_argument("--db", metavar="URL",
                        help="the order store, a SQLAlchemy URL (default: PICKWAVE_DB_URL, else sqlite:///pickwave.db)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("plan", help="plan one wave from files")
    _plan_inputs(p)
    p.add_argument("--inventory", required=True, help="inventory.csv")
    p.add_argument("--orders", required=True, help="orders.csv")
    p.add_argument("--config", help="wave.yaml")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--time-limit", type=float, help="override time_limit_s")
    p.add_argument("--max-iterations", type=int, help="override max_iterations")
    p.add_argument("--seed", type=int, help="override seed")
    p.add_argument("--workers", type=int, help="processes for packing and final routes (default: CPU count)")

    p = sub.add_parser("route", help="route pick lists through a layout")
    p.add_argument("--layout", required=True)
    p.add_argument("--picks", required=True, help="CSV of list_id, location_id")
    p.add_argument("--out", required=True)
    p.add_argument("--routing", default="optimal", choices=[m.value for m in RoutingMethod],
                   help="routing method (default optimal)")
    p.add_argument("--time-limit", type=float, default=10.0, help="seconds per list")

    p = sub.add_parser("pack", help="cartonize orders from files; `pack verify FILE` checks a pack report",
                       description="Cartonize orders: pickwave pack --skus S --boxes B --orders O --out DIR. "
                                   "Or check a 3PL's pack report against the planned cartons: "
                                   "pickwave pack verify FILE")
    p.add_argument("--skus", help="skus.csv")
    p.add_argument("--boxes", help="boxes.csv")
    p.add_argument("--orders", help="orders.csv")
    p.add_argument("--out", help="output folder")
    p.add_argument("--config", help="wave.yaml (fragile_padding_cm, packing options)")
    pack = p.add_subparsers(dest="action", metavar="verify")
    v = _store_option(pack.add_parser("verify", help="check a pack report against the planned cartons; "
                                                     "orders that match are packed"))
    v.add_argument("file", help="a report of packed rows (CSV or JSON lines)")
    v.add_argument("--json", action="store_true")

    reports = _store_option(sub.add_parser("reports", help="3PL progress and return reports into the store")
                            ).add_subparsers(dest="action", required=True, metavar="ingest")
    r = _store_option(reports.add_parser("ingest", help="apply every report file of a folder, once each; quarantine "
                                                  "rows that contradict the plan"))
    r.add_argument("folder", nargs="?", help="the inbox (default: PICKWAVE_INBOX_URL)")
    r.add_argument("--file", action="append", help="only this file of the folder (repeatable)")
    r.add_argument("--json", action="store_true")

    p = _store_option(sub.add_parser("ship", help="label packed orders through their carriers and mark them shipped"))
    p.add_argument("order_ids", nargs="*", help="only these orders (default: every packed order)")
    p.add_argument("--out", help="where labels/ and outbox/ go (default: PICKWAVE_OUTPUT_URL, else ./waves)")
    p.add_argument("--json", action="store_true")

    p = _store_option(sub.add_parser("deliver", help="mark orders delivered and send each its follow-up once"))
    p.add_argument("order_ids", nargs="+")
    p.add_argument("--reason", default="delivered (confirmed by hand)")
    p.add_argument("--out", help="where outbox/ goes (default: PICKWAVE_OUTPUT_URL, else ./waves)")
    p.add_argument("--json", action="store_true")

    p = _store_option(sub.add_parser("returns", help="return every unit an order shipped under one RMA"))
    p.add_argument("rma_id")
    p.add_argument("order_id")
    p.add_argument("--disposition", choices=["restock", "scrap"], required=True,
                   help="restock (back to the faces they were picked from) or scrap")
    p.add_argument("--refund", action="store_true", help="refund the order once the goods are booked")
    p.add_argument("--reason", default="", help="recorded as the RMA's source")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("demo", help="generate a sample warehouse and run a full wave")
    p.add_argument("--out", default="demo-out", help="output folder (default ./demo-out)")
    p.add_argument("--orders", type=int, default=400, help="orders to generate")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--time-limit", type=float, default=20.0)

    cat = sub.add_parser("catalog", help="the store's catalog").add_subparsers(dest="action", required=True)
    p = _store_option(cat.add_parser("import", help="load layout, skus, inventory and boxes into the store"))
    _plan_inputs(p)
    p.add_argument("--inventory", required=True)

    orders = sub.add_parser("orders", help="orders in the store").add_subparsers(dest="action", required=True)
    p = _store_option(orders.add_parser("import", help="import orders (CSV or JSON lines); idempotent"))
    p.add_argument("file")
    p.add_argument("--channel")
    p = _store_option(orders.add_parser("list", help="orders as CSV on stdout"))
    p.add_argument("--status", choices=[s.value for s in OrderStatus], metavar="STATUS",
                   help=f"only orders in this status: {', '.join(s.value for s in OrderStatus)}")
    p = _store_option(orders.add_parser("show", help="one order: status, lines, wave and its event history"))
    p.add_argument("order_id")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    actions = [a.value for a in Action if a is not Action.RELEASE]
    p = _store_option(orders.add_parser("action", help="apply a lifecycle action to orders, all or nothing"))
    p.add_argument("name", choices=actions, metavar="ACTION", help=f"one of {', '.join(actions)}")
    p.add_argument("order_ids", nargs="+")
    p.add_argument("--reason", default="")
    p.add_argument("--by", default="cli")

    wave = sub.add_parser("wave", help="waves from the store").add_subparsers(dest="action", required=True)
    p = _store_option(wave.add_parser("run", help="plan and release a wave from the store, all or nothing"))
    p.add_argument("--config", help="wave.yaml (method, max_orders, cart, short_stock, ...)")
    p.add_argument("--out", help="output folder (default: PICKWAVE_OUTPUT_URL/<wave_id>, else ./waves/<wave_id>)")
    p.add_argument("--wave-id", help="the wave's id (default: a hash of the config and the claimed orders)")
    p.add_argument("--time-limit", type=float, help="override time_limit_s (seconds for the whole plan)")
    p.add_argument("--max-iterations", type=int, help="override max_iterations (a fixed search: same plan every run)")
    p.add_argument("--seed", type=int, help="override seed")
    p.add_argument("--method", choices=[m.value for m in Method], help="override method")
    p.add_argument("--short-stock", choices=[m.value for m in ShortStockPolicy],
                   help="override short_stock (also PICKWAVE_SHORT_STOCK)")
    p.add_argument("--workers", type=int, help="processes for packing, groups and routes (default: CPU count)")
    p = _store_option(wave.add_parser("list", help="committed waves, newest first (CSV, or --json)"))
    p.add_argument("--json", action="store_true")
    p = _store_option(wave.add_parser("show", help="one wave: counts, config, where its orders are now"))
    p.add_argument("wave_id")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("evaluate", help="replay an order history on a layout; compare with a candidate")
    _history_inputs(p)
    cand = p.add_mutually_exclusive_group()
    cand.add_argument("--compare", metavar="LAYOUT", help="candidate layout.yaml (same inventory)")
    cand.add_argument("--slotting", metavar="INVENTORY", help="candidate inventory.csv (same layout)")
    p.add_argument("--out", required=True, help="output folder")
    _planner_options(p)

    p = sub.add_parser("slotting", help="recommend SKU moves and measure their saving by replay")
    _history_inputs(p)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--max-moves", type=int, help="most relocations to recommend")
    p.add_argument("--cooccurrence-weight", type=float, default=1.0)
    _planner_options(p)

    lay = sub.add_parser("layout", help="layout authoring").add_subparsers(dest="action", required=True)
    p = lay.add_parser("check", help="validate and draw a layout")
    p.add_argument("layout", help="layout.yaml")
    p.add_argument("--out", help="picture path (.png/.svg) or folder (default: next to the layout)")
    return parser


def _history_inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--layout", required=True, help="layout.yaml")
    p.add_argument("--skus", required=True, help="skus.csv")
    p.add_argument("--inventory", required=True, help="inventory.csv")
    p.add_argument("--orders", required=True, help="order history (orders.csv); every order counts as paid")
    p.add_argument("--boxes", help="boxes.csv (default: cartons are not a constraint in the replay)")
    p.add_argument("--config", help="wave.yaml")


def _planner_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--walking-speed", type=float, default=1.0, help="m/s (default 1.0)")
    p.add_argument("--time-per-stop", type=float, default=10.0, help="seconds (default 10)")
    p.add_argument("--time-per-unit", type=float, default=5.0, help="seconds (default 5)")
    p.add_argument("--wave-hours", type=float, default=24.0, help="replay release window (default 24)")
    p.add_argument("--time-limit", type=float, help="override time_limit_s per replayed wave")
    p.add_argument("--max-iterations", type=int, help="override max_iterations")
    p.add_argument("--seed", type=int, help="override seed")


def _version() -> str:
    try:
        return version("pickwave")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (exit 2): returned like any other exit
        return exc.code if isinstance(exc.code, int) else 2
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if args.command == "pack" and args.action is None:
        missing = [f"--{k}" for k in ("skus", "boxes", "orders", "out") if getattr(args, k) is None]
        if missing:
            print(f"pickwave pack: error: the following arguments are required: {', '.join(missing)}",
                  file=sys.stderr)
            return 2
    key = tuple(k for k in (args.command, getattr(args, "action", None)) if k)
    module_name, func_name = HANDLERS[key].split(":")
    handler = getattr(importlib.import_module(module_name), func_name)
    try:
        return int(handler(args) or 0)
    except InputError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (``pickwave orders list | head``): stop quietly, as head's writers do.
        _silence_stdout()
        return 0
    except OSError as exc:
        return _os_error(exc)
    except Exception as exc:
        if type(exc).__module__.startswith("sqlalchemy"):
            return _store_error(exc)
        raise


#: File-system errors that mean the path a user gave is unusable (exit 2); others (a full disk) exit 1.
_PATH_ERRNOS = frozenset({errno.ENOTDIR, errno.EEXIST, errno.EISDIR, errno.EACCES, errno.EPERM, errno.EROFS,
                          errno.ENOENT, errno.ENAMETOOLONG})


def _os_error(exc: OSError) -> int:
    """One line for a file-system failure: which path, what the system said."""
    where = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None) or "output"
    print(f"error: {where}: {exc.strerror or exc}", file=sys.stderr)
    return 2 if exc.errno in _PATH_ERRNOS else 1


def _store_error(exc: Exception) -> int:
    """One line for a store that cannot be used: a bad ``PICKWAVE_DB_URL``, a database that is down."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    if isinstance(exc, (ArgumentError, NoSuchModuleError)):
        print(f"error: PICKWAVE_DB_URL / --db: not a usable database URL: {detail}", file=sys.stderr)
        return 2
    kind = "the store cannot be used" if isinstance(exc, DBAPIError) else "store error"
    print(f"error: {kind} (PICKWAVE_DB_URL / --db): {detail}", file=sys.stderr)
    return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's flush at exit does not fail on the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())

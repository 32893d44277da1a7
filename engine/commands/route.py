"""``pickwave route``: route pick lists through a layout (SPEC section 6).

Reads ``--picks`` (CSV ``list_id, location_id``), routes every list with the
chosen method and writes ``routes.csv`` (``list_id, stop, location_id``: one
row per location id, location ids that share a pick position share a stop) and
``route_lengths.csv`` (``list_id, distance_m, proven``) into ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import os
import tempfile
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InputError, Problem
from engine.io.csvtable import FieldError, check_shape, parse_table
from engine.io.layout import read_layout
from engine.io.text import read_text
from engine.layout.base import Layout
from engine.routing import Route, RoutingParams, solve

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PickList:
    """One list of the picks file: its id and location ids in file order."""

    list_id: str
    location_ids: tuple[str, ...]


def parse_picks(text: str, file: str, layout: Layout) -> tuple[PickList, ...]:
    """Pick lists from CSV text, in order of first appearance (pure).

    Raises :class:`InputError` with one problem per bad row (file, row, column),
    e.g. a location id the layout does not hold.

    Examples
    --------
    >>> from engine.layout import RectangularLayout
    >>> lay = RectangularLayout("t", 1, 2, 5)
    >>> parse_picks("list_id,location_id\\nL1,A01-B1-S001-L\\n", "p.csv", lay)
    (PickList(list_id='L1', location_ids=('A01-B1-S001-L',)),)
    """
    table = parse_table(text, file, ["list_id", "location_id"])
    lists: dict[str, list[str]] = {}
    problems: list[Problem] = []
    for row in table.rows:
        try:
            check_shape(row)
            list_id = row.text("list_id")
            location = row.text("location_id")
            if not layout.has_location(location):
                raise FieldError("location_id", f"unknown location id {location!r}: not in the layout")
        except FieldError as exc:
            problems.append(Problem(file, exc.message, row=row.number, column=exc.column or None))
            continue
        lists.setdefault(list_id, []).append(location)
    if problems:
        raise InputError(problems)
    return tuple(PickList(k, tuple(v)) for k, v in lists.items())


def route_rows(layout: Layout, pick_list: PickList, route: Route) -> list[tuple[str, int, str]]:
    """``(list_id, stop, location_id)`` rows: every location id under its stop number."""
    by_point: dict[Hashable, list[str]] = {}
    for loc in dict.fromkeys(pick_list.location_ids):
        by_point.setdefault(layout.point(loc), []).append(loc)
    return [
        (pick_list.list_id, stop, loc)
        for stop, point in enumerate(route.stops, start=1)
        for loc in by_point[point]
    ]


def format_routes(rows: list[tuple[str, int, str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["list_id", "stop", "location_id"])
    w.writerows(rows)
    return buf.getvalue()


def format_lengths(results: list[tuple[str, Route]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["list_id", "distance_m", "proven"])
    for list_id, route in results:
        w.writerow([list_id, f"{route.length_m:.6f}", int(route.proven)])
    return buf.getvalue()


def write_outputs(out: Path, files: dict[str, str]) -> None:
    """Write every file to a temporary name in ``out``, then move each into place."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=".route-") as tmp:
        for name, text in files.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        for name in files:
            os.replace(Path(tmp) / name, out / name)


def run_route(args: argparse.Namespace) -> int:
    try:
        params = RoutingParams(args.routing, time_limit_s=args.time_limit)
    except ValueError as exc:
        raise InputError([Problem("command line", str(exc), column="--routing/--time-limit")]) from None
    layout = read_layout(args.layout)
    lists = parse_picks(read_text(args.picks), str(args.picks), layout)
    if layout.kind != "rectangular" and params.method.value != "optimal":
        raise InputError([Problem(str(args.layout), f"routing {params.method.value!r} needs a rectangular "
                                  "layout; graph layouts use 'optimal'", column="kind")])
    results: list[tuple[str, Route]] = []
    rows: list[tuple[str, int, str]] = []
    for pl in lists:
        route = solve(layout, [layout.point(loc) for loc in pl.location_ids], params)
        results.append((pl.list_id, route))
        rows += route_rows(layout, pl, route)
        logger.debug("list %s: %d stops, %.1f m, proven=%s", pl.list_id, len(route.stops), route.length_m,
                     route.proven)
    out = Path(args.out)
    write_outputs(out, {"routes.csv": format_routes(rows), "route_lengths.csv": format_lengths(results)})
    total = sum(r.length_m for _l, r in results)
    proven = sum(r.proven for _l, r in results)
    print(f"routed {len(results)} lists ({proven} proven optimal), {total:.1f} m in all; wrote {out}/routes.csv "
          f"and {out}/route_lengths.csv")
    return 0

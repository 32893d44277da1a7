"""Order batching against proven optima: the Henn & Wäscher instances (Wahlen & Gschwind's optima).

Reads ``shared/benchmarks/henn-waescher/`` (720 single-block instances, 20-100
orders, capacity 30-75 units per trip, ``references.csv`` with the optimum
under optimal routing) through a reader of its own, maps each instance onto
SPEC as the README there says, and plans it with the real ``pickwave plan``
path: :func:`engine.wave.plan_wave` on an in-memory :class:`WaveProblem`
(release, packing, batching, faces, final optimal routes, baselines), method
``batch``, routing ``optimal``, ``time_limit_s`` as given, seed 0, one process
per instance. The measure is the plan's ``summary.distance_m`` (the sum of its
trips' optimal route lengths) against the optimum.

Mapping (README): one block; ``aisles = NUM_AISLES``, ``slots_per_side =
NUM_CELLS``, ``slot_length_m = DISTANCE_CELL_TO_CELL``, ``aisle_pitch_m =
DISTANCE_AISLE_TO_AISLE``, ``cross_aisle_width_m = 2 * DISTANCE_BOTTOM_TO_CELL -
DISTANCE_CELL_TO_CELL``; file aisle ``i`` is aisle ``i + 1``, file cell ``c`` is
slot ``NUM_CELLS - c`` (depot at the bottom), depot at ``DEPOT_AISLE * pitch``.
Capacity counts units: each article is a SKU of ``WEIGHT`` kg and the cart's
``max_weight_kg`` is ``PICKER_CAPACITY``; totes and volume do not bind
(``totes`` = number of orders, SKUs of 1 cm^3, one box that holds any order).

Run: ``.venv/bin/python -m benchmarks.henn_waescher [--time-limit 10] [--jobs 1]
[--seeds 0] [--orders 20 30] [--files 1l-20-30-0.txt ...] [--limit N] [--tag NAME]``.
Writes ``benchmarks/results/henn_waescher[-TAG].md`` and ``.csv``. ``--join A.csv B.csv ... [--tag NAME]``
plans nothing and writes one report over results files of a run made in parts (one per seed, say).
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import statistics
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from engine.batching import colgen
from engine.layout import RectangularLayout
from engine.layout.rectangular import location_id
from engine.model import Box, CartSpec, Method, Order, OrderLine, RoutingMethod, Sku, StockRecord, WaveConfig
from engine.routing import RouteScorer
from engine.wave import WaveProblem, plan_wave

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
log = logging.getLogger("benchmarks.henn_waescher")

#: Wahlen & Gschwind (2023), their tables as quoted in the shared README (gap to best known, median time).
ANCHORS = (
    ("20-40", "0.03-0.13 %", "0-0.5 s", "0.00 %", "0-1 s"),
    ("60", "0.10-0.12 %", "1-2 s", "0.02-0.08 %", "3-15 s"),
    ("100", "0.39-0.52 %", "9-23 s", "0.15-0.29 %", "104-120 s"),
)


def shared_dir() -> Path:
    return Path(os.environ.get("PICKWAVE_SHARED", ROOT.parent / "shared")) / "benchmarks" / "henn-waescher"


@dataclass(frozen=True, slots=True)
class Place:
    """Where an article is stored: 0-based file aisle and cell, side ``left``/``right``."""

    aisle: int
    cell: int
    side: str


@dataclass(frozen=True, slots=True)
class HWInstance:
    """One instance file, as published (file numbering, file units)."""

    name: str
    capacity: int
    aisles: int
    cells: int
    depot_aisle: int
    depot_location: str
    aisle_to_aisle: float
    cell_to_cell: float
    top_to_cell: float
    bottom_to_cell: float
    weights: dict[int, float]
    places: dict[int, Place]
    #: Per order, its lines ``(article, quantity)`` in file order.
    orders: tuple[tuple[tuple[int, int], ...], ...]

    def units(self, order: int) -> float:
        """Capacity an order uses: quantity x weight summed over its lines."""
        return sum(q * self.weights[a] for a, q in self.orders[order])


@dataclass(frozen=True, slots=True)
class Reference:
    file: str
    capacity: int
    orders: int
    optimum_m: float
    proven: bool


class FormatError(ValueError):
    """A line of an instance file that is not of the published format."""


def _kv(line: str) -> tuple[str, str]:
    key, _, value = line.partition(":")
    return key.strip(), value.strip()


def _fields(line: str, lineno: int, names: Sequence[str]) -> dict[str, str]:
    """``ID a WEIGHT w`` style lines: alternating names and values, in the order given."""
    tok = line.split()
    if len(tok) != 2 * len(names) or [t.upper() for t in tok[::2]] != list(names):
        raise FormatError(f"line {lineno}: expected {' '.join(n + ' <v>' for n in names)}, got {line!r}")
    return dict(zip(names, tok[1::2], strict=True))


def parse_instance(text: str, name: str = "") -> HWInstance:
    """An instance file's text as an :class:`HWInstance` (pure; raises :class:`FormatError`).

    O(lines).

    >>> t = '''PICKER_CAPACITY : 30
    ... NUM_AISLES : 2
    ... NUM_CELLS : 3
    ... DEPOT_AISLE : 0
    ... DEPOT_LOCATION : bottom
    ... DISTANCE_AISLE_TO_AISLE : 5
    ... DISTANCE_CELL_TO_CELL : 1
    ... DISTANCE_TOP_TO_CELL : 1.5
    ... DISTANCE_BOTTOM_TO_CELL : 1.5
    ... DISTANCE_TOP_OR_BOTTOM_TO_DEPOT : 0
    ... ARTICLE_SECTION
    ... NUM_ARTICLES : 1
    ... ID 0 WEIGHT 1
    ... SKU_SECTION
    ... NUM_SKUS : 1
    ... ID 0 AISLE 1 CELL 2 QUANTITY 1 LEFT_RIGHT_HAND_SIDE left
    ... ORDER_SECTION
    ... NUM_ORDERS : 1
    ... NUM_ARTICLES_IN_ORDER : 1
    ... ID 0 QUANTITY 2
    ... EOF'''
    >>> inst = parse_instance(t, "x")
    >>> inst.capacity, inst.places[0], inst.orders, inst.units(0)
    (30, Place(aisle=1, cell=2, side='left'), (((0, 2),),), 2.0)
    """
    header: dict[str, str] = {}
    weights: dict[int, float] = {}
    places: dict[int, Place] = {}
    orders: list[list[tuple[int, int]]] = []
    section = ""
    left_in_order = 0
    ended = False
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line == "EOF":
            ended = True
            break
        if line in ("ARTICLE_SECTION", "SKU_SECTION", "ORDER_SECTION"):
            section = line
            continue
        if ":" in line and not line.startswith("ID "):
            key, value = _kv(line)
            if key == "NUM_ARTICLES_IN_ORDER":
                if section != "ORDER_SECTION" or left_in_order:
                    raise FormatError(f"line {lineno}: NUM_ARTICLES_IN_ORDER outside an order section or "
                                      "before the previous order's lines")
                left_in_order = int(value)
                orders.append([])
            elif not section:
                header[key] = value
            continue
        try:
            if section == "ARTICLE_SECTION":
                f = _fields(line, lineno, ("ID", "WEIGHT"))
                weights[int(f["ID"])] = float(f["WEIGHT"])
            elif section == "SKU_SECTION":
                f = _fields(line, lineno, ("ID", "AISLE", "CELL", "QUANTITY", "LEFT_RIGHT_HAND_SIDE"))
                side = f["LEFT_RIGHT_HAND_SIDE"].lower()
                if side not in ("left", "right"):
                    raise FormatError(f"line {lineno}: side must be left or right, got {side!r}")
                places[int(f["ID"])] = Place(int(f["AISLE"]), int(f["CELL"]), side)
            elif section == "ORDER_SECTION":
                if not left_in_order:
                    raise FormatError(f"line {lineno}: an article line beyond NUM_ARTICLES_IN_ORDER")
                f = _fields(line, lineno, ("ID", "QUANTITY"))
                orders[-1].append((int(f["ID"]), int(f["QUANTITY"])))
                left_in_order -= 1
            else:
                raise FormatError(f"line {lineno}: unexpected line before any section: {line!r}")
        except ValueError as e:
            if isinstance(e, FormatError):
                raise
            raise FormatError(f"line {lineno}: {e}") from None
    if not ended:
        raise FormatError("no EOF line")
    if left_in_order:
        raise FormatError("the last order has fewer lines than NUM_ARTICLES_IN_ORDER")
    try:
        inst = HWInstance(
            name, int(header["PICKER_CAPACITY"]), int(header["NUM_AISLES"]), int(header["NUM_CELLS"]),
            int(header["DEPOT_AISLE"]), header["DEPOT_LOCATION"].lower(), float(header["DISTANCE_AISLE_TO_AISLE"]),
            float(header["DISTANCE_CELL_TO_CELL"]), float(header["DISTANCE_TOP_TO_CELL"]),
            float(header["DISTANCE_BOTTOM_TO_CELL"]), weights, places, tuple(tuple(o) for o in orders))
    except KeyError as e:
        raise FormatError(f"header key {e.args[0]} missing") from None
    for o in inst.orders:
        for a, _ in o:
            if a not in places or a not in weights:
                raise FormatError(f"article {a} ordered but not in ARTICLE_SECTION and SKU_SECTION")
    return inst


def parse_references(text: str) -> dict[str, Reference]:
    """``references.csv`` by file name (pure)."""
    out = {}
    for row in csv.DictReader(text.splitlines()):
        out[row["file"]] = Reference(row["file"], int(row["capacity"]), int(row["orders"]),
                                     float(row["optimum_m"]), row["proven"].strip().lower() == "true")
    return out


def read_instance(path: Path) -> HWInstance:
    # The files carry a Latin-1 umlaut in their COMMENT line.
    return parse_instance(path.read_text(encoding="latin-1"), path.name)


def read_references(path: Path) -> dict[str, Reference]:
    return parse_references(path.read_text())


def to_wave(inst: HWInstance, time_limit_s: float, seed: int = 0, max_iterations: int | None = None) -> WaveProblem:
    """The instance as a pickwave wave, mapped as the shared README says (see the module docstring)."""
    if inst.depot_location != "bottom":
        raise ValueError(f"{inst.name}: depot at the {inst.depot_location} is not mapped (all published ones "
                         "are at the bottom)")
    layout = RectangularLayout(
        f"henn-waescher:{inst.name}", blocks=1, aisles=inst.aisles, slots_per_side=inst.cells,
        slot_length_m=inst.cell_to_cell, aisle_pitch_m=inst.aisle_to_aisle,
        cross_aisle_width_m=2 * inst.bottom_to_cell - inst.cell_to_cell,
        depot_x_m=inst.depot_aisle * inst.aisle_to_aisle)
    demand: dict[int, int] = {}
    for o in inst.orders:
        for a, q in o:
            demand[a] = demand.get(a, 0) + q
    skus = {f"A{a}": Sku(f"A{a}", 1.0, 1.0, 1.0, inst.weights[a]) for a in sorted(demand)}
    stock = tuple(StockRecord(f"A{a}", location_id(inst.places[a].aisle + 1, 1, inst.cells - inst.places[a].cell,
                                                   "L" if inst.places[a].side == "left" else "R"), q)
                  for a, q in sorted(demand.items()))
    units = max((inst.units(k) for k in range(len(inst.orders))), default=1.0)
    boxes = (Box("ANY", 1000.0, 1000.0, 1000.0, max_weight_kg=10 * units + 10, cost=1.0),)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    orders = []
    for k, lines in enumerate(inst.orders):
        oid = f"O{k:04d}"
        orders.append(Order(oid, tuple(OrderLine(oid, f"A{a}", q, n) for n, (a, q) in enumerate(lines, start=1)),
                            t0 + timedelta(seconds=k), "captured"))
    cart = CartSpec(totes=max(1, len(orders)), max_weight_kg=float(inst.capacity), max_volume_l=1e9)
    cfg = WaveConfig(method=Method.BATCH, cart=cart, routing=RoutingMethod.OPTIMAL, time_limit_s=time_limit_s,
                     seed=seed, max_iterations=max_iterations)
    return WaveProblem.build(layout, skus, stock, boxes, tuple(orders), (), cfg, wave_id=f"HW-{inst.name}")


def warm_worker() -> None:
    """Load the compiled route and pricing kernels once per worker process, before any clock starts.

    A long-running planner has them loaded; without this the first instance of
    each worker pays numba's cache load (1-3 s) out of its budget.
    """
    lay = RectangularLayout("warm", blocks=1, aisles=2, slots_per_side=2, slot_length_m=1.0, aisle_pitch_m=3.0,
                            cross_aisle_width_m=2.0)
    scorer = RouteScorer(lay, [lay.point(location_id(1, 1, 1, "L"))])
    scorer.length([0])
    colgen.warm_up(scorer)


def run_one(path: str, time_limit_s: float, optimum: float) -> dict[str, object]:
    """Plan one instance; the CSV row."""
    inst = read_instance(Path(path))
    wave = to_wave(inst, time_limit_s)
    t = time.perf_counter()
    plan = plan_wave(wave)
    wall = time.perf_counter() - t
    s = plan.summary
    if s.released != len(inst.orders):
        raise RuntimeError(f"{inst.name}: {len(inst.orders) - s.released} orders held: {s.held_by_reason}")
    dist = s.distance_m
    lb = getattr(s, "lower_bound_m", None)
    return {
        "file": inst.name, "family": inst.name.split("-")[0][-1], "orders": len(inst.orders),
        "capacity": inst.capacity, "optimum_m": optimum, "distance_m": round(dist, 3),
        "gap_pct": round(100.0 * (dist - optimum) / optimum, 4), "optimal": dist <= optimum + 1e-6,
        "batches": s.batches, "iterations": s.search.iterations, "stopped_by": s.search.stopped_by,
        "lower_bound_m": None if lb is None else round(lb, 3), "wall_s": round(wall, 2),
    }


def _select(files: list[str], refs: dict[str, Reference], a: argparse.Namespace) -> list[str]:
    out = sorted(refs) if not a.files else list(a.files)
    if a.seeds is not None:
        out = [f for f in out if int(f.rsplit("-", 1)[1].split(".")[0]) in a.seeds]
    if a.orders is not None:
        out = [f for f in out if refs[f].orders in a.orders]
    if a.capacities is not None:
        out = [f for f in out if refs[f].capacity in a.capacities]
    # Stable, class-interleaved order: a --limit or an interrupted run still covers every class.
    out.sort(key=lambda f: (int(f.rsplit("-", 1)[1].split(".")[0]), refs[f].orders, refs[f].capacity, f))
    return out[: a.limit] if a.limit else out


def summarise(rows: Sequence[dict[str, object]]) -> str:
    """Markdown tables: per order count and capacity, per order count, overall."""
    def line(label: Sequence[str], rs: Sequence[dict[str, object]]) -> str:
        gaps = [float(r["gap_pct"]) for r in rs]  # type: ignore[arg-type]
        opt = sum(bool(r["optimal"]) for r in rs)
        walls = [float(r["wall_s"]) for r in rs]  # type: ignore[arg-type]
        return ("| " + " | ".join(label) + f" | {len(rs)} | {statistics.fmean(gaps):.3f} | {max(gaps):.3f} | "
                f"{100.0 * opt / len(rs):.0f} % | {statistics.median(walls):.1f} | {max(walls):.1f} |")

    head = "| {} | instances | mean gap % | worst gap % | optimal | median s | max s |"
    out = [head.format("orders | capacity"), "|---|---|---|---|---|---|---|---|"]
    keys = sorted({(int(r["orders"]), int(r["capacity"])) for r in rows})  # type: ignore[call-overload]
    for o, c in keys:
        out.append(line([str(o), str(c)], [r for r in rows if r["orders"] == o and r["capacity"] == c]))
    out += ["", head.format("orders"), "|---|---|---|---|---|---|---|"]
    for o in sorted({int(r["orders"]) for r in rows}):  # type: ignore[call-overload]
        out.append(line([str(o)], [r for r in rows if r["orders"] == o]))
    small = [r for r in rows if int(r["orders"]) <= 40]  # type: ignore[call-overload]
    if small:
        out.append(line(["20-40"], small))
    out.append(line(["all"], rows))
    return "\n".join(out)


def parse_rows(text: str) -> list[dict[str, object]]:
    """The rows of a results CSV written by :func:`main`, typed as :func:`run_one` returns them."""
    out: list[dict[str, object]] = []
    for r in csv.DictReader(text.splitlines()):
        out.append({**r, "orders": int(r["orders"]), "capacity": int(r["capacity"]), "gap_pct": float(r["gap_pct"]),
                    "optimal": r["optimal"] == "True", "wall_s": float(r["wall_s"])})
    return out


def join_reports(paths: Sequence[Path], refs: dict[str, Reference], tag: str) -> int:
    """One report over results files of runs made in parts; an instance in two of them is refused."""
    rows: list[dict[str, object]] = []
    seen: dict[str, Path] = {}
    for p in paths:
        for r in parse_rows(p.read_text()):
            name = str(r["file"])
            if name in seen:
                raise SystemExit(f"{p}: {name} is also in {seen[name]}")
            seen[name] = p
            rows.append(r)
    if not rows:
        raise SystemExit("--join: no rows")
    rows.sort(key=lambda r: (int(r["orders"]), int(r["capacity"]), str(r["file"])))  # type: ignore[call-overload]
    proven = sum(refs[str(r["file"])].proven for r in rows)
    stopped = sum(r["stopped_by"] == "optimal" for r in rows)
    small = [r for r in rows if int(r["orders"]) <= 40]  # type: ignore[call-overload]
    text = (f"# Henn & Wäscher order batching: pickwave against proven optima (joined runs)\n\n"
            f"Joined from {', '.join(f'`{p.name}`' for p in paths)} (each file's own report gives its command, "
            f"time limit and load). {len(rows)} instances ({proven} with a proven optimum), {stopped} proven "
            f"optimal by pickwave (stopped early), {sum(bool(r['optimal']) for r in small)} of {len(small)} "
            f"20-40-order instances at the optimum.\n\n" + summarise(rows) + "\n")
    suffix = f"-{tag}" if tag else "-joined"
    (RESULTS / f"henn_waescher{suffix}.md").write_text(text)
    print(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=10.0, help="pickwave plan time_limit_s per instance")
    ap.add_argument("--jobs", type=int, default=1, help="instances planned at once (one process each)")
    ap.add_argument("--files", nargs="+", help="instance file names (default: every file in references.csv)")
    ap.add_argument("--seeds", nargs="+", type=int, help="only these instance seeds (0-9), e.g. 0 = one per class")
    ap.add_argument("--orders", nargs="+", type=int, help="only these order counts")
    ap.add_argument("--capacities", nargs="+", type=int, help="only these capacities")
    ap.add_argument("--limit", type=int, help="at most this many instances (classes interleaved)")
    ap.add_argument("--tag", default="", help="suffix of the results files")
    ap.add_argument("--join", nargs="+", type=Path, metavar="CSV",
                    help="plan nothing: one report over these results files (a run made in parts, e.g. one per seed)")
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    root = shared_dir()
    refs = read_references(root / "references.csv")
    if a.join:
        return join_reports(a.join, refs, a.tag)
    files = _select(sorted(refs), refs, a)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    rows: list[dict[str, object]] = []
    with ProcessPoolExecutor(max_workers=max(1, a.jobs), initializer=warm_worker) as pool:
        futures = [pool.submit(run_one, str(root / "instances" / f), a.time_limit, refs[f].optimum_m) for f in files]
        for k, fut in enumerate(futures, start=1):
            r = fut.result()
            rows.append(r)
            log.info("%d/%d %s: %.1f m vs %.1f (%+.3f %%), %.1f s", k, len(files), r["file"], r["distance_m"],
                     r["optimum_m"], r["gap_pct"], r["wall_s"])
    elapsed = time.perf_counter() - t0
    load_after = os.getloadavg()
    rows.sort(key=lambda r: (int(r["orders"]), int(r["capacity"]), str(r["file"])))  # type: ignore[call-overload]
    suffix = f"-{a.tag}" if a.tag else ""
    RESULTS.mkdir(exist_ok=True)
    with open(RESULTS / f"henn_waescher{suffix}.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    cmd = ".venv/bin/python -m benchmarks.henn_waescher " + " ".join(argv if argv is not None else sys.argv[1:])
    proven = sum(refs[str(r["file"])].proven for r in rows)
    anchors = ["| orders | SC-2 mean gap | SC-2 median time | BPC-DF-2 mean gap | BPC-DF-2 median time |",
               "|---|---|---|---|---|"] + ["| " + " | ".join(x) + " |" for x in ANCHORS]
    text = (f"# Henn & Wäscher order batching: pickwave against proven optima\n\n"
            f"Command: `{cmd}`\n\n"
            f"{len(rows)} instances ({proven} with a proven optimum, the rest against the best known value), "
            f"`pickwave plan` path (`plan_wave`, method batch, routing optimal, seed 0) with `time_limit_s = "
            f"{a.time_limit:g}`, {a.jobs} at once. Gap = (plan distance - optimum) / optimum; `optimal` = equal to "
            f"the optimum. Times are the whole plan's wall clock (release, packing, batching, routes, baselines) on "
            f"a shared {os.cpu_count()}-core machine, load average {'/'.join(f'{x:.1f}' for x in load_before)} "
            f"before and {'/'.join(f'{x:.1f}' for x in load_after)} after; {elapsed:.0f} s in all.\n\n"
            + summarise(rows) + "\n\nWahlen & Gschwind (2023) on the same instances (their machine, one thread, gap "
            "to the best known value; from the shared README):\n\n" + "\n".join(anchors) + "\n")
    (RESULTS / f"henn_waescher{suffix}.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Batching, sequencing and routing with two pickers and hard due dates: the Kris instances.

Reads ``shared/benchmarks/kris/`` (Briant et al. 2023; 120 instances of 6-18
orders with proven optima and the optimal solutions). Mapping onto SPEC
section 8: pickers = ``NbPickers``, ``walking_speed_m_s = 1 / TimeToTravelOneDistanceUnit``
(distance units as metres), ``setup_s_per_trip = SetupTime``, ``time_s_per_line =
PickTime``, ``time_s_per_stop = time_s_per_unit = pack_lead_s = 0``; an order's
due time is ``DueDate`` seconds after the start; the cart holds ``CapaPicker``
order lines (each order weighs its line count against that capacity). The layout
is the instance's graph (arcs as undirected edges; the departing and arrival
depots sit at the same point and the reader checks that their distances agree),
routed by :func:`engine.routing.solve` (Held-Karp, proven, up to 12 stops).

First the time model is validated on every published optimal solution: each
batch's optimal route length equals ``BatchDistance``, each picker's batches end
at ``BatchComplTime`` done back to back, every order by its due time, and the
sum of trip durations equals the reference optimum exactly. Then
:func:`engine.scheduling.solve` runs on each instance at 5 s and 20 s.

Run: ``.venv/bin/python -m benchmarks.kris [--limits 5 20] [--skip K] [--limit N] [--instances FILE ...]``
(``--skip`` and ``--limit`` run instances ``K+1 .. K+N`` only, to split a long run; ``--instances`` names them).
Writes ``benchmarks/results/kris.md`` and ``kris.csv``.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import njit

from engine.batching import BatchingProblem, RouteCache
from engine.layout.graph import GraphLayout
from engine.model import CartSpec
from engine.routing import solve as solve_route
from engine.scheduling import LabourParams, SchedulingParams, trip_duration
from engine.scheduling.problem import SchedulingProblem
from engine.scheduling.search import solve

logger = logging.getLogger("benchmarks.kris")

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
#: How a run ran, written under the results' title unless ``--note`` says otherwise.
NOTE = "timings on a shared 2-core machine, under `nice -n 10`, while other engineers' jobs ran"


def kris_dir() -> Path:
    return Path(os.environ.get("PICKWAVE_SHARED", ROOT.parent / "shared")) / "benchmarks" / "kris"


@dataclass(frozen=True, slots=True)
class KrisOrder:
    order_id: int
    due_s: float
    penalty: float
    products: tuple[tuple[int, int], ...]  # (product, qty)


@dataclass(frozen=True, slots=True)
class KrisInstance:
    name: str
    pickers: int
    capacity_lines: int
    s_per_unit: float
    setup_s: float
    pick_s: float
    location_of: dict[int, int]  # product -> location (vertex)
    orders: tuple[KrisOrder, ...]
    depart: int
    arrive: int
    arcs: tuple[tuple[int, int, float], ...]
    shortest: dict[tuple[int, int], float]
    coords: dict[int, tuple[float, float]]


@dataclass(frozen=True, slots=True)
class KrisBatch:
    picker: int
    batch: int
    previous: int
    orders: int
    lines: int
    distance: float
    completes_s: float


@dataclass(frozen=True, slots=True)
class KrisSolution:
    batches: tuple[KrisBatch, ...]
    order_batch: dict[int, tuple[int, int]]  # order -> (picker, batch)
    order_times: dict[int, tuple[float, float]]  # order -> (due, completes)


def _sections(text: str) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("//"):
            head = line[2:].strip()
            if head.split()[0] in ("Idx", "Start", "Loc"):  # a column header, not a section
                continue
            current = head.split()[0] if head else ""
            out.setdefault(current, [])
            continue
        out.setdefault(current, []).append(line.split())
    return out


def parse_instance(text: str, name: str) -> KrisInstance:
    """One instance file (pure). Raises ``ValueError`` naming the section on a malformed file."""
    s = _sections(text)

    def one(key: str) -> float:
        try:
            return float(s[key][0][0])
        except (KeyError, IndexError, ValueError):
            raise ValueError(f"{name}: section //{key} missing or empty") from None

    location_of = {int(r[0]): int(r[1]) for r in s.get("Products", [])}
    rows = s.get("NbOrders", [])  # the count, then one row per order
    if not rows:
        raise ValueError(f"{name}: section //NbOrders missing or empty")
    n_orders = int(rows[0][0])
    orders = []
    for r in rows[1:]:
        k = int(r[3])
        prods = tuple((int(r[4 + 2 * j]), int(r[5 + 2 * j])) for j in range(k))
        orders.append(KrisOrder(int(r[0]), float(r[1]), float(r[2]), prods))
    if len(orders) != n_orders:
        raise ValueError(f"{name}: {len(orders)} orders listed, NbOrders says {n_orders}")
    arcs = tuple((int(r[0]), int(r[1]), float(r[2])) for r in s.get("Arcs", []))
    shortest = {(int(r[0]), int(r[1])): float(r[2]) for r in s.get("LocStart", [])}
    coords = {int(r[0]): (float(r[1]), float(r[2])) for r in s.get("Location", [])}
    return KrisInstance(name, int(one("NbPickers")), int(one("CapaPicker")), one("TimeToTravelOneDistanceUnit"),
                        one("SetupTime"), one("PickTime"), location_of, tuple(orders), int(one("DepartingDepot")),
                        int(one("ArrivalDepot")), arcs, shortest, coords)


def parse_solution(text: str) -> KrisSolution:
    """A ``solution_small_*.txt`` file (pure)."""
    batches, order_batch, order_times = [], {}, {}
    for raw in text.splitlines():
        f = raw.split()
        if not f or f[0].startswith("#"):
            continue
        kv = dict(zip(f[0::2], f[1::2], strict=False))
        if f[0] == "PickerID":
            batches.append(KrisBatch(int(kv["PickerID"]), int(kv["BatchID"]), int(kv["PreviousBatch"]),
                                     int(kv["NoOders"]), int(kv["NoOderLines"]), float(kv["BatchDistance"]),
                                     float(kv["BatchComplTime"])))
        elif f[0] == "OrderID":
            oid = int(kv["OrderID"])
            order_batch[oid] = (int(kv["PickerID"]), int(kv["BatchID"]))
            order_times[oid] = (float(kv["DueTime"]), float(kv["CompletionTime"]))
    return KrisSolution(tuple(batches), order_batch, order_times)


def read_instance(path: Path) -> KrisInstance:
    return parse_instance(path.read_text(encoding="utf-8"), path.name)


def read_solution(path: Path) -> KrisSolution:
    return parse_solution(path.read_text(encoding="utf-8"))


def layout_of(inst: KrisInstance) -> GraphLayout:
    """The instance's graph as a pickwave graph layout (locations ``L<vertex>`` on node ``<vertex>``)."""
    nodes: dict[str, tuple[float, float]] = {}
    for u, v, _ in inst.arcs:
        for n in (u, v):
            nodes.setdefault(str(n), inst.coords.get(n, (0.0, 0.0)))
    edges = [(str(u), str(v), d) for u, v, d in inst.arcs]
    locs = {f"L{loc}": str(loc) for loc in set(inst.location_of.values())}
    lay = GraphLayout.build(inst.name, nodes, edges, locs, str(inst.depart))
    for loc in set(inst.location_of.values()):  # the given shortest paths are the layout's
        for other in (inst.depart, inst.arrive):
            want = inst.shortest.get((other, loc)) if other == inst.depart else inst.shortest.get((loc, other))
            got = lay.distance(str(inst.depart), str(loc))
            if want is not None and abs(want - got) > 1e-6:
                raise ValueError(f"{inst.name}: shortest path depot-{loc} is {want} in the file, {got} on the graph")
    return lay


def labour_of(inst: KrisInstance) -> LabourParams:
    return LabourParams(pickers=inst.pickers, walking_speed_m_s=1.0 / inst.s_per_unit,
                        setup_s_per_trip=inst.setup_s, time_s_per_stop=0.0, time_s_per_line=inst.pick_s,
                        time_s_per_unit=0.0, pack_lead_s=0.0)


def problem_of(inst: KrisInstance) -> tuple[SchedulingProblem, list[int]]:
    """The scheduling problem (items = orders) and the vertex of each point index."""
    vertices = sorted({inst.location_of[p] for o in inst.orders for p, _ in o.products})
    index = {v: k for k, v in enumerate(vertices)}
    points = [sorted({index[inst.location_of[p]] for p, _ in o.products}) for o in inst.orders]
    lines = [len(o.products) for o in inst.orders]
    n = len(inst.orders)
    cart = CartSpec(totes=max(1, n), max_weight_kg=float(inst.capacity_lines), max_volume_l=1.0)
    bp = BatchingProblem.build(points, points, lines, [0.0] * n, cart)
    prob = SchedulingProblem.build(bp, points, lines, [sum(q for _, q in o.products) for o in inst.orders],
                                   [o.due_s for o in inst.orders], labour_of(inst))
    return prob, vertices


@njit(cache=True)
def _held_karp_length(d: np.ndarray) -> float:  # pragma: no cover - compiled
    """Length of an optimal closed tour from node 0 through all nodes of ``d``: O(2^m m^2)."""
    m = d.shape[0] - 1
    if m == 0:
        return 0.0
    full = (1 << m) - 1
    cost = np.full((1 << m, m), np.inf)
    for j in range(m):
        cost[1 << j, j] = d[0, j + 1]
    for mask in range(1, full + 1):
        for j in range(m):
            if not (mask >> j) & 1 or mask == (1 << j):
                continue
            prev = mask ^ (1 << j)
            best = np.inf
            for i in range(m):
                if (prev >> i) & 1:
                    c = cost[prev, i] + d[i + 1, j + 1]
                    if c < best:
                        best = c
            cost[mask, j] = best
    best = np.inf
    for j in range(m):
        c = cost[full, j] + d[j + 1, 0]
        if c < best:
            best = c
    return best


def route_cost(inst: KrisInstance, layout: GraphLayout, vertices: list[int]) -> RouteCache:
    """Exact route lengths of point sets: the layout's distances, Held-Karp compiled.

    The same programme as :func:`engine.routing.solve` uses on graph layouts up to
    12 stops (proven), compiled here so that a 5 s budget affords thousands of
    candidate trips; the final trips are routed again by ``engine.routing.solve``
    and the benchmark checks the two agree.
    """
    nodes = [str(inst.depart), *(str(v) for v in vertices)]
    full = layout.distance_matrix(nodes)

    def cost(pts: frozenset[int]) -> float:
        if not pts:
            return 0.0
        idx = [0, *(i + 1 for i in sorted(pts))]
        if len(idx) > 13:
            return solve_route(layout, [str(vertices[i]) for i in sorted(pts)]).length_m
        return float(_held_karp_length(np.ascontiguousarray(full[np.ix_(idx, idx)])))

    return RouteCache(cost)


def validate(inst: KrisInstance, sol: KrisSolution, cache: RouteCache, vertices: list[int]) -> list[str]:
    """Reproduce the published solution with our time model; the mismatches (empty: all agree)."""
    bad: list[str] = []
    prob, _ = problem_of(inst)
    index = {v: k for k, v in enumerate(vertices)}
    members: dict[tuple[int, int], list[int]] = {}
    for k, o in enumerate(inst.orders):
        members.setdefault(sol.order_batch[o.order_id], []).append(k)
    total = 0.0
    by_picker: dict[int, list[KrisBatch]] = {}
    for b in sol.batches:
        by_picker.setdefault(b.picker, []).append(b)
    for picker, bs in by_picker.items():
        t = 0.0
        for b in sorted(bs, key=lambda b: b.batch):
            items = members.get((picker, b.batch), [])
            pts = frozenset(index[inst.location_of[p]] for i in items for p, _ in inst.orders[i].products)
            dist = cache(pts)
            lines = sum(prob.rows[i] for i in items)
            if abs(dist - b.distance) > 1e-6:
                bad.append(f"{inst.name}: picker {picker} batch {b.batch}: route {dist}, file {b.distance}")
            if lines != b.lines or len(items) != b.orders:
                bad.append(f"{inst.name}: picker {picker} batch {b.batch}: {len(items)} orders {lines} lines")
            d = trip_duration(prob.labour, b.distance, stops=0, rows=lines, units=0)
            t += d
            total += d
            if abs(t - b.completes_s) > 1e-6:
                bad.append(f"{inst.name}: picker {picker} batch {b.batch} ends {t}, file {b.completes_s}")
            for i in items:
                if t > inst.orders[i].due_s + 1e-6:
                    bad.append(f"{inst.name}: order {inst.orders[i].order_id} late in the published solution")
    return bad, total  # type: ignore[return-value]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limits", nargs="+", type=float, default=[5.0, 20.0])
    ap.add_argument("--limit", type=int, default=None, help="first N instances only (a quick look)")
    ap.add_argument("--skip", type=int, default=0, help="leave out the first N instances (a run split in parts)")
    ap.add_argument("--instances", nargs="+", default=None, metavar="FILE",
                    help="these instances only (file names, e.g. instances_154_1.txt)")
    ap.add_argument("--name", default="kris")
    ap.add_argument("--merge", nargs="+", default=None, metavar="NAME",
                    help="no run: put the results of earlier runs (results/NAME.csv) together under --name")
    ap.add_argument("--note", default=NOTE, help="how it ran (command, machine load), written under the title")
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if a.merge:
        merge(a.merge, a.name, a.note)
        return 0
    root = kris_dir()
    refs = {r["file"]: float(r["optimum"]) for r in csv.DictReader((root / "references.csv").open())}
    names = sorted(refs, key=lambda f: int(f.split("_")[1]))[a.skip:][: a.limit]
    if a.instances:
        names = [f for f in names if f in set(a.instances)]
    rows: list[dict[str, object]] = []
    mismatches: list[str] = []
    for name in names:
        inst = read_instance(root / "instances" / name)
        sol = read_solution(root / "solutions" / name.replace("instances_", "solution_small_"))
        prob, vertices = problem_of(inst)
        layout = layout_of(inst)
        cache = route_cost(inst, layout, vertices)
        bad, total = validate(inst, sol, cache, vertices)  # type: ignore[misc]
        if abs(total - refs[name]) > 1e-6:
            bad.append(f"{name}: published solution totals {total}, reference {refs[name]}")
        mismatches.extend(bad)
        for limit in a.limits:
            t0 = time.perf_counter()
            res = solve(prob, cache, SchedulingParams(time_limit_s=limit, seed=0))
            secs = time.perf_counter() - t0
            gap = (res.objective.working_s - refs[name]) / refs[name]
            rows.append({"instance": name, "orders": prob.n, "capacity": inst.capacity_lines, "limit_s": limit,
                         "optimum": refs[name], "working_s": round(res.objective.working_s, 3),
                         "gap": round(gap, 6), "late_orders": res.objective.late_orders,
                         "trips": len(res.trips), "proven": int(res.proven), "seconds": round(secs, 2),
                         "reproduced": int(not bad)})
            logger.info("%s limit %.0f: %.0f vs %.0f (gap %.3f%%) late %d proven %d %.1fs", name, limit,
                        res.objective.working_s, refs[name], 100 * gap, res.objective.late_orders, res.proven, secs)
    write_results(a.name, rows, mismatches, a.limits, a.note)
    return 0


def merge(parts: list[str], name: str, note: str = NOTE) -> None:
    """The results of runs split over instances (``results/<part>.csv``) written together as ``name``."""
    rows: list[dict[str, object]] = []
    for part in parts:
        with (RESULTS / f"{part}.csv").open(newline="") as f:
            for r in csv.DictReader(f):
                rows.append({k: (float(v) if k in ("limit_s", "gap", "seconds") else
                                 int(v) if k in ("late_orders", "proven") else v) for k, v in r.items()})
    unmatched = [f"{r['instance']}: not reproduced" for r in rows if r["reproduced"] != "1"]
    write_results(name, rows, unmatched, sorted({float(str(r["limit_s"])) for r in rows}), note)


def write_results(name: str, rows: list[dict[str, object]], mismatches: list[str], limits: list[float],
                  note: str = NOTE) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    with (RESULTS / f"{name}.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["instance"])
        w.writeheader()
        w.writerows(rows)
    n_inst = len({r["instance"] for r in rows})
    lines = [f"# Kris instances: {n_inst} with proven optima (Briant et al. 2023)", "",
             f"Command: `.venv/bin/python -m benchmarks.kris` ({note}).", "",
             f"Time model validated on the published optimal solutions: "
             f"{n_inst - len({m.split(':')[0] for m in mismatches})} of {n_inst} reproduced exactly "
             "(route lengths, completion times, due times, total working time = the optimum).", "",
             "| limit | instances | no late order | mean gap | max gap | at the optimum | proven by the model | "
             "mean s |", "|---|---|---|---|---|---|---|---|"]
    for limit in limits:
        rs = [r for r in rows if r["limit_s"] == limit]
        if not rs:
            continue
        gaps = [float(r["gap"]) for r in rs]  # type: ignore[arg-type]
        lines.append(f"| {limit:g} s | {len(rs)} | {sum(r['late_orders'] == 0 for r in rs)} | "
                     f"{100 * statistics.mean(gaps):.3f} % | {100 * max(gaps):.3f} % | "
                     f"{sum(g <= 1e-9 for g in gaps)} ({100 * sum(g <= 1e-9 for g in gaps) / len(rs):.0f} %) | "
                     f"{sum(int(r['proven']) for r in rs)} | "  # type: ignore[call-overload]
                     f"{statistics.mean(float(r['seconds']) for r in rs):.1f} |")  # type: ignore[arg-type]
    if mismatches:
        lines += ["", "Mismatches against the published solutions:", ""] + [f"- {m}" for m in mismatches[:30]]
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())

"""Picker routing with scattered storage: Heßler & Irnich's SPRP-SS instances with proven optima.

Reads ``shared/benchmarks/sprp-ss/instances/*.txt`` (1,430 instances, one block, one pick list;
an article stored in up to 10 places, the demanded units taken from any of them, a place holding
fewer units than demanded combined with others) and ``references.csv`` (the proven optimal tour
length of each file), maps each onto SPEC as the README there says, and measures per instance:

- ``faces``: :func:`engine.routing.faces.solve_faces`, the joint pick-face and route solver (the
  aisle programme's state space as a path, demand covering as side constraints, solved exactly);
- ``wave``: a whole ``method: single`` plan through :func:`engine.wave.plan_wave` (release,
  faces, route), the distance of its one trip;
- on a sample, ``pickwave plan --config wave.yaml`` with ``method: single`` as a subprocess on
  files written as SPEC describes: the same distance as ``wave`` (checked).

Every plan and choice is checked: each article's demand met, no place beyond its units, the route
length recomputed from the stops.

Run: ``.venv/bin/python -m benchmarks.sprp_ss [--limit N] [--cli-sample N] [--paths faces wave]``
(``--names FILE``: only the instances listed there, e.g. those a run did not prove).
Writes ``benchmarks/results/sprp_ss.md`` and ``sprp_ss.csv``.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from engine.layout import RectangularLayout
from engine.model import Box, Method, Order, OrderLine, Sku, StockRecord, WaveConfig

logger = logging.getLogger("benchmarks.sprp_ss")

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TOL = 1e-6
_HEADER = re.compile(r"^([A-Z_]+)\s*:\s*(.*)$")
_PLACE = re.compile(r"^ID (\d+) AISLE (\d+) CELL (\d+) QUANTITY (\d+) LEFT_RIGHT_HAND_SIDE (left|right)$")
_DEMAND = re.compile(r"^ID (\d+) QUANTITY (\d+)$")


def shared_dir() -> Path:
    return Path(os.environ.get("PICKWAVE_SHARED", ROOT.parent / "shared")) / "benchmarks" / "sprp-ss"


@dataclass(frozen=True, slots=True)
class Place:
    """Units of one article at one SPEC location."""

    article: str
    location_id: str
    qty: int


@dataclass(frozen=True, slots=True)
class Instance:
    """One SPRP-SS instance on SPEC terms: the layout, every place of every article, the pick list."""

    name: str
    layout: RectangularLayout
    places: tuple[Place, ...]
    demand: tuple[tuple[str, int], ...]  # (article, units), in file order

    @property
    def articles(self) -> int:
        return len(self.demand)


class FormatError(ValueError):
    """An instance file that does not follow the published format (names the line)."""


def parse_instance(text: str, name: str) -> Instance:
    """One instance file as an :class:`Instance` (pure).

    Geometry: ``slot_length_m = DISTANCE_CELL_TO_CELL``, ``aisle_pitch_m =
    DISTANCE_AISLE_TO_AISLE``, ``cross_aisle_width_m = 2 x DISTANCE_BOTTOM_TO_CELL -
    DISTANCE_CELL_TO_CELL`` (the first pick point lies ``DISTANCE_BOTTOM_TO_CELL`` from the
    cross aisle's centre line); file aisle ``i`` is aisle ``i + 1``, the depot at ``x =
    DEPOT_AISLE x pitch`` on the front cross aisle. A top depot is mirrored to the front:
    file cell ``c`` is then slot ``c + 1``; with a bottom depot it is slot ``NUM_CELLS - c``.
    Only places of demanded articles are kept (the others can never be visited usefully).

    Examples
    --------
    >>> text = '''NAME : t
    ... NUM_AISLES : 2
    ... NUM_CELLS : 5
    ... DEPOT_AISLE : 0
    ... DEPOT_LOCATION : top
    ... DISTANCE_AISLE_TO_AISLE : 3
    ... DISTANCE_CELL_TO_CELL : 1
    ... DISTANCE_TOP_TO_CELL : 1
    ... DISTANCE_BOTTOM_TO_CELL : 1
    ... DISTANCE_TOP_OR_BOTTOM_TO_DEPOT : 0
    ... SKU_SECTION
    ... NUM_SKUS : 2
    ... ID 0 AISLE 1 CELL 0 QUANTITY 2 LEFT_RIGHT_HAND_SIDE right
    ... ID 1 AISLE 0 CELL 4 QUANTITY 1 LEFT_RIGHT_HAND_SIDE left
    ... ORDER_SECTION
    ... NUM_ARTICLES : 1
    ... ID 0 QUANTITY 2
    ... EOF'''
    >>> inst = parse_instance(text, "t")
    >>> inst.places, inst.demand
    ((Place(article='0', location_id='A02-B1-S001-R', qty=2),), (('0', 2),))
    """
    header: dict[str, str] = {}
    places: list[tuple[int, str, int, int, int, str]] = []
    demand: list[tuple[str, int]] = []
    section = ""
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line.endswith("_SECTION"):
            section = line
            continue
        m = _HEADER.match(line)
        if m:
            header.setdefault(m.group(1), m.group(2).strip())
            continue
        if section == "SKU_SECTION":
            p = _PLACE.match(line)
            if p is None:
                raise FormatError(f"{name}, line {no}: not a place: {line!r}")
            places.append((no, p.group(1), int(p.group(2)), int(p.group(3)), int(p.group(4)), p.group(5)))
        elif section == "ORDER_SECTION":
            d = _DEMAND.match(line)
            if d is None:
                raise FormatError(f"{name}, line {no}: not a demand: {line!r}")
            demand.append((d.group(1), int(d.group(2))))
        elif section != "ARTICLE_SECTION":
            raise FormatError(f"{name}, line {no}: unexpected {line!r}")

    def num(key: str) -> float:
        if key not in header:
            raise FormatError(f"{name}: header {key} missing")
        try:
            return float(header[key])
        except ValueError:
            raise FormatError(f"{name}: header {key} is not a number: {header[key]!r}") from None

    aisles, cells = int(num("NUM_AISLES")), int(num("NUM_CELLS"))
    pitch, cell = num("DISTANCE_AISLE_TO_AISLE"), num("DISTANCE_CELL_TO_CELL")
    if num("DISTANCE_TOP_TO_CELL") != num("DISTANCE_BOTTOM_TO_CELL") or num("DISTANCE_TOP_OR_BOTTOM_TO_DEPOT"):
        raise FormatError(f"{name}: only equal top/bottom stubs and a depot on the cross aisle map onto SPEC")
    top = header.get("DEPOT_LOCATION", "bottom") == "top"
    layout = RectangularLayout(
        f"sprp-ss:{name}", blocks=1, aisles=aisles, slots_per_side=cells, slot_length_m=cell,
        aisle_pitch_m=pitch, cross_aisle_width_m=2 * num("DISTANCE_BOTTOM_TO_CELL") - cell,
        depot_x_m=num("DEPOT_AISLE") * pitch,
    )
    wanted = {a for a, _ in demand}
    out = []
    for no, article, aisle, c, qty, side in places:
        if not (0 <= aisle < aisles and 0 <= c < cells):
            raise FormatError(f"{name}, line {no}: aisle {aisle} cell {c} outside the layout")
        if article in wanted and qty > 0:
            slot = c + 1 if top else cells - c
            out.append(Place(article, f"A{aisle + 1:02d}-B1-S{slot:03d}-{'L' if side == 'left' else 'R'}", qty))
    return Instance(name, layout, tuple(out), tuple(demand))


def read_instance(path: Path) -> Instance:
    return parse_instance(path.read_text(encoding="latin-1"), path.name)


def parse_references(text: str) -> dict[str, float]:
    """``references.csv`` as file name -> proven optimal length (pure)."""
    return {r["file"]: float(r["optimum_m"]) for r in csv.DictReader(text.splitlines()) if r["proven"] == "True"}


def read_references(path: Path) -> dict[str, float]:
    return parse_references(path.read_text(encoding="utf-8"))


# --- the instance as a wave --------------------------------------------------------------------

CREATED = datetime(2024, 1, 1, tzinfo=UTC)
BOX = Box("XL", 200.0, 200.0, 200.0, 1000.0, 1.0)


def wave_inputs(inst: Instance) -> tuple[dict[str, Sku], tuple[StockRecord, ...], Order]:
    """SKUs (small, light: every unit fits one cart and one box), stock per place, the one order."""
    skus = {a: Sku(f"ART{a}", 1.0, 1.0, 1.0, 0.01) for a, _ in inst.demand}
    stock: dict[tuple[str, str], int] = {}
    for p in inst.places:
        stock[(p.article, p.location_id)] = stock.get((p.article, p.location_id), 0) + p.qty
    records = tuple(StockRecord(f"ART{a}", loc, q) for (a, loc), q in stock.items())
    lines = tuple(OrderLine("O1", f"ART{a}", q, n) for n, (a, q) in enumerate(inst.demand, start=1))
    order = Order("O1", lines, CREATED, "captured")
    return {s.sku: s for s in skus.values()}, records, order


#: ``wave`` plans: ``max_iterations`` (byte-identical plans, the face choice without the clock), or
#: ``None`` with ``--clocked`` (what a plan with only ``time_limit_s`` does).
WAVE_MAX_ITERATIONS: int | None = 1000


def single_config(seed: int = 0) -> WaveConfig:
    return WaveConfig(method=Method.SINGLE, time_limit_s=5.0, seed=seed, max_iterations=WAVE_MAX_ITERATIONS)


def write_wave_files(inst: Instance, folder: Path) -> None:
    """The instance as the SPEC input files of ``pickwave plan`` (``method: single``)."""
    skus, stock, order = wave_inputs(inst)
    lay = inst.layout
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "layout.yaml").write_text(
        f"name: {lay.name.replace(':', '-')}\nkind: rectangular\nblocks: 1\naisles: {lay.aisles}\n"
        f"slots_per_side: {lay.slots_per_side}\nslot_length_m: {lay.slot_length_m}\n"
        f"aisle_pitch_m: {lay.aisle_pitch_m}\ncross_aisle_width_m: {lay.cross_aisle_width_m}\n"
        f"depot:\n  x_m: {lay.depot_x_m}\n", encoding="utf-8")
    (folder / "skus.csv").write_text(
        "sku,length_cm,width_cm,height_cm,weight_kg,fragile,upright,description\n"
        + "".join(f"{s.sku},1,1,1,0.01,0,0,\n" for s in skus.values()), encoding="utf-8")
    (folder / "boxes.csv").write_text(
        "box_id,length_cm,width_cm,height_cm,max_weight_kg,cost,tare_kg\nXL,200,200,200,1000,1,0\n",
        encoding="utf-8")
    (folder / "inventory.csv").write_text(
        "sku,location_id,qty\n" + "".join(f"{r.sku},{r.location_id},{r.qty}\n" for r in stock), encoding="utf-8")
    (folder / "orders.csv").write_text(
        "order_id,line_no,sku,qty,created_at,payment_status,channel,priority,ship_by,carrier\n"
        + "".join(f"{ln.order_id},{ln.line_no},{ln.sku},{ln.qty},{CREATED.isoformat()},captured,,0,,\n"
                  for ln in order.lines), encoding="utf-8")
    (folder / "wave.yaml").write_text("method: single\nrouting: optimal\ntime_limit_s: 5.0\nseed: 0\n"
                                      + (f"max_iterations: {WAVE_MAX_ITERATIONS}\n" if WAVE_MAX_ITERATIONS else ""),
                                      encoding="utf-8")


# --- checks ------------------------------------------------------------------------------------

def check_takes(inst: Instance, takes: Sequence[tuple[str, str, int]]) -> list[str]:
    """Problems with ``(article, location_id, units)`` takes: demand unmet or a place overdrawn."""
    have: dict[tuple[str, str], int] = {}
    for p in inst.places:
        have[(p.article, p.location_id)] = have.get((p.article, p.location_id), 0) + p.qty
    got: dict[str, int] = {}
    used: dict[tuple[str, str], int] = {}
    errors = []
    for a, loc, q in takes:
        got[a] = got.get(a, 0) + q
        used[(a, loc)] = used.get((a, loc), 0) + q
    for key, q in used.items():
        if q > have.get(key, 0):
            errors.append(f"{inst.name}: {q} units of {key[0]} taken at {key[1]}, which holds {have.get(key, 0)}")
    for a, d in inst.demand:
        if got.get(a, 0) != d:
            errors.append(f"{inst.name}: article {a}: {got.get(a, 0)} units taken, {d} demanded")
    return errors


@dataclass
class Outcome:
    length: float
    seconds: float
    proven: bool
    errors: list[str]


TIME_LIMIT_S = 2.0


def run_faces(inst: Instance) -> Outcome:
    """The joint face and route solver on the instance (``TIME_LIMIT_S`` per list)."""
    from engine.routing import RoutingParams
    from engine.routing.faces import FaceDemand, FaceProblem, solve_faces

    lay = inst.layout
    index = {}
    faces = []
    stock = []
    for p in inst.places:
        index.setdefault(p.article, []).append(len(faces))
        faces.append(lay.point(p.location_id))
        stock.append(p.qty)
    problem = FaceProblem(tuple(faces), tuple(stock),
                          tuple(FaceDemand(q, tuple(index.get(a, ()))) for a, q in inst.demand))
    t0 = time.perf_counter()
    choice = solve_faces(lay, problem, RoutingParams(time_limit_s=TIME_LIMIT_S))
    dt = time.perf_counter() - t0
    takes = [(inst.demand[d][0], inst.places[f].location_id, q) for d, f, q in choice.takes]
    errors = check_takes(inst, takes)
    stops = [lay.point(inst.places[f].location_id) for _, f, _ in choice.takes]
    if set(choice.route.stops) != set(stops):
        errors.append(f"{inst.name}: the route's stops are not the chosen faces")
    if abs(lay.route_length(choice.route.stops) - choice.route.length_m) > TOL:
        errors.append(f"{inst.name}: route length does not match its stops")
    return Outcome(choice.route.length_m, dt, choice.route.proven, errors)


def run_wave(inst: Instance) -> Outcome:
    """A ``method: single`` wave of the instance's one order, in this process."""
    from engine.wave import WaveProblem, plan_wave

    skus, stock, order = wave_inputs(inst)
    problem = WaveProblem.build(inst.layout, skus, stock, (BOX,), (order,), config=single_config())
    t0 = time.perf_counter()
    plan = plan_wave(problem)
    dt = time.perf_counter() - t0
    errors = []
    if len(plan.batches) != 1:
        return Outcome(float("nan"), dt, False, [f"{inst.name}: {len(plan.batches)} trips, held {plan.held}"])
    b = plan.batches[0]
    takes = [(p.sku.removeprefix("ART"), p.location_id, p.qty) for p in b.picks]
    errors += check_takes(inst, takes)
    if abs(inst.layout.route_length([inst.layout.point(s) for s in b.stops]) - b.distance_m) > TOL:
        errors.append(f"{inst.name}: plan distance does not match its stops")
    return Outcome(b.distance_m, dt, b.proven, errors)


def run_cli(inst: Instance) -> Outcome:
    """``pickwave plan`` on the instance written as SPEC files; the trip's distance from batches.csv."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_wave_files(inst, folder / "in")
        cmd = [str(ROOT / ".venv" / "bin" / "pickwave"), "-q", "plan"]
        for flag in ("layout", "skus", "boxes", "inventory", "orders"):
            cmd += [f"--{flag}", str(folder / "in" / f"{flag}.{'yaml' if flag == 'layout' else 'csv'}")]
        cmd += ["--config", str(folder / "in" / "wave.yaml"), "--out", str(folder / "out"), "--workers", "1"]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        dt = time.perf_counter() - t0
        if proc.returncode != 0:
            return Outcome(float("nan"), dt, False, [f"{inst.name}: pickwave plan exit {proc.returncode}: "
                                                     f"{proc.stderr.strip()[-300:]}"])
        rows = list(csv.DictReader((folder / "out" / "batches.csv").read_text(encoding="utf-8").splitlines()))
        picks = list(csv.DictReader((folder / "out" / "picklists.csv").read_text(encoding="utf-8").splitlines()))
    takes = [(p["sku"].removeprefix("ART"), p["location_id"], int(p["qty"])) for p in picks]
    errors = check_takes(inst, takes)
    if len(rows) != 1:
        errors.append(f"{inst.name}: {len(rows)} trips")
    return Outcome(float(rows[0]["distance_m"]) if rows else float("nan"), dt, False, errors)


PATHS: dict[str, Callable[[Instance], Outcome]] = {"faces": run_faces, "wave": run_wave}


def summarise(name: str, gaps: list[float], secs: list[float], proven: int) -> dict[str, str]:
    ordered = sorted(secs)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return {
        "path": name,
        "instances": str(len(gaps)),
        "mean_gap_pct": f"{100 * statistics.fmean(gaps):.3f}",
        "max_gap_pct": f"{100 * max(gaps):.3f}",
        "optimal_pct": f"{100 * sum(1 for g in gaps if g < 1e-9) / len(gaps):.1f}",
        "proven": str(proven),
        "median_ms": f"{1000 * statistics.median(secs):.1f}",
        "p99_ms": f"{1000 * p99:.1f}",
        "max_ms": f"{1000 * max(secs):.1f}",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="first N instances (default all)")
    ap.add_argument("--every", type=int, default=1, help="every k-th instance (a sample; default all)")
    ap.add_argument("--paths", nargs="+", choices=sorted(PATHS), default=list(PATHS))
    ap.add_argument("--cli-sample", type=int, default=20, help="every k-th instance through pickwave plan")
    ap.add_argument("--out", default="sprp_ss", help="results file stem")
    ap.add_argument("--time-limit", type=float, default=TIME_LIMIT_S, help="seconds per list for `faces`")
    ap.add_argument("--names", type=Path, default=None,
                    help="only the instances named in this file (one file name a line), e.g. the misses of a run")
    ap.add_argument("--clocked", action="store_true",
                    help="`wave` plans without max_iterations: time_limit_s 5 alone, as a plan a user starts")
    args = ap.parse_args(argv)
    globals()["TIME_LIMIT_S"] = args.time_limit
    if args.clocked:
        globals()["WAVE_MAX_ITERATIONS"] = None
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    base = shared_dir()
    refs = read_references(base / "references.csv")
    files = sorted(refs)
    if args.names is not None:
        wanted = {ln.strip() for ln in args.names.read_text(encoding="utf-8").splitlines() if ln.strip()}
        files = [f for f in files if f in wanted]
    files = files[:: args.every][: args.limit]
    instances = [read_instance(base / "instances" / f) for f in files]
    rows: list[dict[str, str]] = []
    per: dict[str, dict[str, Outcome]] = {}
    errors: list[str] = []
    load_before = os.getloadavg()
    for path in args.paths:
        fn = PATHS[path]
        fn(instances[0])  # warm: numba kernels, solver libraries
        per[path] = {}
        for k, inst in enumerate(instances):
            out = fn(inst)
            per[path][inst.name] = out
            errors += out.errors
            opt = refs[inst.name]
            if out.length < opt - TOL:
                errors.append(f"{inst.name}: {path} {out.length} below the proven optimum {opt}")
            if k % 100 == 0:
                logger.info("%s %d/%d", path, k, len(instances))
        gaps = [(per[path][i.name].length - refs[i.name]) / refs[i.name] for i in instances]
        rows.append(summarise(path, gaps, [per[path][i.name].seconds for i in instances],
                              sum(per[path][i.name].proven for i in instances)))
    cli_rows: list[dict[str, str]] = []
    if args.cli_sample:
        sample = instances[:: max(1, len(instances) // args.cli_sample)][: args.cli_sample]
        for inst in sample:
            out = run_cli(inst)
            errors += out.errors
            wave = per.get("wave", {}).get(inst.name)
            if wave is not None and abs(wave.length - out.length) > TOL:
                errors.append(f"{inst.name}: pickwave plan {out.length} differs from plan_wave {wave.length}")
            cli_rows.append({"instance": inst.name, "optimum_m": f"{refs[inst.name]:g}",
                             "pickwave_plan_m": f"{out.length:g}",
                             "plan_wave_m": f"{wave.length:g}" if wave else "",
                             "seconds": f"{out.seconds:.2f}"})
    by_class = class_rows(instances, refs, per)
    write_results(args.out, rows, by_class, cli_rows, per, instances, refs, errors,
                  (load_before, os.getloadavg()))
    return 1 if errors else 0


def class_rows(instances: Sequence[Instance], refs: dict[str, float],
               per: dict[str, dict[str, Outcome]]) -> list[dict[str, str]]:
    """Per family (unit/varying demand) and article count: each path's share optimal and median time."""
    groups: dict[tuple[str, int], list[Instance]] = {}
    for inst in instances:
        groups.setdefault((inst.name.split("_")[0], inst.articles), []).append(inst)
    out = []
    for (family, arts), members in sorted(groups.items()):
        row = {"family": family, "articles": str(arts), "instances": str(len(members))}
        for path, res in per.items():
            gaps = [(res[i.name].length - refs[i.name]) / refs[i.name] for i in members]
            row[f"{path}_optimal_pct"] = f"{100 * sum(1 for g in gaps if g < 1e-9) / len(gaps):.1f}"
            row[f"{path}_mean_gap_pct"] = f"{100 * statistics.fmean(gaps):.3f}"
            row[f"{path}_median_ms"] = f"{1000 * statistics.median(res[i.name].seconds for i in members):.1f}"
        out.append(row)
    return out


def _markdown(rows: list[dict[str, str]]) -> list[str]:
    if not rows:
        return ["(none)"]
    cols = list(rows[0])
    return ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols),
            *("| " + " | ".join(r[c] for c in cols) + " |" for r in rows)]


def write_results(stem: str, rows: list[dict[str, str]], by_class: list[dict[str, str]],
                  cli_rows: list[dict[str, str]], per: dict[str, dict[str, Outcome]],
                  instances: Sequence[Instance], refs: dict[str, float], errors: list[str],
                  load: tuple[tuple[float, float, float], tuple[float, float, float]]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / f"{stem}.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        paths = list(per)
        w.writerow(["instance", "optimum_m", *(f"{p}_{k}" for p in paths for k in ("m", "ms", "proven"))])
        for inst in instances:
            w.writerow([inst.name, f"{refs[inst.name]:g}",
                        *(v for p in paths for v in (f"{per[p][inst.name].length:g}",
                                                     f"{1000 * per[p][inst.name].seconds:.2f}",
                                                     str(per[p][inst.name].proven)))])
    lines = [
        "# Picker routing with scattered storage (SPRP-SS)",
        "",
        f"Generated by `.venv/bin/python -m benchmarks.sprp_ss` on {len(instances)} instances of Heßler &",
        "Irnich (2024), one block, proven optima (`shared/benchmarks/sprp-ss/`). `faces`: the joint",
        "face + route solver `engine.routing.faces.solve_faces`; `wave`: a whole `method: single` plan",
        "through `engine.wave.plan_wave` (time per list = the whole plan: release, packing, faces,",
        "route, baselines). `optimal_pct`: share of instances at the proven optimum; `proven`: lists",
        "the solver itself proved optimal. Timings on a shared 2-core machine (load average",
        f"{load[0][0]:.2f} before, {load[1][0]:.2f} after), one process, warm.",
        "",
        *_markdown(rows),
        "",
        "## By demand family and article count",
        "",
        *_markdown(by_class),
        "",
        "## `pickwave plan` (SPEC files, `method: single`, subprocess) on a sample",
        "",
        "Every k-th instance; `seconds` includes starting the interpreter.",
        "",
        *_markdown(cli_rows),
        "",
        f"Errors (demand unmet, a place overdrawn, a length below the optimum, CLI differing): {len(errors)}",
        *(f"- {e}" for e in errors[:30]),
        "",
    ]
    text = "\n".join(lines)
    (RESULTS / f"{stem}.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    sys.exit(main())

"""Seeded, realistic wave instances: layout, catalogue, stock, orders, boxes.

What makes them realistic (and what the batching benchmark needs):

- rectangular layouts of 1-4 blocks and 10-30 aisles, optional zones;
- skewed SKU popularity: line SKUs drawn from a Zipf-like law ``p(r) ~ r^-s``;
- random or ABC slotting (the most popular SKUs on the faces nearest the depot),
  popular SKUs often on two or three faces;
- orders of mostly 1-4 lines whose size follows a weekly season (bigger baskets
  at the weekend peak), mostly single units per line;
- payment statuses mostly ``captured``; ship-by dates, carriers, priorities;
- a standard box range; optionally a few SKUs too big for any box and a few
  order lines on stock that runs short.

:func:`generate` is pure (a seed in, frozen data out); :func:`write_instance`
writes the SPEC files.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from engine.io.config import config_to_mapping
from engine.layout import RectangularLayout, Zone, location_id
from engine.model import Box, CartSpec, Method, Order, OrderLine, Sku, StockRecord, WaveConfig

PAYMENT_MIX = (("captured", 0.90), ("authorized", 0.04), ("pending", 0.03), ("failed", 0.015),
               ("refunded", 0.01), ("voided", 0.005))
CARRIERS = ("DHL", "UPS", "DPD", "GLS", "PostNL")
CHANNELS = ("web", "marketplace", "app")
BOXES = (
    Box("XS", 16, 12, 8, 5, 0.35, 0.05),
    Box("S", 25, 18, 10, 10, 0.50, 0.10),
    Box("M", 35, 25, 18, 20, 0.80, 0.20),
    Box("L", 45, 35, 25, 25, 1.20, 0.35),
    Box("XL", 60, 40, 40, 30, 1.90, 0.55),
)


@dataclass(frozen=True, slots=True)
class SynthParams:
    """Shape of a generated instance.

    Attributes
    ----------
    blocks, aisles, slots_per_side
        Layout size (SPEC section 1); ``slots_per_side`` is per block.
    skus
        Catalogue size; must fit the layout's faces (two per slot).
    orders
        Number of orders.
    zipf_s
        Popularity skew: the SKU of rank ``r`` is drawn with weight ``r^-zipf_s``.
    slotting
        ``random`` or ``abc``.
    multi_face_share
        Share of the 20 % most popular SKUs stocked on 2-3 faces.
    mean_lines
        Mean order lines off-peak; the weekend peak adds ``season_amplitude``.
    short_share
        Share of SKUs stocked below their demand (orders then go short).
    oversize_skus
        SKUs too large for every box (their orders are held ``no_box_fits``).
    zones
        Number of zones (0: none), contiguous aisle ranges with their own depots.
    method, cart, time_limit_s
        Written into ``wave.yaml``.
    """

    blocks: int = 2
    aisles: int = 16
    slots_per_side: int = 30
    skus: int = 800
    orders: int = 500
    zipf_s: float = 0.9
    slotting: str = "random"
    multi_face_share: float = 0.3
    mean_lines: float = 2.0
    season_amplitude: float = 0.8
    short_share: float = 0.0
    oversize_skus: int = 0
    zones: int = 0
    method: Method = Method.BATCH
    cart: CartSpec = field(default_factory=CartSpec)
    time_limit_s: float = 60.0

    def __post_init__(self) -> None:
        if min(self.blocks, self.aisles, self.slots_per_side) < 1:
            raise ValueError("blocks, aisles and slots_per_side must be >= 1")
        faces = 2 * self.blocks * self.aisles * self.slots_per_side
        if not 1 <= self.skus <= faces // 2:
            raise ValueError(f"skus must be in 1..{faces // 2} (half the {faces} faces, room for extra faces)")
        if self.orders < 0 or self.mean_lines < 1 or self.zipf_s < 0:
            raise ValueError("orders >= 0, mean_lines >= 1 and zipf_s >= 0 required")
        if self.slotting not in ("random", "abc"):
            raise ValueError("slotting must be random or abc")
        if not (0 <= self.multi_face_share <= 1 and 0 <= self.short_share <= 1):
            raise ValueError("shares must lie in [0, 1]")
        if self.zones < 0 or self.zones > self.aisles:
            raise ValueError("zones must be in 0..aisles")


@dataclass(frozen=True, slots=True)
class Instance:
    """A generated wave: the layout, its document, and the table contents."""

    layout: RectangularLayout
    layout_doc: Mapping[str, Any]
    skus: tuple[Sku, ...]
    stock: tuple[StockRecord, ...]
    orders: tuple[Order, ...]
    boxes: tuple[Box, ...]
    config: WaveConfig


def _layout(p: SynthParams, name: str) -> tuple[RectangularLayout, dict[str, Any]]:
    pitch, width = 3.0, 2.0
    zones: list[Zone] = []
    zdocs: list[dict[str, Any]] = []
    if p.zones:
        bounds = np.linspace(0, p.aisles, p.zones + 1).round().astype(int)
        for k in range(p.zones):
            first, last = int(bounds[k]) + 1, int(bounds[k + 1])
            x = (first - 1) * pitch
            zones.append(Zone(f"Z{k + 1}", aisles=(first, last), depot_x_m=x))
            zdocs.append({"id": f"Z{k + 1}", "aisles": [first, last], "depot_x_m": x})
    depot_x = ((p.aisles - 1) // 2) * pitch
    lay = RectangularLayout(name, p.blocks, p.aisles, p.slots_per_side, 1.0, pitch, width, depot_x, tuple(zones))
    doc: dict[str, Any] = {
        "name": name, "kind": "rectangular", "blocks": p.blocks, "aisles": p.aisles,
        "slots_per_side": p.slots_per_side, "slot_length_m": 1.0, "aisle_pitch_m": pitch,
        "cross_aisle_width_m": width, "depot": {"x_m": depot_x},
    }
    if zdocs:
        doc["zones"] = zdocs
    return lay, doc


def _skus(p: SynthParams, rng: np.random.Generator) -> list[Sku]:
    out = []
    for r in range(p.skus):
        dims = np.sort(np.clip(rng.lognormal(np.log([6.0, 10.0, 16.0]), 0.45), 1.0, 38.0))[::-1]
        volume_l = float(np.prod(dims)) / 1000.0
        weight = float(np.clip(volume_l * rng.uniform(0.15, 0.6), 0.02, 12.0))
        out.append(Sku(f"SKU{r + 1:05d}", round(float(dims[0]), 1), round(float(dims[1]), 1),
                       round(float(dims[2]), 1), round(weight, 3), bool(rng.random() < 0.08),
                       bool(rng.random() < 0.1)))
    for k in range(min(p.oversize_skus, p.skus)):
        idx = int(rng.integers(p.skus))
        s = out[idx]
        out[idx] = Sku(s.sku, 75.0 + k, 50.0, 45.0, 9.0, False, False, "oversize")
    return out


def generate(params: SynthParams, seed: int = 0, name: str | None = None) -> Instance:
    """A seeded instance; the same params and seed give the same instance.

    >>> inst = generate(SynthParams(blocks=1, aisles=10, slots_per_side=10, skus=50, orders=20), seed=1)
    >>> len(inst.orders), inst.layout.aisles, inst.skus[0].sku
    (20, 10, 'SKU00001')
    """
    p = params
    rng = np.random.default_rng(seed)
    lay, doc = _layout(p, name or f"synth-{p.blocks}b{p.aisles}a-s{seed}")
    skus = _skus(p, rng)
    # Popularity: rank r (0 = most popular) of a random permutation of SKUs.
    pop = np.arange(1, p.skus + 1, dtype=np.float64) ** -p.zipf_s
    pop /= pop.sum()
    sku_of_rank = rng.permutation(p.skus)

    # Orders first (so stock can follow demand).
    start = datetime(2024, 11, 4, 6, 0, tzinfo=UTC)
    hours = rng.uniform(0, 7 * 24, size=p.orders)
    hours.sort()
    statuses = [s for s, _ in PAYMENT_MIX]
    weights = np.array([w for _, w in PAYMENT_MIX])
    orders: list[Order] = []
    demand = np.zeros(p.skus, dtype=np.int64)
    for k, h in enumerate(hours):
        created = start + timedelta(seconds=int(h * 3600))
        # Weekly season: baskets peak at the weekend (day 5-6), smallest mid-week.
        season = 1.0 + p.season_amplitude * 0.5 * (1.0 - math.cos(2 * math.pi * (h / 24.0 - 1.5) / 7.0))
        mean = (p.mean_lines - 1.0) * season
        n_lines = int(min(1 + rng.poisson(mean), 12))
        ranks = rng.choice(p.skus, size=n_lines, replace=False, p=pop) if n_lines <= p.skus else range(p.skus)
        oid = f"O{k + 1:06d}"
        lines = []
        for j, r in enumerate(ranks, start=1):
            qty = int(1 + (rng.random() < 0.15) * rng.integers(1, 3))
            lines.append(OrderLine(oid, skus[int(sku_of_rank[r])].sku, qty, j))
            demand[r] += qty
        prio = int(rng.choice([0, 1, 2], p=[0.87, 0.10, 0.03]))
        orders.append(Order(oid, tuple(lines), created, str(rng.choice(statuses, p=weights)),
                            str(rng.choice(CHANNELS, p=[0.6, 0.3, 0.1])), prio,
                            created + timedelta(days=int(rng.integers(1, 4))), str(rng.choice(CARRIERS))))

    # Slotting: locations (one face per side) ordered by distance (abc) or shuffled (random).
    locs = [(a, b, s, side) for a in range(1, p.aisles + 1) for b in range(1, p.blocks + 1)
            for s in range(1, p.slots_per_side + 1) for side in "LR"]
    if p.slotting == "abc":
        depot = lay.depot()
        pts = [lay.make_point(a, b, s) for a, b, s, _ in locs]
        dist = lay.distance_matrix([depot, *pts])[0, 1:]
        order = np.lexsort((rng.random(len(locs)), dist))
    else:
        order = rng.permutation(len(locs))
    faces_needed: list[int] = []  # rank per face, most popular first
    top = max(1, p.skus // 5)
    for r in range(p.skus):
        faces_needed.append(r)
        if r < top and rng.random() < p.multi_face_share:
            faces_needed.extend([r] * int(rng.integers(1, 3)))
    faces_needed = faces_needed[: len(locs)]
    if p.slotting == "random":
        faces_needed = [faces_needed[i] for i in rng.permutation(len(faces_needed))]
    per_rank: dict[int, list[str]] = {}
    for face, r in zip(order[: len(faces_needed)], faces_needed, strict=True):
        a, b, s, side = locs[int(face)]
        per_rank.setdefault(r, []).append(location_id(a, b, s, side))
    short = rng.random(p.skus) < p.short_share
    stock: list[StockRecord] = []
    for r in range(p.skus):
        need = int(demand[r])
        total = max(2, int(need * 1.3) + 2) if not short[r] else int(need * 0.6)
        faces = per_rank.get(r, [])
        for j, loc in enumerate(faces):
            qty = total // len(faces) + (1 if j < total % len(faces) else 0)
            stock.append(StockRecord(skus[int(sku_of_rank[r])].sku, loc, qty))
    config = WaveConfig(method=p.method, cart=p.cart, time_limit_s=p.time_limit_s, seed=seed)
    return Instance(lay, doc, tuple(skus), tuple(stock), tuple(orders), BOXES, config)


def _csv(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _num(x: float) -> str:
    return f"{x:g}"


def render_instance(inst: Instance) -> dict[str, str]:
    """File name -> text of the SPEC input files (pure)."""
    cfg = config_to_mapping(inst.config)
    cfg = {k: v for k, v in cfg.items() if v is not None}
    return {
        "layout.yaml": yaml.safe_dump(dict(inst.layout_doc), sort_keys=False),
        "skus.csv": _csv(("sku", "length_cm", "width_cm", "height_cm", "weight_kg", "fragile", "upright",
                          "description"),
                         [(s.sku, _num(s.length_cm), _num(s.width_cm), _num(s.height_cm), _num(s.weight_kg),
                           int(s.fragile), int(s.upright), s.description) for s in inst.skus]),
        "inventory.csv": _csv(("sku", "location_id", "qty"), [(r.sku, r.location_id, r.qty) for r in inst.stock]),
        "orders.csv": _csv(("order_id", "line_no", "sku", "qty", "created_at", "payment_status", "channel",
                            "priority", "ship_by", "carrier"),
                           [(o.order_id, ln.line_no, ln.sku, ln.qty, o.created_at.isoformat(), o.payment_status,
                             o.channel, o.priority, o.ship_by.isoformat() if o.ship_by else "", o.carrier)
                            for o in inst.orders for ln in o.lines]),
        "boxes.csv": _csv(("box_id", "length_cm", "width_cm", "height_cm", "max_weight_kg", "cost", "tare_kg"),
                          [(b.box_id, _num(b.length_cm), _num(b.width_cm), _num(b.height_cm),
                            _num(b.max_weight_kg), _num(b.cost), _num(b.tare_kg)) for b in inst.boxes]),
        "wave.yaml": yaml.safe_dump(cfg, sort_keys=False),
    }


def write_instance(inst: Instance, out_dir: str | Path) -> dict[str, Path]:
    """Write the SPEC input files into ``out_dir``; returns name -> path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, text in render_instance(inst).items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        paths[name.split(".")[0]] = path
    return paths

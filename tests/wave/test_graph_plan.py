"""Whole plans on a graph layout: negative coordinates, honest ``proven``, byte-identical reruns."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime

import pytest

from engine.layout import GraphLayout
from engine.model import Box, CartSpec, Method, Order, OrderLine, Sku, StockRecord, ToteSpec, WaveConfig
from engine.routing.held_karp import held_karp
from engine.wave import WaveProblem, plan_wave, render_plan


def site(n: int = 7) -> GraphLayout:
    """A street grid placed around a dock at the origin: half the coordinates are negative."""
    nodes = {f"n{i}_{j}": (float(i - n // 2) * 3.0, float(j - n // 2) * 2.0) for i in range(n) for j in range(n)}
    nodes["dock"] = (0.0, -10.0)
    edges: list[tuple[str, str, float | None]] = [("dock", f"n{n // 2}_0", 4.5)]
    for i, j in itertools.product(range(n), repeat=2):
        if i + 1 < n and j in (0, n - 1, n // 2):
            edges.append((f"n{i}_{j}", f"n{i + 1}_{j}", None))
        if j + 1 < n:
            edges.append((f"n{i}_{j}", f"n{i}_{j + 1}", None))
    locations = {f"L{i}-{j}": f"n{i}_{j}" for i in range(n) for j in range(n)}
    return GraphLayout.build("site", nodes, edges, locations, depot="dock")


def problem(method: Method, tote: ToteSpec | None, seed: int = 1) -> WaveProblem:
    lay = site()
    rng = random.Random(seed)
    locs = sorted(lay.locations)
    skus = {f"S{k}": Sku(f"S{k}", 10, 10, 10, 1.0) for k in range(len(locs))}
    stock = tuple(StockRecord(f"S{k}", loc, 500) for k, loc in enumerate(locs))
    t0 = datetime(2026, 1, 1, 8, tzinfo=UTC)
    orders = []
    for o in range(18):
        picks = rng.sample(range(len(locs)), rng.randint(2, 6))
        lines = tuple(OrderLine(f"O{o:02d}", f"S{k}", rng.randint(1, 9), n + 1) for n, k in enumerate(picks))
        orders.append(Order(f"O{o:02d}", lines, t0, "captured"))
    config = WaveConfig(method=method, cart=CartSpec(totes=6, max_weight_kg=200, max_volume_l=200, tote=tote),
                        max_iterations=60, seed=seed)
    boxes = (Box("BIG", 100, 100, 100, 500, 1.0),)
    return WaveProblem.build(lay, skus, stock, boxes, tuple(orders), config=config)


@pytest.mark.parametrize("method", [Method.CLUSTER, Method.BATCH])
def test_graph_plans_are_byte_identical_and_proven_routes_are_optimal(method: Method) -> None:
    prob = problem(method, ToteSpec(max_volume_l=10.0))
    a, b = plan_wave(prob), plan_wave(prob)
    fa, fb = render_plan(a), render_plan(b)
    assert {k: v for k, v in fa.items() if k != "summary.json"} == {k: v for k, v in fb.items() if k != "summary.json"}
    lay = prob.layout
    assert a.batches and a.summary.released == 18
    for batch in a.batches:
        pts = list(dict.fromkeys(lay.point(loc) for loc in batch.stops))
        assert batch.distance_m == pytest.approx(lay.route_length(pts), rel=1e-9)
        if batch.proven and len(pts) <= 12:
            assert batch.distance_m == pytest.approx(held_karp(lay.distance_matrix([lay.depot(), *pts]))[1])
    if method is Method.CLUSTER:
        assert any(int(p.tote.split("/")[0]) > len(b.orders) for b in a.batches for p in b.picks), \
            "some order should fill two totes of 10 l"

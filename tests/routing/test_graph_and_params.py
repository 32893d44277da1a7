"""Graph layouts (Held-Karp, local search, branch and bound, CP-SAT), parameters, docstring examples."""

from __future__ import annotations

import doctest
import importlib
import itertools
import random

import numpy as np
import pytest

from engine.layout import GraphLayout
from engine.model import RoutingMethod
from engine.routing import RoutingParams, route_length, solve
from engine.routing.graph_tsp import best_tour, exact_tour, heuristic_tour, length_grain, prove_tour, warm_up
from engine.routing.held_karp import held_karp


def grid(n: int = 6) -> GraphLayout:
    """An n x n street grid with one location per node and the depot in a corner."""
    nodes = {f"n{i}_{j}": (float(i), float(j)) for i in range(n) for j in range(n)}
    edges: list[tuple[str, str, float | None]] = []
    for i, j in itertools.product(range(n), repeat=2):
        if i + 1 < n:
            edges.append((f"n{i}_{j}", f"n{i + 1}_{j}", None))
        if j + 1 < n:
            edges.append((f"n{i}_{j}", f"n{i}_{j + 1}", 1.0 + 0.5 * (i % 2)))  # uneven ramps
    locations = {f"L{i}_{j}": f"n{i}_{j}" for i in range(n) for j in range(n)}
    return GraphLayout.build("grid", nodes, edges, locations, depot="n0_0")


def brute(layout: GraphLayout, points: list[str]) -> float:
    return min(layout.route_length(list(p)) for p in itertools.permutations(points))


def test_small_graph_lists_are_held_karp_and_proven() -> None:
    lay = grid()
    rng = random.Random(0)
    for _ in range(5):
        points = rng.sample(sorted(lay.locations.values()), 6)
        r = solve(lay, points)
        assert r.proven and r.length_m == pytest.approx(brute(lay, points))
        assert route_length(lay, points) == pytest.approx(r.length_m)


def test_long_graph_lists_are_proven_and_deterministic() -> None:
    warm_up()  # compiled kernels loaded first: the time cap below then never binds
    lay = grid(7)
    points = random.Random(2).sample(sorted(lay.locations.values()), 25)
    params = RoutingParams(time_limit_s=60.0, seed=3)
    a, b = solve(lay, points, params), solve(lay, points, params)
    assert a.stops == b.stops and a.length_m == b.length_m
    assert len(a.stops) == len(set(points)) and set(a.stops) == set(points)
    assert a.proven
    cp = exact_tour(lay.distance_matrix([lay.depot(), *points]), time_limit_s=60.0)
    assert cp.proven and a.length_m == pytest.approx(cp.length, rel=1e-7)
    # route_length's estimate beyond Held-Karp is the length of a real tour, never below the optimum
    est = route_length(lay, points)
    assert est >= a.length_m - 1e-9
    order, length = heuristic_tour(lay.distance_matrix([lay.depot(), *points]), 2 * len(points))
    assert est == pytest.approx(length)
    assert lay.route_length([points[i - 1] for i in order]) == pytest.approx(length)


def _metric(kind: int, n: int, rng: np.random.Generator) -> np.ndarray:
    pts = rng.random((n, 2)) * 20
    if kind == 0:  # rectilinear, many ties
        return np.rint(np.abs(pts[:, None, :] - pts[None, :, :]).sum(-1) / 4)
    if kind == 1:  # Euclidean: no grain, proofs by the float tolerance
        return np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1))
    return np.round(np.abs(pts[:, None, :] - pts[None, :, :]).sum(-1), 2)  # centimetre grain


@pytest.mark.parametrize("kind", [0, 1, 2])
def test_branch_and_bound_proves_the_held_karp_optimum(kind: int) -> None:
    rng = np.random.default_rng(kind)
    for _ in range(40):
        n = int(rng.integers(4, 13))
        d = _metric(kind, n, rng)
        start, _ = heuristic_tour(d)
        r = prove_tour(d, start)
        assert r.proven and r.length == pytest.approx(held_karp(d)[1], rel=1e-9, abs=1e-9)
        assert sorted(r.order) == list(range(1, n))


def test_branch_and_bound_agrees_with_cp_sat_on_20_stops() -> None:
    rng = np.random.default_rng(7)
    for kind in (1, 2):
        d = _metric(kind, 21, rng)
        r = best_tour(d, exact_stops=100, time_limit_s=30.0)
        cp = exact_tour(d, time_limit_s=60.0)
        assert r.proven and cp.proven and r.length == pytest.approx(cp.length, rel=1e-7)


def test_unproven_tours_carry_a_valid_bound() -> None:
    rng = np.random.default_rng(3)
    d = _metric(1, 40, rng)
    start, length = heuristic_tour(d)
    r = prove_tour(d, start, max_nodes=1)
    assert r.length <= length + 1e-9 and 0.0 < r.bound <= r.length
    best = prove_tour(d, start)
    assert best.proven and r.bound <= best.length + 1e-9


def test_heuristic_and_proof_on_a_line_find_the_obvious_tour() -> None:
    x = np.array([0.0, 5.0, 1.0, 3.0, 2.0, 4.0])
    dist = np.abs(x[:, None] - x[None, :])
    order, length = heuristic_tour(dist, 20)
    assert length == pytest.approx(10.0) and sorted(order) == [1, 2, 3, 4, 5]
    r = prove_tour(dist, (1, 2, 3, 4, 5))
    assert r.proven and r.length == pytest.approx(10.0)
    assert length_grain(dist) == 1.0


def test_graph_layouts_refuse_heuristics() -> None:
    lay = grid(3)
    with pytest.raises(ValueError, match="rectangular"):
        solve(lay, ["n1_1"], RoutingParams(RoutingMethod.S_SHAPE))


@pytest.mark.parametrize(
    "kwargs",
    [{"method": "zigzag"}, {"time_limit_s": 0.0}, {"time_limit_s": float("inf")}, {"seed": -1}],
)
def test_params_are_validated(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RoutingParams(**kwargs)  # type: ignore[arg-type]


def test_params_accept_method_names() -> None:
    assert RoutingParams("largest-gap").method is RoutingMethod.LARGEST_GAP  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name",
    ["engine.routing.aisle_dp", "engine.routing.heuristics", "engine.routing.held_karp", "engine.routing.tables",
     "engine.routing.compiled", "engine.routing.graph_tsp",
     "engine.routing.solve", "engine.routing.types", "engine.commands.route"],
)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0

"""Graph layouts (Held-Karp, OR-Tools), parameters and the docstring examples."""

from __future__ import annotations

import doctest
import importlib
import itertools
import random

import pytest

from engine.layout import GraphLayout
from engine.model import RoutingMethod
from engine.routing import RoutingParams, route_length, solve
from engine.routing.graph_tsp import ortools_tour, two_opt_tour


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


def test_long_graph_lists_use_ortools_deterministically() -> None:
    lay = grid(7)
    points = random.Random(2).sample(sorted(lay.locations.values()), 20)
    params = RoutingParams(time_limit_s=1.0, seed=3)
    a, b = solve(lay, points, params), solve(lay, points, params)
    assert not a.proven and a.stops == b.stops and a.length_m == b.length_m
    assert len(a.stops) == len(set(points)) and set(a.stops) == set(points)
    # route_length's estimate beyond 8 stops is the length of a real (2-opt) tour
    order, length = two_opt_tour(lay.distance_matrix([lay.depot(), *points]))
    assert route_length(lay, points) == pytest.approx(length)
    assert lay.route_length([points[i - 1] for i in order]) == pytest.approx(length)


def test_ortools_and_two_opt_on_a_line_find_the_obvious_tour() -> None:
    import numpy as np

    x = np.array([0.0, 5.0, 1.0, 3.0, 2.0, 4.0])
    dist = np.abs(x[:, None] - x[None, :])
    assert sorted(ortools_tour(dist, 2.0, 0)) == [1, 2, 3, 4, 5]
    order, length = two_opt_tour(dist)
    assert length == pytest.approx(10.0) and sorted(order) == [1, 2, 3, 4, 5]


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
     "engine.routing.compiled",
     "engine.routing.solve", "engine.routing.types", "engine.commands.route"],
)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0

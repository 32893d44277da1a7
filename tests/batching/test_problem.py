"""The batching problem's own views: a trip's points and the problem of a subset of items."""

from __future__ import annotations

from .test_colgen import scored_problem


def test_subset_keeps_the_items_loads_and_points() -> None:
    problem, _ = scored_problem(10, 3)
    sub = problem.subset([7, 2, 5])
    assert sub.n == 3
    assert sub.points == (problem.points[7], problem.points[2], problem.points[5])
    assert sub.weight_kg.tolist() == problem.weight_kg[[7, 2, 5]].tolist()
    assert sub.cart == problem.cart


def test_trip_points_is_the_union_of_its_items_points() -> None:
    problem, _ = scored_problem(10, 3)
    expected = set(problem.points[1]) | set(problem.points[4])
    assert problem.trip_points((1, 4)) == frozenset(expected)
    assert problem.trip_points(()) == frozenset()

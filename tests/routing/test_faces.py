"""Pick faces chosen with the route: optimality against brute force, stock, split lines."""

from __future__ import annotations

import itertools
import math
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.layout import RectangularLayout, RectPoint
from engine.routing import RoutingParams, compiled, face_labels
from engine.routing import faces as faces_mod
from engine.routing.faces import FaceChoice, FaceDemand, FaceProblem, solve_faces
from tests.routing.conftest import rect


def brute_force(layout: RectangularLayout, problem: FaceProblem) -> float:
    """Shortest trip over every feasible choice of faces (each demand: any subset holding enough)."""
    options = []
    for d in problem.demands:
        subsets = [s for r in range(1, len(d.faces) + 1) for s in itertools.combinations(d.faces, r)
                   if sum(problem.stock[f] for f in s) >= d.qty]
        options.append(subsets)
    best = math.inf
    for combo in itertools.product(*options):
        pts = list(dict.fromkeys(problem.points[f] for s in combo for f in s))
        best = min(best, compiled.optimal_length(layout, pts, layout.depot().x))
    return best


def check_takes(problem: FaceProblem, choice: FaceChoice) -> None:
    got = [0] * len(problem.demands)
    used = [0] * len(problem.points)
    for d, f, q in choice.takes:
        assert f in problem.demands[d].faces
        assert q > 0
        got[d] += q
        used[f] += q
    assert got == [d.qty for d in problem.demands]
    assert all(u <= s for u, s in zip(used, problem.stock, strict=True)), "a face gave more than its stock"
    assert set(choice.route.stops) == {problem.points[f] for _, f, _ in choice.takes}


@st.composite
def instances(draw: st.DrawFn, max_blocks: int = 2) -> tuple[RectangularLayout, FaceProblem]:
    blocks = draw(st.integers(1, max_blocks))
    aisles = draw(st.integers(1, 6))
    slots = draw(st.integers(1, 8))
    pitch = draw(st.sampled_from([2.0, 3.0]))
    width = draw(st.sampled_from([1.0, 2.0]))
    depot = draw(st.one_of(st.integers(0, aisles - 1).map(lambda a: a * pitch),
                           st.floats(0.0, (aisles - 1) * pitch)))
    lay = rect(blocks, aisles, slots, depot, width, pitch)
    cell = st.tuples(st.integers(1, aisles), st.integers(1, blocks), st.integers(1, slots))
    points: list[RectPoint] = []
    stock: list[int] = []
    demands = []
    for _ in range(draw(st.integers(1, 3))):
        faces = []
        for a, b, s in draw(st.lists(cell, min_size=1, max_size=3)):
            faces.append(len(points))
            points.append(lay.make_point(a, b, s))
            stock.append(draw(st.integers(1, 3)))
        qty = draw(st.integers(1, sum(stock[f] for f in faces)))
        demands.append(FaceDemand(qty, tuple(faces)))
    return lay, FaceProblem(tuple(points), tuple(stock), tuple(demands))


@settings(max_examples=150, deadline=None)
@given(instances())
def test_solve_faces_is_optimal_and_proven(case: tuple[RectangularLayout, FaceProblem]) -> None:
    lay, problem = case
    choice = solve_faces(lay, problem, RoutingParams(time_limit_s=30.0))
    check_takes(problem, choice)
    assert choice.route.proven
    assert choice.route.length_m == pytest.approx(brute_force(lay, problem), abs=1e-6)
    assert choice.bound_m == pytest.approx(choice.route.length_m, abs=1e-6)
    assert choice.route.length_m == pytest.approx(lay.route_length(choice.route.stops), abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(instances(), st.lists(st.floats(0.0, 30.0), min_size=3, max_size=3), st.sampled_from([None, 2]),
       st.sampled_from([0, 1, 2]))
def test_labels_with_prizes_and_beams_stay_exact_or_feasible(
    case: tuple[RectangularLayout, FaceProblem], prizes: list[float], beam: int | None, groups: int
) -> None:
    """Any non-negative prizes (with or without exact groups) give a valid bound: the labels still
    find the optimum; a beam a real trip."""
    lay, problem = case
    demands = [(d.qty, d.faces) for d in problem.demands]
    found = face_labels.solve_labels(lay, problem.points, problem.stock, demands,  # type: ignore[arg-type]
                                     lay.depot().x, math.inf, time.monotonic() + 30, beam=beam,
                                     prizes=prizes[: len(demands)], groups=groups)
    assert found is not None
    if beam is not None and not found[1]:
        return  # a narrow beam may lose every label that could close the tour: no trip, nothing claimed
    best = brute_force(lay, problem)
    if beam is None:
        assert found[0] == pytest.approx(best, abs=1e-6)
    else:
        assert found[0] >= best - 1e-6
    # the covered faces can serve every demand, and a route through them is no longer than the walk
    takes = faces_mod._assign(problem, found[1], set())
    assert takes is not None
    pts = list(dict.fromkeys(problem.points[f] for _, f, _ in takes))
    assert compiled.optimal_length(lay, pts, lay.depot().x) <= found[0] + 1e-6


@settings(max_examples=100, deadline=None)
@given(instances(), st.sampled_from([1, 5, 40]))
def test_subgradient_and_root_bounds_never_exceed_the_optimum(
    case: tuple[RectangularLayout, FaceProblem], steps: int
) -> None:
    """The prizes the subgradient ascent gives, and the bound at the start with them, are valid."""
    lay, problem = case
    demands = [(d.qty, d.faces) for d in problem.demands]
    prep = face_labels.prepare(lay, problem.points, problem.stock, demands, lay.depot().x)  # type: ignore[arg-type]
    h = lay.block_depth_m + lay.cross_aisle_width_m
    best = brute_force(lay, problem)
    prizes, value = face_labels.subgradient_prizes(prep, h, best, iterations=steps)
    assert all(p >= 0 for p in prizes)
    assert value <= best + 1e-6
    assert face_labels.root_bound(prep, prizes, h) <= best + 1e-6
    found = face_labels.solve_labels(lay, problem.points, problem.stock, demands,  # type: ignore[arg-type]
                                     lay.depot().x, math.inf, time.monotonic() + 30, prizes=prizes,
                                     groups=face_labels.GROUPS, prepared=prep)
    assert found is not None and found[0] == pytest.approx(best, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(instances(max_blocks=2))
def test_programme_alone_is_optimal(case: tuple[RectangularLayout, FaceProblem]) -> None:
    lay, problem = case
    forced = faces_mod._forced_faces(problem)
    greedy = faces_mod._greedy(lay, problem, faces_mod.RoutingMethod.OPTIMAL, None, math.inf)
    upper = compiled.optimal_length(lay, [problem.points[f] for _, f, _ in greedy], lay.depot().x)  # type: ignore[misc]
    choice = faces_mod._solve_programme(lay, problem, forced, (upper, greedy, False), time.monotonic() + 30, None)
    assert isinstance(choice, FaceChoice)
    check_takes(problem, choice)
    assert choice.route.proven
    assert choice.route.length_m == pytest.approx(brute_force(lay, problem), abs=1e-6)


def test_a_line_larger_than_a_face_is_split_never_beyond_stock() -> None:
    lay = rect(1, 3, 10)
    near, mid, far = lay.point("A01-B1-S002-L"), lay.point("A01-B1-S004-L"), lay.point("A03-B1-S009-L")
    problem = FaceProblem((near, mid, far), (2, 1, 5), (FaceDemand(3, (0, 1, 2)),))
    choice = solve_faces(lay, problem)
    check_takes(problem, choice)
    assert sorted(choice.takes) == [(0, 0, 2), (0, 1, 1)]  # both near faces, not the far one holding all
    assert choice.route.proven


def test_shared_faces_split_stock_between_demands() -> None:
    """Two demands naming the same face share its stock (the programme, not the labels)."""
    lay = rect(1, 4, 10)
    a, b = lay.point("A01-B1-S002-L"), lay.point("A04-B1-S009-L")
    problem = FaceProblem((a, b), (2, 5), (FaceDemand(2, (0, 1)), FaceDemand(1, (0, 1))))
    choice = solve_faces(lay, problem)
    check_takes(problem, choice)
    # face a holds 2 of the 3 units: b must be visited, and b alone serves both
    assert choice.route.length_m == pytest.approx(compiled.optimal_length(lay, [b], 0.0))
    assert choice.route.proven


def test_graph_layouts_get_a_feasible_unproven_choice() -> None:
    from engine.layout.graph import GraphLayout

    lay = GraphLayout.build("g", {"D": (0, 0), "a": (1, 0), "b": (0, 5), "c": (2, 0)},
                            [("D", "a", None), ("D", "b", None), ("a", "c", None)],
                            {"L-a": "a", "L-b": "b", "L-c": "c"}, depot="D")
    pa, pb, pc = (lay.point(x) for x in ("L-a", "L-b", "L-c"))
    problem = FaceProblem((pa, pb, pc), (1, 1, 1), (FaceDemand(1, (1, 2)), FaceDemand(1, (0,))))
    choice = solve_faces(lay, problem)
    check_takes(problem, choice)
    assert set(choice.route.stops) == {pa, pc}
    assert not choice.route.proven
    assert choice.bound_m <= choice.route.length_m


def test_problem_validation() -> None:
    with pytest.raises(ValueError, match="one entry per face"):
        FaceProblem(("p",), (1, 2), ())
    with pytest.raises(ValueError, match="at least one unit"):
        FaceProblem(("p",), (0,), ())
    with pytest.raises(ValueError, match="3 units asked"):
        FaceProblem(("p",), (2,), (FaceDemand(3, (0,)),))
    with pytest.raises(ValueError, match="distinct indices"):
        FaceProblem(("p",), (2,), (FaceDemand(1, (0, 0)),))


def test_deterministic() -> None:
    lay = rect(2, 6, 8, 4.5)
    pts = tuple(lay.make_point(a, b, s) for a, b, s in [(1, 1, 3), (6, 2, 7), (3, 1, 1), (4, 2, 2), (2, 2, 8)])
    problem = FaceProblem(pts, (1, 1, 2, 1, 1), (FaceDemand(1, (0, 1)), FaceDemand(2, (2, 3, 4))))
    assert solve_faces(lay, problem) == solve_faces(lay, problem)


@settings(max_examples=100, deadline=None)
@given(instances(), st.sampled_from([2_000, 300_000]))
def test_quick_faces_is_feasible_never_below_the_optimum_and_exact_when_proven(
        case: tuple[RectangularLayout, FaceProblem], work: int) -> None:
    lay, problem = case
    choice = faces_mod.quick_faces(lay, problem, work=work)
    check_takes(problem, choice)
    best = brute_force(lay, problem)
    assert choice.route.length_m >= best - 1e-6
    if choice.route.proven:
        assert choice.route.length_m == pytest.approx(best, abs=1e-6)
    assert choice.route.length_m == pytest.approx(lay.route_length(choice.route.stops), abs=1e-9)
    again = faces_mod.quick_faces(lay, problem, work=work)
    assert again == choice


@settings(max_examples=40, deadline=None)
@given(instances(max_blocks=1))
def test_programme_below_the_optimum_proves_the_trip_given(case: tuple[RectangularLayout, FaceProblem]) -> None:
    """Told the optimum (or nothing), the programme proves it: infeasible below it, or finds it."""
    lay, problem = case
    forced = faces_mod._forced_faces(problem)
    best = brute_force(lay, problem)
    greedy = faces_mod._greedy(lay, problem, faces_mod.RoutingMethod.OPTIMAL, None, math.inf)
    upper = compiled.optimal_length(lay, [problem.points[f] for _, f, _ in greedy], lay.depot().x)  # type: ignore[misc]
    for known in ((upper, greedy, False), (math.inf, (), False)):
        if known[0] > best + 1e-6 and known[1]:
            continue  # covered by test_programme_alone_is_optimal
        choice = faces_mod._solve_programme(lay, problem, forced, known, time.monotonic() + 30, None)
        assert isinstance(choice, FaceChoice)
        check_takes(problem, choice)
        assert choice.route.proven and choice.bound_m == pytest.approx(best, abs=1e-6)
        assert choice.route.length_m == pytest.approx(best, abs=1e-6)


@given(st.lists(st.integers(1, 6), min_size=0, max_size=7), st.integers(1, 12))
def test_minimal_covers_are_every_minimal_set(units: list[int], need: int) -> None:
    got = faces_mod._minimal_covers(units, need, most=10**6)
    assert got is not None
    want = {s for r in range(1, len(units) + 1) for s in itertools.combinations(range(len(units)), r)
            if sum(units[k] for k in s) >= need and all(sum(units[k] for k in s) - units[j] < need for j in s)}
    assert sorted(got) == sorted(want) and len(got) == len(set(got))
    assert faces_mod._minimal_covers([1] * 12, 6, most=5) is None


def _route(lay: RectangularLayout, problem: FaceProblem, takes: tuple[tuple[int, int, int], ...]) -> float:
    pts = list(dict.fromkeys(problem.points[f] for _, f, _ in takes))
    return compiled.optimal_length(lay, pts, lay.depot().x)  # type: ignore[arg-type]


def _feasible(problem: FaceProblem, takes: tuple[tuple[int, int, int], ...]) -> None:
    got = [0] * len(problem.demands)
    used = [0] * len(problem.points)
    for d, f, q in takes:
        assert f in problem.demands[d].faces and q > 0
        got[d] += q
        used[f] += q
    assert got == [d.qty for d in problem.demands]
    assert all(u <= s for u, s in zip(used, problem.stock, strict=True))


@settings(max_examples=80, deadline=None)
@given(instances(max_blocks=2))
def test_ruin_and_recreate_stays_feasible_never_longer_never_below_the_optimum(
        case: tuple[RectangularLayout, FaceProblem]) -> None:
    lay, problem = case
    greedy = faces_mod._greedy(lay, problem, faces_mod.RoutingMethod.OPTIMAL, None, math.inf)
    start = _route(lay, problem, greedy)
    takes, length = faces_mod._lns(lay, problem, greedy, start, math.inf, None, max_iterations=300)
    _feasible(problem, takes)
    assert length == pytest.approx(_route(lay, problem, takes), abs=1e-9)
    assert length <= start + 1e-9
    assert length >= brute_force(lay, problem) - 1e-9


def test_ruin_and_recreate_finds_what_the_greedy_choice_misses() -> None:
    """Greedy takes the face next to the depot first (38 m); the optimum serves two demands in aisle 5."""
    lay = rect(1, 5, 10)
    pts = tuple(lay.make_point(a, 1, s) for a, s in ((1, 1), (5, 1), (4, 4), (4, 1), (5, 4), (4, 8)))
    problem = FaceProblem(pts, (1,) * 6, (FaceDemand(1, (0, 1)), FaceDemand(1, (2, 3)), FaceDemand(1, (4, 5))))
    greedy = faces_mod._greedy(lay, problem, faces_mod.RoutingMethod.OPTIMAL, None, math.inf)
    assert _route(lay, problem, greedy) == pytest.approx(38.0)
    takes, length = faces_mod._lns(lay, problem, greedy, 38.0, math.inf, None, max_iterations=200)
    _feasible(problem, takes)
    assert length == pytest.approx(36.0) == pytest.approx(brute_force(lay, problem))
    assert sorted(takes) == [(0, 1, 1), (1, 3, 1), (2, 4, 1)]


def test_deterministic_search_polishes_by_ruin_and_recreate_repeatably(monkeypatch: pytest.MonkeyPatch) -> None:
    """Labels giving up (as on hard trips), the clockless search still improves the greedy trip (38 m)
    by ruin and recreate, to the same trip every time; ``polish_steps=0`` (batching's scoring) skips it."""
    lay = rect(1, 5, 10)
    pts = tuple(lay.make_point(a, 1, s) for a, s in ((1, 1), (5, 1), (4, 4), (4, 1), (5, 4), (4, 8)))
    problem = FaceProblem(pts, (1,) * 6, (FaceDemand(1, (0, 1)), FaceDemand(1, (2, 3)), FaceDemand(1, (4, 5))))
    monkeypatch.setattr(face_labels, "solve_labels", lambda *a, **k: None)
    calls: list[int] = []
    real = faces_mod._lns

    def spy(*a: object, **k: object) -> object:
        calls.append(1)
        return real(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(faces_mod, "_lns", spy)
    first = solve_faces(lay, problem, deterministic=True)
    assert calls and first == solve_faces(lay, problem, deterministic=True)
    check_takes(problem, first)
    assert first.route.length_m == pytest.approx(36.0) == pytest.approx(brute_force(lay, problem))
    assert not first.route.proven  # the labels proved nothing: not claimed
    calls.clear()
    plain = solve_faces(lay, problem, deterministic=True, polish_steps=0)
    assert not calls
    assert plain.route.length_m == pytest.approx(38.0)


def test_ruin_and_recreate_with_shared_faces_keeps_their_stock() -> None:
    lay = rect(1, 4, 10)
    a, b, c = lay.point("A01-B1-S002-L"), lay.point("A04-B1-S009-L"), lay.point("A02-B1-S005-L")
    problem = FaceProblem((a, b, c), (2, 5, 1), (FaceDemand(2, (0, 1, 2)), FaceDemand(1, (0, 1))))
    greedy = faces_mod._greedy(lay, problem, faces_mod.RoutingMethod.OPTIMAL, None, math.inf)
    takes, length = faces_mod._lns(lay, problem, greedy, _route(lay, problem, greedy), math.inf, None,
                                   max_iterations=200)
    _feasible(problem, takes)
    assert length == pytest.approx(_route(lay, problem, takes), abs=1e-9)
    best = solve_faces(lay, problem)
    assert best.route.proven
    # a's two units split between the demands, c the second of the first: b (far) never visited
    assert length == pytest.approx(best.route.length_m)
    assert 1 not in {f for _, f, _ in takes}


def test_segment_rows_count_two_full_faces_of_one_aisle_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A demand with two faces in one aisle, each holding it all, gets a segment row; the optimum stays."""
    lay = rect(1, 4, 10)
    pts = (lay.point("A03-B1-S002-L"), lay.point("A03-B1-S008-R"), lay.point("A04-B1-S005-L"),
           lay.point("A01-B1-S009-L"), lay.point("A02-B1-S003-R"))
    problem = FaceProblem(pts, (2, 3, 1, 1, 1), (FaceDemand(2, (0, 1, 2)), FaceDemand(1, (3, 4))))
    added: list[int] = []
    original = faces_mod._segment_rows

    def spy(*args: object) -> int:
        n = original(*args)  # type: ignore[arg-type]
        added.append(n)
        return n

    monkeypatch.setattr(faces_mod, "_segment_rows", spy)
    choice = faces_mod._solve_programme(lay, problem, faces_mod._forced_faces(problem), (math.inf, (), False),
                                        time.monotonic() + 30, None)
    assert added == [1]  # only the first demand: two faces holding both units in aisle 3, one more elsewhere
    assert isinstance(choice, FaceChoice)
    check_takes(problem, choice)
    assert choice.route.proven
    assert choice.route.length_m == pytest.approx(brute_force(lay, problem), abs=1e-6)

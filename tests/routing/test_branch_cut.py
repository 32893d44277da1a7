"""Branch and cut on shortest-path matrices: separation routines, proofs against Held-Karp and CP-SAT, bounds."""

from __future__ import annotations

import doctest
import itertools

import numpy as np
import pytest

from engine.routing import branch_cut, tsp_cuts
from engine.routing.branch_cut import branch_and_cut
from engine.routing.graph_tsp import best_tour, exact_tour, heuristic_tour, prune_tolerance
from engine.routing.held_karp import held_karp


def _metric(kind: int, n: int, rng: np.random.Generator) -> np.ndarray:
    pts = rng.random((n, 2)) * 20
    if kind == 0:  # rectilinear, many ties
        return np.rint(np.abs(pts[:, None, :] - pts[None, :, :]).sum(-1) / 4)
    if kind == 1:  # Euclidean: no grain
        return np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1))
    return np.round(np.abs(pts[:, None, :] - pts[None, :, :]).sum(-1), 2)  # centimetre grain


def _length(d: np.ndarray, tour: tuple[int, ...]) -> float:
    return float(sum(d[a, b] for a, b in zip(tour, tour[1:] + tour[:1], strict=True)))


def test_min_cut_phases_find_the_brute_force_minimum_cut() -> None:
    rng = np.random.default_rng(0)
    for _ in range(30):
        n = int(rng.integers(3, 9))
        w = np.triu(rng.random((n, n)) * (rng.random((n, n)) < 0.6), 1)
        w += w.T
        values, shores = tsp_cuts.min_cut_phases(w)
        for v, s in zip(values, shores, strict=True):  # every phase is a real cut of its value
            assert 0 < s.sum() < n and v == pytest.approx(w[np.ix_(s, ~s)].sum())
        brute = min(w[np.ix_(m, ~m)].sum() for k in range(1, 2 ** (n - 1))
                    for m in [np.array([(k >> i) & 1 == 1 for i in range(n)])])
        assert values.min() == pytest.approx(brute)


def test_components_and_the_prism_blossom() -> None:
    label, count = tsp_cuts.components(tsp_cuts.PRISM, 1e-6, 1.0 - 1e-6)  # the half edges: two triangles
    assert count == 2 and len(set(label[:3])) == 1 and label[0] != label[3]
    handles, teeth, viol = tsp_cuts.blossoms(tsp_cuts.PRISM, 1e-6)
    assert handles[0].tolist() == [True, True, True, False, False, False]
    assert sorted(map(tuple, teeth[0][:3].tolist())) == [(0, 3), (1, 4), (2, 5)]
    assert viol[0] == pytest.approx(0.5)  # 1.5 + 3 > 3 + 1
    assert tsp_cuts.blossoms(np.zeros((6, 6)), 1e-6)[0].shape[0] == 0


@pytest.mark.parametrize("kind", [0, 1, 2])
def test_branch_and_cut_proves_the_held_karp_optimum_from_any_tour(kind: int) -> None:
    rng = np.random.default_rng(10 + kind)
    for _ in range(25):
        n = int(rng.integers(4, 12))
        d = _metric(kind, n, rng)
        start = (0, *rng.permutation(np.arange(1, n)).tolist())  # a random (bad) tour
        opt = held_karp(d)[1]
        r = branch_and_cut(d, start, prune_tolerance(d, _length(d, start)), 10_000)
        assert r.proven and sorted(r.tour) == list(range(n)) and r.tour[0] == 0
        assert r.length == pytest.approx(_length(d, r.tour)) and r.length <= _length(d, start) + 1e-9
        assert r.length == pytest.approx(opt, rel=1e-9, abs=1e-9) and r.bound == r.length


def test_branch_and_cut_agrees_with_cp_sat_on_a_hard_list() -> None:
    # a Euclidean instance whose subtour bound has a gap: blossoms and branching are needed
    rng = np.random.default_rng(5)
    d = _metric(1, 22, rng)
    order, length = heuristic_tour(d, 200)
    r = branch_and_cut(d, (0, *order), prune_tolerance(d, length), 10_000)
    cp = exact_tour(d, time_limit_s=60.0)
    assert r.proven and cp.proven and r.length == pytest.approx(cp.length, rel=1e-7)
    assert r.nodes >= 1 and r.lps >= 1


def test_out_of_budget_is_not_proven_and_its_bound_is_valid() -> None:
    rng = np.random.default_rng(3)
    d = _metric(1, 40, rng)
    order, length = heuristic_tour(d)
    short = branch_and_cut(d, (0, *order), prune_tolerance(d, length), 1)
    full = best_tour(d, exact_stops=100, time_limit_s=60.0)
    assert full.proven
    assert not short.proven and short.lps == 1 and 0.0 < short.bound <= full.length + 1e-9
    assert short.length == pytest.approx(length)
    # the same budget gives the same result (the budget counts LP solves, not time)
    again = branch_and_cut(d, (0, *order), prune_tolerance(d, length), 1)
    assert again == short


def test_the_time_limit_holds() -> None:
    rng = np.random.default_rng(4)
    d = _metric(1, 60, rng)
    order, length = heuristic_tour(d)
    r = branch_and_cut(d, (0, *order), prune_tolerance(d, length), 10 ** 6, time_limit_s=0.0)
    assert not r.proven and r.lps <= 1 and r.length == pytest.approx(length)


def test_tiny_lists() -> None:
    d = np.array([[0.0, 2.0, 3.0], [2.0, 0.0, 4.0], [3.0, 4.0, 0.0]])
    r = branch_and_cut(d, (0, 2, 1), 1e-9, 10)
    assert r.proven and r.length == 9.0
    for n in (4, 5):
        d = np.ones((n, n)) - np.eye(n)
        r = branch_and_cut(d, tuple(range(n)), 1e-9, 10)
        assert r.proven and r.length == pytest.approx(float(n))
        assert all(d[a, b] == 1 for a, b in itertools.pairwise(r.tour))


def test_docstring_examples() -> None:
    for mod in (branch_cut, tsp_cuts):
        assert doctest.testmod(mod).failed == 0

"""The fewest pickers: a witness plan at the count, the search's count equal to brute force on tiny
instances, and a work bound that no plan beats."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest

from engine.scheduling import SchedulingParams
from engine.scheduling.staffing import fewest_pickers, pickers_for, profile_bound, with_pickers, work_profile
from engine.scheduling.trips import Durations, evaluate
from tests.scheduling.test_search import brute_force, cost, tiny


def crowded(seed: int, n: int = 5, totes: int = 2):  # type: ignore[no-untyped-def]
    """:func:`tiny` with every item due soon: several pickers needed, or none enough."""
    p = tiny(seed, n=n, pickers=1, totes=totes)
    rng = random.Random(seed)
    return dataclasses.replace(p, due_s=tuple(float(rng.choice([260, 380, 520, 800])) for _ in range(n)))


def true_fewest(p, most: int) -> int | None:  # type: ignore[no-untyped-def]
    for m in range(1, most + 1):
        if brute_force(with_pickers(p, m))[0] == 0:
            return m
    return None


@pytest.mark.parametrize("seed", range(12))
def test_fewest_pickers_is_the_true_fewest_on_tiny_instances(seed: int) -> None:
    p = crowded(seed)
    want = true_fewest(p, 3)
    dur = Durations(p, cost)
    got = fewest_pickers(with_pickers(p, p.n), dur, [[[i] for i in range(p.n)]],
                         SchedulingParams(max_iterations=20, seed=1))
    assert got.needed == want
    if want is None:
        assert got.trips == ()
        return
    # the witness: those trips, sequenced, leave no order late with that many pickers
    key = evaluate(with_pickers(p, want), dur, [list(t) for t in got.trips])[0]
    assert key[0] == 0
    assert got.durations == tuple(dur(t) for t in got.trips)
    # no plan beats the bound
    assert got.lower_bound is not None and got.lower_bound <= want


@pytest.mark.parametrize("seed", range(10))
def test_work_bound_is_never_beaten(seed: int) -> None:
    p = crowded(seed + 20)
    dur = Durations(p, cost)
    profile = work_profile(p, dur)
    bound = profile_bound([profile])
    assert [t for t, _ in profile] == sorted({d for d in p.due_s if math.isfinite(d)})
    if bound is not None and bound >= 2:
        assert brute_force(with_pickers(p, bound - 1))[0] > 0
    # the work bound at the last due time is at most the work of any punctual plan's trips due by then
    best = true_fewest(p, 3)
    if best is not None and bound is not None:
        assert bound <= best


def test_profile_bound_adds_disjoint_profiles() -> None:
    # 100 s of work due at 60 s: 2 pickers; with another group's 50 s due at 100 s: 150 / 100 -> 2
    assert profile_bound([[(60.0, 100.0)]]) == 2
    assert profile_bound([[(60.0, 100.0)], [(100.0, 50.0)]]) == 2
    assert profile_bound([[(60.0, 100.0)], [(100.0, 150.0)]]) == 3
    assert profile_bound([[(0.0, 10.0)]]) is None
    assert profile_bound([]) == 0


def test_pickers_for_doubles_past_the_guess() -> None:
    from engine.scheduling import LabourParams
    from engine.wave.labour import _plain_problem

    sp = _plain_problem([10.0] * 6, list(range(6)), LabourParams(pickers=1))
    # six 10 s trips all due at 10 s: six pickers, found from a guess of one
    assert pickers_for(sp, [[i] for i in range(6)], [10.0] * 6, 1) == 6
    assert pickers_for(sp, [], [], 1) == 0


def test_a_plan_late_with_its_pickers_is_not_searched_again_at_or_below_them() -> None:
    p = crowded(10)  # one picker leaves an order late with these trips; two do it
    dur = Durations(p, cost)
    got = fewest_pickers(p, dur, [[[i] for i in range(p.n)]], SchedulingParams(max_iterations=20, seed=1))
    assert all(c > p.labour.pickers for c, _ in got.probes)
    assert got.needed is not None and got.needed > p.labour.pickers


@pytest.mark.parametrize("seed", range(6))
def test_against_the_clock_the_figure_is_the_true_fewest_and_a_late_plan_searches_its_count_again(
        seed: int) -> None:
    """With the clock the counts are started from the trips found with one more picker too; a plan late with
    its pickers (every item alone, one picker) searches that count once more, last."""
    p = crowded(seed)
    want = true_fewest(p, 3)
    dur = Durations(p, cost)
    got = fewest_pickers(p, dur, [[[i] for i in range(p.n)]], SchedulingParams(time_limit_s=0.5, seed=1),
                         search=SchedulingParams(time_limit_s=0.2, seed=1))
    assert got.needed == want
    if want is None:
        return
    assert evaluate(with_pickers(p, want), dur, [list(t) for t in got.trips])[0][0] == 0
    late_alone = evaluate(p, dur, [[i] for i in range(p.n)])[0][0] > 0
    if late_alone and got.lower_bound is not None and got.lower_bound <= p.labour.pickers < want:
        assert got.probes and got.probes[-1][0] == p.labour.pickers


def test_deterministic_with_max_iterations() -> None:
    p = tiny(4, n=7, pickers=3, totes=3)
    params = SchedulingParams(max_iterations=10, seed=2)
    a = fewest_pickers(p, Durations(p, cost), [[[i] for i in range(p.n)]], params)
    b = fewest_pickers(p, Durations(p, cost), [[[i] for i in range(p.n)]], params)
    assert a == b


def _busy(seed: int, n: int):  # type: ignore[no-untyped-def]
    """:func:`crowded` with more items and due times spread out: a handful of pickers needed."""
    p = crowded(seed, n=n, totes=3)
    rng = random.Random(seed)
    return dataclasses.replace(p, due_s=tuple(float(rng.choice([350, 500, 700, 1000])) for _ in range(n)))


def test_a_count_searched_is_on_time_exactly_when_planning_with_it_is() -> None:
    """With ``max_iterations`` set, each count the staffing searched is on time exactly when a plan of that
    many pickers (the same search, from scratch) is: so planning with one fewer than the figure is late."""
    from engine.scheduling.search import solve

    searched = failed = 0
    for seed in range(80):
        p = with_pickers(_busy(seed, 14), 14)
        params = SchedulingParams(max_iterations=4, seed=seed, exact_items=0, exact_candidates=0)
        plan = solve(p, cost, params)
        got = fewest_pickers(p, Durations(p, cost), [[list(t.items) for t in plan.trips], *plan.alternatives],
                             params, search=params)
        assert got.needed is not None
        for c, late in got.probes:
            again = solve(with_pickers(p, c), cost, params)
            assert (again.objective.late_orders == 0) == (late == 0), (seed, c, late, again.objective)
            searched += 1
        if got.probes and got.probes[-1][1]:  # stopped at a count it could not make: the figure is one above
            assert got.probes[-1][0] == got.needed - 1
            failed += 1
        key = evaluate(with_pickers(p, got.needed), Durations(p, cost), [list(t) for t in got.trips])[0]
        assert key[0] == 0
    assert searched >= 4 and failed >= 2, (searched, failed)


def test_a_count_the_search_leaves_late_is_on_time_when_its_final_durations_are() -> None:
    """``final`` (the durations the plan's last steps give the trips, e.g. faces re-chosen) judges a count the
    search leaves late as a plan with that many pickers is judged: on time when those durations are."""
    from engine.scheduling.search import solve
    from engine.scheduling.sequencing import best_schedule

    lower = rescued = 0
    for seed in range(40):
        p = with_pickers(_busy(seed, 14), 14)
        params = SchedulingParams(max_iterations=4, seed=seed, exact_items=0, exact_candidates=0)
        plan = solve(p, cost, params)
        sets = [[list(t.items) for t in plan.trips], *plan.alternatives]
        dur = Durations(p, cost)

        def final(trips, dur=dur):  # type: ignore[no-untyped-def]
            return [0.85 * dur(b) for b in trips]

        plain = fewest_pickers(p, Durations(p, cost), sets, params, search=params)
        got = fewest_pickers(p, Durations(p, cost), sets, params, search=params, final=final)
        same = fewest_pickers(p, Durations(p, cost), sets, params, search=params,
                              final=lambda trips, dur=dur: [dur(b) for b in trips])
        assert same == plain  # final durations no shorter: nothing changes
        assert got.needed is not None and plain.needed is not None and got.needed <= plain.needed
        lower += got.needed < plain.needed
        # the witness, with the durations it carries, is on time with that many pickers
        assert best_schedule(with_pickers(p, got.needed), [list(t) for t in got.trips], got.durations)[0][0] == 0
        assert all(d in (dur(t), 0.85 * dur(t)) for t, d in zip(got.trips, got.durations, strict=True))
        for c, late in got.probes:  # a plan of c pickers, judged by its final durations, is on time iff the count is
            again = solve(with_pickers(p, c), cost, params)
            trips = [list(t.items) for t in again.trips]
            on_time = again.objective.late_orders == 0 or best_schedule(with_pickers(p, c), trips,
                                                                         final(trips))[0][0] == 0
            assert on_time == (late == 0), (seed, c, late)
            rescued += late == 0 and again.objective.late_orders > 0
    assert lower >= 1 and rescued >= 1, (lower, rescued)

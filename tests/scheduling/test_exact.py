"""The set-partitioning model: proofs on tiny instances, and big recombinations solved without presolve and LP."""

from __future__ import annotations

import pytest

from engine.scheduling import exact
from engine.scheduling.exact import candidate_trips, partition
from engine.scheduling.trips import Durations, evaluate
from tests.scheduling.test_search import brute_force, cost, tiny


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bool, int]]:
    """Record (presolve, linearization level) of every CP-SAT solve."""
    from ortools.sat.python import cp_model

    seen: list[tuple[bool, int]] = []
    real = cp_model.CpSolver.solve

    def solve(self, model, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append((self.parameters.cp_model_presolve, self.parameters.linearization_level))
        return real(self, model, *args, **kwargs)

    monkeypatch.setattr(cp_model.CpSolver, "solve", solve)
    return seen


@pytest.mark.parametrize("seed", [2, 3, 5, 8, 9, 11])
def test_a_big_recombination_runs_without_presolve_and_lp_and_still_finds_the_best(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above PRESOLVE_MAX_TRIPS (here 0) a recombination is solved with neither CP-SAT's presolve nor its LP
    (both overran the clock on big pools); on a tiny instance it still finds the optimum of every trip."""
    p = tiny(seed)
    want = brute_force(p)
    assert want[0] == 0  # these seeds have a punctual plan (the model applies)
    dur = Durations(p, cost)
    cands = candidate_trips(p, 10_000)
    assert cands is not None
    seen = _spy(monkeypatch)
    monkeypatch.setattr(exact, "PRESOLVE_MAX_TRIPS", 0)
    got = partition(p, dur, cands, 10.0)
    assert got is not None and seen == [(False, 0)]
    key, batches, proven, _ = got
    assert not proven and key == want == evaluate(p, dur, batches)[0]
    # a proof (every trip, complete) keeps both
    seen.clear()
    full = partition(p, dur, cands, 10.0, complete=True)
    assert full is not None and full[0] == want and full[2]
    assert seen == [(True, 1)]

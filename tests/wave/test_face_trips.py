"""Batching with scattered storage: trips priced on their best faces, stock shared by the trips of a wave."""

from __future__ import annotations

import copy
import random
from collections import Counter

import pytest

from engine.model import Method
from engine.wave import groups as groups_mod
from engine.wave import plan_wave, prepare_wave
from engine.wave.face_trips import TOKEN_BASE, FaceTrips
from engine.wave.parts import scoring_method

from .test_pipeline import check_conservation, problem


def _trips(seed: int = 3) -> tuple[FaceTrips, object, list[object]]:
    prob = problem(Method.BATCH, seed=seed, orders=30)
    prep = prepare_wave(prob)
    parts = [prep.parts[i] for i in prep.groups[0]]
    cache = prep.points.route_cost(scoring_method(prob.layout, prob.config.routing), None)
    ft = groups_mod._face_trips(prep, 0, parts, cache)
    assert ft is not None
    return ft, prep, parts


def test_a_trip_is_never_priced_above_its_release_faces() -> None:
    ft, prep, parts = _trips()
    base = ft.base
    rng = random.Random(0)
    for _ in range(40):
        items = rng.sample(range(len(parts)), rng.randint(1, 4))
        key = frozenset(k for i in items for k in ft.problem.points[i])
        release = frozenset(prep.points.of(t.location_id) for i in items for t in parts[i].takes)  # type: ignore[attr-defined]
        assert ft.cache(key) <= base(release) + 1e-9
        if max(key) < TOKEN_BASE:
            assert ft.cache(key) == base(release)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_any_trips_together_stay_within_stock(seed: int) -> None:
    """Whatever the batches, every trip's faces fit the stock together (open faces, quotas)."""
    ft, prep, parts = _trips()
    order = list(range(len(parts)))
    random.Random(seed).shuffle(order)
    trips = [order[k:k + 3] for k in range(0, len(order), 3)]
    ledger = copy.deepcopy(prep.release.ledger)  # type: ignore[attr-defined]
    out = ft.finish(trips, ledger, None, None, str, lambda loc: True)
    assert all(v >= 0 for v in ledger.left.values())
    stock = Counter({(r.sku, r.location_id): r.qty for r in prep.problem.stock})  # type: ignore[attr-defined]
    used: Counter[tuple[str, str]] = Counter()
    for batch, trip in zip(out, trips, strict=True):
        for p, i in zip(batch, trip, strict=True):
            want: Counter[str] = Counter()
            for t in parts[i].takes:  # type: ignore[attr-defined]
                want[t.sku] += t.qty
            got: Counter[str] = Counter()
            for t in p.takes:
                got[t.sku] += t.qty
                used[(t.sku, t.location_id)] += t.qty
            assert got == want
    assert all(q <= stock[k] for k, q in used.items())


def test_face_scoring_plans_hold_and_are_never_longer_than_fixed_faces(monkeypatch: pytest.MonkeyPatch) -> None:
    prob = problem(Method.BATCH, seed=5, orders=30)
    plan = plan_wave(prob)
    check_conservation(prob, plan)
    monkeypatch.setattr(groups_mod, "FACE_SCORING", False)
    before = plan_wave(prob)
    assert sum(b.distance_m for b in plan.batches) <= sum(b.distance_m for b in before.batches) + 1e-9


def test_no_choice_of_faces_means_no_face_scoring() -> None:
    prob = problem(Method.BATCH, seed=3, orders=30)
    one_face = type(prob).build(prob.layout, prob.skus, tuple(
        r for k, r in enumerate(prob.stock) if all(s.sku != r.sku for s in prob.stock[:k])), prob.boxes, prob.orders,
        config=prob.config)
    prep = prepare_wave(one_face)
    parts = [prep.parts[i] for i in prep.groups[0]]
    cache = prep.points.route_cost(scoring_method(one_face.layout, one_face.config.routing), None)
    assert groups_mod._face_trips(prep, 0, parts, cache) is None

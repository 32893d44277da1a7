"""``cart.tote`` (SPEC sections 4 and 8): orders over several totes, tote numbers per trip, limits."""

from __future__ import annotations

import doctest
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

import engine.wave.totes as totes_module
from engine.errors import InputError
from engine.io.config import parse_wave_config
from engine.model import CartSpec, HoldReason, Method, Sku, ToteSpec, WaveConfig
from engine.synth import SynthParams, generate, write_instance
from engine.wave import WaveProblem, plan_wave, write_plan
from engine.wave.allocation import Take
from engine.wave.totes import fill_totes, tote_rows, trip_groups

ROOT = Path(__file__).resolve().parents[2]
TOTE = ToteSpec(max_weight_kg=6.0, max_volume_l=12.0)


def problem(method: Method, tote: ToteSpec | None = TOTE, seed: int = 5) -> tuple[WaveProblem, object]:
    inst = generate(SynthParams(blocks=2, aisles=8, slots_per_side=10, skus=80, orders=40, multi_face_share=0.5),
                    seed=seed)
    cart = CartSpec(totes=6, max_weight_kg=30.0, max_volume_l=60.0, tote=tote)
    config = WaveConfig(method=method, cart=cart, max_iterations=30, seed=seed)
    prob = WaveProblem.build(inst.layout, {s.sku: s for s in inst.skus}, inst.stock, inst.boxes, inst.orders,
                             config=config)
    return prob, inst


def test_docstring_examples() -> None:
    result = doctest.testmod(totes_module)
    assert result.failed == 0 and result.attempted > 0


def test_first_fit_never_splits_a_unit_and_respects_both_limits() -> None:
    skus = {"A": Sku("A", 10, 10, 10, 2.5), "B": Sku("B", 20, 10, 10, 0.5)}
    loads = fill_totes([Take("o", "A", "L1", 5), Take("o", "B", "L2", 7)], skus, TOTE, CartSpec())
    for load in loads:
        w = sum(t.qty * skus[t.sku].weight_kg for t in load)
        v = sum(t.qty * skus[t.sku].volume_l for t in load)
        assert w <= 6.0 + 1e-9 and v <= 12.0 + 1e-9
    assert {sku: sum(t.qty for load in loads for t in load if t.sku == sku) for sku in "AB"} == {"A": 5, "B": 7}
    # A: 2 a tote by weight (3 totes), B joins the first tote with room: first fit
    assert [[(t.sku, t.qty) for t in load] for load in loads] == [[("A", 2), ("B", 2)], [("A", 2), ("B", 2)],
                                                                  [("A", 1), ("B", 3)]]
    with pytest.raises(ValueError, match="does not fit an empty tote"):
        fill_totes([Take("o", "A", "L1", 1)], skus, ToteSpec(max_weight_kg=1.0), CartSpec())


def test_trip_groups_cap_totes_and_cart_limits() -> None:
    skus = {"A": Sku("A", 10, 10, 10, 1.0)}
    loads = [[Take("o", "A", "L", 4)]] * 5
    assert trip_groups(loads, skus, CartSpec(totes=8, max_weight_kg=9.0)) == [[0, 1], [2, 3], [4]]


def test_tote_rows_refuse_takes_that_do_not_match_the_totes() -> None:
    with pytest.raises(ValueError):
        tote_rows([Take("o", "A", "L1", 3)], [(("A", 4),)])
    with pytest.raises(ValueError):
        tote_rows([Take("o", "A", "L1", 3)], [(("A", 2),)])


def test_config_reads_cart_tote_and_names_bad_keys() -> None:
    cfg = parse_wave_config("method: cluster\ncart: {totes: 8, tote: {max_weight_kg: 12, max_volume_l: 40}}\n")
    assert cfg.cart.tote == ToteSpec(12.0, 40.0)
    for text, fragment in [("cart: {tote: {max_volume_l: 0}}\n", "cart.tote"),
                           ("cart: {tote: {depth_cm: 3}}\n", "column 'cart.tote.depth_cm': unknown key"),
                           ("cart: {tote: {}}\n", "needs max_weight_kg or max_volume_l"),
                           ("cart: {tote: 40}\n", "column 'cart.tote': must be a mapping")]:
        with pytest.raises(InputError) as err:
            parse_wave_config(text)
        assert any(fragment in str(p) for p in err.value.problems), (text, err.value.problems)


def test_cluster_with_totes_numbers_totes_per_trip_and_keeps_every_limit() -> None:
    prob, _ = problem(Method.CLUSTER)
    plan = plan_wave(prob)
    cart = prob.config.cart
    multi = 0
    for b in plan.batches:
        load: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        owner: dict[str, str] = {}
        for p in b.picks:
            s = prob.skus[p.sku]
            load[p.tote][0] += s.weight_kg * p.qty
            load[p.tote][1] += s.volume_l * p.qty
            assert owner.setdefault(p.tote, p.order_id) == p.order_id  # one order per tote
        numbers = sorted(int(t.split("/")[0]) for t in load)
        assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) <= cart.totes
        assert all(TOTE.fits(w, v) for w, v in load.values())
        assert b.weight_kg <= cart.max_weight_kg + 1e-9 and b.volume_l <= cart.max_volume_l + 1e-9
        per_order = Counter(owner.values())
        multi += sum(1 for c in per_order.values() if c > 1)
        # an order's totes are consecutive on the cart
        for oid in per_order:
            mine = sorted(int(t.split("/")[0]) for t, o in owner.items() if o == oid)
            assert mine == list(range(mine[0], mine[0] + len(mine)))
    assert multi > 0, "the instance should have orders over several totes"
    picked: dict[str, Counter[str]] = defaultdict(Counter)
    for b in plan.batches:
        for p in b.picks:
            picked[p.order_id][p.sku] += p.qty
    for o in prob.orders:
        if o.order_id in picked:
            assert dict(picked[o.order_id]) == o.quantities()


def test_batch_method_ignores_tote_limits() -> None:
    with_tote, _ = problem(Method.BATCH)
    without, _ = problem(Method.BATCH, tote=None)
    a, b = plan_wave(with_tote), plan_wave(without)
    assert [x.picks for x in a.batches] == [x.picks for x in b.batches]


def test_a_unit_larger_than_a_tote_is_held() -> None:
    prob, _ = problem(Method.CLUSTER, tote=ToteSpec(max_weight_kg=0.05))
    plan = plan_wave(prob)
    reasons = {h.reason for h in plan.held}
    assert HoldReason.EXCEEDS_CART in reasons
    assert any("exceeds a tote" in h.detail for h in plan.held)


def test_verify_plan_accepts_a_cluster_plan_with_totes(tmp_path: Path) -> None:
    prob, inst = problem(Method.CLUSTER)
    paths = write_instance(inst, tmp_path / "in")  # type: ignore[arg-type]
    config = tmp_path / "in" / "wave.yaml"
    config.write_text("method: cluster\ncart: {totes: 6, max_weight_kg: 30, max_volume_l: 60, "
                      "tote: {max_weight_kg: 6, max_volume_l: 12}}\nmax_iterations: 30\nseed: 5\n")
    out = tmp_path / "out"
    write_plan(plan_wave(prob), out)
    tool = ROOT.parent / "shared" / "tools" / "verify_plan.py"
    if not tool.exists():
        pytest.skip("shared/tools/verify_plan.py not found")
    run = subprocess.run([sys.executable, str(tool), "--layout", str(paths["layout"]), "--skus", str(paths["skus"]),
                          "--inventory", str(paths["inventory"]), "--orders", str(paths["orders"]),
                          "--boxes", str(paths["boxes"]), "--config", str(config), "--out", str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]

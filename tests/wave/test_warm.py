"""Compiled kernels: a plan loads every kernel it calls before it shares out its budget, and
``python -m engine.wave.warm`` loads them all."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Run in a fresh process: the numba dispatchers of engine modules and their loaded signatures, once
#: right after the plan's warm-up (inside prepare_wave) and once after the whole plan.
_PLAN = textwrap.dedent("""
    import json, sys
    from datetime import UTC, datetime, timedelta
    import dataclasses
    from numba.core.registry import CPUDispatcher
    from engine.model import CartSpec, Method, WaveConfig
    from engine.scheduling import LabourParams
    from engine.synth import SynthParams, generate
    from engine.wave import WaveProblem, plan_wave
    import engine.wave.pipeline as pipeline

    def loaded():
        out = {}
        for name, mod in list(sys.modules.items()):
            if name.startswith("engine.") and mod is not None:
                for attr, obj in vars(mod).items():
                    if isinstance(obj, CPUDispatcher) and obj.py_func.__module__ == name:
                        out[f"{name}.{attr}"] = sorted(str(s) for s in obj.signatures)
        return out

    snaps = []
    real = pipeline.warm_kernels
    def spy(*args, **kwargs):
        real(*args, **kwargs)
        snaps.append(loaded())
    pipeline.warm_kernels = spy
    method, labour = Method[sys.argv[1]], sys.argv[2] == "labour"
    inst = generate(SynthParams(blocks=2, aisles=10, slots_per_side=12, skus=120, orders=40, multi_face_share=0.6),
                    seed=3)
    start = datetime(2024, 11, 5, 8, 0, tzinfo=UTC)
    orders = inst.orders
    lab = None
    if labour:
        orders = tuple(dataclasses.replace(o, carrier="", ship_by=start + timedelta(minutes=40 + 20 * (k % 4)))
                       for k, o in enumerate(orders))
        lab = LabourParams(pickers=2, start=start, pack_lead_s=0)
    config = WaveConfig(method=method, cart=CartSpec(totes=4, max_weight_kg=25.0, max_volume_l=60.0),
                        max_iterations=20, seed=1, labour=lab)
    problem = WaveProblem.build(inst.layout, {s.sku: s for s in inst.skus}, inst.stock, inst.boxes, orders,
                                config=config)
    plan_wave(problem, pack_workers=1)
    after = loaded()
    print(json.dumps({"warm": snaps[0], "after": after}))
""")


@pytest.mark.parametrize(("method", "labour"), [("CLUSTER", "labour"), ("BATCH", "distance")])
def test_a_plan_calls_no_kernel_it_did_not_load_before_sharing_out_its_budget(method: str, labour: str) -> None:
    """Every compiled kernel a plan calls (every signature) was loaded by its warm-up, before the budget was
    shared out: a kernel compiled later (a new install) would take its stage's time and more."""
    res = subprocess.run([sys.executable, "-c", _PLAN, method, labour], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    got = json.loads(res.stdout.strip().splitlines()[-1])
    warm, after = got["warm"], got["after"]
    assert any(sigs for sigs in warm.values())  # the warm-up did load kernels
    late = {k: sorted(set(v) - set(warm.get(k, []))) for k, v in after.items() if set(v) - set(warm.get(k, []))}
    assert not late, late


def test_warm_everything_loads_the_route_pricing_faces_and_graph_kernels() -> None:
    code = textwrap.dedent("""
        import sys
        from engine.wave.warm import main
        main()
        from engine.routing import face_kernel, kernel, tsp_kernel
        from engine.batching import pricing
        for k in (kernel.lengths_of_indices, kernel.tour_of_rows, pricing.greedy_price, face_kernel.advance,
                  tsp_kernel.fast_ils):
            assert k.signatures, k
        print("ok")
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert res.stdout.strip().endswith("ok")
    assert "compiled kernels ready in" in res.stderr

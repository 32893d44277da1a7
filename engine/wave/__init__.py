"""Wave planning: release rules, the plan pipeline and its output files.

>>> from engine.wave import plan_wave, load_problem, write_plan   # doctest: +SKIP
>>> plan = plan_wave(load_problem("layout.yaml", "skus.csv", "inventory.csv", "orders.csv", "boxes.csv"))
>>> write_plan(plan, "out/")

The pipeline, its output and problem loading load on first use, so ``import engine.wave.release`` (the
store's claim orders its SQL by the release rank) does not import the
batching and routing solvers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Light modules load now (``release`` must be the function, not its module of the same name).
from engine.wave.allocation import StockLedger, Take, choose_faces, rechoose_faces
from engine.wave.plan import Baselines, Batch, Pick, Plan, PlanSummary, SearchStats
from engine.wave.release import Release, rank_key, release

if TYPE_CHECKING:
    from engine.wave.output import render_plan, write_plan
    from engine.wave.pipeline import (
        GroupPlan,
        Part,
        WavePrep,
        assemble_plan,
        plan_group,
        plan_wave,
        prepare_wave,
        split_parts,
    )
    from engine.wave.problem import WaveProblem, derive_wave_id, load_problem

_HOME = {
    "render_plan": "output", "write_plan": "output",
    "GroupPlan": "pipeline", "Part": "pipeline", "WavePrep": "pipeline", "assemble_plan": "pipeline",
    "plan_group": "pipeline", "plan_wave": "pipeline", "prepare_wave": "pipeline", "split_parts": "pipeline",
    "WaveProblem": "problem", "derive_wave_id": "problem", "load_problem": "problem",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'engine.wave' has no attribute {name!r}")
    return getattr(importlib.import_module(f"engine.wave.{home}"), name)


__all__ = [
    "Baselines",
    "Batch",
    "GroupPlan",
    "Part",
    "Pick",
    "Plan",
    "PlanSummary",
    "Release",
    "SearchStats",
    "StockLedger",
    "Take",
    "WavePrep",
    "WaveProblem",
    "assemble_plan",
    "choose_faces",
    "derive_wave_id",
    "load_problem",
    "plan_group",
    "plan_wave",
    "prepare_wave",
    "rank_key",
    "rechoose_faces",
    "release",
    "render_plan",
    "split_parts",
    "write_plan",
]

"""Wave planning: release rules, the plan pipeline and its output files.

>>> from engine.wave import plan_wave, load_problem, write_plan   # doctest: +SKIP
>>> plan = plan_wave(load_problem("layout.yaml", "skus.csv", "inventory.csv", "orders.csv", "boxes.csv"))
>>> write_plan(plan, "out/")
"""

from engine.wave.allocation import StockLedger, Take, rechoose_faces
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
from engine.wave.plan import Baselines, Batch, Pick, Plan, PlanSummary, SearchStats
from engine.wave.problem import WaveProblem, derive_wave_id, load_problem
from engine.wave.release import Release, rank_key, release

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

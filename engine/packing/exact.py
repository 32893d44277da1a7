"""Exact single-box feasibility with CP-SAT, for small unit sets.

Decides whether the given units fit one box (padded blocks, rotations as allowed)
and returns a placement when they do. Coordinates are integers at the finest of
1, 0.1, 0.01, 0.001 cm that represents every dimension exactly; when none does,
units are rounded up and the box down, so a placement found is still valid but
an infeasibility is no longer a proof (reported as ``UNKNOWN``).

Model: per unit one literal per orientation (exactly one), integer corner
coordinates, and per pair six "is left of / right of / ..." literals of which at
least one holds (two fragile units' padded blocks may overlap by one padding).
Identical units are ordered by ``x`` to break symmetry.

The search runs on one worker with a *deterministic* time limit, so its answer
depends on the inputs and seed only, never on the machine's load.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import Enum

import numpy as np

from engine.packing.extreme_points import Placed
from engine.packing.geometry import PieceType


class Status(Enum):
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"


def _scale(values: np.ndarray) -> tuple[int, bool]:
    for s in (1, 10, 100, 1000):
        v = values * s
        if np.all(np.abs(v - np.round(v)) < 1e-6):
            return s, True
    return 1000, False


def exact_place(
    units: Sequence[PieceType],
    dims: np.ndarray,
    *,
    time_limit_s: float,
    seed: int,
    wall_clock_cap_s: float | None = None,
) -> tuple[Status, list[Placed] | None, float]:
    """Decide with CP-SAT whether ``units`` fit a box of inner ``dims``.

    Weight is not checked here (the caller does). ``time_limit_s`` is CP-SAT
    deterministic time on one worker, so the outcome depends only on the inputs
    and ``seed``. ``wall_clock_cap_s`` is an optional safety net; when it is
    what stops the search, the outcome may depend on load.

    Returns
    -------
    status, placements, deterministic time used
    """
    from ortools.sat.python import cp_model  # imported on first use: most orders never need it

    if not units:
        return Status.FEASIBLE, [], 0.0
    pads = np.array([u.pad for u in units])
    allv = np.concatenate([dims, pads, *[u.extents.ravel() for u in units]])
    s, exact = _scale(allv)
    B = [math.floor(d * s + 1e-6) for d in dims]
    ext = [np.ceil(u.extents * s - 1e-6).astype(int) for u in units]
    # allowance rounded down, so a placement found is still valid when inexact
    allow = [[math.floor(min(a.pad, b.pad) * s + 1e-6) for b in units] for a in units]

    m = cp_model.CpModel()
    pos: list[list[cp_model.IntVar]] = []
    size: list[list[cp_model.LinearExpr]] = []
    orient: list[list[cp_model.IntVar]] = []
    for i, e in enumerate(ext):
        lits = [m.new_bool_var(f"o{i}_{r}") for r in range(len(e))]
        m.add_exactly_one(lits)
        for r in range(len(e)):
            if np.any(e[r] > B):
                m.add(lits[r] == 0)
        sz = [cp_model.LinearExpr.weighted_sum(lits, [int(e[r][a]) for r in range(len(e))]) for a in range(3)]
        p = [m.new_int_var(0, B[a], f"p{i}_{a}") for a in range(3)]
        for a in range(3):
            m.add(p[a] + sz[a] <= B[a])
        pos.append(p)
        size.append(sz)
        orient.append(lits)
    for i in range(len(units)):
        for j in range(i + 1, len(units)):
            sep = [m.new_bool_var(f"s{i}_{j}_{k}") for k in range(6)]
            m.add_bool_or(sep)
            g = allow[i][j]
            for a in range(3):
                m.add(pos[i][a] + size[i][a] - g <= pos[j][a]).only_enforce_if(sep[2 * a])
                m.add(pos[j][a] + size[j][a] - g <= pos[i][a]).only_enforce_if(sep[2 * a + 1])
            if units[i] is units[j]:
                m.add(pos[i][0] <= pos[j][0])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = max(time_limit_s, 1e-3)
    if wall_clock_cap_s is not None:
        solver.parameters.max_time_in_seconds = max(wall_clock_cap_s, 1e-3)
    status = solver.solve(m)
    used = solver.deterministic_time
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        out = []
        for i in range(len(units)):
            r = next(r for r, lit in enumerate(orient[i]) if solver.boolean_value(lit))
            lo = tuple(solver.value(pos[i][a]) / s for a in range(3))
            out.append(Placed(i, (lo[0], lo[1], lo[2]), r))
        out.sort(key=lambda p: (p.lo[2], p.lo[1], p.lo[0], p.unit))
        return Status.FEASIBLE, out, used
    if status == cp_model.INFEASIBLE and exact:
        return Status.INFEASIBLE, None, used
    return Status.UNKNOWN, None, used

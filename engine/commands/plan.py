"""``pickwave plan`` (SPEC section 6): plan one wave from files into ``--out``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from engine.commands.common import progress
from engine.errors import InputError, Problem
from engine.io.config import read_wave_config, with_overrides
from engine.publish.storage import local_folder
from engine.wave import load_problem, plan_wave, write_plan

log = logging.getLogger(__name__)


def run_plan(args: argparse.Namespace) -> int:
    """Read the inputs, plan, write the five output files, print a one-line summary."""
    out = local_folder(args.out)
    config = with_overrides(read_wave_config(args.config), time_limit_s=args.time_limit,
                            max_iterations=args.max_iterations, seed=args.seed)
    problem = load_problem(args.layout, args.skus, args.inventory, args.orders, args.boxes, config)
    workers = getattr(args, "workers", None) or os.cpu_count() or 1
    if workers < 1:
        raise InputError([Problem("--workers", f"must be >= 1, got {workers}")])
    plan = plan_wave(problem, progress(args), pack_workers=workers, started=process_started())
    write_plan(plan, out)
    s = plan.summary
    saving = s.saving(s.distance_m, s.baselines.first_come_sshape_m)
    print(f"wave {plan.wave_id}: {s.released} of {s.orders_in} orders released in {s.batches} batches, "
          f"{s.distance_m:.1f} m" + (f" ({compared(saving)} first-come S-shape)" if saving is not None else "")
          + f"; {sum(s.held_by_reason.values())} held; written to {args.out}")
    return 0


def process_started() -> float | None:
    """When this process started, as a ``time.monotonic()`` reading (Linux), else None.

    ``time_limit_s`` is the budget of the whole command: the seconds spent
    starting Python and importing the engine count too. Only for the
    ``pickwave`` program itself (a caller that imports the engine, say a test
    run, keeps the budget counted from the call).
    """
    if Path(sys.argv[0]).name not in ("pickwave", "cli.py"):
        return None
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return time.monotonic() - age if 0 <= age < 3600 else None


def compared(saving: float) -> str:
    """``saving`` (a share of the baseline) in words: "less than" or "more than".

    >>> compared(0.25), compared(-1.182), compared(0.0)
    ('25.0% less than', '118.2% more than', '0.0% less than')
    """
    return f"{abs(saving):.1%} {'less' if saving >= 0 else 'more'} than"

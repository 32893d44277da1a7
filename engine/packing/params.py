"""Parameters of the packer, validated on construction."""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.model import WaveConfig


@dataclass(frozen=True, slots=True)
class PackingParams:
    """How :func:`engine.packing.solve` packs an order.

    Attributes
    ----------
    fragile_padding_cm
        Clearance kept on every side of a fragile unit, box walls included.
    time_limit_per_order_s
        Budget of the exact search (CP-SAT, one worker) per order, in CP-SAT
        *deterministic* seconds (a work count, about a second of work on a modern
        core each): the same inputs and seed give byte-identical cartons on any
        machine and under any load. The placement heuristic is bounded work, not timed.
    wall_clock_cap_s
        Safety net only: wall-clock seconds after which an order stops calling the
        exact search (its heuristic answer stands). ``None`` (default) never reads
        the clock, so results never depend on load; when set and reached, results
        may differ between runs.
    exact_max_units
        Orders (or carton contents) of at most this many units get the exact
        feasibility search when the heuristic fails on a box the lower bounds allow
        (two units are always decided exactly, in closed form). On a generated
        10k-order wave, 8 instead of 4 saved 0.5 % of the box cost for 2.7 times
        the packing time.
    dim_factor_cm3_per_kg
        Carrier dimensional-weight divisor (e.g. 5000). ``None``: no dimensional weight.
    rate_per_kg
        Carrier charge per billable kg added to each carton's box cost; 0 turns the
        carrier charge off. Billable kg is ``max(actual, L*W*H / dim_factor)``.
    per_carton_cost
        Handling charge per carton (labour, label, void fill) on top of its box
        cost. Large values make the packer use the fewest cartons first and the
        cheapest boxes second; 0 (default) prices boxes alone.
    seed
        Seed of the exact search; the heuristic is deterministic.

    Examples
    --------
    >>> PackingParams(fragile_padding_cm=1.5).exact_max_units
    4
    >>> PackingParams(rate_per_kg=-1)
    Traceback (most recent call last):
    ...
    ValueError: rate_per_kg must be >= 0
    """

    fragile_padding_cm: float = 2.0
    time_limit_per_order_s: float = 0.05
    exact_max_units: int = 4
    dim_factor_cm3_per_kg: float | None = None
    rate_per_kg: float = 0.0
    seed: int = 0
    wall_clock_cap_s: float | None = None
    per_carton_cost: float = 0.0

    def __post_init__(self) -> None:
        if not (self.fragile_padding_cm >= 0 and math.isfinite(self.fragile_padding_cm)):
            raise ValueError("fragile_padding_cm must be a finite number >= 0")
        if not (self.time_limit_per_order_s >= 0 and math.isfinite(self.time_limit_per_order_s)):
            raise ValueError("time_limit_per_order_s must be a finite number >= 0")
        if self.exact_max_units < 0:
            raise ValueError("exact_max_units must be >= 0")
        if self.dim_factor_cm3_per_kg is not None and not self.dim_factor_cm3_per_kg > 0:
            raise ValueError("dim_factor_cm3_per_kg must be positive or None")
        if not (self.rate_per_kg >= 0 and math.isfinite(self.rate_per_kg)):
            raise ValueError("rate_per_kg must be >= 0")
        if self.wall_clock_cap_s is not None and not self.wall_clock_cap_s > 0:
            raise ValueError("wall_clock_cap_s must be positive or None")
        if not (self.per_carton_cost >= 0 and math.isfinite(self.per_carton_cost)):
            raise ValueError("per_carton_cost must be a finite number >= 0")


def packing_params(config: WaveConfig) -> PackingParams:
    """The packer's parameters from a wave config (padding, seed, ``packing`` costs)."""
    return PackingParams(
        fragile_padding_cm=config.fragile_padding_cm,
        seed=config.seed,
        per_carton_cost=config.packing.per_carton_cost,
        dim_factor_cm3_per_kg=config.packing.dim_factor_cm3_per_kg,
        rate_per_kg=config.packing.rate_per_kg,
    )

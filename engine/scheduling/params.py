"""Typed, validated parameters of SPEC section 8: labour, carriers, and the search.

All frozen; every check happens in ``__post_init__`` so that a bad value can
never reach a solver. ``engine.io.config`` turns ``wave.yaml``'s ``labour:``
and ``carriers:`` into these, naming the key of any bad value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True, slots=True)
class LabourParams:
    """``labour:`` of ``wave.yaml``: pickers and engineered time standards.

    Attributes
    ----------
    pickers
        Pickers on the wave, each doing trips one after another (>= 1).
    start
        When trips may start (aware datetime); ``None``: the time of the run,
        filled in at the edge before planning.
    walking_speed_m_s, setup_s_per_trip, time_s_per_stop, time_s_per_line, time_s_per_unit
        Trip duration ``setup + distance / speed + per_stop * stops + per_line * rows
        + per_unit * units`` (seconds).
    pack_lead_s
        From the end of an order's last trip to its truck.
    horizon_s
        Release horizon (seconds), or ``None`` to plan every released order now.
    """

    pickers: int
    start: datetime | None = None
    walking_speed_m_s: float = 1.0
    setup_s_per_trip: float = 120.0
    time_s_per_stop: float = 10.0
    time_s_per_line: float = 5.0
    time_s_per_unit: float = 0.0
    pack_lead_s: float = 1800.0
    horizon_s: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.pickers, bool) or not isinstance(self.pickers, int) or self.pickers < 1:
            raise ValueError(f"labour.pickers must be a whole number >= 1, got {self.pickers!r}")
        if self.start is not None and self.start.tzinfo is None:
            raise ValueError("labour.start must carry a time zone")
        if not (math.isfinite(self.walking_speed_m_s) and self.walking_speed_m_s > 0):
            raise ValueError(f"labour.walking_speed_m_s must be > 0, got {self.walking_speed_m_s!r}")
        for name in ("setup_s_per_trip", "time_s_per_stop", "time_s_per_line", "time_s_per_unit", "pack_lead_s"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise ValueError(f"labour.{name} must be a number >= 0, got {v!r}")
        if self.horizon_s is not None and not (math.isfinite(self.horizon_s) and self.horizon_s >= 0):
            raise ValueError(f"labour.horizon_s must be >= 0 or null, got {self.horizon_s!r}")


@dataclass(frozen=True, slots=True)
class Carrier:
    """One entry of ``carriers:``: when the carrier's truck leaves, local time.

    ``departs`` are local wall-clock times, sorted and unique after validation;
    ``timezone`` is an IANA name (``zoneinfo``), default UTC.

    >>> Carrier("UPS", (time(17, 30), time(12, 0)), "America/New_York").departs
    (datetime.time(12, 0), datetime.time(17, 30))
    """

    carrier_id: str
    departs: tuple[time, ...]
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if not str(self.carrier_id).strip():
            raise ValueError("carrier id must not be empty")
        if not self.departs:
            raise ValueError(f"carrier {self.carrier_id}: departs must list at least one time")
        if any(not isinstance(t, time) or t.tzinfo is not None for t in self.departs):
            raise ValueError(f"carrier {self.carrier_id}: departs must be local times HH:MM[:SS]")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"carrier {self.carrier_id}: unknown time zone {self.timezone!r}") from None
        object.__setattr__(self, "departs", tuple(sorted(set(self.departs))))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class SchedulingParams:
    """The search's budget and knobs.

    Attributes
    ----------
    time_limit_s
        Wall-clock budget of :func:`engine.scheduling.solve` (read only when
        ``max_iterations`` is None).
    max_iterations
        Perturbation rounds of the iterated local search; with it set the clock
        is never read for the plan, so the same inputs and seed give the same plan.
    exact_items
        Instances of at most this many items are also given to the exact model
        (enumerated trips, CP-SAT); 0 switches it off.
    exact_candidates
        Largest number of enumerated candidate trips the exact model takes.
    seed
        Seed of the perturbations.
    """

    time_limit_s: float = 5.0
    max_iterations: int | None = None
    exact_items: int = 18
    exact_candidates: int = 3000
    seed: int = 0

    def __post_init__(self) -> None:
        if not (self.time_limit_s > 0):
            raise ValueError(f"time_limit_s must be > 0, got {self.time_limit_s!r}")
        if self.max_iterations is not None and self.max_iterations < 0:
            raise ValueError(f"max_iterations must be >= 0, got {self.max_iterations!r}")
        if self.exact_items < 0 or self.exact_candidates < 0:
            raise ValueError("exact_items and exact_candidates must be >= 0")

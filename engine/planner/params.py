"""Parameters of the planner tools, validated on construction."""

from __future__ import annotations

import math
from dataclasses import dataclass


def _finite(value: float, name: str, *, positive: bool) -> None:
    ok = math.isfinite(value) and (value > 0 if positive else value >= 0)
    if not ok:
        raise ValueError(f"{name} must be a finite number {'> 0' if positive else '>= 0'}, got {value!r}")


@dataclass(frozen=True, slots=True)
class PickerParams:
    """How long a picker takes: the labour model behind picker hours.

    A batch takes ``distance_m / walking_speed_m_s + stops * time_per_stop_s +
    units * time_per_unit_s`` seconds. A *stop* is one pick position on a route
    (several picks there share it); a *unit* is one item picked.

    Attributes
    ----------
    walking_speed_m_s
        Walking speed with a cart, metres per second.
    time_per_stop_s
        Fixed time at each stop: slow down, find the slot, scan.
    time_per_unit_s
        Time to take one unit and put it in its tote.

    Examples
    --------
    >>> p = PickerParams()
    >>> p.seconds(distance_m=100.0, stops=3, units=4)
    150.0
    >>> PickerParams(walking_speed_m_s=0)
    Traceback (most recent call last):
    ...
    ValueError: walking_speed_m_s must be a finite number > 0, got 0
    """

    walking_speed_m_s: float = 1.0
    time_per_stop_s: float = 10.0
    time_per_unit_s: float = 5.0

    def __post_init__(self) -> None:
        _finite(self.walking_speed_m_s, "walking_speed_m_s", positive=True)
        _finite(self.time_per_stop_s, "time_per_stop_s", positive=False)
        _finite(self.time_per_unit_s, "time_per_unit_s", positive=False)

    def seconds(self, distance_m: float, stops: int, units: int) -> float:
        """Picker time in seconds for the given travel, stops and units."""
        return distance_m / self.walking_speed_m_s + stops * self.time_per_stop_s + units * self.time_per_unit_s


@dataclass(frozen=True, slots=True)
class ReplayParams:
    """How an order history is cut into waves for replay.

    Orders are sorted by ``created_at`` (then order id) and grouped into windows
    of ``wave_hours`` hours counted from the Unix epoch (so 24 gives one wave
    per UTC calendar day).
    A window larger than ``max_orders_per_wave`` (or the wave config's
    ``max_orders`` when that is smaller) is split into consecutive waves.

    Every wave starts from the inventory file as given: the replay assumes pick
    faces are replenished between waves, so a layout is judged on where stock
    sits, not on when it runs out.

    Attributes
    ----------
    wave_hours
        Length of one release window in hours.
    max_orders_per_wave
        Cap on orders per replayed wave; ``None`` for no cap beyond the config's.
    """

    wave_hours: float = 24.0
    max_orders_per_wave: int | None = None

    def __post_init__(self) -> None:
        _finite(self.wave_hours, "wave_hours", positive=True)
        if self.max_orders_per_wave is not None and self.max_orders_per_wave < 1:
            raise ValueError("max_orders_per_wave must be at least 1 or None")


@dataclass(frozen=True, slots=True)
class SlottingParams:
    """How the slotting recommender scores and limits moves.

    The recommender places stock records best-first by cube-per-order index
    (on-hand cube divided by pick frequency: small, often-picked items go
    nearest the depot) and pulls SKUs that are ordered together towards each
    other. A location's cost for a record is ``picks * 2 * depot_distance +
    cooccurrence_weight * sum(co_orders * distance to the partner's location)
    + move_penalty_m`` (the penalty only when the record would leave its
    current location).

    Attributes
    ----------
    max_moves
        Most relocations recommended (each row of ``moves.csv`` counts once);
        ``None`` for no limit.
    cooccurrence_weight
        Weight of the pull between SKUs ordered together (0 turns it off).
    move_penalty_m
        Metres-equivalent cost of moving a record at all; keeps stock that
        gains nothing where it is.
    min_gain_m
        A chain or cycle of moves is recommended only when its estimated
        saving on the history exceeds this (metres).
    """

    max_moves: int | None = None
    cooccurrence_weight: float = 1.0
    move_penalty_m: float = 1.0
    min_gain_m: float = 0.0

    def __post_init__(self) -> None:
        if self.max_moves is not None and self.max_moves < 0:
            raise ValueError("max_moves must be >= 0 or None")
        _finite(self.cooccurrence_weight, "cooccurrence_weight", positive=False)
        _finite(self.move_penalty_m, "move_penalty_m", positive=False)
        _finite(self.min_gain_m, "min_gain_m", positive=False)

"""The time model of SPEC section 8: trip durations, carrier departures, due times.

Pure functions over aware datetimes; a local departure becomes UTC through
``zoneinfo`` on its own calendar day, so a truck at 17:30 New York time leaves
at 22:30 UTC in winter and 21:30 UTC in summer. A wall-clock time that does not
exist on a day (skipped by a DST change) is taken as ``zoneinfo`` resolves it
(``fold=0``: the offset before the change); a repeated one as its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.scheduling.params import Carrier, LabourParams

#: Days searched for a departure either side of a moment: a carrier leaves at least weekly.
DAYS_SEARCHED = 8


def trip_duration(labour: LabourParams, distance_m: float, stops: int, rows: int, units: int) -> float:
    """Seconds one trip takes (SPEC section 8).

    >>> trip_duration(LabourParams(pickers=1), 100.0, stops=3, rows=4, units=9)
    270.0
    """
    return (labour.setup_s_per_trip + distance_m / labour.walking_speed_m_s + labour.time_s_per_stop * stops
            + labour.time_s_per_line * rows + labour.time_s_per_unit * units)


def _departures_on(carrier: Carrier, day_offset: int, around: datetime) -> list[datetime]:
    local_day = around.astimezone(carrier.zone).date() + timedelta(days=day_offset)
    return [datetime.combine(local_day, t, tzinfo=carrier.zone).astimezone(UTC) for t in carrier.departs]


def first_departure(carrier: Carrier, after: datetime) -> datetime | None:
    """The carrier's first departure at or after ``after`` (UTC), within :data:`DAYS_SEARCHED` days.

    >>> from datetime import time
    >>> c = Carrier("UPS", (time(12, 0), time(17, 30)), "America/New_York")
    >>> first_departure(c, datetime(2026, 11, 26, 17, 0, tzinfo=UTC)).isoformat()
    '2026-11-26T17:00:00+00:00'
    """
    for day in range(-1, DAYS_SEARCHED):
        ok = [t for t in _departures_on(carrier, day, after) if t >= after]
        if ok:
            return min(ok)
    return None


def last_departure(carrier: Carrier, until: datetime) -> datetime | None:
    """The carrier's last departure at or before ``until`` (UTC), within :data:`DAYS_SEARCHED` days."""
    for day in range(1, -DAYS_SEARCHED, -1):
        ok = [t for t in _departures_on(carrier, day, until) if t <= until]
        if ok:
            return max(ok)
    return None


def due_time(
    ship_by: datetime | None, carrier: Carrier | None, start: datetime, pack_lead_s: float
) -> datetime | None:
    """An order's due time for picking (SPEC section 8), in UTC, or ``None``.

    - ``ship_by`` and a listed carrier: the carrier's last departure at or before
      ``ship_by``, less the pack lead (``ship_by`` less the lead if none is that early);
    - ``ship_by`` only: ``ship_by`` less the lead;
    - a listed carrier only: its first departure at or after ``start`` + lead, less the lead;
    - otherwise none.
    """
    lead = timedelta(seconds=pack_lead_s)
    if ship_by is not None:
        ship_by = ship_by.astimezone(UTC)
        dep = last_departure(carrier, ship_by) if carrier is not None else None
        return (dep if dep is not None else ship_by) - lead
    if carrier is not None:
        dep = first_departure(carrier, start.astimezone(UTC) + lead)
        return None if dep is None else dep - lead
    return None


def iso_utc(t: datetime) -> str:
    """ISO 8601 in UTC, ``Z`` suffix, to the microsecond.

    The files promise millisecond precision; microseconds are written so that a
    trip's ``end - start`` equals the section 8 duration to 1 us, however short.

    >>> iso_utc(datetime(2026, 11, 26, 8, 0, 0, 123456, tzinfo=UTC))
    '2026-11-26T08:00:00.123456Z'
    """
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def at(start: datetime, seconds: float) -> datetime:
    """``start`` plus ``seconds`` (to the microsecond)."""
    return start.astimezone(UTC) + timedelta(seconds=seconds)

"""Due-time rules of SPEC section 8, time zones and DST, and the trip duration formula."""

from datetime import UTC, datetime, time

import pytest

from engine.scheduling import Carrier, LabourParams, due_time, first_departure, last_departure, trip_duration

NY = Carrier("UPS", (time(12, 0), time(17, 30)), "America/New_York")
START = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def test_trip_duration_is_the_section_8_formula() -> None:
    lab = LabourParams(pickers=1, walking_speed_m_s=0.8, setup_s_per_trip=120, time_s_per_stop=10,
                       time_s_per_line=5, time_s_per_unit=2)
    assert trip_duration(lab, 100.0, stops=4, rows=6, units=9) == pytest.approx(120 + 125 + 40 + 30 + 18)


def test_winter_and_summer_offsets() -> None:
    # 17:30 New York is 22:30 UTC in November (EST) and 21:30 UTC in July (EDT)
    assert last_departure(NY, utc(2026, 11, 26, 23, 0)) == utc(2026, 11, 26, 22, 30)
    assert last_departure(NY, utc(2026, 7, 1, 23, 0)) == utc(2026, 7, 1, 21, 30)


def test_dst_change_day() -> None:
    # 2026-03-08: clocks go forward in New York; noon is 16:00 UTC that day, 17:00 UTC the day before
    assert first_departure(NY, utc(2026, 3, 8, 5, 0)) == utc(2026, 3, 8, 16, 0)
    assert first_departure(NY, utc(2026, 3, 7, 5, 0)) == utc(2026, 3, 7, 17, 0)
    # 2026-11-01: clocks go back; 12:00 is 17:00 UTC again
    assert first_departure(NY, utc(2026, 11, 1, 5, 0)) == utc(2026, 11, 1, 17, 0)


def test_several_departures_a_day_and_day_boundaries() -> None:
    assert first_departure(NY, utc(2026, 11, 26, 17, 0)) == utc(2026, 11, 26, 17, 0)  # at: counts
    assert first_departure(NY, utc(2026, 11, 26, 17, 0, 1)) == utc(2026, 11, 26, 22, 30)
    assert first_departure(NY, utc(2026, 11, 26, 23, 0)) == utc(2026, 11, 27, 17, 0)  # next local day
    # 02:00 UTC on the 27th is still the 26th in New York: the last departure is that evening's
    assert last_departure(NY, utc(2026, 11, 27, 2, 0)) == utc(2026, 11, 26, 22, 30)
    assert last_departure(NY, utc(2026, 11, 26, 16, 59)) == utc(2026, 11, 25, 22, 30)


def test_due_ship_by_and_carrier() -> None:
    # last departure at or before ship_by, less the pack lead
    assert due_time(utc(2026, 11, 26, 20, 0), NY, START, 1800) == utc(2026, 11, 26, 16, 30)
    assert due_time(utc(2026, 11, 26, 22, 30), NY, START, 600) == utc(2026, 11, 26, 22, 20)


def test_due_ship_by_before_any_departure() -> None:
    one = Carrier("X", (time(12, 0),), "UTC")
    # a departure a day earlier is still "at or before": a week is searched
    assert due_time(utc(2026, 11, 26, 11, 0), one, START, 0) == utc(2026, 11, 25, 12, 0)


def test_due_ship_by_only_carrier_only_and_none() -> None:
    assert due_time(utc(2026, 11, 26, 20, 0), None, START, 1800) == utc(2026, 11, 26, 19, 30)
    # carrier only: first departure at or after start + lead, less the lead
    assert due_time(None, NY, utc(2026, 11, 26, 16, 45), 1800) == utc(2026, 11, 26, 22, 0)
    assert due_time(None, NY, utc(2026, 11, 26, 16, 15), 1800) == utc(2026, 11, 26, 16, 30)
    assert due_time(None, None, START, 1800) is None


def test_params_are_validated() -> None:
    with pytest.raises(ValueError, match="pickers"):
        LabourParams(pickers=0)
    with pytest.raises(ValueError, match="walking_speed"):
        LabourParams(pickers=1, walking_speed_m_s=0)
    with pytest.raises(ValueError, match="time zone"):
        Carrier("X", (time(12, 0),), "Mars/Olympus")
    with pytest.raises(ValueError, match="departs"):
        Carrier("X", (), "UTC")

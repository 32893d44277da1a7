"""``labour:`` and ``carriers:`` of ``wave.yaml`` (SPEC section 8): parsed, validated, round-tripped."""

from datetime import UTC, datetime, time

import pytest

from engine.errors import InputError
from engine.io.config import config_from_mapping, config_to_mapping, parse_wave_config

GOOD = """
labour:
  pickers: 12
  start: 2026-11-26T08:00:00Z
  setup_s_per_trip: 90
  horizon_s: 3600
carriers:
  - {id: UPS, departs: [12:00, "17:30"], timezone: America/New_York}
  - {id: DHL, departs: "09:15:30"}
"""


def test_parses_labour_and_carriers() -> None:
    c = parse_wave_config(GOOD)
    assert c.labour is not None and c.labour.pickers == 12 and c.labour.setup_s_per_trip == 90
    assert c.labour.start == datetime(2026, 11, 26, 8, tzinfo=UTC) and c.labour.horizon_s == 3600
    assert c.labour.time_s_per_stop == 10 and c.labour.pack_lead_s == 1800  # SPEC's defaults
    ups, dhl = c.carriers
    assert ups.departs == (time(12, 0), time(17, 30)) and ups.timezone == "America/New_York"
    assert dhl.departs == (time(9, 15, 30),) and dhl.timezone == "UTC"


def test_round_trips_through_the_summary_mapping() -> None:
    c = parse_wave_config(GOOD)
    assert config_from_mapping(config_to_mapping(c)) == c


def test_without_labour_the_mapping_is_unchanged() -> None:
    m = config_to_mapping(parse_wave_config("method: batch"))
    assert "labour" not in m and "carriers" not in m


@pytest.mark.parametrize(("text", "column"), [
    ("labour: {}", "labour.pickers"),
    ("labour: {pickers: 0}", "labour"),
    ("labour: {pickers: 2, walking: 1}", "labour.walking"),
    ("labour: {pickers: 2, setup_s_per_trip: fast}", "labour.setup_s_per_trip"),
    ("labour: {pickers: 2, start: soon}", "labour.start"),
    ("labour: [1, 2]", "labour"),
    ("carriers: [{id: X, departs: [25:00]}]", "carriers[0].departs"),
    ("carriers: [{id: X, departs: ['12:00'], timezone: Mars/Base}]", "carriers[0].timezone"),
    ("carriers: [{departs: ['12:00']}]", "carriers[0].id"),
    ("carriers: [{id: X, departs: []}]", "carriers[0].departs"),
    ("carriers: [{id: X, departs: ['12:00']}, {id: X, departs: ['13:00']}]", "carriers"),
])
def test_bad_values_name_their_key(text: str, column: str) -> None:
    with pytest.raises(InputError) as err:
        parse_wave_config(text)
    assert [p.column for p in err.value.problems] == [column]

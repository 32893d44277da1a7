import doctest
import importlib

import pytest

from engine.carriers import Address, CarrierAdapter, Parcel, Shipment, adapter_for
from engine.carriers.tracking import is_valid_dhl, is_valid_generic, is_valid_ups, ups_check_digit


def _shipment(sid: str = "O1", carrier: str = "ups", parcels: int = 1) -> Shipment:
    return Shipment(sid, sid, carrier, tuple(Parcel(i, "M", 1.5) for i in range(1, parcels + 1)),
                    ship_to=Address("Ann", "1 Main St", "Leeds", "LS1 1AA", "GB"))


@pytest.mark.parametrize("name", ["engine.carriers.tracking", "engine.carriers.builtin"])
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0


def test_ups_published_samples_validate() -> None:
    # Sample numbers printed in UPS's developer docs.
    assert is_valid_ups("1Z12345E0205271688")
    assert is_valid_ups("1Z12345E6605272234")
    assert not is_valid_ups("1Z12345E0205271689")
    assert ups_check_digit("12345E020527168") == 8


@pytest.mark.parametrize(("carrier", "check", "length"), [
    ("ups", is_valid_ups, 18), ("dhl", is_valid_dhl, 10), ("postnl", is_valid_generic, 15),
])
def test_format_and_determinism(carrier: str, check, length: int) -> None:
    adapter = adapter_for(carrier)
    assert isinstance(adapter, CarrierAdapter)
    numbers = {adapter.label(_shipment(f"O{i}", carrier)).tracking_number for i in range(200)}
    assert len(numbers) == 200  # distinct shipments, distinct numbers
    for tn in numbers:
        assert len(tn) == length and check(tn) and adapter.is_valid_tracking(tn)
    again = adapter.label(_shipment("O7", carrier))
    assert again == adapter.label(_shipment("O7", carrier))


def test_single_digit_error_is_caught() -> None:
    tn = adapter_for("dhl").label(_shipment("X", "dhl")).tracking_number
    bad = tn[:3] + str((int(tn[3]) + 7) % 10) + tn[4:]
    assert not is_valid_dhl(bad)
    g = adapter_for("acme").label(_shipment("X", "acme")).tracking_number
    bad_g = g[:5] + str((int(g[5]) + 1) % 10) + g[6:]
    assert not is_valid_generic(bad_g)


def test_label_per_parcel_with_address_and_barcode() -> None:
    lab = adapter_for("ups").label(_shipment("O9", "ups", parcels=3))
    assert len(lab.zpl) == 3
    assert "parcel 2/3" in lab.zpl[1]
    assert all(z.startswith("^XA") and z.rstrip().endswith("^XZ") for z in lab.zpl)
    assert f"^FD{lab.tracking_number}^FS" in lab.zpl[0]
    assert "LS1 1AA Leeds" in lab.zpl[0]


def test_zpl_control_characters_are_stripped() -> None:
    s = Shipment("O^1", "O^1", "dhl", (Parcel(1, "M~X", 1.0),))
    body = adapter_for("dhl").label(s).zpl[0]
    assert "O 1" in body and "M X" in body


def test_shipment_needs_parcels() -> None:
    with pytest.raises(ValueError, match="no parcels"):
        Shipment("S", "O", "ups", ())

"""Tracking numbers in each carrier's own format, derived deterministically.

A tracking number is a pure function of the carrier and the shipment id, so a
retried "ship" task produces the same number and never a second label. The
serial part comes from SHA-256 of ``"<carrier>|<shipment_id>"``; the check
digits follow the carriers' published schemes:

- UPS ``1Z`` + 6-character shipper number + 2-digit service + 7-digit package
  number + a check digit (letters count as ``(ord - 63) mod 10``; counting
  from 1, odd positions twice and even positions once; check =
  ``(10 - sum mod 10) mod 10``; checked against UPS's own sample numbers).
- DHL Express: 10 digits, the last is the first nine read as an integer, mod 7.
- generic: ``PW`` + 12 digits + a Luhn check digit.
"""

from __future__ import annotations

import hashlib


def _serial(carrier: str, shipment_id: str, digits: int) -> int:
    h = hashlib.sha256(f"{carrier}|{shipment_id}".encode()).digest()
    return int.from_bytes(h[:16], "big") % (10**digits)


def _ups_value(c: str) -> int:
    return int(c) if c.isdigit() else (ord(c) - 63) % 10


def ups_check_digit(body: str) -> int:
    """Check digit of the 15 characters after ``1Z``.

    >>> ups_check_digit("12345E020527168"), ups_check_digit("12345E660527223")  # 1Z12345E0205271688, ...2234
    (8, 4)
    """
    total = sum(_ups_value(c) * (1 if i % 2 else 2) for i, c in enumerate(body.upper()))
    return (10 - total % 10) % 10


def ups_tracking(shipment_id: str, shipper: str = "PW0001", service: str = "03") -> str:
    """A UPS-format number: ``1Z`` + shipper + service + 7-digit package + check.

    >>> t = ups_tracking("S-1"); len(t), t[:10], is_valid_ups(t)
    (18, '1ZPW000103', True)
    """
    if len(shipper) != 6 or not shipper.isalnum() or len(service) != 2 or not service.isdigit():
        raise ValueError("UPS shipper must be 6 letters/digits and service 2 digits")
    body = f"{shipper.upper()}{service}{_serial('ups', shipment_id, 7):07d}"
    return f"1Z{body}{ups_check_digit(body)}"


def is_valid_ups(number: str) -> bool:
    """True for an 18-character ``1Z`` number whose check digit matches."""
    n = number.upper()
    if len(n) != 18 or not n.startswith("1Z") or not n[2:].isalnum() or not n[-1].isdigit():
        return False
    return int(n[-1]) == ups_check_digit(n[2:17])


def dhl_tracking(shipment_id: str) -> str:
    """A DHL Express-format waybill: 9 digits and their value mod 7.

    >>> t = dhl_tracking("S-1"); len(t), is_valid_dhl(t)
    (10, True)
    """
    body = _serial("dhl", shipment_id, 9)
    return f"{body:09d}{body % 7}"


def is_valid_dhl(number: str) -> bool:
    return len(number) == 10 and number.isdigit() and int(number[:9]) % 7 == int(number[9])


def luhn_check_digit(digits: str) -> int:
    """The Luhn digit to append to ``digits``.

    >>> luhn_check_digit("7992739871")
    3
    """
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def generic_tracking(carrier: str, shipment_id: str) -> str:
    """``PW`` + 12 digits + Luhn digit, seeded by the carrier name too.

    >>> t = generic_tracking("postnl", "S-1"); len(t), is_valid_generic(t)
    (15, True)
    """
    body = f"{_serial(carrier.lower(), shipment_id, 12):012d}"
    return f"PW{body}{luhn_check_digit(body)}"


def is_valid_generic(number: str) -> bool:
    return (
        len(number) == 15 and number.startswith("PW") and number[2:].isdigit()
        and luhn_check_digit(number[2:14]) == int(number[14])
    )

"""Carrier adapters: label data and tracking numbers for shipments.

:class:`CarrierAdapter` is the interface; :func:`adapter_for` returns the
built-in adapter (UPS ``1Z…``, DHL Express 10 digits, generic ``PW…``).
"""

from engine.carriers.base import Address, CarrierAdapter, Label, Parcel, Shipment
from engine.carriers.builtin import BuiltinCarrier, adapter_for

__all__ = ["Address", "BuiltinCarrier", "CarrierAdapter", "Label", "Parcel", "Shipment", "adapter_for"]

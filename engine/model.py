"""The nouns of pickwave: SKUs, stock, orders, boxes, carts and the wave config.

Everything here is immutable. Data enters once at the edge (``engine.io`` or the
store), is checked there and becomes these typed values; solvers only read them.
Layouts live in :mod:`engine.layout`, plans in :mod:`engine.plan`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from engine.scheduling.params import Carrier, LabourParams

PAYMENT_STATUSES: frozenset[str] = frozenset(
    {"captured", "authorized", "pending", "failed", "refunded", "voided"}
)


class Method(StrEnum):
    """How a wave is picked (SPEC section 7)."""

    SINGLE = "single"
    BATCH = "batch"
    CLUSTER = "cluster"
    ZONE = "zone"


class RoutingMethod(StrEnum):
    """Picker routing policies (SPEC section 4)."""

    OPTIMAL = "optimal"
    S_SHAPE = "s-shape"
    LARGEST_GAP = "largest-gap"
    RETURN = "return"
    MIDPOINT = "midpoint"
    COMBINED = "combined"


class ShortStockPolicy(StrEnum):
    """What a store wave does with an order the available stock cannot fill (``wave.yaml`` ``short_stock``).

    ``hold``: the order waits (``held.csv``: ``short_stock``) and keeps its
    place for the next wave. ``backorder``: what is there is released; the
    rest of each line moves to a back-order ``<order_id>-BO<n>`` that waits.
    """

    HOLD = "hold"
    BACKORDER = "backorder"


class HoldReason(StrEnum):
    """Why an order is not released (``held.csv``)."""

    UNPAID = "unpaid"
    UNKNOWN_SKU = "unknown_sku"
    SHORT_STOCK = "short_stock"
    NO_BOX_FITS = "no_box_fits"
    INVALID = "invalid"
    EXCEEDS_CART = "exceeds_cart"
    DEFERRED = "deferred"
    LATER = "later"  # SPEC section 8: can wait for a later run (detail: its latest start)
    CANCELLED = "cancelled"  # store only: cancelled by hand before any wave; in one wave's held.csv


@dataclass(frozen=True, slots=True)
class Sku:
    """A stock-keeping unit; dimensions in cm, weight in kg.

    ``upright`` items may only turn about the vertical axis, so their
    ``height_cm`` always stays vertical. ``fragile`` items get padding in cartons.
    """

    sku: str
    length_cm: float
    width_cm: float
    height_cm: float
    weight_kg: float
    fragile: bool = False
    upright: bool = False
    description: str = ""

    @property
    def dims_cm(self) -> tuple[float, float, float]:
        return (self.length_cm, self.width_cm, self.height_cm)

    @property
    def volume_l(self) -> float:
        """Volume of one unit in litres."""
        return self.length_cm * self.width_cm * self.height_cm / 1000.0


@dataclass(frozen=True, slots=True)
class Box:
    """A shipping carton; inner dimensions in cm, ``max_weight_kg`` includes tare."""

    box_id: str
    length_cm: float
    width_cm: float
    height_cm: float
    max_weight_kg: float
    cost: float
    tare_kg: float = 0.0

    @property
    def dims_cm(self) -> tuple[float, float, float]:
        return (self.length_cm, self.width_cm, self.height_cm)

    @property
    def volume_l(self) -> float:
        return self.length_cm * self.width_cm * self.height_cm / 1000.0

    @property
    def payload_kg(self) -> float:
        """Weight of contents the box may carry."""
        return self.max_weight_kg - self.tare_kg


@dataclass(frozen=True, slots=True)
class StockRecord:
    """Units of one SKU on hand at one pick face."""

    sku: str
    location_id: str
    qty: int


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line of an order; ``line_no`` counts from 1 within the order."""

    order_id: str
    sku: str
    qty: int
    line_no: int = 1


@dataclass(frozen=True, slots=True)
class Order:
    """A customer order with its lines, as released or held as a whole."""

    order_id: str
    lines: tuple[OrderLine, ...]
    created_at: datetime
    payment_status: str
    channel: str = ""
    priority: int = 0
    ship_by: datetime | None = None
    carrier: str = ""

    @property
    def units(self) -> int:
        return sum(line.qty for line in self.lines)

    def quantities(self) -> dict[str, int]:
        """Units per SKU, lines of the same SKU added together."""
        out: dict[str, int] = {}
        for line in self.lines:
            out[line.sku] = out.get(line.sku, 0) + line.qty
        return out


@dataclass(frozen=True, slots=True)
class Hold:
    """An order that is not released, and why."""

    order_id: str
    reason: HoldReason
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ToteSpec:
    """One tote's own limits (``cart.tote``); ``None`` leaves that dimension unlimited."""

    max_weight_kg: float | None = None
    max_volume_l: float | None = None

    def __post_init__(self) -> None:
        if self.max_weight_kg is None and self.max_volume_l is None:
            raise ValueError("cart.tote needs max_weight_kg or max_volume_l")
        for name in ("max_weight_kg", "max_volume_l"):
            value = getattr(self, name)
            if value is not None and not (value > 0 and math.isfinite(value)):
                raise ValueError(f"cart.tote.{name} must be a positive number")

    def fits(self, weight_kg: float, volume_l: float) -> bool:
        """True when a load of this weight and volume fits one tote (1e-9 slack)."""
        return ((self.max_weight_kg is None or weight_kg <= self.max_weight_kg + 1e-9)
                and (self.max_volume_l is None or volume_l <= self.max_volume_l + 1e-9))


@dataclass(frozen=True, slots=True)
class CartSpec:
    """Capacity of one picker trip: totes, weight and volume.

    Without ``tote`` an order takes one tote. With it (``cluster`` only) an
    order takes as many totes as its units fill, and ``totes`` caps the totes
    of a trip in all (SPEC section 4).
    """

    totes: int = 8
    max_weight_kg: float = 150.0
    max_volume_l: float = 600.0
    tote: ToteSpec | None = None

    def __post_init__(self) -> None:
        if self.totes < 1:
            raise ValueError("cart.totes must be at least 1")
        if not (self.max_weight_kg > 0 and self.max_volume_l > 0):
            raise ValueError("cart.max_weight_kg and cart.max_volume_l must be positive")


@dataclass(frozen=True, slots=True)
class CartonCosts:
    """What a carton costs beyond its box price (``wave.yaml`` key ``packing``).

    ``per_carton_cost`` is the handling cost of each carton (labour, label, void
    fill); a carrier's dimensional weight is billed when ``dim_factor_cm3_per_kg``
    is set: billable kg = max(actual, L x W x H / dim factor), at ``rate_per_kg``.
    """

    per_carton_cost: float = 0.0
    dim_factor_cm3_per_kg: float | None = None
    rate_per_kg: float = 0.0

    def __post_init__(self) -> None:
        if self.per_carton_cost < 0 or self.rate_per_kg < 0:
            raise ValueError("packing.per_carton_cost and packing.rate_per_kg must be >= 0")
        if self.dim_factor_cm3_per_kg is not None and self.dim_factor_cm3_per_kg <= 0:
            raise ValueError("packing.dim_factor_cm3_per_kg must be positive")


@dataclass(frozen=True, slots=True)
class WaveConfig:
    """The wave configuration of SPEC section 4, validated on construction."""

    method: Method = Method.BATCH
    release_payment_statuses: tuple[str, ...] = ("captured",)
    max_orders: int | None = None
    cutoff: datetime | None = None
    cart: CartSpec = field(default_factory=CartSpec)
    routing: RoutingMethod = RoutingMethod.OPTIMAL
    time_limit_s: float = 60.0
    fragile_padding_cm: float = 2.0
    seed: int = 0
    max_iterations: int | None = None
    packing: CartonCosts = field(default_factory=CartonCosts)
    short_stock: ShortStockPolicy = ShortStockPolicy.HOLD
    labour: LabourParams | None = None  # SPEC section 8; None: distance alone
    carriers: tuple[Carrier, ...] = ()

    def __post_init__(self) -> None:
        unknown = set(self.release_payment_statuses) - PAYMENT_STATUSES
        if unknown:
            raise ValueError(f"release_payment_statuses: unknown status {sorted(unknown)}")
        if self.max_orders is not None and self.max_orders < 0:
            raise ValueError("max_orders must be >= 0")
        if not (self.time_limit_s > 0 and math.isfinite(self.time_limit_s)):
            raise ValueError("time_limit_s must be a positive number")
        if self.fragile_padding_cm < 0:
            raise ValueError("fragile_padding_cm must be >= 0")
        if self.max_iterations is not None and self.max_iterations < 0:
            raise ValueError("max_iterations must be >= 0")

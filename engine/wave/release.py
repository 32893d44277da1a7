"""Release rules (SPEC section 4): which orders go into the wave, and why not.

In rank order — orders due by the ``cutoff`` first, then higher ``priority``,
then older ``created_at``, then order id — an order is released when:

1. its payment status is in ``release_payment_statuses`` (else ``unpaid``);
2. every unit can ride a cart on its own (else ``exceeds_cart``; an order that
   is merely larger than one cart is split over trips later, not held);
3. the stock left after higher-ranked orders covers every line in full (else
   ``short_stock``: never a partial release);
4. fewer than ``max_orders`` orders are released so far (else ``deferred``);
5. the packer finds cartons for it (else its hold, ``no_box_fits``): packing happens
   here, before batching, so that a held order never takes a cart slot.

Orders held at intake (``invalid``, ``unknown_sku``) stay held as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from engine.model import Hold, HoldReason, Method, Order, Sku, WaveConfig
from engine.packing.result import PackResult
from engine.wave.allocation import StockLedger, Take

#: Packs a chunk of orders: one result per order, in order.
PackFn = Callable[[Sequence[Order]], Sequence[PackResult]]
#: Orders packed per call of the packer while releasing.
PACK_CHUNK = 256


@dataclass(frozen=True, slots=True)
class Release:
    """The outcome of the release rules.

    ``released`` are in rank order; ``takes`` hold each released order's stock
    (SKU, face, units); ``packs`` each released order's cartons; ``ledger`` the
    stock left over (used later to move lines to better faces).
    """

    released: tuple[Order, ...]
    held: tuple[Hold, ...]
    takes: Mapping[str, tuple[Take, ...]]
    packs: Mapping[str, PackResult]
    ledger: StockLedger


def _utc(ts: datetime) -> datetime:
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RankField:
    """One key of the release rank: an order field (or ``due``: ship-by at or before the cutoff)."""

    name: str
    descending: bool = False


#: The release rank, the one definition: earlier fields decide first. ``due`` is 0 for an order whose
#: ``ship_by`` is at or before the wave's ``cutoff`` (else 1); order ids compare by code point. The
#: store's claim orders its SQL by these same fields (:func:`engine.store.waves.release_order`).
RELEASE_RANK: tuple[RankField, ...] = (
    RankField("due"), RankField("priority", descending=True), RankField("created_at"), RankField("order_id"),
)


def _due(order: Order, cutoff: datetime | None) -> int:
    return 0 if cutoff is not None and order.ship_by is not None and _utc(order.ship_by) <= _utc(cutoff) else 1


_RANK_VALUE: dict[str, Callable[[Order, datetime | None], object]] = {
    "due": _due,
    "priority": lambda o, _c: -o.priority,  # descending: the negated value sorts ascending
    "created_at": lambda o, _c: _utc(o.created_at),
    "order_id": lambda o, _c: o.order_id,
}
assert [f.name for f in RELEASE_RANK] == list(_RANK_VALUE), "every rank field has one value here"


def rank_key(order: Order, cutoff: datetime | None) -> tuple[object, ...]:
    """Sort key of the release rank (smaller first), built from :data:`RELEASE_RANK`.

    >>> from engine.model import OrderLine
    >>> t = datetime(2024, 1, 1, tzinfo=UTC)
    >>> a = Order("a", (OrderLine("a", "S", 1),), t, "captured", priority=1)
    >>> b = Order("b", (OrderLine("b", "S", 1),), t, "captured", priority=5)
    >>> [o.order_id for o in sorted([a, b], key=lambda o: rank_key(o, None))]
    ['b', 'a']
    """
    return tuple(_RANK_VALUE[f.name](order, cutoff) for f in RELEASE_RANK)


def oversize_unit(order: Order, skus: Mapping[str, Sku], config: WaveConfig) -> str | None:
    """A detail when some single unit of the order is heavier or bulkier than a cart."""
    cart = config.cart
    for sku_id in sorted(order.quantities()):
        s = skus[sku_id]
        if s.weight_kg > cart.max_weight_kg or s.volume_l > cart.max_volume_l:
            return (f"one unit of {sku_id!r} ({s.weight_kg:g} kg, {s.volume_l:g} l) exceeds the cart "
                    f"({cart.max_weight_kg:g} kg, {cart.max_volume_l:g} l)")
        if cart.tote is not None and config.method is Method.CLUSTER and not cart.tote.fits(s.weight_kg, s.volume_l):
            return (f"one unit of {sku_id!r} ({s.weight_kg:g} kg, {s.volume_l:g} l) exceeds a tote "
                    f"(cart.tote: {cart.tote.max_weight_kg} kg, {cart.tote.max_volume_l} l)")
    return None


def release(
    orders: Sequence[Order],
    intake_held: Sequence[Hold],
    skus: Mapping[str, Sku],
    ledger: StockLedger,
    config: WaveConfig,
    pack: PackFn,
) -> Release:
    """Apply the release rules; ``ledger`` is consumed by the released orders.

    Packing is lazy: orders are packed in chunks of :data:`PACK_CHUNK` candidates,
    in rank order, only once the earlier rules pass (a chunk leaves out the
    candidates that fail them already), so a wave capped by ``max_orders``
    packs little more than it releases, and an order short of stock is never packed.
    """
    held: list[Hold] = list(intake_held)
    paid = set(config.release_payment_statuses)
    ranked = sorted(orders, key=lambda o: rank_key(o, config.cutoff))
    candidates: list[Order] = []
    for o in ranked:
        if o.payment_status not in paid:
            held.append(Hold(o.order_id, HoldReason.UNPAID, f"payment_status {o.payment_status}"))
        else:
            candidates.append(o)
    packed: dict[str, PackResult] = {}
    released: list[Order] = []
    takes: dict[str, tuple[Take, ...]] = {}
    cap = config.max_orders
    for idx, o in enumerate(candidates):
        detail = oversize_unit(o, skus, config)
        if detail is not None:
            held.append(Hold(o.order_id, HoldReason.EXCEEDS_CART, detail))
            continue
        quantities = o.quantities()
        detail = ledger.can_serve(quantities)
        if detail is not None:
            held.append(Hold(o.order_id, HoldReason.SHORT_STOCK, detail))
            continue
        if cap is not None and len(released) >= cap:
            held.append(Hold(o.order_id, HoldReason.DEFERRED, f"wave is full (max_orders {cap})"))
            continue
        if o.order_id not in packed:
            # Only candidates that pass the cheap rules now: stock only shrinks as orders are released, so
            # one short now stays short, and packing it (a big order can take seconds) would be wasted.
            chunk = [c for c in candidates[idx: idx + PACK_CHUNK] if c.order_id not in packed
                     and (c is o or (oversize_unit(c, skus, config) is None
                                     and ledger.can_serve(c.quantities()) is None))]
            for result in pack(chunk):
                packed[result.order_id] = result
        result = packed[o.order_id]
        if result.hold is not None:
            held.append(Hold(o.order_id, result.hold.reason, result.hold.detail))
            continue
        released.append(o)
        takes[o.order_id] = tuple(t for sku, q in sorted(quantities.items()) for t in ledger.take(o.order_id, sku, q))
    rank = {o.order_id: i for i, o in enumerate(ranked)}
    held.sort(key=lambda h: (rank.get(h.order_id, -1), h.order_id))
    packs = {o.order_id: packed[o.order_id] for o in released}
    return Release(tuple(released), tuple(held), takes, packs, ledger)

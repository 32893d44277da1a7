"""What the packer returns: placements, cartons and one result per order."""

from __future__ import annotations

from dataclasses import dataclass

from engine.model import Hold


@dataclass(frozen=True, slots=True)
class Placement:
    """One unit inside a carton, after rotation, padding excluded.

    ``x`` runs along the box's ``length_cm``, ``y`` along ``width_cm`` and ``z``
    up ``height_cm``, from the inner corner (0, 0, 0); ``d*`` are the extents.
    """

    sku: str
    x_cm: float
    y_cm: float
    z_cm: float
    dx_cm: float
    dy_cm: float
    dz_cm: float

    @property
    def lo(self) -> tuple[float, float, float]:
        return (self.x_cm, self.y_cm, self.z_cm)

    @property
    def hi(self) -> tuple[float, float, float]:
        return (self.x_cm + self.dx_cm, self.y_cm + self.dy_cm, self.z_cm + self.dz_cm)


@dataclass(frozen=True, slots=True)
class Carton:
    """One packed box; placements are in packing order (see :mod:`.instructions`).

    ``weight_kg`` includes the box's tare; ``cost`` is the box cost plus the carrier
    charge when :class:`PackingParams` sets one.
    """

    carton_no: int
    box_id: str
    placements: tuple[Placement, ...]
    weight_kg: float
    cost: float


@dataclass(frozen=True, slots=True)
class PackResult:
    """The cartons of one order, or why it is held (then ``cartons`` is empty)."""

    order_id: str
    cartons: tuple[Carton, ...]
    cost: float
    hold: Hold | None = None

    @property
    def packed(self) -> bool:
        return self.hold is None

"""Committed waves as people look them up: ``pickwave wave list`` and ``pickwave wave show``."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.store.schema import BatchRow, CartonRow, OrderRow, PickRow, WaveRow


@dataclass(frozen=True, slots=True)
class WaveSummary:
    """One committed wave: when, by whom, how many orders, where its files are, and (shown) its batches."""

    wave_id: str
    created_at: datetime
    created_by: str
    orders: int
    held: int
    out: str
    publish_state: str
    batches: int = 0
    picks: int = 0
    cartons: int = 0
    distance_m: float = 0.0
    config: dict[str, Any] = field(default_factory=dict)
    #: Status -> how many of the wave's orders are in it now.
    statuses: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"wave_id": self.wave_id, "created_at": self.created_at.isoformat(), "created_by": self.created_by,
                "orders": self.orders, "held": self.held, "out": self.out, "publish_state": self.publish_state,
                "batches": self.batches, "picks": self.picks, "cartons": self.cartons,
                "distance_m": round(self.distance_m, 3), "statuses": dict(sorted(self.statuses.items())),
                "config": self.config}


def list_waves(session: Session) -> list[WaveSummary]:
    """Every committed wave, newest first, with its batch count and walking distance."""
    counts = {w: (int(n), float(d or 0.0)) for w, n, d in session.execute(
        select(BatchRow.wave_id, func.count(), func.coalesce(func.sum(BatchRow.distance_m), 0.0))
        .group_by(BatchRow.wave_id))}
    return [_summary(w, *counts.get(w.wave_id, (0, 0.0))) for w in session.scalars(
        select(WaveRow).order_by(WaveRow.created_at.desc(), WaveRow.wave_id))]


def _summary(w: WaveRow, batches: int, distance: float, **extra: Any) -> WaveSummary:
    return WaveSummary(w.wave_id, w.created_at, w.created_by, w.orders, w.held, w.out, w.publish_state, batches,
                       distance_m=distance, config=json.loads(w.config_json or "{}"), **extra)


def show_wave(session: Session, wave_id: str) -> WaveSummary | None:
    """One wave with its picks, cartons and where its orders are now; None when the store has no such wave."""
    w = session.get(WaveRow, wave_id)
    if w is None:
        return None
    batches, distance = session.execute(select(func.count(), func.coalesce(func.sum(BatchRow.distance_m), 0.0))
                                        .where(BatchRow.wave_id == wave_id)).one()
    picks = session.scalar(select(func.count()).where(PickRow.wave_id == wave_id)) or 0
    cartons = session.scalar(select(func.count()).where(CartonRow.wave_id == wave_id)) or 0
    statuses = Counter(session.scalars(select(OrderRow.status).where(OrderRow.wave_id == wave_id)))
    return _summary(w, int(batches), float(distance or 0.0), picks=int(picks), cartons=int(cartons),
                    statuses=dict(statuses))

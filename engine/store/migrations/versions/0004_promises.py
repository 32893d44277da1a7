"""Orders remember the completion a wave promised them (SPEC section 8).

``orders`` gains ``promised_at`` (when the order's last trip of its wave ends)
and ``due_at`` (its due time for picking, from ``ship_by`` and the carrier's
departures less the pack lead), both null for waves planned without ``labour``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('orders', sa.Column('promised_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('orders', sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('orders', 'due_at')
    op.drop_column('orders', 'promised_at')

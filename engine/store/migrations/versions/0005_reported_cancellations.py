"""Orders cancelled before any wave are reported once, in the next wave's ``held.csv``.

``orders`` gains ``reported_in_wave``: the wave whose ``held.csv`` listed the
order as ``cancelled`` (an order whose payment was refunded or voided at import,
or cancelled before release). Orders already cancelled when the store is
upgraded are marked as reported, so the first wave after the upgrade does not
list a store's whole history of cancellations.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The mark of cancellations older than this revision.
BEFORE_UPGRADE = '(before 0005)'


def upgrade() -> None:
    op.add_column('orders', sa.Column('reported_in_wave', sa.String(200), nullable=True))
    orders = sa.table('orders', sa.column('status', sa.String), sa.column('wave_id', sa.String),
                      sa.column('reported_in_wave', sa.String))
    op.execute(orders.update()
               .where(orders.c.status.in_(('cancelled', 'refunded')), orders.c.wave_id.is_(None))
               .values(reported_in_wave=BEFORE_UPGRADE))


def downgrade() -> None:
    op.drop_column('orders', 'reported_in_wave')

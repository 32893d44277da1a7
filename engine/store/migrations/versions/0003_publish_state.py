"""Waves remember whether their files are published, and where they were staged.

``waves`` gains ``publish_state`` (``published``, or ``staged`` from the COMMIT
of a wave until its files are in place) and ``staged`` (where the run put the
files before COMMIT). A run killed between COMMIT and publishing leaves a
``staged`` wave; the next run of any kind finishes it. Waves committed before
this revision count as published.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not batch mode: SQLite adds (and, from 3.35, drops) such columns in place, and a batch
# rebuild of ``waves`` would fail on the foreign keys that point at it.
def upgrade() -> None:
    op.add_column('waves', sa.Column('publish_state', sa.String(length=20), server_default='published',
                                     nullable=False))
    op.add_column('waves', sa.Column('staged', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    op.drop_column('waves', 'staged')
    op.drop_column('waves', 'publish_state')

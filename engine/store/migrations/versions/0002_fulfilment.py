"""Fulfilment: carton contents and weights, tracking on shipments, RMAs, 3PL report bookkeeping.

- ``cartons`` gains ``weight_kg`` (gross: units plus tare; 0 for cartons of
  waves committed before this revision) and ``packed_at``; ``carton_units``
  keeps each planned carton's placements (the rows of ``cartons.csv``).
- ``shipments`` gains ``tracking_number`` (indexed) and ``label_url``.
- ``rmas`` / ``rma_lines``: returns received from the 3PL, with disposition
  and refund status.
- ``report_files``, ``report_quarantine``, ``pick_progress``, ``followups``:
  what the fulfilment DAG applied, refused, counted and sent, so nothing
  applies twice. (Builds before this revision made ``pw_*`` tables with
  ``create_all``; this revision does not read them: drop them by hand.)

Works on SQLite (batch mode rebuilds ``cartons`` and ``shipments``) and
PostgreSQL; downgrade drops exactly what upgrade added.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('report_files',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('quarantined', sa.Integer(), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_report_files'))
    )
    op.create_table('carton_units',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('wave_id', sa.String(length=200), nullable=False),
    sa.Column('order_id', sa.String(length=200), nullable=False),
    sa.Column('carton_no', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=200), nullable=False),
    sa.Column('x_cm', sa.Float(), nullable=False),
    sa.Column('y_cm', sa.Float(), nullable=False),
    sa.Column('z_cm', sa.Float(), nullable=False),
    sa.Column('dx_cm', sa.Float(), nullable=False),
    sa.Column('dy_cm', sa.Float(), nullable=False),
    sa.Column('dz_cm', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.order_id'], name=op.f('fk_carton_units_order_id_orders')),
    sa.ForeignKeyConstraint(['wave_id'], ['waves.wave_id'], name=op.f('fk_carton_units_wave_id_waves')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carton_units'))
    )
    with op.batch_alter_table('carton_units', schema=None) as batch_op:
        batch_op.create_index('ix_carton_units_order', ['order_id', 'carton_no'], unique=False)

    op.create_table('followups',
    sa.Column('order_id', sa.String(length=200), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.order_id'], name=op.f('fk_followups_order_id_orders')),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_followups'))
    )
    op.create_table('pick_progress',
    sa.Column('order_id', sa.String(length=200), nullable=False),
    sa.Column('sku', sa.String(length=200), nullable=False),
    sa.Column('picked', sa.Integer(), nullable=False),
    sa.Column('short', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.order_id'], name=op.f('fk_pick_progress_order_id_orders')),
    sa.PrimaryKeyConstraint('order_id', 'sku', name=op.f('pk_pick_progress'))
    )
    op.create_table('report_quarantine',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['digest'], ['report_files.digest'], name=op.f('fk_report_quarantine_digest_report_files')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_quarantine'))
    )
    with op.batch_alter_table('report_quarantine', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_quarantine_digest'), ['digest'], unique=False)

    op.create_table('rmas',
    sa.Column('rma_id', sa.String(length=200), nullable=False),
    sa.Column('order_id', sa.String(length=200), nullable=False),
    sa.Column('refund', sa.Boolean(), nullable=False),
    sa.Column('refund_status', sa.String(length=32), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.order_id'], name=op.f('fk_rmas_order_id_orders')),
    sa.PrimaryKeyConstraint('rma_id', name=op.f('pk_rmas'))
    )
    with op.batch_alter_table('rmas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rmas_order_id'), ['order_id'], unique=False)

    op.create_table('rma_lines',
    sa.Column('rma_id', sa.String(length=200), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=200), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('disposition', sa.String(length=16), nullable=False),
    sa.Column('location_id', sa.String(length=200), nullable=False),
    sa.CheckConstraint('qty > 0', name=op.f('ck_rma_lines_qty_positive')),
    sa.ForeignKeyConstraint(['rma_id'], ['rmas.rma_id'], name=op.f('fk_rma_lines_rma_id_rmas')),
    sa.PrimaryKeyConstraint('rma_id', 'line_no', name=op.f('pk_rma_lines'))
    )
    with op.batch_alter_table('cartons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weight_kg', sa.Float(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('packed_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tracking_number', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('label_url', sa.Text(), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_shipments_tracking_number'), ['tracking_number'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipments_tracking_number'))
        batch_op.drop_column('label_url')
        batch_op.drop_column('tracking_number')

    with op.batch_alter_table('cartons', schema=None) as batch_op:
        batch_op.drop_column('packed_at')
        batch_op.drop_column('weight_kg')

    op.drop_table('rma_lines')
    with op.batch_alter_table('rmas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rmas_order_id'))

    op.drop_table('rmas')
    with op.batch_alter_table('report_quarantine', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_quarantine_digest'))

    op.drop_table('report_quarantine')
    op.drop_table('pick_progress')
    op.drop_table('followups')
    with op.batch_alter_table('carton_units', schema=None) as batch_op:
        batch_op.drop_index('ix_carton_units_order')

    op.drop_table('carton_units')
    op.drop_table('report_files')

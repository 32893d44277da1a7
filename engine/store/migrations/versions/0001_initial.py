"""Initial schema: catalogue, orders, waves, picks, allocations, shipments, returns, outbox, events.

The event log is append-only: triggers refuse UPDATE and DELETE on ``events``
(on SQLite and PostgreSQL alike).

Revision ID: 0001
Revises: 
Create Date: 2026-11-26
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_APPEND_ONLY = "event log is append-only"


def _append_only_up() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$"
        )
        op.execute("CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
                   "FOR EACH ROW EXECUTE FUNCTION events_append_only()")
    else:
        for what in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER events_no_{what.lower()} BEFORE {what} ON events "
                       f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END")


def _append_only_down() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_append_only ON events")
        op.execute("DROP FUNCTION IF EXISTS events_append_only()")
    else:
        for what in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS events_no_{what}")


def upgrade() -> None:
    op.create_table('boxes',
    sa.Column('box_id', sa.String(length=200), nullable=False),
    sa.Column('length_cm', sa.Float(), nullable=False),
    sa.Column('width_cm', sa.Float(), nullable=False),
    sa.Column('height_cm', sa.Float(), nullable=False),
    sa.Column('max_weight_kg', sa.Float(), nullable=False),
    sa.Column('cost', sa.Float(), nullable=False),
    sa.Column('tare_kg', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('box_id', name=op.f('pk_boxes'))
    )
    op.create_table('events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('order_id', sa.String(length=200), nullable=True),
    sa.Column('wave_id', sa.String(length=200), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=32), nullable=True),
    sa.Column('to_status', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    op.create_index('ix_events_order', 'events', ['order_id', 'id'])
    op.create_table('layouts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=1000), nullable=False),
    sa.Column('yaml_text', sa.Text(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_layouts'))
    )
    op.create_table('locations',
    sa.Column('location_id', sa.String(length=200), nullable=False),
    sa.Column('zone', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('location_id', name=op.f('pk_locations'))
    )
    op.create_table('orders',
    sa.Column('order_id', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('payment_status', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('ship_by', sa.DateTime(timezone=True), nullable=True),
    sa.Column('carrier', sa.String(length=200), nullable=False),
    sa.Column('hold_reason', sa.String(length=32), nullable=True),
    sa.Column('hold_detail', sa.Text(), nullable=False),
    sa.Column('wave_id', sa.String(length=200), nullable=True),
    sa.Column('parent_order_id', sa.String(length=200), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_order_id'], ['orders.order_id'], name=op.f('fk_orders_parent_order_id_orders')),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_orders'))
    )
    op.create_index('ix_orders_status_payment', 'orders', ['status', 'payment_status'])
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    op.create_index('ix_outbox_unsent', 'outbox', ['sent_at', 'id'])
    op.create_table('skus',
    sa.Column('sku', sa.String(length=200), nullable=False),
    sa.Column('length_cm', sa.Float(), nullable=False),
    sa.Column('width_cm', sa.Float(), nullable=False),
    sa.Column('height_cm', sa.Float(), nullable=False),
    sa.Column('weight_kg', sa.Float(), nullable=False),
    sa.Column('fragile', sa.Boolean(), nullable=False),
    sa.Column('upright', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('sku', name=op.f('pk_skus'))
    )
    op.create_table('waves',
    sa.Column('wave_id', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('config_json', sa.Text(), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('held', sa.Integer(), nullable=False),
    sa.Column('out', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('wave_id', name=op.f('pk_waves'))
    )
    op.create_table('batches',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('wave_id', sa.String(length=200), nullable=False),
    sa.Column('batch_id', sa.String(length=200), nullable=False),
    sa.Column('zone', sa.String(length=200), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['wave_id'], ['waves.wave_id'], name=op.f('fk_batches_wave_id_waves')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batches')),
    sa.UniqueConstraint('wave_id', 'batch_id', name='uq_batches_wave_batch')
    )
    op.create_table('cartons',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('wave_id', sa.String(length=200), nullable=False),
    sa.Column('order_id', sa.String(length=200), nullable=False),
    sa.Column('carton_no', sa.Integer(), nullable=False),
    sa.Column('box_id', sa.String(length=200), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.order_id'], name=op.f('fk_cartons_order_id_orders')),
    sa.ForeignKeyConstraint(['wave_id'], ['waves.wave_id'], name=op.f('fk_cartons_wave_id_waves')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cartons')),
    sa.UniqueConstraint('wave_id', 'order_id', 'carton_no', name='uq_cartons_wave_order_no')
    )
    op.create_table('inventory',
    sa.Column('sku', sa.String(length=200), nullable=False),
    sa.Column('location_id', sa.String(length=200), nullable=False),
    sa.Column('on_hand', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('on_hand >= 0', name=op.f('ck_inventory_on_hand_not_negative')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.location_id'], name=op.f('fk_inventory_location_id_locations')),
    sa.ForeignKeyConstraint(['sku'], ['skus.sku'], name=op.f('fk_inventory_sku_skus')),
    sa.PrimaryKeyConstraint('sku', 'location_id', name=op.f('pk_inventory'))
    )
    op.create_table('order_lines',
    sa.Column('order_id', sa.String(length=200), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=200), nullable=False),
    sa.Column('ordered_qty', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.CheckConstraint('qty >= 0 AND qty <= ordered_qty', name=op.f('ck_order_lines_qty_within_ordered')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.order_id'], name=op.f('fk_order_lines_order_id_orders')),
    sa.PrimaryKeyConstraint('order_id', 'line_no', name=op.f('pk_order_lines'))
    )
    op.create_table('picks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('wave_id', sa.String(length=200), nullable=False),
    sa.Column('batch_id', sa.String(length=200), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.String(length=200), nullable=False),
    sa.Column('sku', sa.String(length=200), nullable=False),
    sa.Column('location_id', sa.String(length=200), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.order_id'], name=op.f('fk_picks_order_id_orders')),
    sa.ForeignKeyConstraint(['wave_id'], ['waves.wave_id'], name=op.f('fk_picks_wave_id_waves')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_picks'))
    )
    op.create_index('ix_picks_wave_order', 'picks', ['wave_id', 'order_id'])
    op.create_table('returns',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('order_id', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.order_id'], name=op.f('fk_returns_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_returns'))
    )
    op.create_index(op.f('ix_returns_order_id'), 'returns', ['order_id'])
    op.create_table('shipments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('order_id', sa.String(length=200), nullable=False),
    sa.Column('carrier', sa.String(length=200), nullable=False),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.order_id'], name=op.f('fk_shipments_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipments'))
    )
    op.create_index(op.f('ix_shipments_order_id'), 'shipments', ['order_id'])
    op.create_table('allocations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('wave_id', sa.String(length=200), nullable=False),
    sa.Column('order_id', sa.String(length=200), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=200), nullable=False),
    sa.Column('location_id', sa.String(length=200), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.CheckConstraint('qty > 0', name=op.f('ck_allocations_qty_positive')),
    sa.ForeignKeyConstraint(['order_id', 'line_no'], ['order_lines.order_id', 'order_lines.line_no'], name='fk_allocations_line'),
    sa.ForeignKeyConstraint(['sku', 'location_id'], ['inventory.sku', 'inventory.location_id'], name='fk_allocations_inventory'),
    sa.ForeignKeyConstraint(['wave_id'], ['waves.wave_id'], name=op.f('fk_allocations_wave_id_waves')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocations'))
    )
    op.create_index('ix_allocations_order', 'allocations', ['order_id'])
    op.create_index('ix_allocations_stock', 'allocations', ['sku', 'location_id', 'state'])
    _append_only_up()


def downgrade() -> None:
    _append_only_down()
    op.drop_index('ix_allocations_stock', table_name='allocations')
    op.drop_index('ix_allocations_order', table_name='allocations')
    op.drop_table('allocations')
    op.drop_index(op.f('ix_shipments_order_id'), table_name='shipments')
    op.drop_table('shipments')
    op.drop_index(op.f('ix_returns_order_id'), table_name='returns')
    op.drop_table('returns')
    op.drop_index('ix_picks_wave_order', table_name='picks')
    op.drop_table('picks')
    op.drop_table('order_lines')
    op.drop_table('inventory')
    op.drop_table('cartons')
    op.drop_table('batches')
    op.drop_table('waves')
    op.drop_table('skus')
    op.drop_index('ix_outbox_unsent', table_name='outbox')
    op.drop_table('outbox')
    op.drop_index('ix_orders_status_payment', table_name='orders')
    op.drop_table('orders')
    op.drop_table('locations')
    op.drop_table('layouts')
    op.drop_index('ix_events_order', table_name='events')
    op.drop_table('events')
    op.drop_table('boxes')

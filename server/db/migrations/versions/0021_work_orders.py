"""work orders (加工单): assembling kits from their components and taking kits apart

Revision ID: 7a3e9d2c5b14
Revises: 4f2b7c1d9e30
Create Date: 2026-12-07 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a3e9d2c5b14'
down_revision = '4f2b7c1d9e30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('work_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('done_qty', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('bin_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('cancel_reason', sa.String(length=200), nullable=True),
    sa.Column('cancelled_by', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('assemble','disassemble')", name=op.f('ck_work_orders_kind_known')),
    sa.CheckConstraint("status IN ('open','picking','making','putting_away','done','cancelled')",
                       name=op.f('ck_work_orders_status_known')),
    sa.CheckConstraint('qty > 0 AND done_qty >= 0 AND done_qty <= qty', name=op.f('ck_work_orders_done_within_qty')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_work_orders_item_id_items')),
    sa.ForeignKeyConstraint(['bin_id'], ['bins.id'], name=op.f('fk_work_orders_bin_id_bins')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_work_orders_created_by_users')),
    sa.ForeignKeyConstraint(['cancelled_by'], ['users.id'], name=op.f('fk_work_orders_cancelled_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_orders')),
    sa.UniqueConstraint('number', name=op.f('uq_work_orders_number')),
    sa.UniqueConstraint('bin_id', name=op.f('uq_work_orders_bin_id'))
    )
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_orders_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_status'), ['status'], unique=False)

    op.create_table('work_order_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('bin_id', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('done_qty', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('pick','put_away')", name=op.f('ck_work_order_steps_kind_known')),
    sa.CheckConstraint('qty > 0 AND done_qty >= 0 AND done_qty <= qty',
                       name=op.f('ck_work_order_steps_done_within_qty')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'],
                            name=op.f('fk_work_order_steps_work_order_id_work_orders')),
    sa.ForeignKeyConstraint(['bin_id'], ['bins.id'], name=op.f('fk_work_order_steps_bin_id_bins')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_work_order_steps_item_id_items')),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_work_order_steps_lot_id_lots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_steps'))
    )
    with op.batch_alter_table('work_order_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_steps_work_order_id'), ['work_order_id'], unique=False)


def downgrade():
    with op.batch_alter_table('work_order_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_steps_work_order_id'))
    op.drop_table('work_order_steps')
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_orders_status'))
        batch_op.drop_index(batch_op.f('ix_work_orders_item_id'))
    op.drop_table('work_orders')

"""order cancellation: cancel fields on sales_orders, put_back_tasks/lines, voided parcels and print jobs,
cancelled pick tasks, print_jobs.parcel_id

Revision ID: 267a925ff07c
Revises: 5c1e0a7d9b42
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '267a925ff07c'
down_revision = '5c1e0a7d9b42'
branch_labels = None
depends_on = None


def _check(table: str, name: str, condition: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{table}_{name}'), type_='check')
        batch_op.create_check_constraint(op.f(f'ck_{table}_{name}'), condition)


def upgrade():
    op.create_table('put_back_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('source_bin_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('done_by', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('open','done')", name=op.f('ck_put_back_tasks_status_known')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_put_back_tasks_created_by_users')),
    sa.ForeignKeyConstraint(['done_by'], ['users.id'], name=op.f('fk_put_back_tasks_done_by_users')),
    sa.ForeignKeyConstraint(['order_id'], ['sales_orders.id'], name=op.f('fk_put_back_tasks_order_id_sales_orders')),
    sa.ForeignKeyConstraint(['source_bin_id'], ['bins.id'], name=op.f('fk_put_back_tasks_source_bin_id_bins')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_put_back_tasks'))
    )
    with op.batch_alter_table('put_back_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_put_back_tasks_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_put_back_tasks_source_bin_id'), ['source_bin_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_put_back_tasks_status'), ['status'], unique=False)

    op.create_table('put_back_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('put_qty', sa.Integer(), nullable=False),
    sa.Column('suggested_bin_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('qty > 0 AND put_qty >= 0 AND put_qty <= qty', name=op.f('ck_put_back_lines_put_within_qty')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_put_back_lines_item_id_items')),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_put_back_lines_lot_id_lots')),
    sa.ForeignKeyConstraint(['suggested_bin_id'], ['bins.id'], name=op.f('fk_put_back_lines_suggested_bin_id_bins')),
    sa.ForeignKeyConstraint(['task_id'], ['put_back_tasks.id'], name=op.f('fk_put_back_lines_task_id_put_back_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_put_back_lines'))
    )
    with op.batch_alter_table('put_back_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_put_back_lines_task_id'), ['task_id'], unique=False)

    with op.batch_alter_table('sales_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_from', sa.String(length=16), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_sales_orders_cancelled_by_users'), 'users', ['cancelled_by'], ['id'])

    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parcel_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_print_jobs_parcel_id'), ['parcel_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_print_jobs_parcel_id_parcels'), 'parcels', ['parcel_id'], ['id'])
    _check('print_jobs', 'status_known', "status IN ('queued','waiting','sent','printed','failed','voided')")
    _check('parcels', 'status_known', "status IN ('open','closed','shipped','voided')")
    _check('pick_tasks', 'status_known', "status IN ('open','picked','short','cancelled')")


def downgrade():
    _check('pick_tasks', 'status_known', "status IN ('open','picked','short')")
    _check('parcels', 'status_known', "status IN ('open','closed','shipped')")
    _check('print_jobs', 'status_known', "status IN ('queued','waiting','sent','printed','failed')")
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_print_jobs_parcel_id_parcels'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_print_jobs_parcel_id'))
        batch_op.drop_column('parcel_id')
    with op.batch_alter_table('sales_orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sales_orders_cancelled_by_users'), type_='foreignkey')
        batch_op.drop_column('cancelled_from')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('cancelled_by')
        batch_op.drop_column('cancel_reason')
    with op.batch_alter_table('put_back_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_put_back_lines_task_id'))
    op.drop_table('put_back_lines')
    with op.batch_alter_table('put_back_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_put_back_tasks_status'))
        batch_op.drop_index(batch_op.f('ix_put_back_tasks_source_bin_id'))
        batch_op.drop_index(batch_op.f('ix_put_back_tasks_order_id'))
    op.drop_table('put_back_tasks')

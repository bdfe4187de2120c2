"""kits (组合装): kit_components; sales_order_lines.kind and kit_line_id (a kit line's parts)

Revision ID: 4f2b7c1d9e30
Revises: d712539e0c40
Create Date: 2026-12-07 00:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4f2b7c1d9e30'
down_revision = 'd712539e0c40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kit_components',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kit_item_id', sa.Integer(), nullable=False),
    sa.Column('component_item_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.CheckConstraint('qty > 0', name=op.f('ck_kit_components_qty_positive')),
    sa.CheckConstraint('kit_item_id <> component_item_id', name=op.f('ck_kit_components_not_itself')),
    sa.ForeignKeyConstraint(['kit_item_id'], ['items.id'], name=op.f('fk_kit_components_kit_item_id_items')),
    sa.ForeignKeyConstraint(['component_item_id'], ['items.id'],
                            name=op.f('fk_kit_components_component_item_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kit_components')),
    sa.UniqueConstraint('kit_item_id', 'component_item_id', name=op.f('uq_kit_components_kit_component'))
    )
    with op.batch_alter_table('kit_components', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kit_components_kit_item_id'), ['kit_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kit_components_component_item_id'), ['component_item_id'], unique=False)

    with op.batch_alter_table('sales_order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=8), server_default='item', nullable=False))
        batch_op.add_column(sa.Column('kit_line_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_sales_order_lines_kit_line_id'), ['kit_line_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_sales_order_lines_kit_line_id_sales_order_lines'),
                                    'sales_order_lines', ['kit_line_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_sales_order_lines_kind_known'), "kind IN ('item','kit','part')")


def downgrade():
    with op.batch_alter_table('sales_order_lines', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sales_order_lines_kind_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_sales_order_lines_kit_line_id_sales_order_lines'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_sales_order_lines_kit_line_id'))
        batch_op.drop_column('kit_line_id')
        batch_op.drop_column('kind')
    with op.batch_alter_table('kit_components', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kit_components_component_item_id'))
        batch_op.drop_index(batch_op.f('ix_kit_components_kit_item_id'))
    op.drop_table('kit_components')

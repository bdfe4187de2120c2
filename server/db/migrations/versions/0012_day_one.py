"""day one: item master, places, people, devices, site facts

The item master's fields, barcodes with their packaging (a case code means `qty` units), blocks with a
written reason on bins, items and lots, staff numbers and the read-only `viewer` role, retired devices,
printers' documents, and site facts (demo or not, opening stock loaded).

Revision ID: eb8f7316bd07
Revises: 3f8a6d2c5b71
Create Date: 2026-12-06 14:23:04.282693

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'eb8f7316bd07'
down_revision = '3f8a6d2c5b71'
branch_labels = None
depends_on = None

ROLES_BEFORE = "role IN ('picker','receiver','inspector','packer','supervisor','manager','admin')"
ROLES_WITH_VIEWER = "role IN ('picker','receiver','inspector','packer','supervisor','manager','admin','viewer')"


def upgrade():
    op.create_table('site_facts',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_site_facts'))
    )
    with op.batch_alter_table('bins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('block_reason', sa.String(length=200), nullable=True))

    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('item_barcodes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('packaging', sa.String(length=8), server_default='unit', nullable=False))
        batch_op.add_column(sa.Column('qty', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_check_constraint('packaging_known', "packaging IN ('unit','inner','case')")
        batch_op.create_check_constraint('qty_positive', 'qty > 0')

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attributes', sa.Text(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('weight_g', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('length_mm', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('width_mm', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('height_mm', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('shelf_life_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('lot_tracked', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('tag_price_cents', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('category', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('brand', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('default_supplier_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('block_reason', sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_items_default_supplier_id_suppliers'), 'suppliers', ['default_supplier_id'], ['id'])

    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('block_reason', sa.String(length=200), nullable=True))

    with op.batch_alter_table('printers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('documents', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default='1', nullable=False))

    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default='1', nullable=False))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('employee_no', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_employee_no'), ['employee_no'])
        batch_op.drop_constraint(batch_op.f('ck_users_role_known'), type_='check')
        batch_op.create_check_constraint('role_known', ROLES_WITH_VIEWER)



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_employee_no'), type_='unique')
        batch_op.drop_constraint(batch_op.f('ck_users_role_known'), type_='check')
        batch_op.create_check_constraint('role_known', ROLES_BEFORE)
        batch_op.drop_column('phone')
        batch_op.drop_column('employee_no')

    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.drop_column('active')
        batch_op.drop_column('contact')

    with op.batch_alter_table('printers', schema=None) as batch_op:
        batch_op.drop_column('active')
        batch_op.drop_column('documents')

    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.drop_column('block_reason')

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_items_default_supplier_id_suppliers'), type_='foreignkey')
        batch_op.drop_column('block_reason')
        batch_op.drop_column('active')
        batch_op.drop_column('default_supplier_id')
        batch_op.drop_column('brand')
        batch_op.drop_column('category')
        batch_op.drop_column('tag_price_cents')
        batch_op.drop_column('lot_tracked')
        batch_op.drop_column('shelf_life_days')
        batch_op.drop_column('height_mm')
        batch_op.drop_column('width_mm')
        batch_op.drop_column('length_mm')
        batch_op.drop_column('weight_g')
        batch_op.drop_column('attributes')

    with op.batch_alter_table('item_barcodes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_item_barcodes_qty_positive'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_item_barcodes_packaging_known'), type_='check')
        batch_op.drop_column('qty')
        batch_op.drop_column('packaging')

    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_column('retired_at')

    with op.batch_alter_table('bins', schema=None) as batch_op:
        batch_op.drop_column('block_reason')

    op.drop_table('site_facts')

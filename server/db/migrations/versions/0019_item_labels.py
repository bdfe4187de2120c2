"""items and suppliers: label_at_receiving (the goods arrive without item labels: print them at receiving)

Revision ID: d712539e0c40
Revises: 7b3e91d0c4a6
Create Date: 2026-12-06 21:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd712539e0c40'
down_revision = '7b3e91d0c4a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label_at_receiving', sa.Boolean(), server_default='0', nullable=False))
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label_at_receiving', sa.Boolean(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.drop_column('label_at_receiving')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('label_at_receiving')

"""parcels: packaging, expected weight and a supervisor's weight override (weighing at packing)

Revision ID: 7b3e91d0c4a6
Revises: 2b8c948ca310
Create Date: 2026-12-06 21:25:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b3e91d0c4a6'
down_revision = '2b8c948ca310'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('packaging', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('expected_weight_g', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('weight_override_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('weight_override_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_parcels_weight_override_by_users'), 'users',
                                    ['weight_override_by'], ['id'])


def downgrade():
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_parcels_weight_override_by_users'), type_='foreignkey')
        batch_op.drop_column('weight_override_by')
        batch_op.drop_column('weight_override_reason')
        batch_op.drop_column('expected_weight_g')
        batch_op.drop_column('packaging')

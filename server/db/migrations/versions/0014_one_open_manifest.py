"""one open manifest per carrier: a partial unique index (two stations starting a carrier's manifest at once)

Revision ID: c4d1e8a27f53
Revises: a6870b188b65
Create Date: 2026-12-06 17:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d1e8a27f53'
down_revision = 'a6870b188b65'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('manifests', schema=None) as batch_op:
        batch_op.create_index('uq_manifests_open_carrier', ['carrier'], unique=True,
                              sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))


def downgrade():
    with op.batch_alter_table('manifests', schema=None) as batch_op:
        batch_op.drop_index('uq_manifests_open_carrier')

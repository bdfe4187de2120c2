"""order_import_jobs, order_import_files: marketplace order files imported in the background

Revision ID: 5c1e0a7d9b42
Revises: c4d1e8a27f53
Create Date: 2026-12-06 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e0a7d9b42'
down_revision = 'c4d1e8a27f53'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('order_import_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('orders_total', sa.Integer(), nullable=False),
    sa.Column('orders_done', sa.Integer(), nullable=False),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('stopped', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('resumed', sa.Integer(), nullable=False),
    sa.Column('report_json', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('taobao','generic')", name=op.f('ck_order_import_jobs_kind_known')),
    sa.CheckConstraint("status IN ('queued','running','done','refused','failed')",
                       name=op.f('ck_order_import_jobs_status_known')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_order_import_jobs_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_import_jobs'))
    )
    with op.batch_alter_table('order_import_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_import_jobs_status'), ['status'], unique=False)

    op.create_table('order_import_files',
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=16), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['order_import_jobs.id'], name=op.f('fk_order_import_files_job_id_order_import_jobs')),
    sa.PrimaryKeyConstraint('job_id', 'name', name=op.f('pk_order_import_files'))
    )


def downgrade():
    op.drop_table('order_import_files')
    with op.batch_alter_table('order_import_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_import_jobs_status'))

    op.drop_table('order_import_jobs')

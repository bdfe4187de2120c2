"""index pick_tasks.tote_bin_id: binding a tote asks whether another open list uses it

Without it each tote scan read every pick task ever made (a full scan growing with history:
about a fifth of a scan's time after a few thousand lists).

Revision ID: 5c1d0e7a9b21
Revises: 0378fd100466
Create Date: 2026-12-02 21:30:00

"""
from alembic import op


revision = '5c1d0e7a9b21'
down_revision = '0378fd100466'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(op.f('ix_pick_tasks_tote_bin_id'), 'pick_tasks', ['tote_bin_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_pick_tasks_tote_bin_id'), table_name='pick_tasks')

"""index pick_lists (status, wave_id, seq): the open lists in the order they are taken

Taking the next list and showing the open ones both ask for open lists oldest wave first. With only an
index on status, SQLite read every open list and sorted them each time (and, for the handheld's
summaries, counted the stops of every one of them before keeping 200): at 2,000 open lists a claim and a
list of lists paid for all of them. Walking this index stops at the first lists. It replaces the index on
status alone, which it serves as well.

Revision ID: 3f8a6d2c5b71
Revises: 7e2b4c9d1a30
Create Date: 2026-12-03 17:35:00

"""
from alembic import op


revision = '3f8a6d2c5b71'
down_revision = '7e2b4c9d1a30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_pick_lists_status_wave_id_seq', 'pick_lists', ['status', 'wave_id', 'seq'], unique=False)
    op.drop_index('ix_pick_lists_status', table_name='pick_lists')


def downgrade():
    op.create_index('ix_pick_lists_status', 'pick_lists', ['status'], unique=False)
    op.drop_index('ix_pick_lists_status_wave_id_seq', table_name='pick_lists')

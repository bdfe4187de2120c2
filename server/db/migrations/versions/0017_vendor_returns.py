"""vendor_returns: states (awaiting_approval -> approved -> sent, or cancelled) with who and when

Revision ID: 2b8c948ca310
Revises: 267a925ff07c
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2b8c948ca310'
down_revision = '267a925ff07c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vendor_returns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=24), server_default='awaiting_approval',
                                      nullable=False))
        batch_op.add_column(sa.Column('approved_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sent_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sent_note', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('cancelled_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=200), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_vendor_returns_status'), ['status'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_vendor_returns_approved_by_users'), 'users', ['approved_by'],
                                    ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_vendor_returns_sent_by_users'), 'users', ['sent_by'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_vendor_returns_cancelled_by_users'), 'users', ['cancelled_by'],
                                    ['id'])
        batch_op.create_check_constraint('status_known',
                                         "status IN ('awaiting_approval','approved','sent','cancelled')")


def downgrade():
    with op.batch_alter_table('vendor_returns', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_vendor_returns_status_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_vendor_returns_cancelled_by_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_vendor_returns_sent_by_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_vendor_returns_approved_by_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_vendor_returns_status'))
        for column in ('cancel_reason', 'cancelled_at', 'cancelled_by', 'sent_note', 'sent_at', 'sent_by',
                       'approved_at', 'approved_by', 'status'):
            batch_op.drop_column(column)

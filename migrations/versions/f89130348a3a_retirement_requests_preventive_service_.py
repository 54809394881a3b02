"""maintenance: retirement requests, preventive service by loans, repair estimates, ready time

Revision ID: f89130348a3a
Revises: 431c3ac61a7a
Create Date: 2026-11-24 08:55:43.987394

"""
from alembic import op
import sqlalchemy as sa

import core.db


# revision identifiers, used by Alembic.
revision = 'f89130348a3a'
down_revision = '431c3ac61a7a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('retirement_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('retire', 'lost', name='retirementkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='decisionstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('estimate_satang', sa.Integer(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_retirement_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_retirement_requests_device_id_devices')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_retirement_requests_requested_by_id_users')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_retirement_requests_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retirement_requests'))
    )
    with op.batch_alter_table('retirement_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retirement_requests_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_retirement_requests_status'), ['status'], unique=False)
        batch_op.create_index('uq_retirement_requests_one_pending', ['device_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    with op.batch_alter_table('device_types', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_interval_loans', sa.Integer(), nullable=True))

    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('estimate_satang', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('ready_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(op.f('ck_work_orders_estimate_not_negative'),
                                         'estimate_satang IS NULL OR estimate_satang >= 0')



def downgrade():
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_work_orders_estimate_not_negative'), type_='check')
        batch_op.drop_column('ready_at')
        batch_op.drop_column('estimate_satang')

    with op.batch_alter_table('device_types', schema=None) as batch_op:
        batch_op.drop_column('service_interval_loans')

    with op.batch_alter_table('retirement_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_retirement_requests_one_pending', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_retirement_requests_status'))
        batch_op.drop_index(batch_op.f('ix_retirement_requests_device_id'))

    op.drop_table('retirement_requests')

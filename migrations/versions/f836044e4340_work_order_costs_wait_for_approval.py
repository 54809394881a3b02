"""work order costs wait for approval

Revision ID: f836044e4340
Revises: c3a9e1f0b7d2
Create Date: 2026-11-30 06:23:30.520885

"""
from alembic import op
import sqlalchemy as sa

import core.db


# revision identifiers, used by Alembic.
revision = 'f836044e4340'
down_revision = 'c3a9e1f0b7d2'
branch_labels = None
depends_on = None


OLD_STATES = "'open', 'in_progress', 'waiting_parts', 'done', 'cancelled'"
NEW_STATES = "'open', 'in_progress', 'waiting_parts', 'cost_approval', 'done', 'cancelled'"


def upgrade():
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('costs_decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('costs_decided_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('costs_approved', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('costs_decision_note', sa.Text(), nullable=False, server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_work_orders_costs_decided_by_id_users'), 'users',
                                    ['costs_decided_by_id'], ['id'])
        # A finished order whose costs wait for a supervisor: the status check allows the new state.
        batch_op.drop_constraint(op.f('ck_work_orders_workstatus'), type_='check')
        batch_op.create_check_constraint(op.f('ck_work_orders_workstatus'), f"status IN ({NEW_STATES})")


def downgrade():
    # Costs still waiting go back to the workshop: the old states know no waiting.
    op.execute("UPDATE work_orders SET status = 'in_progress' WHERE status = 'cost_approval'")
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_work_orders_workstatus'), type_='check')
        batch_op.create_check_constraint(op.f('ck_work_orders_workstatus'), f"status IN ({OLD_STATES})")
        batch_op.drop_constraint(batch_op.f('fk_work_orders_costs_decided_by_id_users'), type_='foreignkey')
        batch_op.drop_column('costs_decision_note')
        batch_op.drop_column('costs_approved')
        batch_op.drop_column('costs_decided_at')
        batch_op.drop_column('costs_decided_by_id')

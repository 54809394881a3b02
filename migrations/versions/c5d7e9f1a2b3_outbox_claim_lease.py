"""outbox: the time a message was claimed, so a claim abandoned by a dead worker can be taken again

Revision ID: c5d7e9f1a2b3
Revises: b3c1d2e4f5a6
Create Date: 2026-11-30 09:30:00

"""
import sqlalchemy as sa
from alembic import op

import core.db

# revision identifiers, used by Alembic.
revision = 'c5d7e9f1a2b3'
down_revision = 'b3c1d2e4f5a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', core.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')

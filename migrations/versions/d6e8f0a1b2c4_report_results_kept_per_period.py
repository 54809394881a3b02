"""report results kept per period, and the versions of each fiscal year that say when they are stale

Revision ID: d6e8f0a1b2c4
Revises: c5d7e9f1a2b3
Create Date: 2026-11-30 10:10:00

"""
import sqlalchemy as sa
from alembic import op

import core.db

# revision identifiers, used by Alembic.
revision = 'd6e8f0a1b2c4'
down_revision = 'c5d7e9f1a2b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_versions',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_report_versions'))
    )
    op.create_table('report_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('stamp', sa.String(length=80), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('counted_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_results')),
    sa.UniqueConstraint('name', 'first_day', 'last_day', name='uq_report_results_period')
    )


def downgrade():
    op.drop_table('report_results')
    op.drop_table('report_versions')

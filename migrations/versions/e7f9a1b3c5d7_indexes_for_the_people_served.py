"""indexes the outcome report reads the people served and their first assessments from

Revision ID: e7f9a1b3c5d7
Revises: c5d8e2f1a3b7
Create Date: 2026-11-30 10:25:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e7f9a1b3c5d7'
down_revision = 'c5d8e2f1a3b7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_loans_person_period', 'loans', ['person_id', 'delivered_at', 'returned_at'])
    op.create_index('ix_assessments_request_first', 'assessments',
                    ['request_id', 'assessed_on', 'adl_total', 'dependency_group'])


def downgrade():
    op.drop_index('ix_assessments_request_first', table_name='assessments')
    op.drop_index('ix_loans_person_period', table_name='loans')

"""indexes the reports read by: the days of loans, requests, decisions, assessments, visits and the books

Revision ID: b3c1d2e4f5a6
Revises: a282f5cf1945
Create Date: 2026-11-30 07:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b3c1d2e4f5a6'
down_revision = 'a282f5cf1945'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_loans_delivered_at', 'loans', ['delivered_at']),
    ('ix_loans_returned_at', 'loans', ['returned_at']),
    ('ix_requests_created_at', 'requests', ['created_at']),
    ('ix_request_items_decided_at', 'request_items', ['decided_at']),
    ('ix_assessments_assessed_on', 'assessments', ['assessed_on']),
    ('ix_follow_ups_visited_on', 'follow_ups', ['visited_on']),
    ('ix_follow_ups_loan_visited', 'follow_ups', ['loan_id', 'visited_on']),
    ('ix_journal_entries_entry_date', 'journal_entries', ['entry_date']),
    ('ix_donations_received_on', 'donations', ['received_on']),
    ('ix_spendings_entry_id', 'spendings', ['entry_id']),
    ('ix_work_orders_spending_id', 'work_orders', ['spending_id']),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)

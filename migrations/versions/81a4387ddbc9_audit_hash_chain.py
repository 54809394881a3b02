"""audit: a hash chain over the audit trail (seq, prev_hash, hash), filled for the events there

Revision ID: 81a4387ddbc9
Revises: 3e61bf7366dd
Create Date: 2026-11-30 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.audit
import core.db


# revision identifiers, used by Alembic.
revision = '81a4387ddbc9'
down_revision = '3e61bf7366dd'
branch_labels = None
depends_on = None

# The table as this revision knows it, to read the events and seal them.
events = sa.table(
    'audit_events',
    sa.column('id', sa.Integer), sa.column('at', core.db.UTCDateTime(timezone=True)),
    sa.column('actor_id', sa.Integer), sa.column('action', sa.String), sa.column('object_type', sa.String),
    sa.column('object_id', sa.String), sa.column('changes', sa.JSON), sa.column('request_id', sa.String),
    sa.column('seq', sa.Integer), sa.column('prev_hash', sa.String), sa.column('hash', sa.String),
)


def _drop_triggers(dialect):
    if dialect == 'sqlite':
        op.execute('DROP TRIGGER IF EXISTS audit_events_no_update')
        op.execute('DROP TRIGGER IF EXISTS audit_events_no_delete')
    elif dialect == 'postgresql':
        for name in ('audit_events_append_only', 'audit_events_sealed_once', 'audit_events_no_truncate'):
            op.execute(f'DROP TRIGGER IF EXISTS {name} ON audit_events')


def upgrade():
    # Plain ADD COLUMN and CREATE INDEX (no batch copy of the table, which would lose its triggers).
    op.add_column('audit_events', sa.Column('seq', sa.Integer(), nullable=True))
    op.add_column('audit_events', sa.Column('prev_hash', sa.String(length=64), nullable=True))
    op.add_column('audit_events', sa.Column('hash', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_audit_events_seq'), 'audit_events', ['seq'], unique=True)
    conn = op.get_bind()
    dialect = conn.dialect.name
    _drop_triggers(dialect)
    for statement in core.audit.chain_trigger_statements(dialect):
        op.execute(statement)
    # The events already there join the chain in the order they were written; the new
    # triggers allow exactly this once-only sealing.
    fields = [events.c[name] for name in core.audit.CHAINED_FIELDS]
    rows = conn.execute(sa.select(*fields).where(events.c.seq.is_(None)).order_by(events.c.id)).mappings().all()
    links = core.audit.chain_links(rows, 0, core.audit.GENESIS)
    if links:
        conn.execute(events.update().where(events.c.id == sa.bindparam('event_id'))
                     .values(seq=sa.bindparam('seq'), prev_hash=sa.bindparam('prev_hash'),
                             hash=sa.bindparam('hash')), links)


def downgrade():
    dialect = op.get_bind().dialect.name
    _drop_triggers(dialect)
    op.drop_index(op.f('ix_audit_events_seq'), table_name='audit_events')
    op.drop_column('audit_events', 'hash')
    op.drop_column('audit_events', 'prev_hash')
    op.drop_column('audit_events', 'seq')
    for statement in core.db.append_only_statements('audit_events', dialect):
        op.execute(statement)

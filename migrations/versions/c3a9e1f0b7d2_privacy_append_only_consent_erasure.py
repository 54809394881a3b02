"""privacy: append-only donations, spendings and consent records; consent signers and withdrawals
apart; people's erased_at and birth_year

Revision ID: c3a9e1f0b7d2
Revises: c4e1a7d2b9f0
Create Date: 2026-11-30 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.db


# revision identifiers, used by Alembic.
revision = 'c3a9e1f0b7d2'
down_revision = 'c4e1a7d2b9f0'
branch_labels = None
depends_on = None

APPEND_ONLY = ('donations', 'spendings', 'consent_records', 'consent_withdrawals')


def _drop_triggers(dialect):
    for table in APPEND_ONLY:
        if dialect == 'sqlite':
            op.execute(f'DROP TRIGGER IF EXISTS {table}_no_update')
            op.execute(f'DROP TRIGGER IF EXISTS {table}_no_delete')
        elif dialect == 'postgresql':
            op.execute(f'DROP TRIGGER IF EXISTS {table}_append_only ON {table}')


def upgrade():
    dialect = op.get_bind().dialect.name
    op.add_column('people', sa.Column('birth_year', sa.Integer(), nullable=True))
    op.add_column('people', sa.Column('erased_at', core.db.UTCDateTime(timezone=True), nullable=True))

    op.create_table('consent_signers',
    sa.Column('consent_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('relation', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['consent_id'], ['consent_records.id'],
                            name=op.f('fk_consent_signers_consent_id_consent_records')),
    sa.PrimaryKeyConstraint('consent_id', name=op.f('pk_consent_signers'))
    )
    op.create_table('consent_withdrawals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consent_id', sa.Integer(), nullable=False),
    sa.Column('withdrawn_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['consent_id'], ['consent_records.id'],
                            name=op.f('fk_consent_withdrawals_consent_id_consent_records')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                            name=op.f('fk_consent_withdrawals_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_withdrawals')),
    sa.UniqueConstraint('consent_id', name=op.f('uq_consent_withdrawals_consent_id'))
    )
    # Who signed, and the withdrawals, move out of the record, which from now on is never changed.
    op.execute('INSERT INTO consent_signers (consent_id, name, relation) '
               'SELECT id, given_by, relation FROM consent_records')
    op.execute('INSERT INTO consent_withdrawals (consent_id, withdrawn_at) '
               'SELECT id, withdrawn_at FROM consent_records WHERE withdrawn_at IS NOT NULL')
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('relation')
        batch_op.drop_column('given_by')
    # A spending undone is its entry reversed; the reversal points to the entry (journal_entries.reverses_id).
    with op.batch_alter_table('spendings', schema=None) as batch_op:
        batch_op.drop_constraint('fk_spendings_reversed_by_id_journal_entries', type_='foreignkey')
        batch_op.drop_column('reversed_by_id')
    # After the batch copies (a copied table loses its triggers).
    for table in APPEND_ONLY:
        for statement in core.db.append_only_statements(table, dialect):
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    _drop_triggers(dialect)
    with op.batch_alter_table('spendings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reversed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_spendings_reversed_by_id_journal_entries', 'journal_entries',
                                    ['reversed_by_id'], ['id'])
    op.execute('UPDATE spendings SET reversed_by_id = (SELECT j.id FROM journal_entries j '
               'WHERE j.reverses_id = spendings.entry_id)')
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('given_by', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('relation', sa.String(length=60), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('withdrawn_at', core.db.UTCDateTime(timezone=True), nullable=True))
    op.execute('UPDATE consent_records SET '
               'given_by = COALESCE((SELECT s.name FROM consent_signers s WHERE s.consent_id = consent_records.id), \'\'), '
               'relation = COALESCE((SELECT s.relation FROM consent_signers s '
               'WHERE s.consent_id = consent_records.id), \'\'), '
               'withdrawn_at = (SELECT w.withdrawn_at FROM consent_withdrawals w '
               'WHERE w.consent_id = consent_records.id)')
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.alter_column('given_by', server_default=None)
        batch_op.alter_column('relation', server_default=None)
    op.drop_table('consent_withdrawals')
    op.drop_table('consent_signers')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.drop_column('birth_year')

"""privacy: access_events.detail (a search, its digits hashed), the dpo role, subject_requests

Revision ID: c4e1a7d2b9f0
Revises: 055a2e5da12a
Create Date: 2026-12-01 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.db


# revision identifiers, used by Alembic.
revision = 'c4e1a7d2b9f0'
down_revision = '055a2e5da12a'
branch_labels = None
depends_on = None

OLD_ROLES = ('admin', 'staff', 'assessor', 'supervisor', 'maintenance', 'treasurer', 'donor')
NEW_ROLES = OLD_ROLES + ('dpo',)


def _roles(values):
    return sa.Enum(*values, name='role', native_enum=False, create_constraint=True, length=20)


def upgrade():
    # A plain ADD COLUMN on both databases (no table copy), so the append-only triggers stay.
    op.add_column('access_events', sa.Column('detail', sa.String(length=300), nullable=True))

    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.alter_column('role', existing_type=_roles(OLD_ROLES), type_=_roles(NEW_ROLES),
                              existing_nullable=False)

    op.create_table('subject_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('access', 'portability', 'rectification', 'erasure', 'withdrawal', 'objection', name='subjectrequestkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'done', 'refused', name='subjectrequeststatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('due_on >= received_on', name=op.f('ck_subject_requests_due_after_received')),
    sa.CheckConstraint("(status = 'open') = (closed_on IS NULL)", name=op.f('ck_subject_requests_closed_when_not_open')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_subject_requests_closed_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_subject_requests_created_by_id_users')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_subject_requests_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_requests'))
    )
    with op.batch_alter_table('subject_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_requests_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_subject_requests_status_due', ['status', 'due_on'], unique=False)


def downgrade():
    with op.batch_alter_table('subject_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_subject_requests_status_due')
        batch_op.drop_index(batch_op.f('ix_subject_requests_person_id'))

    op.drop_table('subject_requests')
    op.execute("DELETE FROM user_roles WHERE role = 'dpo'")
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.alter_column('role', existing_type=_roles(NEW_ROLES), type_=_roles(OLD_ROLES),
                              existing_nullable=False)
    with op.batch_alter_table('access_events', schema=None) as batch_op:
        batch_op.drop_column('detail')
    if op.get_bind().dialect.name == 'sqlite':
        # There the column is dropped by copying the table: its append-only triggers went with
        # the old copy and are made again.
        for statement in core.db.append_only_statements('access_events', 'sqlite'):
            op.execute(statement)

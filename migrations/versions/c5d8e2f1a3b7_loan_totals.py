"""loan totals per device type, kept with the loans (the public impact page reads them)

Revision ID: c5d8e2f1a3b7
Revises: d6e8f0a1b2c4
Create Date: 2026-11-30 10:00:00

"""
import datetime as dt

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c5d8e2f1a3b7'
down_revision = 'd6e8f0a1b2c4'
branch_labels = None
depends_on = None

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
COLUMNS = ('loans', 'devices', 'people', 'closed_ms', 'open_loans', 'open_since_ms')


def _ms(moment):
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return (moment - EPOCH) // dt.timedelta(milliseconds=1)


def upgrade():
    totals = op.create_table(
        'loan_totals',
        sa.Column('type_id', sa.Integer(), nullable=False),
        sa.Column('loans', sa.Integer(), nullable=False),
        sa.Column('devices', sa.Integer(), nullable=False),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.Column('closed_ms', sa.BigInteger(), nullable=False),
        sa.Column('open_loans', sa.Integer(), nullable=False),
        sa.Column('open_since_ms', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['type_id'], ['device_types.id'], name=op.f('fk_loan_totals_type_id_device_types')),
        sa.PrimaryKeyConstraint('type_id', name=op.f('pk_loan_totals')),
    )
    # Count the loans there are (as lending.models.totals.count_all does).
    loans = sa.table('loans', sa.column('id', sa.Integer), sa.column('device_id', sa.Integer),
                     sa.column('person_id', sa.Integer), sa.column('delivered_at', sa.DateTime(timezone=True)),
                     sa.column('returned_at', sa.DateTime(timezone=True)))
    devices = sa.table('devices', sa.column('id', sa.Integer), sa.column('type_id', sa.Integer))
    rows, seen_devices, seen_people = {}, set(), set()
    query = (sa.select(loans.c.device_id, loans.c.person_id, loans.c.delivered_at, loans.c.returned_at,
                       devices.c.type_id).join(devices, devices.c.id == loans.c.device_id).order_by(loans.c.id))
    for device_id, person_id, delivered_at, returned_at, type_id in op.get_bind().execute(query):
        row = rows.setdefault(type_id, dict.fromkeys(COLUMNS, 0))
        row['loans'] += 1
        if returned_at is None:
            row['open_loans'] += 1
            row['open_since_ms'] += _ms(delivered_at)
        else:
            row['closed_ms'] += max(_ms(returned_at) - _ms(delivered_at), 0)
        row['devices'] += device_id not in seen_devices
        row['people'] += person_id not in seen_people
        seen_devices.add(device_id)
        seen_people.add(person_id)
    if rows:
        op.bulk_insert(totals, [{'type_id': type_id, **row} for type_id, row in rows.items()])


def downgrade():
    op.drop_table('loan_totals')

"""fund: standard journal memos as key and parameters; the value of each device given in kind

Revision ID: 96b608d87222
Revises: ddb5d8479917
Create Date: 2026-11-30 00:00:42.065295

Entries written before keep their text; the standard English memos of those days ("donation
from X", "devices given by X", "work order 62 BS-WC-00001", "reversal of entry 5", "purchase",
"repair") get their key and parameters, so they too show in the reader's language. The journal
is append-only, so its triggers stand aside for that one update. Devices given in kind before
take the value the donor stated, if any (the gifts were booked at those values).
"""
import re

from alembic import op
import sqlalchemy as sa

import core.db


# revision identifiers, used by Alembic.
revision = '96b608d87222'
down_revision = 'ddb5d8479917'
branch_labels = None
depends_on = None

LEGACY = (  # (entry kind, old memo, key, English text of the key)
    ("donation", re.compile(r"donation from (?P<donor>.*)", re.S), "donation", "Donation from %(donor)s"),
    ("in_kind", re.compile(r"devices given by (?P<donor>.*)", re.S), "in_kind", "Devices given by %(donor)s"),
    ("repair", re.compile(r"work order (?P<order>\d+) (?P<tag>\S+)"), "work_order",
     "Work order %(order)s, device %(tag)s"),
)
entries = sa.table("journal_entries", sa.column("id", sa.Integer), sa.column("memo", sa.String),
                   sa.column("memo_key", sa.String), sa.column("memo_params", sa.JSON))


def upgrade():
    with op.batch_alter_table('donated_devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('value_satang', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('value_source', sa.Enum('donor', 'reference', name='valuesource', native_enum=False, create_constraint=True, length=20), nullable=True))
        batch_op.create_check_constraint(op.f('ck_donated_devices_value_not_negative'),
                                         'value_satang IS NULL OR value_satang >= 0')
    op.execute("UPDATE donated_devices SET value_source = 'donor', value_satang = (SELECT acquisition_value_satang "
               "FROM devices WHERE devices.id = donated_devices.device_id) WHERE EXISTS (SELECT 1 FROM devices "
               "WHERE devices.id = donated_devices.device_id AND devices.acquisition_value_satang IS NOT NULL)")

    # Plain ALTER TABLE ADD COLUMN: a batch copy would drop the append-only triggers.
    op.add_column('journal_entries', sa.Column('memo_key', sa.String(length=40), nullable=True))
    op.add_column('journal_entries', sa.Column('memo_params', sa.JSON(), nullable=True))
    _key_old_memos(op.get_bind())


def _key_old_memos(conn):
    spent = {entry_id: (code, count) for entry_id, code, count in conn.execute(sa.text(
        "SELECT s.entry_id, t.code, (SELECT count(*) FROM purchased_devices p WHERE p.spending_id = s.id) "
        "FROM spendings s LEFT JOIN device_types t ON t.id = s.device_type_id"))}
    updates = []
    for entry_id, kind, memo, reverses_id in conn.execute(sa.text(
            "SELECT id, kind, memo, reverses_id FROM journal_entries WHERE memo_key IS NULL")):
        matches = [(key, english, match) for legacy_kind, pattern, key, english in LEGACY
                   if kind == legacy_kind and (match := pattern.fullmatch(memo))]
        code, count = spent.get(entry_id, (None, 0))
        if matches:
            key, english, match = matches[0]
            params = {k: int(v) if k == "order" else v for k, v in match.groupdict().items()}
            updates.append((entry_id, key, params, english % params))
        elif kind == "reversal" and memo == f"reversal of entry {reverses_id}":
            updates.append((entry_id, "reversal", {"entry": reverses_id}, f"Reversal of entry {reverses_id}"))
        elif kind == "purchase" and memo == "purchase" and code and count:
            updates.append((entry_id, "purchase", {"count": count, "type": code}, f"{count} × {code} bought"))
        elif kind == "repair" and memo == "repair" and code:
            updates.append((entry_id, "repair", {"type": code}, f"Repair of a {code}"))
        elif kind in ("purchase", "repair") and memo == kind:
            updates.append((entry_id, None, None, ""))  # nothing to add to the entry's kind
    if not updates:
        return
    dialect = conn.dialect.name
    if dialect == "sqlite":
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS journal_entries_no_update")
    elif dialect == "postgresql":
        conn.exec_driver_sql("ALTER TABLE journal_entries DISABLE TRIGGER journal_entries_append_only")
    for entry_id, key, params, text in updates:
        conn.execute(entries.update().where(entries.c.id == entry_id)
                     .values(memo_key=key, memo_params=params, memo=text[:300]))
    if dialect == "sqlite":
        for statement in core.db.append_only_statements("journal_entries", dialect):
            conn.exec_driver_sql(statement)
    elif dialect == "postgresql":
        conn.exec_driver_sql("ALTER TABLE journal_entries ENABLE TRIGGER journal_entries_append_only")


def downgrade():
    # Plain ALTER TABLE DROP COLUMN (SQLite 3.35+) keeps the append-only triggers; ``memo`` still
    # holds every standard memo's English text.
    op.drop_column('journal_entries', 'memo_params')
    op.drop_column('journal_entries', 'memo_key')

    with op.batch_alter_table('donated_devices', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_donated_devices_value_not_negative'), type_='check')
        batch_op.drop_constraint(op.f('ck_donated_devices_valuesource'), type_='check')
        batch_op.drop_column('value_source')
        batch_op.drop_column('value_satang')

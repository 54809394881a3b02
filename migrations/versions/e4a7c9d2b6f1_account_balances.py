"""account balances kept by a trigger on postings (the dashboard and the books read them)

Revision ID: e4a7c9d2b6f1
Revises: 0ca525ae6393
Create Date: 2026-11-30 11:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e4a7c9d2b6f1'
down_revision = '0ca525ae6393'
branch_labels = None
depends_on = None

UPSERT = ("INSERT INTO account_balances (account_id, fund_id, balance_satang) "
          "VALUES (NEW.account_id, NEW.fund_id, NEW.amount_satang) ON CONFLICT (account_id, fund_id) "
          "DO UPDATE SET balance_satang = account_balances.balance_satang + excluded.balance_satang")
TRIGGER = {  # as fund.models.balance_trigger_statements
    "sqlite": [f"CREATE TRIGGER IF NOT EXISTS postings_keep_balance AFTER INSERT ON postings BEGIN {UPSERT}; END"],
    "postgresql": [f"CREATE OR REPLACE FUNCTION keep_account_balance() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN {UPSERT}; RETURN NULL; END $$",
                   "CREATE TRIGGER postings_keep_balance AFTER INSERT ON postings "
                   "FOR EACH ROW EXECUTE FUNCTION keep_account_balance()"],
}


def upgrade():
    op.create_table(
        'account_balances',
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('fund_id', sa.Integer(), nullable=False),
        sa.Column('balance_satang', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_balances_account_id_accounts')),
        sa.ForeignKeyConstraint(['fund_id'], ['funds.id'], name=op.f('fk_account_balances_fund_id_funds')),
        sa.PrimaryKeyConstraint('account_id', 'fund_id', name=op.f('pk_account_balances')),
    )
    op.execute("INSERT INTO account_balances (account_id, fund_id, balance_satang) "
               "SELECT account_id, fund_id, sum(amount_satang) FROM postings GROUP BY account_id, fund_id")
    for statement in TRIGGER.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS postings_keep_balance ON postings")
        op.execute("DROP FUNCTION IF EXISTS keep_account_balance()")
    else:
        op.execute("DROP TRIGGER IF EXISTS postings_keep_balance")
    op.drop_table('account_balances')

"""Every table of a database as rows, to compare two moments of it (backups, failed requests)."""
from __future__ import annotations

from sqlalchemy import column, inspect, select, table


def snapshot(engine) -> dict[str, list[tuple]]:
    """``{table: rows}`` for every table, rows in primary-key order, values as the driver gives them."""
    found = inspect(engine)
    shapes = {name: ([column(c["name"]) for c in found.get_columns(name)],
                     [column(c) for c in found.get_pk_constraint(name)["constrained_columns"]])
              for name in found.get_table_names()}
    tables = {}
    with engine.connect() as conn:   # one transaction: one moment of the database
        for name, (columns, key) in shapes.items():
            rows = [tuple(row) for row in conn.execute(select(*columns).select_from(table(name)).order_by(*key))]
            tables[name] = rows if key else sorted(rows, key=repr)
    return tables


def differences(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> dict[str, str]:
    """The tables that differ, each with its row counts then and now: empty when equal."""
    return {name: f"{len(before.get(name, []))} rows -> {len(after.get(name, []))} rows"
            for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)}

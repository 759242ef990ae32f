"""Every customer gets its ``CustomerTotals`` row when it is inserted (a database trigger,
like the FTS5 triggers of ``customers.0002``), so that the customer list can sort and filter
by volume through an inner join on ``tx_totals_volume_idx``. The intake also creates a
missing row, so a customer inserted while the trigger was absent is repaired at its first
transaction, and ``reconcile_balances`` reports customers without a row.

After ``customers.0006``: on SQLite that migration rebuilds ``customers_customer``, which
drops the table's triggers. A later migration that rebuilds the table on SQLite must run
``SQLITE`` again (as it does for the FTS5 triggers).
"""

from django.db import migrations

# BEFORE INSERT, per row: an AFTER trigger's queued event would keep the customer table
# "in use" until the statement's transaction ends (a CREATE INDEX on it in the same
# transaction, as seed_demo does, fails). The foreign key to the customer is deferred, so the
# totals row may come first; the identity default is already in NEW.id.
POSTGRES = [
    """CREATE OR REPLACE FUNCTION tx_customer_totals_create() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO transactions_customertotals (customer_id, volume, count)
         VALUES (NEW.id, 0, 0) ON CONFLICT (customer_id) DO NOTHING;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER tx_customer_totals_create BEFORE INSERT ON customers_customer
       FOR EACH ROW EXECUTE FUNCTION tx_customer_totals_create()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS tx_customer_totals_create ON customers_customer",
    "DROP FUNCTION IF EXISTS tx_customer_totals_create()",
]
SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS tx_customer_totals_create
       AFTER INSERT ON customers_customer BEGIN
         INSERT OR IGNORE INTO transactions_customertotals (customer_id, volume, count)
         VALUES (new.id, 0, 0);
       END""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS tx_customer_totals_create"]

BACKFILL = (
    "INSERT INTO transactions_customertotals (customer_id, volume, count) "
    "SELECT c.id, 0, 0 FROM customers_customer c WHERE NOT EXISTS "
    "(SELECT 1 FROM transactions_customertotals t WHERE t.customer_id = c.id)"
)


def create_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": POSTGRES, "sqlite": SQLITE}.get(vendor, []):
        schema_editor.execute(sql)
    schema_editor.execute(BACKFILL)


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0006_transaction_totals_moved"),
        ("transactions", "0003_customer_totals"),
    ]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]

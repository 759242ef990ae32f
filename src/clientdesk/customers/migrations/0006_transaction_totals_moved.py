"""Transaction volume, count and last transaction time leave the customer.

They live in ``transactions.CustomerTotals`` now (copied there by ``transactions.0003``):
the intake updated them for every customer of every batch, and each update rewrote this
wide row and all of its indexes (docs/decisions.md). On SQLite, dropping the columns rebuilds
the table, and the rebuild drops the triggers that keep the FTS5 search table in step
(0002); they are created again at the end, as in 0005.
"""

import importlib

from django.db import migrations, models


def restore_search_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    search = importlib.import_module("clientdesk.customers.migrations.0002_search_indexes")
    for sql in search.SQLITE:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_kyc_risk_transaction_fields"),
        ("transactions", "0003_customer_totals"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="customer", name="cust_tx_volume_idx"),
        migrations.RemoveField(model_name="customer", name="last_transaction_at"),
        migrations.RemoveField(model_name="customer", name="transaction_count"),
        migrations.RemoveField(model_name="customer", name="transaction_volume"),
        migrations.RunPython(restore_search_triggers, migrations.RunPython.noop),
    ]

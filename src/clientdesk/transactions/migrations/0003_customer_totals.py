"""Customer transaction totals move to their own narrow table; fewer, HOT-friendly writes.

- ``CustomerTotals`` (customer one-to-one primary key, volume, count, last transaction time),
  filled from the customer columns it replaces (``customers.0006`` removes those afterwards;
  the trigger that gives every new customer a row is ``0004``, after that table rebuild).
- Three foreign-key indexes dropped that a composite index already leads with: accounts by
  customer (``tx_account_unique``), customer-device links by customer
  (``tx_customer_device_unique``) and by device (``tx_device_customer_idx``).
- PostgreSQL: ``fillfactor`` 85 on accounts and customer-device links, whose batch updates
  touch no indexed column, so that they can be HOT (no index writes) while a page has room.
"""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

FILLFACTOR = ("transactions_account", "transactions_customerdevice")


def copy_totals(apps, schema_editor):
    schema_editor.execute(
        "INSERT INTO transactions_customertotals (customer_id, volume, count, last_transaction_at) "
        "SELECT id, transaction_volume, transaction_count, last_transaction_at "
        "FROM customers_customer"
    )


def copy_back(apps, schema_editor):
    schema_editor.execute(
        "UPDATE customers_customer SET transaction_volume = t.volume, "
        "transaction_count = t.count, last_transaction_at = t.last_transaction_at "
        "FROM transactions_customertotals t WHERE t.customer_id = customers_customer.id"
    )


def set_fillfactor(apps, schema_editor, value=85):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in FILLFACTOR:
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in FILLFACTOR:
        schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_kyc_risk_transaction_fields"),
        ("transactions", "0002_message_templates"),
    ]

    operations = [
        migrations.AlterField(
            model_name="account",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="accounts",
                to="customers.customer",
            ),
        ),
        migrations.AlterField(
            model_name="customerdevice",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="device_links",
                to="customers.customer",
            ),
        ),
        migrations.AlterField(
            model_name="customerdevice",
            name="device",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="customer_links",
                to="transactions.device",
            ),
        ),
        migrations.CreateModel(
            name="CustomerTotals",
            fields=[
                (
                    "customer",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="transaction_totals",
                        serialize=False,
                        to="customers.customer",
                    ),
                ),
                (
                    "volume",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0"),
                        help_text=(
                            "Successful transactions, in the base currency "
                            "(settings.BASE_CURRENCY)."
                        ),
                        max_digits=20,
                        verbose_name="Transaction volume",
                    ),
                ),
                ("count", models.PositiveIntegerField(default=0, verbose_name="Transactions")),
                ("last_transaction_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "verbose_name": "customer transaction totals",
                "verbose_name_plural": "customer transaction totals",
                "indexes": [
                    models.Index(fields=["volume", "customer"], name="tx_totals_volume_idx")
                ],
            },
        ),
        migrations.RunPython(copy_totals, copy_back),
        migrations.RunPython(set_fillfactor, reset_fillfactor),
    ]

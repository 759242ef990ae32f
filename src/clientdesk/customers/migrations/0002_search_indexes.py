"""Engine-specific search indexes.

SQLite: an external-content FTS5 table with the trigram tokenizer over name, mobile,
alternative mobile and email, kept in step by triggers.
PostgreSQL: pg_trgm GIN indexes answering LIKE '%term%' on the same columns.
"""

from django.db import migrations

SQLITE = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS customers_customer_fts USING fts5(
         search_name, mobile, alt_mobile, email,
         content='customers_customer', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER IF NOT EXISTS customers_fts_ai AFTER INSERT ON customers_customer BEGIN
         INSERT INTO customers_customer_fts(rowid, search_name, mobile, alt_mobile, email)
         VALUES (new.id, new.search_name, new.mobile, new.alt_mobile, new.email); END""",
    """CREATE TRIGGER IF NOT EXISTS customers_fts_ad AFTER DELETE ON customers_customer BEGIN
         INSERT INTO customers_customer_fts(customers_customer_fts, rowid, search_name, mobile,
           alt_mobile, email)
         VALUES ('delete', old.id, old.search_name, old.mobile, old.alt_mobile, old.email); END""",
    """CREATE TRIGGER IF NOT EXISTS customers_fts_au AFTER UPDATE OF search_name, mobile,
         alt_mobile, email ON customers_customer BEGIN
         INSERT INTO customers_customer_fts(customers_customer_fts, rowid, search_name, mobile,
           alt_mobile, email)
         VALUES ('delete', old.id, old.search_name, old.mobile, old.alt_mobile, old.email);
         INSERT INTO customers_customer_fts(rowid, search_name, mobile, alt_mobile, email)
         VALUES (new.id, new.search_name, new.mobile, new.alt_mobile, new.email); END""",
    "INSERT INTO customers_customer_fts(customers_customer_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS customers_fts_ai",
    "DROP TRIGGER IF EXISTS customers_fts_ad",
    "DROP TRIGGER IF EXISTS customers_fts_au",
    "DROP TABLE IF EXISTS customers_customer_fts",
]
POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS cust_name_trgm ON customers_customer "
    "USING gin (search_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS cust_mobile_trgm ON customers_customer "
    "USING gin (mobile gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS cust_alt_mobile_trgm ON customers_customer "
    "USING gin (alt_mobile gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS cust_email_trgm ON customers_customer "
    "USING gin (email gin_trgm_ops)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS cust_name_trgm",
    "DROP INDEX IF EXISTS cust_mobile_trgm",
    "DROP INDEX IF EXISTS cust_alt_mobile_trgm",
    "DROP INDEX IF EXISTS cust_email_trgm",
]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, POSTGRES if vendor == "postgresql" else SQLITE)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, POSTGRES_REVERSE if vendor == "postgresql" else SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

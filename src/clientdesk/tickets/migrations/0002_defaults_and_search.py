"""Default ticket subjects and SLA targets; a trigram index for description search on
PostgreSQL (SQLite scans, which is fine at its scale)."""

from django.db import migrations

SUBJECTS = [
    "Account opening",
    "KYC / documents",
    "Login issue",
    "Fund transfer",
    "Trade query",
    "Statement request",
    "Other",
]
# priority: (first response minutes, resolution minutes)
SLA = {"urgent": (30, 240), "high": (60, 480), "medium": (240, 1440), "low": (480, 2880)}

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ticket_description_trgm ON tickets_ticket "
    "USING gin (description gin_trgm_ops)",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS ticket_description_trgm"]


def install(apps, schema_editor):
    subject_model = apps.get_model("tickets", "TicketSubject")
    policy_model = apps.get_model("tickets", "SLAPolicy")
    for position, name in enumerate(SUBJECTS):
        subject_model.objects.get_or_create(name=name, defaults={"position": position})
    for priority, (response, resolution) in SLA.items():
        policy_model.objects.get_or_create(
            priority=priority,
            defaults={"first_response_minutes": response, "resolution_minutes": resolution},
        )
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES:
            schema_editor.execute(sql)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]

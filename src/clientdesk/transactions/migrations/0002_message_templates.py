"""The SMS alerts of this module go through the comms event "transaction_alert" (large
transactions; blocked attempts, whose ``transaction_type`` reads e.g. "Blocked payment
attempt"). The comms defaults already hold its templates; this migration makes sure they
exist (an Admin may have deleted one) without overwriting edited ones."""

from django.db import migrations

EVENT = "transaction_alert"


def forwards(apps, schema_editor):
    from clientdesk.comms.defaults import DEFAULT_TEMPLATES

    MessageTemplate = apps.get_model("comms", "MessageTemplate")
    for channel, spec in DEFAULT_TEMPLATES[EVENT].items():
        subject, body = spec if isinstance(spec, tuple) else ("", spec)
        MessageTemplate.objects.get_or_create(
            event=EVENT, channel=channel, defaults={"subject": subject, "body": body}
        )


class Migration(migrations.Migration):
    dependencies = [("transactions", "0001_initial"), ("comms", "0002_default_templates")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

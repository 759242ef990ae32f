"""The KYC outcome messages (approved, rejected, documents needed) on every channel.

The comms app ships defaults for these events; this makes sure they exist wherever the KYC
module is installed (missing ones created, an Admin's edits never overwritten).
"""

from django.db import migrations

KYC_EVENTS = ("kyc_approved", "kyc_rejected", "kyc_resubmission")


def forwards(apps, schema_editor):
    from clientdesk.comms.defaults import default_template_rows

    template = apps.get_model("comms", "MessageTemplate")
    for event, channel, subject, body in default_template_rows():
        if event in KYC_EVENTS:
            template.objects.get_or_create(
                event=event, channel=channel, defaults={"subject": subject, "body": body}
            )


class Migration(migrations.Migration):
    dependencies = [("kyc", "0001_initial"), ("comms", "0002_default_templates")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

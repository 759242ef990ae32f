import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Cast


def fill_subject(apps, schema_editor):
    Activity = apps.get_model("activities", "Activity")
    Activity.objects.filter(subject_id="").update(
        subject_type="customers.customer",
        subject_id=Cast(F("customer_id"), models.CharField(max_length=64)),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0001_initial"),
        ("customers", "0002_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="activity",
            name="subject_type",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="activity",
            name="subject_id",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(fill_subject, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="activity",
            name="customer",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="activities",
                to="customers.customer",
            ),
        ),
        migrations.AlterField(
            model_name="activity",
            name="kind",
            field=models.CharField(
                choices=[
                    ("note", "Note"), ("call", "Call"), ("whatsapp", "WhatsApp message"),
                    ("meeting", "Meeting"), ("email", "Email"), ("sms", "SMS"),
                    ("status_change", "Status change"), ("edit", "Profile edited"),
                    ("created", "Customer created"), ("ticket", "Ticket update"),
                    ("review", "Profile review"), ("task", "Task"),
                    ("message", "Message to customer"), ("document", "Document"),
                    ("transaction", "Transaction"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                fields=["subject_type", "subject_id", "-created_at", "-id"],
                name="activity_subject_idx",
            ),
        ),
    ]

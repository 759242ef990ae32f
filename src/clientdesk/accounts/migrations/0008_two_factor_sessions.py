"""Two-factor flag per role (on for Admin and Compliance Officer), recovery codes, and the
per-user session records that "sign out everywhere" ends."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def require_two_factor(apps, schema_editor):
    apps.get_model("accounts", "Role").objects.filter(slug__in=["admin", "compliance"]).update(
        requires_two_factor=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_compliance_modules"),
    ]

    operations = [
        migrations.AddField(
            model_name="role",
            name="requires_two_factor",
            field=models.BooleanField(
                default=False,
                help_text="Members must sign in with a code from an authenticator app as well.",
                verbose_name="Two-factor sign-in required",
            ),
        ),
        migrations.RunPython(require_two_factor, migrations.RunPython.noop),
        migrations.CreateModel(
            name="RecoveryCode",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code_hash", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="recovery_codes",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("user", "code_hash"), name="unique_recovery_code")
                ],
            },
        ),
        migrations.CreateModel(
            name="UserSession",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("session_key", models.CharField(max_length=40, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("last_seen_at", models.DateTimeField(auto_now_add=True)),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                ("user_agent", models.CharField(blank=True, max_length=200)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sessions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["-last_seen_at"]},
        ),
    ]

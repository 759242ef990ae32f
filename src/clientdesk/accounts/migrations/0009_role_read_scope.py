"""Read scope per role and module, role capabilities, the user's team, the Integration role.

The data step keeps what the code decided by role slug and edit scope until now (see
``roles.apply_default_scopes``) and gives Sales the guide's own leads and activities.
"""

from django.db import migrations, models
import django.db.models.deletion


def forwards(apps, schema_editor):
    from clientdesk.accounts.roles import apply_default_scopes

    apply_default_scopes(
        apps.get_model("accounts", "Role"),
        apps.get_model("accounts", "RoleModuleAccess"),
        apps.get_model("accounts", "RoleCapability"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_two_factor_sessions"),
    ]

    operations = [
        migrations.AddField(
            model_name="rolemoduleaccess",
            name="read_scope",
            field=models.CharField(
                choices=[("own", "Own"), ("team", "Team"), ("all", "All")],
                default="all",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="team",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.CreateModel(
            name="RoleCapability",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "capability",
                    models.CharField(
                        choices=[
                            ("round_robin", "Receives round-robin tickets"),
                            ("lift_block", "Lifts a Blocked customer back to Active"),
                            ("edit_templates", "Edits message templates"),
                            ("integration", "Posts provider receipts (delivered, read)"),
                        ],
                        max_length=32,
                    ),
                ),
                (
                    "role",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="capabilities",
                        to="accounts.role",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("role", "capability"), name="unique_role_capability")
                ],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]

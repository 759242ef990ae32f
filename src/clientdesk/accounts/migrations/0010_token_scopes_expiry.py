"""API tokens get scopes, an expiry, a name and the last-used IP.

Tokens issued before this migration acted with their user's full role and never expired.
They keep working, with scopes equal to the role's module access at migration time and an
expiry 30 days after the migration: integrations do not break on deploy, and every old
token is replaced within a month by one issued with chosen scopes (docs/decisions.md).
"""

import datetime as dt

from django.db import migrations, models
from django.utils import timezone

LEGACY_DAYS = 30
LEVELS = {1: "read", 2: "write"}


def _legacy_scopes(apps, user) -> list[str]:  # type: ignore[no-untyped-def]
    if user.is_superuser:
        modules = apps.get_model("accounts", "RoleModuleAccess")._meta.get_field("module").choices
        return sorted(f"{value}:write" for value, _ in modules)
    access = apps.get_model("accounts", "RoleModuleAccess").objects.filter(role_id=user.role_id)
    return sorted(f"{a.module}:{LEVELS[a.level]}" for a in access if a.level in LEVELS)


def scope_existing_tokens(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    ApiToken = apps.get_model("accounts", "ApiToken")
    expires = timezone.now() + dt.timedelta(days=LEGACY_DAYS)
    for token in ApiToken.objects.select_related("user"):
        token.scopes = _legacy_scopes(apps, token.user)
        token.expires_at = expires
        token.name = "Issued before scopes (expires 30 days after the upgrade)"
        token.save(update_fields=["scopes", "expires_at", "name"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_role_read_scope")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="name",
            field=models.CharField(blank=True, help_text="What the token is for.", max_length=80),
        ),
        migrations.AddField(
            model_name="apitoken", name="scopes", field=models.JSONField(default=list)
        ),
        migrations.AddField(
            model_name="apitoken", name="expires_at", field=models.DateTimeField(null=True)
        ),
        migrations.AddField(
            model_name="apitoken",
            name="last_used_ip",
            field=models.GenericIPAddressField(blank=True, null=True),
        ),
        migrations.RunPython(scope_existing_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken", name="expires_at", field=models.DateTimeField()
        ),
    ]

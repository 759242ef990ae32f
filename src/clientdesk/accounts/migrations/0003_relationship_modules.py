"""Module rows for leads, tickets, calls, tasks and messages; Support edits only its own."""

from django.db import migrations


def forwards(apps, schema_editor):
    from clientdesk.accounts.roles import install_default_roles

    Role = apps.get_model("accounts", "Role")
    install_default_roles(Role, apps.get_model("accounts", "RoleModuleAccess"))
    Role.objects.filter(slug="support").update(edit_scope="own")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_default_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

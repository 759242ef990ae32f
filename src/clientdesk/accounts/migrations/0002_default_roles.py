from django.db import migrations


def forwards(apps, schema_editor):
    from clientdesk.accounts.roles import install_default_roles

    install_default_roles(apps.get_model("accounts", "Role"),
                          apps.get_model("accounts", "RoleModuleAccess"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

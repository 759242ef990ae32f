from django.db import migrations


def forwards(apps, schema_editor):
    from clientdesk.comms.defaults import install_default_templates

    install_default_templates(apps.get_model("comms", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("comms", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

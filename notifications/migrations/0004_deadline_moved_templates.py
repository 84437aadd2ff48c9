from django.db import migrations


def seed(apps, schema_editor):
    from notifications.defaults import seed_templates

    # Creates only the templates that are missing: the new deadline_moved event.
    seed_templates(apps.get_model("notifications", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_default_templates")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

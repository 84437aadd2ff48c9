from django.db import migrations


def seed(apps, schema_editor):
    from notifications.defaults import seed_templates

    seed_templates(apps.get_model("notifications", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_body_html")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

"""Hold reminders now say when the bank writes next; stored templates that
still hold the old default get the new one (edited ones are left alone)."""

from django.db import migrations

PREVIOUS = {
    "zh-hans": ("仍在暂缓中", "原因：{{ reason }}"),
    "en": ("is still on hold", "Reason: {{ reason }}"),
}


def forwards(apps, schema_editor):
    from notifications.defaults import refresh_templates

    refresh_templates(apps.get_model("notifications", "MessageTemplate"), "hold_reminder", PREVIOUS)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_silence_failover")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

from django.db import migrations

# The design's defaults (business days). Copied, not imported, so this
# migration keeps meaning what it meant when it was written.
DEFAULTS = [
    ("submitted", 5, "bank"),
    ("signed", 1, "bank"),
    ("under_review", 5, "bank"),
    ("documents_requested", 10, "borrower"),
    ("approved", 3, "bank"),
    ("registration", 10, "bank"),
]


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("cases", "SlaPolicy")
    for state, days, clock in DEFAULTS:
        SlaPolicy.objects.get_or_create(state=state, defaults={"business_days": days, "clock": clock})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

"""Store the years whose State Council schedule we trust (2025, 2026) from the
`holidays` package; from here on the database is the calendar's source. Open
cases get the SLA their deadline was computed with, for later recomputation."""

from django.db import migrations


def forwards(apps, schema_editor):
    from cases.calendar import seed_years

    seed_years(apps.get_model("cases", "BusinessYear"), apps.get_model("cases", "BusinessDay"))
    LoanCase = apps.get_model("cases", "LoanCase")
    for policy in apps.get_model("cases", "SlaPolicy").objects.all():
        LoanCase.objects.filter(status=policy.state, due_at__isnull=False, sla_days__isnull=True).update(
            sla_days=policy.business_days
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_business_calendar")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

"""BorrowerLink moves to the notifications app (every message carries the
link, and the worker puts it in at send time). Its table stays where it is:
only Django's picture of the models changes here."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('borrowers', '0002_borrower_question'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name='BorrowerLink')]),
    ]

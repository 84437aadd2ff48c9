"""BorrowerLink, moved here from borrowers (same table)."""

import django.db.models.deletion
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('borrowers', '0003_borrower_link_moves_to_notifications'),
        ('cases', '0007_contact_correction'),
        ('notifications', '0006_hold_reminder_says_when'),
    ]

    # The table borrowers_borrowerlink exists (borrowers' first migration):
    # Django's picture of the model moves, the database stays as it is.
    operations = [migrations.SeparateDatabaseAndState(state_operations=[
        migrations.CreateModel(
            name='BorrowerLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('token_hash', models.CharField(max_length=64, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='revoked at')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='borrower_links', to='cases.loancase')),
            ],
            options={
                'verbose_name': 'borrower link',
                'verbose_name_plural': 'borrower links',
                'db_table': 'borrowers_borrowerlink',
                'constraints': [models.UniqueConstraint(condition=models.Q(('revoked_at__isnull', True)), fields=('case',), name='one_active_link_per_case')],
            },
        ),
    ])]

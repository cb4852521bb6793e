"""The records audit log, disposition records and declassification reviews are append-only
(SPEC §4): on PostgreSQL a trigger refuses UPDATE and DELETE of their rows.
"""

from django.db import migrations

import unisocial.db


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0004_schedule_authority_restore_history'),
    ]

    operations = [
        unisocial.db.AppendOnly("recordsauditlog"),
        unisocial.db.AppendOnly("dispositionrecord"),
        unisocial.db.AppendOnly("declassificationreview"),
    ]

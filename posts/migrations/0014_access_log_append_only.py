"""The access log is append-only (SPEC §4): it keeps a destroyed community's id instead of
setting it to null, and on PostgreSQL a trigger refuses UPDATE and DELETE.
"""

import django.db.models.deletion
from django.db import migrations, models

import unisocial.db


class Migration(migrations.Migration):

    dependencies = [
        ('posts', '0013_item_base'),
    ]

    operations = [
        migrations.AlterField(
            model_name='accesslog',
            name='community',
            field=models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='communities.community'),
        ),
        unisocial.db.AppendOnly("accesslog"),
    ]

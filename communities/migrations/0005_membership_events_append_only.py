"""Membership events are append-only (SPEC §4): they keep a destroyed community's id and
PROTECT their people instead of cascading, and on PostgreSQL a trigger refuses UPDATE and DELETE.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import unisocial.db


class Migration(migrations.Migration):

    dependencies = [
        ('communities', '0004_community_name_not_unique'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='membershipevent',
            name='actor',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='membershipevent',
            name='community',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='membership_events', to='communities.community'),
        ),
        migrations.AlterField(
            model_name='membershipevent',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        unisocial.db.AppendOnly("membershipevent"),
    ]

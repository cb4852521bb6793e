"""Notifications and e-mail preferences, taken over from ``posts`` with their tables.

State only for the models: the tables keep the names they had in posts
(``posts_notification``, ``posts_notificationpreference``) with their index and
constraints. The content types move app (``posts`` -> ``notifications``) so
permissions and any generic reference follow the models.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = ("notification", "notificationpreference")


def _move_content_types(apps, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if ContentType.objects.filter(app_label=new, model=model).exists():
            continue
        ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    _move_content_types(apps, "posts", "notifications")


def backwards(apps, schema_editor):
    _move_content_types(apps, "notifications", "posts")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("communities", "0004_community_name_not_unique"),
        ("posts", "0011_notifications_leave_posts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('membership_added', 'Added to a community'), ('membership_request', 'Membership request'), ('membership_decision', 'Membership decision'), ('membership_ending', 'Membership ending'), ('membership_removed', 'Membership ended'), ('comment', 'Comment'), ('reply', 'Reply'), ('mention', 'Mention'), ('moderation', 'Moderation'), ('records', 'Records management')], max_length=32)),
                        ('classification', models.CharField(choices=[('unclassified', 'Unclassified'), ('confidential', 'Confidential'), ('strictly_confidential', 'Strictly Confidential')], default='unclassified', max_length=24)),
                        ('message', models.CharField(max_length=300)),
                        ('url', models.CharField(blank=True, max_length=300)),
                        ('target_type', models.CharField(blank=True, choices=[('', 'None'), ('post', 'Post'), ('comment', 'Comment'), ('wiki', 'Wiki page')], default='', max_length=16)),
                        ('target_id', models.PositiveBigIntegerField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('read_at', models.DateTimeField(blank=True, null=True)),
                        ('emailed_at', models.DateTimeField(blank=True, null=True)),
                        ('community', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='communities.community')),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'posts_notification',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['recipient', 'read_at', '-created_at'], name='notification_inbox')],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('target_type', ''), ('target_id__isnull', True)), models.Q(('target_type__in', ['post', 'comment', 'wiki']), ('target_id__isnull', False)), _connector='OR'), name='notification_target_complete')],
                    },
                ),
                migrations.CreateModel(
                    name='NotificationPreference',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('email', models.CharField(choices=[('immediate', 'Immediately'), ('daily', 'Daily digest'), ('off', 'Never')], default='immediate', max_length=16)),
                        ('last_digest_at', models.DateTimeField(blank=True, null=True)),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='notification_preference', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'posts_notificationpreference',
                        'constraints': [models.CheckConstraint(condition=models.Q(('email__in', ['immediate', 'daily', 'off'])), name='notification_email_choice')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]

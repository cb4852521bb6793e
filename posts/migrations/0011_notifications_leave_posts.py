"""Notifications become their own app (``notifications``): posts forgets the two models.

State only: the tables stay (``posts_notification``, ``posts_notificationpreference``);
``notifications/0001_initial`` takes them over under the same names.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("posts", "0010_revision_recorded_readers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Notification"),
                migrations.DeleteModel(name="NotificationPreference"),
            ],
            database_operations=[],
        ),
    ]

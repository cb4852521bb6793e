"""Follow moves to the feed app (feed/migrations/0001_initial.py): posts forgets the model,
the table ``posts_follow`` stays where it is."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("posts", "0011_notifications_leave_posts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Follow")],
            database_operations=[],
        ),
    ]

"""Follow, moved from the posts app: the model joins feed's state over the existing table
``posts_follow`` (no database operation), and its content type row follows it."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _move_content_type(apps, schema_editor, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    rows = ContentType.objects.using(db)
    if not rows.filter(app_label=new, model="follow").exists():
        rows.filter(app_label=old, model="follow").update(app_label=new)


def forwards(apps, schema_editor):
    _move_content_type(apps, schema_editor, "posts", "feed")


def backwards(apps, schema_editor):
    _move_content_type(apps, schema_editor, "feed", "posts")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("posts", "0012_follow_leaves_posts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Follow",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="since")),
                        ("followed", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="followed_by", to=settings.AUTH_USER_MODEL)),
                        ("follower", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="follows", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "follow",
                        "db_table": "posts_follow",
                        "constraints": [
                            models.UniqueConstraint(fields=("follower", "followed"), name="one_follow_per_pair"),
                            models.CheckConstraint(condition=models.Q(("follower", models.F("followed")), _negated=True), name="no_self_follow"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]

"""Notifications store what happened, not a sentence (SPEC §7): ``event``, ``actor``, ``data``.

The old sentence (``message``, written in the actor's language) becomes ``legacy_message``. The
rows whose sentence is fully given by their kind and their columns are rebuilt as events and lose
their text, so they are read in the reader's language from now on:

* comments, replies and mentions (with their item): the actor is the author of the item they
  point at (the comment written, the post, comment or wiki page that mentions);
* a membership ended and a membership request declined (the community is on the row).

The others (their sentence carries values not on the row: a role, dates, a batch, a moderation
outcome and its reason, levels) keep their text and are shown as written; they age out of the
inbox like any notification.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
import django.db.models.deletion
from django.conf import settings

ITEM_MODELS = {"post": "Post", "comment": "Comment", "wiki": "WikiPage"}


def rebuild(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    rows = Notification.objects.filter(event="")
    for kind in ("comment", "reply", "mention"):
        for target_type, model_name in ITEM_MODELS.items():
            model = apps.get_model("posts", model_name)
            author = Subquery(model.objects.filter(pk=OuterRef("target_id")).values("author_id")[:1])
            found = rows.filter(kind=kind, target_type=target_type).filter(
                target_id__in=model.objects.values("pk")
            )
            found.update(actor_id=author, event=kind, legacy_message="")
    rows.filter(kind="membership_removed", community__isnull=False).update(
        event="membership_removed", legacy_message=""
    )
    # The only decision ever notified is a decline (an approval is "membership_added").
    rows.filter(kind="membership_decision", community__isnull=False).update(
        event="membership_declined", legacy_message=""
    )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("posts", "0016_comment_body_format"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField("notification", "message", "legacy_message"),
        migrations.AlterField(
            model_name="notification",
            name="legacy_message",
            field=models.CharField(blank=True, default="", max_length=300),
        ),
        migrations.AddField(
            model_name="notification",
            name="actor",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                related_name="+", to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="data",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="notification",
            name="event",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.RunPython(rebuild, migrations.RunPython.noop),
    ]

"""Each revision of a post or wiki page records its named readers (SPEC §2.3: a wiki revert
restores a revision with the level and readers it was recorded with).

Revisions written before this migration did not record them: the newest revision of each
item gets the item's readers as they are now (they are what it shows); older ones stay
``None`` ("not recorded"), which a revert treats as no named readers (the narrowest audience).
"""
from django.db import migrations, models


def record_current_readers(apps, schema_editor):
    for item_name, history_name in (("Post", "HistoricalPost"), ("WikiPage", "HistoricalWikiPage")):
        item_model = apps.get_model("posts", item_name)
        history_model = apps.get_model("posts", history_name)
        reader_model = item_model._meta.get_field("reader_grants").related_model
        readers = {}
        for item_id, user_id in reader_model.objects.values_list("content_object_id", "user_id"):
            readers.setdefault(item_id, []).append(user_id)
        for item_id in item_model.objects.values_list("pk", flat=True).iterator():
            newest = history_model.objects.filter(id=item_id).order_by("-history_date", "-history_id").first()
            if newest is not None:
                newest.recorded_readers = sorted(readers.get(item_id, []))
                newest.save(update_fields=["recorded_readers"])


class Migration(migrations.Migration):
    dependencies = [("posts", "0009_stored_search_documents")]

    operations = [
        migrations.AddField(
            model_name="historicalpost",
            name="recorded_readers",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="historicalwikipage",
            name="recorded_readers",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(record_current_readers, migrations.RunPython.noop),
    ]

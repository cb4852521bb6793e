"""What each revision of a post or wiki page records besides its fields (SPEC §2.3).

A wiki revert restores a revision *with the level and the named readers it was recorded
with*; the level is a field of the item, so simple-history keeps it, but the readers are
guardian grants (rows of their own), so each historical row also stores the ids of the
readers it was recorded with. The services say which readers the revision records
(``item._history_readers``, set just before saving; ``services.item_change_level`` too,
for records' declassification); any other save (moderation's status changes, records)
records the grants as they are.
"""
from django.db import models
from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record


class RecordedReaders(models.Model):
    """Base of the historical models of posts and wiki pages."""

    # User ids, sorted; ``None`` for revisions written before readers were recorded.
    recorded_readers = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


@receiver(pre_create_historical_record)
def record_readers(sender, instance, history_instance, **kwargs):
    if not isinstance(history_instance, RecordedReaders):
        return
    readers = getattr(instance, "_history_readers", None)
    if readers is None:
        readers = sorted(instance.reader_grants.values_list("user_id", flat=True)) if instance.pk else []
    history_instance.recorded_readers = list(readers)
    # Said once: the next save (by another path) reads the grants again.
    instance._history_readers = None

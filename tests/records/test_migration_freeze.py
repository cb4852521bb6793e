"""records 0005: batches gathered before freezing take their schedule's rule as it is, and a pending
batch gets its offices of record (otherwise it could never be confirmed)."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import CommunityFactory

BEFORE = [("records", "0004_schedule_authority_restore_history")]


@pytest.mark.django_db(transaction=True)
def test_open_batches_are_frozen_and_given_their_offices_of_record():
    community = CommunityFactory(slug="legacy", name="Legacy")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Schedule, Batch, Item = (old.get_model("records", n) for n in ("RetentionSchedule", "DispositionBatch",
                                                                   "BatchItem"))
    schedule = Schedule.objects.create(name="Old", content_type="post", retain_days=90, disposition="transfer",
                                       restore_days=14)
    batch = Batch.objects.create(schedule=schedule, as_of=timezone.now(), total=1)
    Item.objects.create(batch=batch, target_type="post", target_id=1, classification="confidential",
                        community_id=community.pk, last_activity_at=timezone.now())

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from records.models import BatchCommunity, BatchItem, DispositionBatch

    migrated = DispositionBatch.objects.get(pk=batch.pk)
    assert (migrated.schedule_name, migrated.frozen_disposition, migrated.retain_days, migrated.restore_days) == (
        "Old", "transfer", 90, 14)
    item = BatchItem.objects.get(batch=migrated)
    assert (item.schedule_id, item.disposition, item.retain_days, item.restore_days) == (schedule.pk, "transfer",
                                                                                         90, 14)
    assert list(BatchCommunity.objects.filter(batch=migrated).values_list("community_slug", flat=True)) == ["legacy"]

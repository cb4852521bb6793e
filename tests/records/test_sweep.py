"""``records_sweep [--as-of YYYY-MM-DD]`` (SPEC §6)."""
import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from posts.models import Post
from records import disposition
from records.models import DispositionBatch, DispositionRecord, StalenessReview

from .conftest import confirm_all, make_post, schedule

pytestmark = pytest.mark.django_db


def sweep(*args):
    out = StringIO()
    call_command("records_sweep", *args, stdout=out)
    return out.getvalue()


def test_sweep_as_of_a_future_date_flags_gathers_and_runs_approved_batches(community, cast, officer, settings):
    settings.STALE_COMMUNITY_DAYS = 365
    settings.STALE_GRACE_DAYS = 30
    post = make_post(community, cast["author"], old=False)
    schedule("post", retain_days=365 * 2)
    today = timezone.localdate()

    assert "0 due items" in sweep("--as-of", today.isoformat())
    assert not StalenessReview.objects.exists()

    in_three_years = (today + dt.timedelta(days=3 * 365)).isoformat()
    output = sweep("--as-of", in_three_years)
    assert "1 flagged" in output and "1 due items in 1 new batches" in output
    batch = DispositionBatch.objects.get()
    assert batch.state == "pending" and Post.objects.filter(pk=post.pk).exists()  # not without approval
    assert "already ran" in sweep("--as-of", in_three_years)

    confirm_all(batch)
    disposition.batch_approve(actor=officer, batch=batch, confirm=str(batch.pk))
    run_day = today + dt.timedelta(days=3 * 365 + 31)
    output = sweep("--as-of", run_day.isoformat())
    assert "1 archived" in output and f"Batch {batch.pk}: completed, 1 in quarantine" in output
    assert not DispositionRecord.objects.filter(target_id=post.pk).exists()  # in quarantine, not purged
    post.refresh_from_db()
    assert post.status == "quarantined"
    item = batch.items.get()
    # Every date the sweep writes counts from --as-of: the quarantine, and the purge after restore_days.
    assert timezone.localdate(item.quarantined_at) == run_day
    assert timezone.localdate(item.purge_after) == run_day + dt.timedelta(days=30)
    community.refresh_from_db()
    assert community.is_archived

    assert "0 items purged" in sweep("--as-of", (run_day + dt.timedelta(days=29)).isoformat())
    purge_day = run_day + dt.timedelta(days=31)
    assert "1 items purged" in sweep("--as-of", purge_day.isoformat())
    record = DispositionRecord.objects.get(target_id=post.pk)
    assert timezone.localdate(record.disposed_at) == purge_day
    batch.refresh_from_db()
    assert timezone.localdate(batch.certificate.issued_at) == purge_day


@pytest.mark.parametrize("bad", ["2024-13-01", "tomorrow", "01/02/2024"])
def test_a_bad_as_of_date_is_a_clear_error(db, bad):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        sweep("--as-of", bad)

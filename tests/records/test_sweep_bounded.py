"""``records_sweep`` is set-based (docs/performance.md): its statement count does not grow with the
number of due items or stale communities. Time and memory at 100k and 1M posts are measured by
``bench/records.py``, never here."""
import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from zeal import zeal_ignore

from communities.models import Community, Role
from notifications.models import Notification
from posts.models import Comment, Post, WikiPage
from records import disposition, staleness
from records.models import BatchItem, JobRun, RecordsAuditLog, StalenessReview
from tests.factories import CommunityFactory, PostFactory, add_member

from .conftest import schedule

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - dt.timedelta(days=800)


def world(n, owner):
    """``n`` quiet communities (one owner each), each with an old post (one with an old comment)
    and an old wiki page."""
    with zeal_ignore():  # test data set-up, not application code
        communities = [CommunityFactory(visibility="restricted") for _ in range(n)]
        for c in communities:
            add_member(c, owner, Role.OWNER)
            post = PostFactory(community=c, author=owner)
            Comment.objects.create(post=post, author=owner, body="<p>Noted</p>", status="published")
            WikiPage.objects.create(community=c, slug="handbook", title="Handbook", body="<p>Notes</p>",
                                    classification="unclassified", author=owner)
    ids = [c.pk for c in communities]
    Post.objects.filter(community_id__in=ids).update(updated_at=LONG_AGO, created_at=LONG_AGO)
    Comment.objects.filter(post__community_id__in=ids).update(updated_at=LONG_AGO, created_at=LONG_AGO)
    WikiPage.objects.filter(community_id__in=ids).update(updated_at=LONG_AGO, created_at=LONG_AGO)
    Community.objects.filter(pk__in=ids).update(last_activity_at=LONG_AGO)
    return ids


def sweep_statements(day) -> tuple[int, str]:
    out = StringIO()
    with CaptureQueriesContext(connection) as ctx:
        call_command("records_sweep", "--as-of", day.isoformat(), stdout=out)
    return len(ctx.captured_queries), out.getvalue()


def measure(n, cast):
    """The statements of a sweep that flags ``n`` communities and gathers their ``2n`` items, and of
    the sweep after the grace period that archives them (and gathers them as communities)."""
    world(n, cast["owner"])
    JobRun.objects.all().delete()  # each measurement runs its own windows
    today = timezone.localdate()
    flag, out1 = sweep_statements(today)
    archive, out2 = sweep_statements(today + dt.timedelta(days=31))
    return flag, archive, out1 + out2


@pytest.fixture
def schedules(settings):
    settings.STALE_COMMUNITY_DAYS = 365
    settings.STALE_GRACE_DAYS = 30
    schedule("post", retain_days=365)
    schedule("wiki", retain_days=365)
    schedule("community", retain_days=30, disposition="transfer")


@pytest.mark.parametrize("n", [3, 30])
def test_the_sweep_flags_gathers_and_archives_everything(n, cast, schedules):
    _flag, _archive, out = measure(n, cast)
    assert f"Staleness: {n} flagged" in out and f"{2 * n} due items in 2 new batches" in out
    assert f"Staleness: 0 flagged, {n} archived" in out and f"{n} due items in 1 new batches" in out
    assert BatchItem.objects.count() == 3 * n
    assert Notification.objects.filter(kind=Notification.Kind.RECORDS, community__isnull=False).count() == 2 * n


def test_the_sweeps_statement_count_does_not_grow_with_the_items(cast, schedules):
    few = measure(3, cast)
    # Ten times more, in the same database: what the first sweeps did is done (in open batches,
    # archived), so only the new communities and items are flagged, gathered and archived.
    many = measure(30, cast)
    assert "30 due items in 1 new batches" in many[2]
    assert many[:2] == few[:2], f"statements for 3 items per kind: {few[:2]}, for 30: {many[:2]}"


def test_gathering_is_one_insert_whatever_the_number_of_items(community, cast):
    with zeal_ignore():
        for _ in range(25):
            PostFactory(community=community, author=cast["author"])
    Post.objects.update(updated_at=LONG_AGO)
    schedule("post", retain_days=365)
    with CaptureQueriesContext(connection) as ctx:
        assert disposition.gather_due(now=timezone.now()) == {"batches": 1, "items": 25}
    inserts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "records_batchitem"')]
    assert len(inserts) == 1 and "SELECT" in inserts[0]


def test_staleness_works_a_page_of_communities_at_a_time(cast, settings, monkeypatch):
    settings.STALE_COMMUNITY_DAYS = 365
    settings.STALE_GRACE_DAYS = 30
    monkeypatch.setattr(staleness, "CHUNK", 2)
    ids = world(5, cast["owner"])
    now = timezone.now()
    assert staleness.staleness_sweep(now=now) == {"flagged": 5, "archived": 0, "cleared": 0}
    assert sorted(StalenessReview.objects.values_list("community_id", flat=True)) == sorted(ids)
    assert Notification.objects.filter(recipient=cast["owner"], kind=Notification.Kind.RECORDS).count() == 5
    assert RecordsAuditLog.objects.filter(action="community_flagged_stale").count() == 5
    # One comes back to life during its grace period; the four others are archived, in pages of two.
    Community.objects.filter(pk=ids[0]).update(last_activity_at=now + dt.timedelta(days=1))
    later = now + dt.timedelta(days=31)
    assert staleness.staleness_sweep(now=later) == {"flagged": 0, "archived": 4, "cleared": 1}
    assert set(Community.objects.filter(is_archived=True).values_list("pk", flat=True)) == set(ids[1:])
    assert RecordsAuditLog.objects.filter(action="community_archived_stale").count() == 4
    assert RecordsAuditLog.objects.filter(action="community_stale_cleared_by_activity").count() == 1
    assert Notification.objects.filter(recipient=cast["owner"], kind=Notification.Kind.RECORDS).count() == 9

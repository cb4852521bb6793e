"""Disposition (SPEC §4): gather due items per schedule, approve, run, certify.

* ``due_items(schedule, now)`` — one set-based query per schedule: items of
  the schedule's type and level whose last activity (posts: the later of
  ``updated_at`` and their latest comment; wiki pages: ``updated_at``;
  archived communities: ``last_activity_at``) is older than ``retain_days``.
  Withdrawn items are due like any other; held items, items already disposed
  of and items waiting in an open batch are not. Content no schedule covers is
  never selected.
* ``gather_due`` — a batch per schedule with due items, written by one
  ``INSERT … SELECT`` (set-based: no item passes through Python, bounded
  memory and a fixed number of statements at any size).
* ``batch_approve`` — a records officer approves; nothing runs before.
* ``run_batch`` — each item in its own transaction: lock it, skip it if it is
  now held or active again, build and verify its package (transfer), destroy
  it with its history rows, comments, likes, reader grants, attachments and
  notifications, write its ``DispositionRecord`` (unique per item) and count
  progress. The files go after commit; a re-run retries any left behind. A
  re-run, or two workers at once, change nothing already done.
"""
import datetime as dt
import logging
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, DateTimeField, Exists, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Community
from notifications.models import Notification
from notifications.services import notify
from posts.models import Comment, Post, PostAttachment, WikiAttachment, WikiPage
from posts.models.attachment import private_storage
from unisocial.classification import Level
from unisocial.csv_export import csv_bytes

from . import packages
from .audit import audit, require_records_officer
from .holds import held_q, is_held_target
from .models import BatchItem, ContentType, Disposition, DispositionBatch, DispositionRecord, RetentionSchedule

log = logging.getLogger(__name__)
OPEN_BATCH_STATES = [DispositionBatch.State.PENDING, DispositionBatch.State.APPROVED, DispositionBatch.State.RUNNING]


# --- what is due ---------------------------------------------------------------------------


def _latest_comment():
    return Subquery(
        Comment.objects.filter(post_id=OuterRef("pk")).order_by().values("post_id")
        .annotate(latest=Max("updated_at")).values("latest")[:1],
        output_field=DateTimeField(),
    )


def with_last_activity(content_type: str):
    """The items of ``content_type`` annotated with ``last_activity`` and ``level`` (no access rule:
    records jobs see everything, and show only metadata)."""
    if content_type == ContentType.POST:
        return Post.objects.order_by().annotate(
            last_activity=Greatest("updated_at", Coalesce(_latest_comment(), "updated_at")),
            level=F("classification"),
        )
    if content_type == ContentType.WIKI:
        return WikiPage.objects.order_by().annotate(last_activity=F("updated_at"), level=F("classification"))
    # A live community is never disposed of: it is archived first (staleness), then its schedule runs.
    return Community.objects.order_by().filter(is_archived=True).annotate(
        last_activity=F("last_activity_at"), level=F("ceiling"), community_id=F("pk")
    )


def covered_levels(schedule) -> list[str]:
    """The levels ``schedule`` covers: its own, or (any level) those without a schedule of their own."""
    if schedule.classification:
        return [schedule.classification]
    own = set(
        RetentionSchedule.objects.filter(content_type=schedule.content_type, classification__isnull=False)
        .values_list("classification", flat=True)
    )
    return [lv for lv in Level.values if lv not in own]


def _quiet_since(content_type: str, cutoff):
    """The condition "last activity before ``cutoff``" on the rows of ``content_type``, written so the
    database can use indexes and an anti-join: for posts, ``updated_at`` before the cutoff and no
    comment updated since (the same as ``last_activity < cutoff`` of ``with_last_activity``, without
    computing the latest comment of every post)."""
    if content_type == ContentType.POST:
        recent_comment = Comment.objects.order_by().filter(post_id=OuterRef("pk"), updated_at__gte=cutoff)
        return Q(updated_at__lt=cutoff) & ~Q(Exists(recent_comment))
    if content_type == ContentType.WIKI:
        return Q(updated_at__lt=cutoff)
    return Q(last_activity_at__lt=cutoff)


def due_items(schedule, *, now):
    cutoff = now - dt.timedelta(days=schedule.retain_days)
    kind = schedule.content_type
    in_open_batch = BatchItem.objects.filter(
        target_type=kind, target_id=OuterRef("pk"), state=BatchItem.State.PENDING, batch__state__in=OPEN_BATCH_STATES
    )
    disposed = DispositionRecord.objects.filter(target_type=kind, target_id=OuterRef("pk"))
    return (
        with_last_activity(kind)
        .filter(_quiet_since(kind, cutoff), level__in=covered_levels(schedule))
        .exclude(held_q(kind))
        .exclude(Exists(in_open_batch))
        .exclude(Exists(disposed))
    )


def gather_due(*, now=None) -> dict:
    """Gather due items into one new batch per schedule (the daily beat job).

    Set-based whatever the number of items: one ``INSERT … SELECT`` writes the
    items of every schedule (a ``UNION ALL`` of the schedules' due queries, each
    naming its batch), so nothing is read into Python and the statement count
    depends on the number of schedules only. One statement for all schedules
    also means no schedule's due query runs against the items another one just
    wrote (whose table statistics the planner would not know yet).
    """
    now = now or timezone.now()
    schedules = list(RetentionSchedule.objects.order_by("pk"))
    if not schedules:
        return {"batches": 0, "items": 0}
    with transaction.atomic():
        batches = DispositionBatch.objects.bulk_create(
            [DispositionBatch(schedule=schedule, as_of=now) for schedule in schedules]
        )
        if any(batch.pk is None for batch in batches):  # a backend that returns no ids from a bulk insert
            batches = [DispositionBatch.objects.create(schedule=schedule, as_of=now) for schedule in schedules]
        _insert_due_items(zip(schedules, batches, strict=True), now=now)
        totals = dict(
            BatchItem.objects.filter(batch__in=batches).order_by().values("batch_id")
            .annotate(n=Count("pk")).values_list("batch_id", "n")
        )
        empty = [batch.pk for batch in batches if not totals.get(batch.pk)]
        if empty:
            DispositionBatch.objects.filter(pk__in=empty).delete()  # nothing due: no batch, as before
        gathered = {}
        for schedule, batch in zip(schedules, batches, strict=True):
            if batch.pk in empty:
                continue
            batch.schedule = schedule
            batch.total = totals[batch.pk]
            DispositionBatch.objects.filter(pk=batch.pk).update(total=batch.total)
            audit("batch_gathered", target_type="batch", target_id=batch.pk, schedule=schedule.pk,
                  total=batch.total, as_of=now.isoformat())
            _tell_records_officers(batch)
            gathered[schedule.name] = batch.total
    return {"batches": len(gathered), "items": sum(gathered.values())}


def _insert_due_items(schedules_and_batches, *, now) -> int:
    """``INSERT INTO batch items SELECT …`` the due items of every (schedule, batch) pair; returns the row count."""
    branches, params = [], []
    for schedule, batch in schedules_and_batches:
        rows = due_items(schedule, now=now).annotate(
            due_pk=F("pk"), due_level=F("level"), due_community=F("community_id"), due_last=F("last_activity"),
        ).values_list("due_pk", "due_level", "due_community", "due_last")
        sql, sub_params = rows.query.get_compiler(using=rows.db).as_sql()
        branches.append(
            'SELECT %s, %s, %s, due."due_pk", due."due_level", due."due_community", due."due_last" '
            f"FROM ({sql}) due"
        )
        params += [batch.pk, schedule.content_type, BatchItem.State.PENDING, *sub_params]
    table = BatchItem._meta.db_table
    columns = ", ".join(
        connection.ops.quote_name(BatchItem._meta.get_field(name).column)
        for name in ("batch", "target_type", "state", "target_id", "classification", "community_id",
                     "last_activity_at")
    )
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {connection.ops.quote_name(table)} ({columns}) " + " UNION ALL ".join(branches),
                       params)
        inserted = cursor.rowcount
        if inserted and connection.vendor == "postgresql":
            # Fresh statistics for the rows just written (sampled: a fraction of a second at a million):
            # every due query excludes items waiting in open batches, and with the table's old statistics
            # (empty, say, and no autovacuum run since) the planner would scan them once per candidate.
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return inserted


def _tell_records_officers(batch):
    from django.contrib.auth import get_user_model

    from unisocial.models import RECORDS_OFFICERS_GROUP

    officers = get_user_model().objects.filter(groups__name=RECORDS_OFFICERS_GROUP, is_active=True)
    notify(
        officers.values_list("pk", flat=True),
        kind=Notification.Kind.RECORDS,
        message=_("Disposition batch %(id)s (%(schedule)s, %(n)d items) is waiting for your review.")
        % {"id": batch.pk, "schedule": batch.schedule.name, "n": batch.total},
        url="/records/",
    )


# --- approval ------------------------------------------------------------------------------


def enqueue_batch(batch_id: int) -> None:
    """Queue the batch's run after the approval commits (the worker must see the approved row)."""
    from .tasks import run_batch_task

    options = {"queue": settings.RECORDS_QUEUE} if settings.RECORDS_QUEUE else {}
    run_batch_task.apply_async_on_commit((batch_id,), **options)


@transaction.atomic
def batch_approve(*, actor, batch) -> DispositionBatch:
    require_records_officer(actor)
    batch = DispositionBatch.objects.select_for_update().filter(pk=batch.pk).first()
    if batch.state != DispositionBatch.State.PENDING:
        raise ValidationError({"detail": _("This batch was already approved.")})
    batch.state = DispositionBatch.State.APPROVED
    batch.approved_by = actor
    batch.approved_at = timezone.now()
    batch.save(update_fields=["state", "approved_by", "approved_at"])
    audit("batch_approved", actor=actor, target_type="batch", target_id=batch.pk, total=batch.total,
          schedule=batch.schedule_id)
    enqueue_batch(batch.pk)
    return batch


# --- running -------------------------------------------------------------------------------


def _item_delay() -> float:
    # A test hook: slow each item down so a test can kill the worker mid-batch.
    return settings.RECORDS_ITEM_DELAY


def run_batch(batch_id: int, *, budget_seconds: float | None = None) -> dict:
    """Run an approved batch (or the rest of it). Returns ``{"state", "more"}``.

    With a budget the run stops after that many seconds and says ``more``: the
    task then queues the next slice, so no task runs near the time limit or the
    broker's visibility timeout.
    """
    with transaction.atomic():
        batch = DispositionBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None:
            return {"state": None, "more": False}
        if batch.state not in (DispositionBatch.State.APPROVED, DispositionBatch.State.RUNNING):
            return {"state": batch.state, "more": False}
        now = timezone.now()
        if batch.state == DispositionBatch.State.APPROVED:
            batch.state = DispositionBatch.State.RUNNING
            batch.started_at = now
            audit("batch_started", target_type="batch", target_id=batch.pk)
        batch.heartbeat_at = now
        batch.save(update_fields=["state", "started_at", "heartbeat_at"])
    started = time.monotonic()
    delay = _item_delay()
    while True:
        ids = list(
            BatchItem.objects.filter(batch_id=batch_id, state=BatchItem.State.PENDING)
            .order_by("id").values_list("id", flat=True)[:200]
        )
        if not ids:
            break
        for item_id in ids:
            dispose_batch_item(item_id)
            if delay:
                time.sleep(delay)
            if budget_seconds is not None and time.monotonic() - started > budget_seconds:
                return {"state": DispositionBatch.State.RUNNING, "more": True}
    purge_leftover_files(batch_id)
    return {"state": _finish(batch_id), "more": False}


def _finish(batch_id) -> str:
    with transaction.atomic():
        batch = DispositionBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch.state == DispositionBatch.State.RUNNING and not batch.items.filter(
            state=BatchItem.State.PENDING
        ).exists():
            batch.state = DispositionBatch.State.COMPLETED
            batch.finished_at = timezone.now()
            batch.save(update_fields=["state", "finished_at"])
            audit("batch_completed", target_type="batch", target_id=batch.pk, total=batch.total,
                  disposed=batch.disposed, skipped=batch.skipped)
        return batch.state


def _load_target(item):
    model = {ContentType.POST: Post, ContentType.WIKI: WikiPage, ContentType.COMMUNITY: Community}[item.target_type]
    return model.objects.select_for_update().filter(pk=item.target_id).first()


def _current_last_activity(item):
    qs = with_last_activity(item.target_type).filter(pk=item.target_id)
    return qs.values_list("last_activity", flat=True).first()


def _skip(item, state, now):
    BatchItem.objects.filter(pk=item.pk).update(state=state, processed_at=now)
    DispositionBatch.objects.filter(pk=item.batch_id).update(
        done=F("done") + 1, skipped=F("skipped") + 1, heartbeat_at=now
    )
    audit("disposition_skipped", target_type=item.target_type, target_id=item.target_id,
          batch=item.batch_id, reason=state)
    return state


def dispose_batch_item(item_id: int) -> str:
    """Dispose of one batch item in its own transaction; safe to call any number of times."""
    try:
        return _dispose(item_id)
    except Exception as exc:  # one bad item must not stop the batch (nor loop forever)
        log.exception("disposition of batch item %s failed", item_id)
        with transaction.atomic():
            item = BatchItem.objects.select_for_update().filter(pk=item_id, state=BatchItem.State.PENDING).first()
            if item is None:
                return BatchItem.objects.filter(pk=item_id).values_list("state", flat=True).first()
            BatchItem.objects.filter(pk=item.pk).update(state=BatchItem.State.FAILED, processed_at=timezone.now())
            DispositionBatch.objects.filter(pk=item.batch_id).update(done=F("done") + 1, skipped=F("skipped") + 1)
            audit("disposition_failed", target_type=item.target_type, target_id=item.target_id,
                  batch=item.batch_id, error=f"{type(exc).__name__}: {exc}"[:500])
        return BatchItem.State.FAILED


@transaction.atomic
def _dispose(item_id: int) -> str:
    # Claim the item: one row, locked, still pending (one item per transaction is the design, not an N+1).
    item = (
        BatchItem.objects.select_for_update(of=("self",))
        .select_related("batch__schedule", "batch__approved_by")
        .filter(pk=item_id, state=BatchItem.State.PENDING)
        .first()
    )
    if item is None:  # done by an earlier run or another worker
        return BatchItem.objects.filter(pk=item_id).values_list("state", flat=True).first()
    batch = item.batch
    if batch.state not in (DispositionBatch.State.APPROVED, DispositionBatch.State.RUNNING) or not batch.approved_by:
        return item.state  # nothing is destroyed without approval
    now = timezone.now()
    if DispositionRecord.objects.filter(target_type=item.target_type, target_id=item.target_id).exists():
        return _skip(item, BatchItem.State.SKIPPED_GONE, now)  # disposed of with its community
    target = _load_target(item)
    if target is None:
        return _skip(item, BatchItem.State.SKIPPED_GONE, now)
    community_id = target.pk if item.target_type == ContentType.COMMUNITY else target.community_id
    if is_held_target(item.target_type, target.pk, community_id):
        return _skip(item, BatchItem.State.SKIPPED_HELD, now)
    last = _current_last_activity(item)
    if last is not None and last > item.last_activity_at:
        return _skip(item, BatchItem.State.SKIPPED_ACTIVE, now)

    schedule = batch.schedule
    if item.target_type == ContentType.COMMUNITY:
        contents = [
            *packages.packaged(Post).select_for_update(of=("self",)).filter(community_id=target.pk).order_by("pk"),
            *packages.packaged(WikiPage).select_for_update(of=("self",)).filter(community_id=target.pk)
            .order_by("pk"),
        ]
        community = target
    else:
        contents = list(packages.packaged(type(target)).filter(pk=target.pk))
        community = contents[0].community
    package_path = checksum = ""
    if schedule.disposition == Disposition.TRANSFER:
        objs = [target, *contents] if item.target_type == ContentType.COMMUNITY else contents
        package_path, checksum = packages.package_items(
            objs,
            relative_path=f"archive/batch-{batch.pk}/{item.target_type}-{target.pk}.zip",
            external_id=f"unisocial:{item.target_type}:{target.pk}",
        )
    part_of = f"community:{target.pk}" if item.target_type == ContentType.COMMUNITY else ""
    common = {
        "community_id": community.pk, "community_slug": community.slug, "community_name": community.name,
        "batch": batch, "schedule": schedule, "schedule_name": schedule.name, "disposition": schedule.disposition,
        "approved_by": batch.approved_by, "approved_by_username": batch.approved_by.username, "disposed_at": now,
        "package_path": package_path, "package_checksum": checksum,
    }
    records, files = [], []
    for obj in contents:
        kind = ContentType.POST if isinstance(obj, Post) else ContentType.WIKI
        files += destroy_post(obj) if kind == ContentType.POST else destroy_wiki_page(obj)
        if part_of:
            records.append(DispositionRecord(
                target_type=kind, target_id=obj.pk, classification=obj.classification, part_of=part_of,
                last_activity_at=obj.updated_at, **common,
            ))
    if item.target_type == ContentType.COMMUNITY:
        destroy_community(target)
    records.append(DispositionRecord(
        target_type=item.target_type, target_id=item.target_id, classification=item.classification,
        last_activity_at=item.last_activity_at, files=files, **common,
    ))
    # The unique (target_type, target_id) key makes a second disposal of any of these fail and roll back.
    DispositionRecord.objects.bulk_create(records)
    BatchItem.objects.filter(pk=item.pk).update(state=BatchItem.State.DISPOSED, processed_at=now)
    DispositionBatch.objects.filter(pk=batch.pk).update(
        done=F("done") + 1, disposed=F("disposed") + 1, heartbeat_at=now
    )
    audit("disposed", target_type=item.target_type, target_id=item.target_id, batch=batch.pk,
          disposition=schedule.disposition, package_checksum=checksum, items=len(records))
    transaction.on_commit(lambda: delete_files(files))
    return BatchItem.State.DISPOSED


# --- destruction ---------------------------------------------------------------------------

# Every model whose rows name a post, comment or wiki page (a foreign key to it, a
# ``target_type``/``target_id`` pair, its history table), by label, with what destroying the item
# does with them. tests/records/test_disposition_covers_every_model.py walks the models and fails on
# one that names an item and is neither here nor exempted there with its reason.
DELETED = "deleted"  # by destroy_post / destroy_wiki_page, by name
CASCADED = "cascaded"  # by the database, a foreign key to the item ON DELETE CASCADE
KEPT = "kept"  # records of the records (SPEC §4, append-only or permanent): type, id and level, no content
ITEM_DEPENDENTS = {
    Comment._meta.label: DELETED,
    Comment.history.model._meta.label: DELETED,
    Post.history.model._meta.label: DELETED,
    WikiPage.history.model._meta.label: DELETED,
    Notification._meta.label: DELETED,
    PostAttachment._meta.label: CASCADED,  # its files are read first and removed after commit
    WikiAttachment._meta.label: CASCADED,
    Post.tags.through._meta.label: CASCADED,
    "posts.Like": CASCADED,
    "posts.PostReader": CASCADED,
    "posts.WikiPageReader": CASCADED,
    "posts.AccessLog": KEPT,
    "moderation.ModerationAction": KEPT,
    "records.Hold": KEPT,
    "records.BatchItem": KEPT,
    "records.DispositionRecord": KEPT,
    "records.RecordsAuditLog": KEPT,
    "records.DeclassificationReview": KEPT,
}


def destroy_post(post) -> list[str]:
    """Delete a post with its comments, likes, reader grants, tags links, attachments, notifications
    and every history row of it and its comments. Returns the attachment files to remove after commit."""
    pk = post.pk
    comment_ids = list(Comment.objects.filter(post_id=pk).values_list("pk", flat=True))
    files = list(PostAttachment.objects.filter(post_id=pk).values_list("file", flat=True))
    Notification.objects.filter(
        Q(target_type=Notification.Target.POST, target_id=pk)
        | Q(target_type=Notification.Target.COMMENT, target_id__in=comment_ids)
    ).delete()
    Comment.objects.filter(post_id=pk, parent__isnull=False).delete()
    Comment.objects.filter(post_id=pk).delete()
    Post.objects.filter(pk=pk).delete()
    # After the deletes: simple-history writes a "deleted" row for each; those go too.
    Comment.history.model.objects.filter(Q(post_id=pk) | Q(id__in=comment_ids)).delete()
    Post.history.model.objects.filter(id=pk).delete()
    return files


def destroy_wiki_page(page) -> list[str]:
    pk = page.pk
    files = list(WikiAttachment.objects.filter(page_id=pk).values_list("file", flat=True))
    Notification.objects.filter(target_type=Notification.Target.WIKI, target_id=pk).delete()
    WikiPage.objects.filter(pk=pk).delete()
    WikiPage.history.model.objects.filter(id=pk).delete()
    return files


def destroy_community(community) -> None:
    """The community row and what cascades from it (memberships, join requests, its notifications…);
    its posts and wiki pages are destroyed first, one by one."""
    Notification.objects.filter(community_id=community.pk).delete()
    Community.objects.filter(pk=community.pk).delete()


def delete_files(names) -> None:
    for name in names:
        try:
            if name and private_storage.exists(name):
                private_storage.delete(name)
        except OSError:  # retried by the next run of the batch (purge_leftover_files)
            log.warning("could not delete %s", name, exc_info=True)


def purge_leftover_files(batch_id: int) -> None:
    """Files of items disposed of whose deletion did not happen (the worker died after commit)."""
    for names in DispositionRecord.objects.filter(batch_id=batch_id).exclude(files=[]).values_list(
        "files", flat=True
    ).iterator(chunk_size=500):
        delete_files(names)


# --- the certificate -----------------------------------------------------------------------

CERTIFICATE_FIELDS = [
    "target_type", "target_id", "classification", "community_id", "community_slug", "schedule_name",
    "disposition", "approved_by_username", "disposed_at", "package_checksum", "part_of",
]


def certificate_rows(batch):
    return DispositionRecord.objects.filter(batch=batch).order_by("disposed_at", "id").values(*CERTIFICATE_FIELDS)


def certificate_csv_from_rows(rows) -> bytes:
    """The certificate's canonical CSV: levels as stored (no translated label), cells neutralised,
    UTF-8 with a BOM. It is exactly the bytes served, so a checksum of it verifies what was downloaded."""
    return csv_bytes(CERTIFICATE_FIELDS, ([row.get(f) for f in CERTIFICATE_FIELDS] for row in rows))


def certificate_csv(batch) -> bytes:
    return certificate_csv_from_rows(certificate_rows(batch))


def stalled_batches(*, now=None, stall_seconds=None):
    """Approved batches not started, and running batches whose worker went quiet (killed, lost task)."""
    now = now or timezone.now()
    stall = stall_seconds if stall_seconds is not None else settings.RECORDS_BATCH_STALL_SECONDS
    quiet = now - dt.timedelta(seconds=stall)
    return DispositionBatch.objects.filter(
        Q(state=DispositionBatch.State.APPROVED, approved_at__lte=quiet)
        | Q(state=DispositionBatch.State.RUNNING, heartbeat_at__lt=quiet)
    )


def run_approved_batches(*, now=None, stall_seconds=None) -> dict:
    """The beat job: queue approved batches nobody is running (never started, or a worker died)."""
    ids = list(stalled_batches(now=now, stall_seconds=stall_seconds).values_list("pk", flat=True))
    for pk in ids:
        enqueue_batch(pk)
    return {"queued": ids}

"""Disposition (SPEC §4): gather due items per schedule, two sign-offs, run, quarantine, certify.

* ``due_items(schedule, now)`` — one set-based query per schedule: items of
  the schedule's type and level whose last activity (posts: the later of
  ``updated_at`` and their latest comment; wiki pages: ``updated_at``;
  archived communities: ``last_activity_at``) is older than ``retain_days``.
  Withdrawn items are due like any other; held items, items already disposed
  of or in quarantine, items waiting in an open batch and items an office of
  record withheld (or an officer restored) less than ``STALE_GRACE_DAYS`` ago
  are not. Content no schedule covers is never selected.
* ``gather_due`` — a batch per schedule with due items, written by one
  ``INSERT … SELECT`` (set-based: no item passes through Python). Each item is
  **frozen** as gathered: type, id, level, community, schedule, and the
  schedule's disposition, retention and restore window at that moment; the
  batch freezes the schedule's name and rule for its certificate's header.
* Four eyes (``records.signoffs``): ``batch_confirm`` — for each community of the batch, one of its
  active owners (a records officer where it has none) confirms its items and
  may withhold some with a reason; ``batch_approve`` — then a records officer
  who confirmed none of it approves, retyping the batch number.
* ``run_batch`` — each item in its own transaction: lock it, skip it (with its
  reason) unless it is still what was approved (there, same level, not held,
  not active again, past retention under the frozen rule), build and verify
  its package (frozen disposition ``transfer``), then move it to quarantine
  (``records.quarantine``), purged after the frozen ``restore_days``. A re-run,
  or two workers at once, change nothing already done.
* The certificate is issued once (``issue_certificate``), when no item of a
  completed batch is left pending or in quarantine, and stored.
"""
import datetime as dt
import logging
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DateTimeField, Exists, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Community, Membership, Role
from notifications.models import Notification
from notifications.services import notify, notify_rows
from posts.models import Comment, Post, WikiPage
from unisocial import items as item_vocabulary
from unisocial.classification import Level, Status

from . import packages
from .audit import audit
from .certificates import (  # noqa: F401 (re-exported: the certificate is part of a batch's life)
    CERTIFICATE_FIELDS,
    certificate_csv,
    certificate_csv_from_rows,
    issue_certificate,
)
from .holds import held_q, is_held_target
from .models import (
    BatchCommunity,
    BatchItem,
    ContentType,
    Disposition,
    DispositionBatch,
    DispositionRecord,
    RetentionSchedule,
)
from .quarantine import (  # noqa: F401 (the destruction's names, re-exported for their callers and tests)
    CASCADED,
    DELETED,
    ITEM_DEPENDENTS,
    KEPT,
    destroy_community,
    destroy_post,
    destroy_wiki_page,
    quarantine_community,
    quarantine_contents,
)
from .signoffs import (  # noqa: F401 (re-exported: the sign-offs are part of a batch's life)
    BatchConflict,
    approval_summary,
    batch_approve,
    batch_confirm,
    batches_confirmable_by,
    can_confirm,
    enqueue_batch,
)

log = logging.getLogger(__name__)
OPEN_BATCH_STATES = [DispositionBatch.State.PENDING, DispositionBatch.State.CONFIRMED,
                     DispositionBatch.State.APPROVED, DispositionBatch.State.RUNNING]
RUNNABLE_STATES = [DispositionBatch.State.APPROVED, DispositionBatch.State.RUNNING]
SKIPPED_STATES = [BatchItem.State.SKIPPED_HELD, BatchItem.State.SKIPPED_GONE, BatchItem.State.SKIPPED_ACTIVE,
                  BatchItem.State.SKIPPED_LEVEL, BatchItem.State.SKIPPED_NOT_DUE, BatchItem.State.RESTORED,
                  BatchItem.State.FAILED]


def item_model(target_type: str):
    """The model of a batch item's ``target_type`` (the item vocabulary, ``unisocial.items``)."""
    return item_vocabulary.item_type(target_type).model


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
    in_batch = BatchItem.objects.filter(target_type=kind, target_id=OuterRef("pk"))
    in_open_batch = in_batch.filter(state=BatchItem.State.PENDING, batch__state__in=OPEN_BATCH_STATES)
    # Withheld by an office of record (or restored from quarantine) lately: not gathered again for the grace.
    set_aside = in_batch.filter(
        state__in=[BatchItem.State.WITHHELD, BatchItem.State.RESTORED],
        processed_at__gte=now - dt.timedelta(days=settings.STALE_GRACE_DAYS),
    )
    in_quarantine = in_batch.filter(state=BatchItem.State.QUARANTINED)
    disposed = DispositionRecord.objects.filter(target_type=kind, target_id=OuterRef("pk"))
    rows = (
        with_last_activity(kind)
        .filter(_quiet_since(kind, cutoff), level__in=covered_levels(schedule))
        .exclude(held_q(kind))
        .exclude(Exists(in_open_batch))
        .exclude(Exists(set_aside))
        .exclude(Exists(in_quarantine))
        .exclude(Exists(disposed))
    )
    if kind != ContentType.COMMUNITY:
        rows = rows.exclude(status=Status.QUARANTINED)  # in quarantine with its community
    return rows


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
        batches = DispositionBatch.objects.bulk_create([_new_batch(schedule, now) for schedule in schedules])
        if any(batch.pk is None for batch in batches):  # a backend that returns no ids from a bulk insert
            batches = [_new_batch(schedule, now) for schedule in schedules]
            for batch in batches:
                batch.save()
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
                  total=batch.total, as_of=now.isoformat(), disposition=batch.frozen_disposition,
                  retain_days=batch.retain_days, restore_days=batch.restore_days)
            _tell_records_officers(batch)
            gathered[schedule.name] = batch.total
        _add_offices_of_record([b for b in batches if b.pk not in empty])
    return {"batches": len(gathered), "items": sum(gathered.values())}


def _new_batch(schedule, now):
    """A batch with its schedule's name and rule frozen as they are now (SPEC §4)."""
    return DispositionBatch(
        schedule=schedule, as_of=now, gathered_at=now, schedule_name=schedule.name,
        content_type=schedule.content_type, frozen_disposition=schedule.disposition,
        retain_days=schedule.retain_days, restore_days=schedule.restore_days,
    )


def _add_offices_of_record(batches) -> None:
    """One confirmation row per community of each batch, and its owners told they have items to confirm."""
    if not batches:
        return
    pairs = list(
        BatchItem.objects.filter(batch__in=batches).order_by().values_list("batch_id", "community_id").distinct()
    )
    slugs = dict(Community.objects.filter(pk__in={c for _b, c in pairs}).values_list("pk", "slug"))
    BatchCommunity.objects.bulk_create(
        [BatchCommunity(batch_id=b, community_id=c, community_slug=slugs.get(c, str(c))) for b, c in pairs],
        batch_size=1000,
    )
    # Their owners told, in one query and one insert whatever the number of communities.
    owners = (
        Membership.objects.active().filter(content_object_id__in={c for _b, c in pairs}, role=Role.OWNER,
                                           user__is_active=True)
        .values_list("content_object_id", "user_id")
    )
    owners_of: dict[int, list[int]] = {}
    for community_id, user_id in owners:
        owners_of.setdefault(community_id, []).append(user_id)
    notify_rows([
        Notification(
            recipient_id=user_id, kind=Notification.Kind.RECORDS, event="batch_owner_confirm",
            data={"batch": batch_id, "community": slugs.get(community_id, community_id)},
            url=f"/records/batches/{batch_id}/confirm/{slugs.get(community_id, community_id)}/",
        )
        for batch_id, community_id in pairs for user_id in owners_of.get(community_id, [])
    ])


def _insert_due_items(schedules_and_batches, *, now) -> int:
    """``INSERT INTO batch items SELECT …`` the due items of every (schedule, batch) pair; returns the row count."""
    branches, params = [], []
    # A JSON literal in a UNION branch is text to PostgreSQL: say it is jsonb.
    empty_json = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    for schedule, batch in schedules_and_batches:
        rows = due_items(schedule, now=now).annotate(
            due_pk=F("pk"), due_level=F("level"), due_community=F("community_id"), due_last=F("last_activity"),
        ).values_list("due_pk", "due_level", "due_community", "due_last")
        sql, sub_params = rows.query.get_compiler(using=rows.db).as_sql()
        branches.append(
            f"SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, {empty_json}, "
            'due."due_pk", due."due_level", due."due_community", due."due_last" '
            f"FROM ({sql}) due"
        )
        # The schedule's rule frozen into each item as it is now (SPEC §4).
        params += [batch.pk, schedule.content_type, BatchItem.State.PENDING, schedule.pk, schedule.disposition,
                   schedule.retain_days, schedule.restore_days, "", "", "", "[]", *sub_params]
    table = BatchItem._meta.db_table
    columns = ", ".join(
        connection.ops.quote_name(BatchItem._meta.get_field(name).column)
        for name in ("batch", "target_type", "state", "schedule_id", "disposition", "retain_days", "restore_days",
                     "reason", "package_path", "package_checksum", "quarantined_contents", "target_id",
                     "classification", "community_id", "last_activity_at")
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
        event="batch_review",
        data={"batch": batch.pk, "schedule": batch.schedule.name, "n": batch.total},
        url=f"/records/batches/{batch.pk}/",
    )


# --- running -------------------------------------------------------------------------------


def _item_delay() -> float:
    # A test hook: slow each item down so a test can kill the worker mid-batch.
    return settings.RECORDS_ITEM_DELAY


def heartbeat(batch_id: int) -> None:
    """Say the batch's worker is alive (its own statement, committed at once): the beat job takes a
    batch not heard of for ``RECORDS_BATCH_STALL_SECONDS`` as stalled and queues it again."""
    DispositionBatch.objects.filter(pk=batch_id).update(heartbeat_at=timezone.now())


def run_batch(batch_id: int, *, budget_seconds: float | None = None, now=None) -> dict:
    """Run an approved batch (or the rest of it). Returns ``{"state", "more"}``.

    With a budget the run stops after that many seconds and says ``more``: the
    task then queues the next slice, so no task runs near the time limit or the
    broker's visibility timeout. ``now`` (``records_sweep --as-of``) dates the
    checks, the quarantine and its purge date; the heartbeat is always the clock's.
    """
    with transaction.atomic():
        batch = DispositionBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None:
            return {"state": None, "more": False}
        if batch.state not in RUNNABLE_STATES:
            return {"state": batch.state, "more": False}
        if batch.state == DispositionBatch.State.APPROVED:
            batch.state = DispositionBatch.State.RUNNING
            batch.started_at = now or timezone.now()
            audit("batch_started", target_type="batch", target_id=batch.pk)
        batch.heartbeat_at = timezone.now()
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
            heartbeat(batch_id)
            dispose_batch_item(item_id, now=now)
            if delay:
                time.sleep(delay)
            if budget_seconds is not None and time.monotonic() - started > budget_seconds:
                return {"state": DispositionBatch.State.RUNNING, "more": True}
    state = _finish(batch_id, now=now)
    issue_certificate(batch_id, now=now)  # when every item was skipped: nothing left to purge
    return {"state": state, "more": False}


def _finish(batch_id, *, now=None) -> str:
    with transaction.atomic():
        batch = DispositionBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch.state == DispositionBatch.State.RUNNING and not batch.items.filter(
            state=BatchItem.State.PENDING
        ).exists():
            batch.state = DispositionBatch.State.COMPLETED
            batch.finished_at = now or timezone.now()
            batch.save(update_fields=["state", "finished_at"])
            audit("batch_completed", target_type="batch", target_id=batch.pk, total=batch.total,
                  quarantined=batch.disposed, skipped=batch.skipped)
        return batch.state


def _load_target(item):
    return item_model(item.target_type).objects.select_for_update().filter(pk=item.target_id).first()


def _current_last_activity(item):
    qs = with_last_activity(item.target_type).filter(pk=item.target_id)
    return qs.values_list("last_activity", flat=True).first()


def _current_level(item, target) -> str:
    return target.ceiling if item.target_type == ContentType.COMMUNITY else target.classification


def _skip(item, state, now, reason=""):
    reason = reason or str(BatchItem.State(state).label)
    BatchItem.objects.filter(pk=item.pk).update(state=state, processed_at=now, reason=reason)
    DispositionBatch.objects.filter(pk=item.batch_id).update(done=F("done") + 1, skipped=F("skipped") + 1)
    audit("disposition_skipped", target_type=item.target_type, target_id=item.target_id,
          batch=item.batch_id, reason=state, detail=reason)
    return state


def dispose_batch_item(item_id: int, *, now=None) -> str:
    """Execute one batch item in its own transaction; safe to call any number of times."""
    try:
        return _dispose(item_id, now=now or timezone.now())
    except Exception as exc:  # one bad item must not stop the batch (nor loop forever)
        log.exception("disposition of batch item %s failed", item_id)
        with transaction.atomic():
            item = BatchItem.objects.select_for_update().filter(pk=item_id, state=BatchItem.State.PENDING).first()
            if item is None:
                return BatchItem.objects.filter(pk=item_id).values_list("state", flat=True).first()
            BatchItem.objects.filter(pk=item.pk).update(
                state=BatchItem.State.FAILED, processed_at=now or timezone.now(),
                reason=_("Failed: %(error)s") % {"error": type(exc).__name__},
            )
            DispositionBatch.objects.filter(pk=item.batch_id).update(done=F("done") + 1, skipped=F("skipped") + 1)
            audit("disposition_failed", target_type=item.target_type, target_id=item.target_id,
                  batch=item.batch_id, error=f"{type(exc).__name__}: {exc}"[:500])
        return BatchItem.State.FAILED


def _level_text(level) -> str:
    return str(Level(level).label) if level in Level.values else str(level)


@transaction.atomic
def _dispose(item_id: int, *, now) -> str:
    # Claim the item: one row, locked, still pending (one item per transaction is the design, not an N+1).
    item = (
        BatchItem.objects.select_for_update(of=("self",))
        .select_related("batch")
        .filter(pk=item_id, state=BatchItem.State.PENDING)
        .first()
    )
    if item is None:  # done by an earlier run or another worker
        return BatchItem.objects.filter(pk=item_id).values_list("state", flat=True).first()
    batch = item.batch
    if batch.state not in RUNNABLE_STATES or not batch.approved_by_id:
        return item.state  # nothing is disposed of without both sign-offs
    if DispositionRecord.objects.filter(target_type=item.target_type, target_id=item.target_id).exists():
        return _skip(item, BatchItem.State.SKIPPED_GONE, now)  # disposed of with its community
    target = _load_target(item)
    if target is None or getattr(target, "status", None) == Status.QUARANTINED:
        return _skip(item, BatchItem.State.SKIPPED_GONE, now)
    # Exactly as approved, and only if it still is what was approved (SPEC §4).
    community_id = target.pk if item.target_type == ContentType.COMMUNITY else target.community_id
    if is_held_target(item.target_type, target.pk, community_id):
        return _skip(item, BatchItem.State.SKIPPED_HELD, now)
    level = _current_level(item, target)
    if level != item.classification:
        return _skip(item, BatchItem.State.SKIPPED_LEVEL, now, _(
            "Its level changed from %(old)s to %(new)s after gathering; it will be gathered again."
        ) % {"old": _level_text(item.classification), "new": _level_text(level)})
    last = _current_last_activity(item)
    if last is not None and last > item.last_activity_at:
        return _skip(item, BatchItem.State.SKIPPED_ACTIVE, now)
    if last is not None and last >= now - dt.timedelta(days=item.retain_days):
        return _skip(item, BatchItem.State.SKIPPED_NOT_DUE, now)

    if item.target_type == ContentType.COMMUNITY:
        contents = [
            *packages.packaged(Post).select_for_update(of=("self",)).filter(community_id=target.pk).order_by("pk"),
            *packages.packaged(WikiPage).select_for_update(of=("self",)).filter(community_id=target.pk)
            .order_by("pk"),
        ]
    else:
        contents = list(packages.packaged(type(target)).filter(pk=target.pk))
    package_path = checksum = ""
    if item.disposition == Disposition.TRANSFER:  # the frozen disposition, never the live schedule's
        objs = [target, *contents] if item.target_type == ContentType.COMMUNITY else contents
        package_path, checksum = packages.package_items(
            objs,
            relative_path=f"archive/batch-{batch.pk}/{item.target_type}-{target.pk}.zip",
            external_id=f"unisocial:{item.target_type}:{target.pk}",
        )
    # The package is written and verified (package_items verifies it): now out of everyone's sight.
    quarantined = quarantine_contents(contents)
    if item.target_type == ContentType.COMMUNITY:
        quarantine_community(target.pk, now)
    BatchItem.objects.filter(pk=item.pk).update(
        state=BatchItem.State.QUARANTINED, processed_at=now, quarantined_at=now,
        purge_after=now + dt.timedelta(days=item.restore_days), quarantined_contents=quarantined,
        package_path=package_path, package_checksum=checksum,
    )
    DispositionBatch.objects.filter(pk=batch.pk).update(done=F("done") + 1, disposed=F("disposed") + 1)
    audit("quarantined", target_type=item.target_type, target_id=item.target_id, batch=batch.pk,
          disposition=item.disposition, package_checksum=checksum, items=len(quarantined),
          purge_after=(now + dt.timedelta(days=item.restore_days)).isoformat())
    return BatchItem.State.QUARANTINED


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

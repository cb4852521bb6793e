"""Quarantine, restore and purge of disposed items (SPEC §4).

* ``quarantine_contents`` — a batch item, its package written and verified, leaves
  everyone's sight at once: its posts and wiki pages take the ``quarantined``
  status, which no branch of the access rule selects (like ``withdrawn``); the
  statuses they had are kept on the batch item, to give back on restore.
* ``quarantine_restore`` — a records officer gives an item back within its
  restore window (logged, the community's owners notified).
* ``purge_due`` — the items whose frozen ``restore_days`` have passed are destroyed
  completely (below), each in its own transaction, and their disposition records
  written; after each batch's purge the purged tables are vacuumed on PostgreSQL
  (outside any transaction) so deleted text does not linger in the database's
  files; then the batch's certificate is issued if nothing is left to do.

Destruction is complete: the item's rows, history rows, comments, likes, reader
grants, moderation flags (with their notes), notifications, tags no other item
uses, attachments (files deleted after commit) — and the disposition record keeps
metadata only (no title, body or file name).
"""
import logging

from django.db import connection, connections, transaction
from django.db.models import Count, F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Community
from moderation.models import Flag
from notifications.models import Notification
from notifications.services import notify
from posts.models import Comment, Post, PostAttachment, Tag, WikiAttachment, WikiPage
from posts.models.attachment import private_storage
from unisocial import items
from unisocial.classification import Status
from unisocial.private_storage import STORAGE_ERRORS

from . import exports
from .audit import audit, require_records_officer
from .certificates import issue_certificate, issue_due_certificates
from .holds import is_held_target
from .models import (
    BatchItem,
    ContentType,
    DispositionBatch,
    DispositionRecord,
    PendingFileDeletion,
)
from .offices import active_owner_ids

log = logging.getLogger(__name__)

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
    Flag._meta.label: DELETED,  # with their notes (SPEC §4)
    PostAttachment._meta.label: CASCADED,  # its files are read first and removed after commit
    WikiAttachment._meta.label: CASCADED,
    Post.tags.through._meta.label: CASCADED,  # and the tags no other item uses are deleted by name
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

# The tables a purge deletes from (vacuumed after each batch's purge, on PostgreSQL).
PURGED_MODELS = (
    Post, Post.history.model, Comment, Comment.history.model, WikiPage, WikiPage.history.model,
    PostAttachment, WikiAttachment, Post.tags.through, Tag, Flag, Notification, Community,
)


# --- quarantine ----------------------------------------------------------------------------


def quarantine_contents(contents) -> list[list]:
    """Put ``contents`` (posts and wiki pages) in quarantine; returns ``[[type, id, status it had], …]``.
    A bulk status update: it writes no history row, so nothing of the item is copied anywhere."""
    kept = [[items.type_of(obj), obj.pk, obj.status] for obj in contents]
    for kind in {k for k, _pk, _s in kept}:
        ids = [pk for k, pk, _s in kept if k == kind]
        items.item_type(kind).model.objects.filter(pk__in=ids).update(status=Status.QUARANTINED)
    return kept


def quarantine_community(community_id, now) -> None:
    Community.objects.filter(pk=community_id).update(quarantined_at=now)


def _give_back(contents, community_id=None) -> None:
    if community_id is not None:
        Community.objects.filter(pk=community_id).update(quarantined_at=None)
    for kind, pk, status in contents:
        items.item_type(kind).model.objects.filter(pk=pk, status=Status.QUARANTINED).update(status=status)


def _community_of(item):
    return item.target_id if item.target_type == ContentType.COMMUNITY else None


def quarantined_items():
    """Items disposed of and not yet purged, soonest purge first (metadata only)."""
    return BatchItem.objects.filter(state=BatchItem.State.QUARANTINED).select_related("batch").order_by(
        "purge_after", "id"
    )


@transaction.atomic
def quarantine_restore(*, actor, target_type, target_id, now=None) -> BatchItem:
    """A records officer gives a quarantined item back (SPEC §4): logged, the community's owners told."""
    require_records_officer(actor)
    now = now or timezone.now()
    item = (
        BatchItem.objects.select_for_update()
        .filter(target_type=target_type, target_id=target_id, state=BatchItem.State.QUARANTINED).first()
    )
    if item is None:
        raise Http404(_("No such item in quarantine."))
    _give_back(item.quarantined_contents, _community_of(item))
    reason = _("Restored from quarantine by %(user)s.") % {"user": actor.username}
    BatchItem.objects.filter(pk=item.pk).update(state=BatchItem.State.RESTORED, reason=reason, processed_at=now)
    DispositionBatch.objects.filter(pk=item.batch_id).update(disposed=F("disposed") - 1, skipped=F("skipped") + 1)
    audit("quarantine_restored", actor=actor, target_type=item.target_type, target_id=item.target_id,
          batch=item.batch_id)
    owners = active_owner_ids(item.community_id)
    if owners:
        notify(owners, kind=Notification.Kind.RECORDS, event="quarantine_restored", actor=actor,
               data={"type": item.target_type, "id": item.target_id}, url=_item_url(item))
    issue_certificate(item.batch_id, now=now)  # the last one out of quarantine: the batch is done
    return item


def _item_url(item) -> str:
    if item.target_type == ContentType.POST:
        return f"/posts/{item.target_id}/"
    slug = Community.objects.filter(pk=item.community_id).values_list("slug", flat=True).first()
    return f"/communities/{slug}/" if slug else ""


def _issue(batch_id, now):
    issue_certificate(batch_id, now=now)


# --- purge ---------------------------------------------------------------------------------


def purge_due(*, now=None) -> dict:
    """Purge every quarantined item whose restore window has passed (the beat job, ``records_sweep``)."""
    now = now or timezone.now()
    ids = list(
        BatchItem.objects.filter(state=BatchItem.State.QUARANTINED, purge_after__lte=now)
        .order_by("batch_id", "id").values_list("id", "batch_id")
    )
    by_batch: dict[int, list[int]] = {}
    for item_id, batch_id in ids:
        by_batch.setdefault(batch_id, []).append(item_id)
    purged = 0
    for batch_id, item_ids in by_batch.items():
        for item_id in item_ids:
            purged += purge_item(item_id, now=now) == BatchItem.State.DISPOSED
        vacuum_purged_tables()
        _issue(batch_id, now)
    delete_pending_files()
    certificates = issue_due_certificates(now=now)
    return {"purged": purged, "batches": len(by_batch), "certificates": certificates}


@transaction.atomic
def purge_item(item_id: int, *, now) -> str | None:
    """Destroy one quarantined item completely and write its disposition records (own transaction)."""
    item = (
        BatchItem.objects.select_for_update(of=("self",)).select_related("batch", "batch__approved_by")
        .filter(pk=item_id, state=BatchItem.State.QUARANTINED).first()
    )
    if item is None:  # purged or restored by another run
        return BatchItem.objects.filter(pk=item_id).values_list("state", flat=True).first()
    batch = item.batch
    community = Community.objects.filter(pk=item.community_id).first()
    if is_held_target(item.target_type, item.target_id, item.community_id):
        # A hold placed during quarantine: the item may not be destroyed; it comes back.
        _give_back(item.quarantined_contents, _community_of(item))
        reason = _("Put under hold while in quarantine: given back, not destroyed.")
        BatchItem.objects.filter(pk=item.pk).update(state=BatchItem.State.SKIPPED_HELD, reason=reason,
                                                    processed_at=now)
        DispositionBatch.objects.filter(pk=batch.pk).update(disposed=F("disposed") - 1, skipped=F("skipped") + 1)
        audit("purge_skipped_held", target_type=item.target_type, target_id=item.target_id, batch=batch.pk)
        return BatchItem.State.SKIPPED_HELD
    common = {
        "community_id": item.community_id,
        "community_slug": community.slug if community else "",
        "community_name": community.name if community else "",
        "batch": batch, "schedule_id": batch.schedule_id, "schedule_name": batch.schedule_name,
        "disposition": item.disposition, "approved_by": batch.approved_by,
        "approved_by_username": batch.approved_by.username, "disposed_at": now,
        "package_path": item.package_path, "package_checksum": item.package_checksum,
    }
    part_of = f"community:{item.target_id}" if item.target_type == ContentType.COMMUNITY else ""
    records, files = [], []
    for kind, pk, _status in item.quarantined_contents:
        obj = items.item_type(kind).model.objects.select_for_update().filter(pk=pk).first()
        if obj is None:
            continue
        files += destroy_post(obj) if kind == ContentType.POST else destroy_wiki_page(obj)
        if part_of:
            records.append(DispositionRecord(
                target_type=kind, target_id=pk, classification=obj.classification, part_of=part_of,
                last_activity_at=obj.updated_at, **common,
            ))
    if item.target_type == ContentType.COMMUNITY and community is not None:
        destroy_community(community)
    records.append(DispositionRecord(
        target_type=item.target_type, target_id=item.target_id, classification=item.classification,
        last_activity_at=item.last_activity_at, **common,
    ))
    # The unique (target_type, target_id) key makes a second disposal of any of these fail and roll back.
    DispositionRecord.objects.bulk_create(records)
    BatchItem.objects.filter(pk=item.pk).update(state=BatchItem.State.DISPOSED, processed_at=now)
    audit("disposed", target_type=item.target_type, target_id=item.target_id, batch=batch.pk,
          disposition=item.disposition, package_checksum=item.package_checksum, items=len(records))
    # Storage paths only, in a table that forgets them once the files are gone (SPEC §4: no file names kept).
    pending = PendingFileDeletion.objects.bulk_create([PendingFileDeletion(path=name) for name in files if name])
    pending_ids = [p.pk for p in pending if p.pk]
    transaction.on_commit(lambda: delete_files(files, pending_ids))
    # No copy stays (SPEC §4): an owner's community export holding what was destroyed goes too.
    if item.target_type == ContentType.COMMUNITY:
        held_in_exports = [(ContentType.COMMUNITY, item.target_id)]
    else:
        held_in_exports = sorted({(kind, pk) for kind, pk, _s in item.quarantined_contents}
                                 | {(item.target_type, item.target_id)})
    transaction.on_commit(lambda: [exports.discard_exports_holding(kind, pk, item.community_id)
                                   for kind, pk in held_in_exports])
    return BatchItem.State.DISPOSED


def _orphan_tags(tag_ids) -> None:
    """Tags only the destroyed item used go with it (SPEC §4); a tag another item uses stays."""
    if tag_ids:
        Tag.objects.filter(pk__in=tag_ids).annotate(n=Count("posts")).filter(n=0).delete()


def _flags_of(target_type, ids) -> Q:
    return Q(target_type=target_type, target_id__in=list(ids))


def destroy_post(post) -> list[str]:
    """Delete a post with its comments, likes, reader grants, tags (links, and tags no other post
    uses), attachments, flags (and their notes), notifications and every history row of it and its
    comments. Returns the attachment files to remove after commit."""
    pk = post.pk
    comment_ids = list(Comment.objects.filter(post_id=pk).values_list("pk", flat=True))
    files = list(PostAttachment.objects.filter(post_id=pk).values_list("file", flat=True))
    tag_ids = list(post.tags.values_list("pk", flat=True))
    Notification.objects.filter(
        Q(target_type=Notification.Target.POST, target_id=pk)
        | Q(target_type=Notification.Target.COMMENT, target_id__in=comment_ids)
    ).delete()
    Flag.objects.filter(_flags_of("post", [pk]) | _flags_of("comment", comment_ids)).delete()
    Comment.objects.filter(post_id=pk, parent__isnull=False).delete()
    Comment.objects.filter(post_id=pk).delete()
    Post.objects.filter(pk=pk).delete()
    # After the deletes: simple-history writes a "deleted" row for each; those go too.
    Comment.history.model.objects.filter(Q(post_id=pk) | Q(id__in=comment_ids)).delete()
    Post.history.model.objects.filter(id=pk).delete()
    _orphan_tags(tag_ids)
    return files


def destroy_wiki_page(page) -> list[str]:
    pk = page.pk
    files = list(WikiAttachment.objects.filter(page_id=pk).values_list("file", flat=True))
    Notification.objects.filter(target_type=Notification.Target.WIKI, target_id=pk).delete()
    Flag.objects.filter(_flags_of("wiki", [pk])).delete()
    WikiPage.objects.filter(pk=pk).delete()
    WikiPage.history.model.objects.filter(id=pk).delete()
    return files


def destroy_community(community) -> None:
    """The community row and what cascades from it (memberships, join requests, its flags and
    notifications…); its posts and wiki pages are destroyed first, one by one."""
    Notification.objects.filter(community_id=community.pk).delete()
    Community.objects.filter(pk=community.pk).delete()


def delete_files(names, pending_ids=()) -> None:
    for name in names:
        try:
            if name and private_storage.exists(name):
                private_storage.delete(name)
        except STORAGE_ERRORS:  # retried by the next purge (delete_pending_files)
            log.warning("could not delete a purged item's file", exc_info=True)
            return
    PendingFileDeletion.objects.filter(pk__in=list(pending_ids)).delete()


def delete_pending_files() -> None:
    """Files of purged items whose deletion did not happen (the worker died after commit)."""
    for pending in PendingFileDeletion.objects.order_by("pk").iterator(chunk_size=500):
        delete_files([pending.path], [pending.pk])


def vacuum_purged_tables() -> bool:
    """``VACUUM`` the tables a purge deleted from, so deleted text does not linger in PostgreSQL's
    files (SPEC §4). VACUUM cannot run in a transaction: on a connection of its own, in autocommit.
    Returns whether it ran (not on SQLite, which has no dead tuples to speak of per table).

    Truncating a table's empty tail needs an exclusive lock: while the caller's own transaction still
    holds its locks on these tables (a purge called inside ``atomic``), the truncation could only wait
    out PostgreSQL's 5 s lock timeout per table and give up, so it is not asked for then."""
    if connection.vendor != "postgresql":
        return False
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in PURGED_MODELS)
    options = "ANALYZE" if not connection.in_atomic_block else "ANALYZE, TRUNCATE false"
    own = connections.create_connection("default")
    try:
        own.set_autocommit(True)
        with own.cursor() as cursor:
            cursor.execute(f"VACUUM ({options}) {tables}")
    finally:
        own.close()
    return True


def purge_summary(batch) -> dict:
    """How many of a batch's items wait in quarantine, and the first purge date."""
    rows = BatchItem.objects.filter(batch=batch, state=BatchItem.State.QUARANTINED)
    first = rows.order_by("purge_after").values_list("purge_after", flat=True).first()
    return {"quarantined": rows.count(), "first_purge": first}

"""Community exports (SPEC §4 "Community export", §6 ``communities/{slug}/export/``).

An owner of a community exports it as an archive package of the same BagIt format as
disposition's (``records.packages``) holding exactly what that owner may see (§2.2):
the posts and wiki pages ``visible_to`` them, the comments visible to them, the revisions
their history pages show them, and the attachments of those items.

* ``export_request(actor=, community=)`` — an owner asks; queued in Celery after commit
  (``records.tasks.run_community_export_task``). Their export of that community still
  queued or running is reused, not doubled. Logged (records audit log).
* ``run_export(export_id)`` — what the task calls: builds the package in a temporary file,
  one item at a time with progress (``done``/``total``), verifies it, and stores it in the
  private storage (``STORAGES["private"]``). Safe to deliver twice, like the report runs: a
  finished export is left alone, one whose worker went quiet (``RECORDS_REPORT_STALL_SECONDS``)
  is built again from the start. The requester must still be an owner when it runs.
* ``open_download(actor=, export=)`` — the package for the permission-checked download view:
  logged (records audit log; an access-log line per strictly confidential item, via ``export``).
* ``expire_exports(now=)`` — removes the packages older than ``COMMUNITY_EXPORT_DAYS`` from
  storage (periodic task, and ``records_sweep``); the row stays, ``expired``, metadata only.
* ``discard_exports_holding(target_type, target_id, community_id)`` — removes at once the
  packages that hold an item, for a disposition that destroys it.

Who sees an export: only the owner who asked for it, while they are an owner of the community
(``CommunityExport.objects.visible_to``). Anyone else gets 404 for it, like any invisible object.
"""
import datetime as dt
import logging
import os
import secrets
import tempfile

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.access import role_in
from posts.models import AccessLog, Post, WikiPage
from posts.models.attachment import private_storage
from unisocial.classification import Level
from unisocial.private_storage import STORAGE_ERRORS

from . import jobs, packages
from .audit import audit, audit_many
from .models import CommunityExport, ContentType

log = logging.getLogger(__name__)

State = CommunityExport.State
ACTIVE_STATES = (State.QUEUED, State.RUNNING)


class ExportTakenOver(Exception):
    """The export is no longer ours (failed as stalled, or taken over by another worker)."""


def export_days() -> int:
    return settings.COMMUNITY_EXPORT_DAYS


def require_owner(actor, community) -> None:
    if role_in(actor, community) != "owner":
        raise PermissionDenied(_("Only the owners of this community may export it."))


def is_stalled(export, *, now=None) -> bool:
    if export.state not in ACTIVE_STATES:
        return False
    now = now or timezone.now()
    last = export.heartbeat_at or export.requested_at
    return last < now - dt.timedelta(seconds=settings.RECORDS_REPORT_STALL_SECONDS)


def stalled_message() -> str:
    return _("The worker building this export stopped answering (it may have been restarted). "
             "Start the export again.")


def plain_error(exc, export_id) -> str:
    """What went wrong, for the owner: no traceback, no SQL, no data."""
    if isinstance(exc, SoftTimeLimitExceeded):
        return _("The export took longer than its time limit and was stopped. Start it again at a quieter time, "
                 "or ask the system managers to raise the limit.")
    if isinstance(exc, DatabaseError):
        return _("The database did not answer (it may have been busy or restarting). "
                 "Start the export again in a few minutes.")
    if isinstance(exc, packages.PackageError):
        return _("A stored file did not match its recorded checksum, so no package was made. "
                 "Tell the system managers the export number (%(id)s).") % {"id": export_id}
    return _("The export stopped because of an unexpected error, logged for the system managers. "
             "Start it again; if it fails again, tell them the export number (%(id)s).") % {"id": export_id}


def enqueue_export(export_id: int) -> None:
    """Queue the build after the request commits (the worker must see the row)."""
    from .tasks import run_community_export_task

    jobs.enqueue_on_commit(run_community_export_task, export_id)


@transaction.atomic
def export_request(*, actor, community) -> tuple[CommunityExport, bool]:
    """The export of ``community`` for ``actor`` (an owner): the one already under way, or a new one
    queued on commit. Returns ``(export, created)``."""
    require_owner(actor, community)
    now = timezone.now()
    active = list(
        CommunityExport.objects.select_for_update()
        .filter(community=community, requested_by=actor, state__in=ACTIVE_STATES)
        .defer("contents").order_by("-requested_at", "-id")
    )
    for export in active:
        if not is_stalled(export, now=now):
            return export, False
    if active:
        CommunityExport.objects.filter(pk__in=[e.pk for e in active], state__in=ACTIVE_STATES).update(
            state=State.FAILED, error=stalled_message(), finished_at=now
        )
    export = CommunityExport.objects.create(community=community, requested_by=actor, requested_at=now)
    audit("community_export_requested", actor=actor, target_type=ContentType.COMMUNITY, target_id=community.pk,
          export=export.pk)
    enqueue_export(export.pk)
    return export, True


def _claim(export_id, now):
    with transaction.atomic():
        export = CommunityExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None:
            return None, "missing"
        if export.state not in ACTIVE_STATES:
            return None, export.state
        if export.state == State.RUNNING and not is_stalled(export, now=now):
            return None, "busy"
        export.state = State.RUNNING
        export.started_at = now  # also our claim: progress updates match on it
        export.heartbeat_at = now
        export.done = export.total = 0
        export.error = ""
        export.save(update_fields=["state", "started_at", "heartbeat_at", "done", "total", "error"])
        return export, None


def export_items(owner, community):
    """What ``owner`` may see of ``community``, with what a package reads prefetched, oldest first."""
    return [
        *packages.packaged(Post).visible_to(owner).filter(community=community).order_by("pk"),
        *packages.packaged(WikiPage).visible_to(owner).filter(community=community).order_by("pk"),
    ]


def storage_name(export) -> str:
    # A random part: the name is never guessable, even by someone who reads storage listings.
    return f"exports/community-{export.community_id}/export-{export.pk}-{secrets.token_hex(8)}.zip"


def run_export(export_id: int) -> str | None:
    """Build export ``export_id`` (the task's body). Returns the state it leaves, or why it did nothing."""
    claimed_at = timezone.now()
    export, reason = _claim(export_id, claimed_at)
    if export is None:
        return reason
    mine = CommunityExport.objects.filter(pk=export_id, state=State.RUNNING, started_at=claimed_at)
    owner, community = export.requested_by, export.community
    if not CommunityExport.objects.visible_to(owner).filter(pk=export_id).exists():
        mine.update(state=State.FAILED, finished_at=timezone.now(),
                    error=_("You are no longer an owner of this community, so it was not exported."))
        return State.FAILED

    def progress(done, total):
        if not mine.update(done=done, total=total, heartbeat_at=timezone.now()):
            raise ExportTakenOver

    saved = ""
    tmp = tempfile.NamedTemporaryFile(prefix="community-export-", suffix=".zip", delete=False)
    try:
        items = export_items(owner, community)
        progress(0, len(items))
        with tmp:
            level, contents = packages.write_bag(
                tmp, [community, *items], bag_name=f"community-{community.slug}-export-{export.pk}",
                external_id=f"unisocial:community:{community.pk}:export:{export.pk}", viewer=owner,
                progress=progress,
            )
        checksum = packages.verify_package(tmp.name)
        size = os.path.getsize(tmp.name)
        with open(tmp.name, "rb") as fh:  # uploaded from the file; the stored copy's checksum checked
            saved = packages.store_package(fh, storage_name(export), checksum)
        now = timezone.now()
        held = [{k: c[k] for k in ("type", "id", "classification", "escalated")} for c in contents]
        if not mine.update(state=State.DONE, file=saved, size=size, sha256=checksum, highest_classification=level,
                           contents=held, finished_at=now, heartbeat_at=now,
                           expires_at=now + dt.timedelta(days=export_days())):
            raise ExportTakenOver
        saved = ""  # the row owns the file now
    except ExportTakenOver:
        return "taken_over"
    except Exception as exc:  # the export's failure, told in plain words; the details go to the log
        log.exception("community export %s failed", export_id)
        mine.update(state=State.FAILED, error=plain_error(exc, export_id), finished_at=timezone.now())
        return State.FAILED
    finally:
        if saved:
            _delete_file(saved)
        try:
            os.unlink(tmp.name)
        except OSError:
            pass
    audit("community_export_built", target_type=ContentType.COMMUNITY, target_id=community.pk, export=export_id,
          items=len(contents), highest_classification=level)
    return State.DONE


def open_download(*, actor, export):
    """The package's file, opened for reading, for ``actor`` (who must see the export); logged."""
    if not CommunityExport.objects.visible_to(actor).filter(pk=export.pk).exists():
        raise PermissionDenied(_("Only the owner who started this export may download it."))
    if export.state != State.DONE or not export.file:
        raise ValidationError(_("This export is not ready for download."))
    fh = private_storage.open(export.file, "rb")
    audit("community_export_downloaded", actor=actor, target_type=ContentType.COMMUNITY,
          target_id=export.community_id, export=export.pk, sha256=export.sha256)
    # Every view of a strictly confidential item is in the access log (SPEC §2.2), and a system
    # manager's of an item escalated to management (§3): a download is one.
    AccessLog.objects.bulk_create([
        AccessLog(user=actor, target_type=c["type"], target_id=c["id"], community_id=export.community_id,
                  classification=c["classification"], via="export")
        for c in export.contents
        if c.get("classification") == Level.STRICTLY_CONFIDENTIAL or (actor.is_superuser and c.get("escalated"))
    ])
    return fh


def download_name(export) -> str:
    return f"{export.community.slug}-export-{export.pk}.zip"


def _delete_file(name) -> None:
    try:
        if name and private_storage.exists(name):
            private_storage.delete(name)
    except STORAGE_ERRORS:  # retried by the next expiry run (the row keeps its name until then)
        log.warning("could not delete %s", name, exc_info=True)


def _remove(exports, *, reason, now) -> int:
    removed = []
    for export in exports:
        _delete_file(export.file)
        if CommunityExport.objects.filter(pk=export.pk, state=State.DONE).update(
            state=State.EXPIRED, file="", expires_at=now
        ):
            removed.append(export)
    audit_many([
        {"action": "community_export_removed", "target_type": ContentType.COMMUNITY,
         "target_id": e.community_id, "details": {"export": e.pk, "reason": reason}}
        for e in removed
    ])
    return len(removed)


def expire_exports(*, now=None) -> dict:
    """Remove from storage the exports past their ``expires_at`` (SPEC §4: after 7 days)."""
    now = now or timezone.now()
    due = list(CommunityExport.objects.filter(state=State.DONE, expires_at__lte=now)
               .only("pk", "file", "community_id").order_by("pk"))
    return {"removed": _remove(due, reason="expired", now=now)}


def discard_exports_holding(target_type, target_id, community_id) -> int:
    """Remove at once the packages that hold an item (a disposition destroys it: no copy stays)."""
    exports = [
        e for e in CommunityExport.objects.filter(community_id=community_id, state=State.DONE).only(
            "pk", "file", "community_id", "contents")
        if target_type == ContentType.COMMUNITY
        or any(c.get("type") == target_type and c.get("id") == int(target_id) for c in e.contents)
    ]
    return _remove(exports, reason=f"{target_type} {target_id} disposed of", now=timezone.now())


def file_deleted_with_row(sender, instance, **kwargs) -> None:
    """``post_delete`` of an export (its community destroyed, cascading): its file goes too, after commit."""
    if instance.file:
        name = instance.file
        transaction.on_commit(lambda: _delete_file(name))

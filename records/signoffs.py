"""The two sign-offs of a disposition batch (SPEC §4, four eyes): nothing is disposed of without both.

1. *Office of record* — for each community of the batch, one of its active owners
   (a records officer where it has none) confirms its items, and may withhold some
   with a reason: they leave the batch (logged) and are not gathered again for
   ``STALE_GRACE_DAYS``. The batch is ``confirmed`` when every community has.
2. *Approval* — a records officer who confirmed none of it approves it on a page
   that sums it up, retyping the batch number; the run is queued after commit.
"""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Membership, Role

from . import jobs
from .audit import audit, require_records_officer
from .models import BatchCommunity, BatchItem, DispositionBatch
from .offices import active_owner_ids


class BatchConflict(Exception):
    """The batch is not in the state the action needs (the API answers 409 with this message)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def enqueue_batch(batch_id: int) -> None:
    """Queue the batch's run after the approval commits (the worker must see the approved row)."""
    from .tasks import run_batch_task

    jobs.enqueue_on_commit(run_batch_task, batch_id)


def can_confirm(user, entry) -> bool:
    """``user`` may confirm ``entry`` (a ``BatchCommunity``): an active owner of the community, or a
    records officer where it has no active owner."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    owners = active_owner_ids(entry.community_id)
    if owners:
        return user.pk in owners
    return bool(user.is_records_officer)


def batches_confirmable_by(user):
    """The batches ``user`` may see as an office of record (owner of one of their communities)."""
    if not (user and user.is_authenticated):
        return DispositionBatch.objects.none()
    owned = Membership.objects.active().filter(user_id=user.pk, role=Role.OWNER).values("content_object_id")
    return DispositionBatch.objects.filter(
        Exists(BatchCommunity.objects.filter(batch_id=OuterRef("pk"), community_id__in=owned))
    )


@transaction.atomic
def batch_confirm(*, actor, batch, community_slug, withhold=(), now=None) -> BatchCommunity:
    """The office of record confirms one community's items of ``batch``, withholding ``withhold``
    (``[{"target_type", "target_id", "reason"}]``): those leave the batch (logged) and are not
    gathered again for ``STALE_GRACE_DAYS``."""
    now = now or timezone.now()
    batch = DispositionBatch.objects.select_for_update().get(pk=batch.pk)
    entry = BatchCommunity.objects.select_for_update().filter(batch=batch, community_slug=community_slug).first()
    if entry is None:
        raise ValidationError({"community": _("This community has no items in this batch.")})
    if not can_confirm(actor, entry):
        raise PermissionDenied(_("Only an active owner of this community (or a records officer, where it has "
                                 "none) may confirm its items."))
    if batch.state != DispositionBatch.State.PENDING:
        raise BatchConflict(_("This batch is no longer waiting for confirmations."))
    if entry.confirmed_at:
        raise BatchConflict(_("%(community)s already confirmed its items in this batch.")
                            % {"community": entry.community_slug})
    pending = BatchItem.objects.filter(batch=batch, community_id=entry.community_id, state=BatchItem.State.PENDING)
    chosen, errors = [], []
    for n, row in enumerate(withhold or []):
        target_type = str((row or {}).get("target_type", ""))
        reason = str((row or {}).get("reason", "")).strip()
        try:
            target_id = int((row or {}).get("target_id"))
        except (TypeError, ValueError):
            target_id = None
        item = pending.filter(target_type=target_type, target_id=target_id).first() if target_id else None
        if item is None:
            errors.append(_("Item %(n)d: no such item of this community in this batch.") % {"n": n + 1})
        elif not reason:
            errors.append(_("Item %(n)d: say why it is withheld.") % {"n": n + 1})
        elif len(reason) > 2000:
            errors.append(_("Item %(n)d: the reason is longer than 2000 characters.") % {"n": n + 1})
        elif item.pk in {i.pk for i, _r in chosen}:
            errors.append(_("Item %(n)d: listed twice.") % {"n": n + 1})
        else:
            chosen.append((item, reason))
    if errors:
        raise ValidationError({"withhold": errors})
    for item, reason in chosen:
        BatchItem.objects.filter(pk=item.pk).update(state=BatchItem.State.WITHHELD, reason=reason, processed_at=now)
        audit("batch_item_withheld", actor=actor, target_type=item.target_type, target_id=item.target_id,
              batch=batch.pk, community=entry.community_slug, reason=reason)
    if chosen:
        DispositionBatch.objects.filter(pk=batch.pk).update(total=F("total") - len(chosen))
    entry.confirmed_by = actor
    entry.confirmed_at = now
    entry.by_records_officer = not active_owner_ids(entry.community_id)
    entry.save(update_fields=["confirmed_by", "confirmed_at", "by_records_officer"])
    audit("batch_community_confirmed", actor=actor, target_type="batch", target_id=batch.pk,
          community=entry.community_slug, withheld=len(chosen), by_records_officer=entry.by_records_officer)
    if not BatchCommunity.objects.filter(batch=batch, confirmed_at__isnull=True).exists():
        DispositionBatch.objects.filter(pk=batch.pk).update(state=DispositionBatch.State.CONFIRMED)
        audit("batch_confirmed", target_type="batch", target_id=batch.pk)
    return entry


def approval_summary(batch) -> list[dict]:
    """Items per community, level and action: what the approver signs."""
    slugs = dict(batch.communities.values_list("community_id", "community_slug"))
    rows = (
        BatchItem.objects.filter(batch=batch, state=BatchItem.State.PENDING).order_by()
        .values("community_id", "classification", "disposition").annotate(n=Count("pk"))
        .order_by("community_id", "classification")
    )
    return [{**r, "community": slugs.get(r["community_id"], r["community_id"])} for r in rows]


@transaction.atomic
def batch_approve(*, actor, batch, confirm) -> DispositionBatch:
    """A records officer who confirmed none of ``batch`` approves it, retyping its number."""
    require_records_officer(actor)
    batch = DispositionBatch.objects.select_for_update().filter(pk=batch.pk).first()
    if batch.state == DispositionBatch.State.PENDING:
        waiting = list(batch.communities.filter(confirmed_at__isnull=True).values_list("community_slug", flat=True))
        raise BatchConflict(_("Not every community has confirmed its items yet (waiting for: %(list)s).")
                            % {"list": ", ".join(waiting)})
    if batch.state != DispositionBatch.State.CONFIRMED:
        raise BatchConflict(_("This batch was already approved."))
    if batch.communities.filter(confirmed_by=actor).exists():
        raise BatchConflict(_("You confirmed items of this batch: another records officer must approve it."))
    if str(confirm if confirm is not None else "").strip() != str(batch.pk):
        raise ValidationError({"confirm": _("Type the batch number, %(id)s, to approve it.") % {"id": batch.pk}})
    batch.state = DispositionBatch.State.APPROVED
    batch.approved_by = actor
    batch.approved_at = timezone.now()
    batch.save(update_fields=["state", "approved_by", "approved_at"])
    audit("batch_approved", actor=actor, target_type="batch", target_id=batch.pk, total=batch.total,
          schedule=batch.schedule_id, disposition=batch.frozen_disposition)
    enqueue_batch(batch.pk)
    return batch

"""Holds (SPEC §4): records officers place a hold on an item or a community, with a reason.

A hold on a community covers everything in it. Holds may overlap: an item is
free only when its last hold is released. A held item cannot be disposed of,
withdrawn or edited (``require_not_held`` receives ``posts.signals.item_write_requested``,
connected in ``RecordsConfig.ready``),
and the disposition queries exclude held items with ``held_q``. Placing and
releasing are written to the records audit log.
"""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from posts.signals import WriteFrozen
from unisocial import items

from .audit import audit, require_records_officer
from .models import ContentType, Hold


def active_holds():
    return Hold.objects.filter(released_at__isnull=True)


def held_q(target_type: str, pk_ref="pk", community_ref="community_id") -> Q:
    """The condition "under an active hold" for rows of ``target_type`` (set-based).

    An item is held by a hold on itself or on its community; a community is
    held by a hold on itself or on anything in it (disposing of it would
    destroy what is held).
    """
    if target_type == ContentType.COMMUNITY:
        return Q(Exists(active_holds().filter(community_id=OuterRef(pk_ref))))
    return Q(Exists(active_holds().filter(target_type=target_type, target_id=OuterRef(pk_ref)))) | Q(
        Exists(active_holds().filter(target_type=ContentType.COMMUNITY, target_id=OuterRef(community_ref)))
    )


def target_of(obj) -> tuple[str, int, int]:
    """``(target_type, target_id, community_id)`` of a post, wiki page, comment or community.

    A comment is held with its post (it inherits its parent's audience and records).
    """
    try:
        kind = items.item_type(items.type_of(obj))
    except LookupError:
        raise TypeError(f"not a records item: {obj!r}") from None
    if kind.parent:  # a comment: its post is what is held
        obj = getattr(obj, kind.parent)
        kind = items.item_type(items.type_of(obj))
    community = kind.community_of(obj)
    return kind.name, obj.pk, community.pk


def is_held(obj) -> bool:
    return is_held_target(*target_of(obj))


def held_message() -> str:
    return _("This item is under a records hold: it cannot be edited, withdrawn, hidden, reclassified or "
             "commented on until the hold is released.")


def require_not_held(obj) -> None:
    """Refuse a change to an item under a records hold (SPEC §4: edit, withdraw, hide, reclassify,
    comment, attach; a comment is held with its post)."""
    if is_held(obj):
        raise WriteFrozen(held_message())


def refuse_held_write(sender, *, item, **kwargs) -> None:
    """Receiver of ``posts.signals.item_write_requested``: ``require_not_held`` (403 when held)."""
    require_not_held(item)


def resolve_target(target_type, target_id) -> tuple[str, int, int]:
    """Find the item a hold names: ``target_id`` is an id, or a slug for a community.

    Records officers hold items whatever their level: existence is checked
    without the visibility rule, and nothing but ids comes back.
    """
    from communities.models import Community

    if target_type not in ContentType.values:
        raise ValidationError({"target_type": _("Choose post, wiki or community.")})
    raw = str(target_id if target_id is not None else "").strip()
    if not raw:
        raise ValidationError({"target_id": _("Name the item to hold.")})
    if target_type == ContentType.COMMUNITY:
        found = Community.objects.filter(slug=raw).values_list("pk", flat=True).first()
        if found is None and raw.isdigit():
            found = Community.objects.filter(pk=int(raw)).values_list("pk", flat=True).first()
        if found is None:
            raise ValidationError({"target_id": _("There is no community “%(slug)s”.") % {"slug": raw}})
        return target_type, found, found
    if not raw.isdigit():
        raise ValidationError({"target_id": _("Give the item's numeric id.")})
    model = items.item_type(target_type).model
    community_id = model.objects.filter(pk=int(raw)).values_list("community_id", flat=True).first()
    if community_id is None:
        raise ValidationError({"target_id": _("There is no such item.")})
    return target_type, int(raw), community_id


@transaction.atomic
def hold_place(*, actor, target_type, target_id, reason, category=Hold.Category.OTHER) -> Hold:
    require_records_officer(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the hold.")})
    if len(reason) > 2000:
        raise ValidationError({"reason": _("Keep the reason under 2,000 characters.")})
    if category not in Hold.Category.values:
        raise ValidationError({"category": _("Choose a hold category.")})
    target_type, pk, community_id = resolve_target(target_type, target_id)
    hold = Hold.objects.create(
        target_type=target_type, target_id=pk, community_id=community_id, category=category,
        reason=reason, placed_by=actor,
    )
    audit("hold_placed", actor=actor, target_type=target_type, target_id=pk,
          hold=hold.pk, category=category, community_id=community_id)
    return hold


@transaction.atomic
def hold_release(*, actor, hold, note="") -> Hold:
    require_records_officer(actor)
    hold = Hold.objects.select_for_update().filter(pk=hold.pk).first()
    if hold.released_at is not None:
        raise ValidationError({"detail": _("This hold was already released.")})
    hold.released_at = timezone.now()
    hold.released_by = actor
    hold.release_note = (note or "").strip()[:2000]
    hold.save(update_fields=["released_at", "released_by", "release_note"])
    still_held = is_held_target(hold.target_type, hold.target_id, hold.community_id)
    audit("hold_released", actor=actor, target_type=hold.target_type, target_id=hold.target_id,
          hold=hold.pk, still_held=still_held)
    return hold


def is_held_target(target_type, target_id, community_id) -> bool:
    if target_type == ContentType.COMMUNITY:
        return active_holds().filter(community_id=target_id).exists()
    return active_holds().filter(
        Q(target_type=target_type, target_id=target_id) | Q(target_type=ContentType.COMMUNITY, target_id=community_id)
    ).exists()

"""The access log of strictly confidential and escalated items, and the history a viewer may read (SPEC §2.2, §3)."""


import logging

from communities.access import can_view, role_in
from unisocial.classification import Level
from unisocial.log import security_event

from ..models import AccessLog, Post, PostAttachment, WikiAttachment
from .rules import _item_of


def log_view(user, item, via="web", target_type=None):
    """Write the access log line for a view of a strictly confidential item, or of an item
    escalated to management by a system manager (SPEC §2.2)."""
    target = _item_of(item)
    if target.classification != Level.STRICTLY_CONFIDENTIAL and not _management_view(user, target):
        return None
    if isinstance(item, PostAttachment | WikiAttachment):
        # A download is logged against the file itself (its level is its parent's).
        target_type, target_pk = target_type or "attachment", item.pk
    else:
        target_type = target_type or ("post" if isinstance(target, Post) else "wiki")
        target_pk = target.pk
    row = AccessLog.objects.create(
        user=user,
        target_type=target_type,
        target_id=target_pk,
        community_id=target.community_id,
        classification=target.classification,
        via=via,
    )
    _log_event(row)
    return row


def log_views(user, items, via="web"):
    """``log_view`` for a page of items shown at once (lists): one insert for all of them."""
    rows = [
        AccessLog(
            user=user,
            target_type="post" if isinstance(target, Post) else "wiki",
            target_id=target.pk,
            community_id=target.community_id,
            classification=target.classification,
            via=via,
        )
        for target in map(_item_of, items or [])
        if target.classification == Level.STRICTLY_CONFIDENTIAL or _management_view(user, target)
    ]
    if not rows:
        return []
    created = AccessLog.objects.bulk_create(rows)
    for row in created:
        _log_event(row)
    return created


def _log_event(row) -> None:
    """The access log row, also as a security event in the process log (SPEC §8)."""
    strictly = row.classification == Level.STRICTLY_CONFIDENTIAL
    security_event(
        "confidential_read" if strictly else "escalated_read",
        "strictly confidential item read" if strictly else "escalated item read by a system manager",
        level=logging.INFO,  # an allowed read, logged for the record
        user_id=row.user_id,
        target_type=row.target_type,
        target_id=row.target_id,
        community_id=row.community_id,
        via=row.via,
    )


def _management_view(user, item) -> bool:
    """A system manager looking at an item escalated to management (logged, SPEC §2.2, §3)."""
    return bool(getattr(user, "is_superuser", False) and getattr(item, "escalated_at", None))


def visible_history(user, item):
    """An item's revisions ``user`` may see (SPEC §2.3): none unless the item is visible;
    revisions recorded above the current level only for the author and the owners."""
    if not can_view(user, item):
        return item.history.none()
    history = item.history.select_related("history_user").order_by("-history_date", "-history_id")
    if item.author_id == user.pk or role_in(user, item.community) == "owner":
        return history
    if not _has_own_level(item):
        # Comments carry no level of their own; their revisions go with the comment.
        return history
    from unisocial.classification import levels_up_to

    # The level now, not the one of a possibly stale instance (e.g. the one passed to a reclassify).
    current = type(item).objects.filter(pk=item.pk).values_list("classification", flat=True).first()
    return history.filter(classification__in=levels_up_to(current or item.classification))


def _has_own_level(item) -> bool:
    return any(f.name == "classification" for f in item.history.model._meta.fields)


def ensure_still_visible(actor, item):
    """After a write: the actor must still see what they saved (NetBox's ObjectEditView habit)."""
    return can_view(actor, item)

"""Reading notifications (SPEC §2.4).

``visible_notifications(user)`` is the one way to read them: a person's own
notifications minus those whose item they can no longer see (withdrawn, hidden,
membership ended…), decided in SQL by the access rule so a page or a count stays
one query. It also annotates the item's current level and title, so that a notification's
sentence is written from the item's state when read (``notifications.messages``), in the
reader's language: never a stale level, nor a title once the item is above unclassified.

Items are known by type and id only: the vocabulary (``unisocial.items``) gives each
type's model and the path to its level, and the model's manager applies the rule.
"""

from django.db.models import Case, CharField, Exists, F, OuterRef, Q, Subquery, Value, When

from unisocial import items
from unisocial.classification import GONE_STATUSES

from .models import Notification, NotificationPreference

Target = Notification.Target
Email = NotificationPreference.Email


def still_there(user, target_type):
    """The target rows ``user`` may see. A withdrawn comment may stay in its thread as a
    placeholder, but there is nothing left to hear about: its notifications go too."""
    rows = items.visible(user, target_type)
    if items.item_type(target_type).parent:
        rows = rows.exclude(status__in=GONE_STATUSES)
    return rows


def _target_visible_q(user) -> Q:
    q = Q(target_type=Target.NONE)
    for target_type in items.ITEMS:
        q |= Q(target_type=target_type) & Exists(
            still_there(user, target_type).filter(pk=OuterRef("target_id"))
        )
    return q


def _target_field(path_of, default):
    """The target item's ``path_of(item_type)`` now, as a subquery per type (one query in all).
    Only for rows already restricted by ``_target_visible_q``: the item is visible."""
    return Case(
        *(
            When(
                target_type=target_type,
                then=Subquery(
                    items.item_type(target_type)
                    .model.objects.filter(pk=OuterRef("target_id"))
                    .values(path_of(items.item_type(target_type)))[:1]
                ),
            )
            for target_type in items.ITEMS
        ),
        default=default,
    )


def _target_level():
    return _target_field(lambda t: t.level_path, F("classification"))


def _target_title():
    # What a notification names an item by: its own title, or for a comment its post's.
    return _target_field(lambda t: f"{t.parent}__title" if t.parent else "title", Value("", output_field=CharField()))


def visible_notifications(user):
    """``user``'s notifications whose item they may still see, newest first (one query)."""
    if not (user and user.is_authenticated):
        return Notification.objects.none()
    return (
        Notification.objects.filter(recipient_id=user.pk)
        .filter(_target_visible_q(user))
        .annotate(target_classification=_target_level(), target_title=_target_title())
        .select_related("community", "actor")
        .order_by("-created_at", "-id")
    )


def unread_rows(user):
    """``user``'s unread notifications whose item they may still see (no annotations: what the
    count reads; ``notifications.unread.watched_tables`` takes its tables from this SQL)."""
    if not (user and user.is_authenticated):
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).filter(
        _target_visible_q(user)
    )


def exact_unread_count(user) -> int:
    """The count, computed now by the access rule (one query): the truth the cache keeps."""
    return unread_rows(user).count()


def unread_count(user) -> int:
    """The exact count; the navigation's, from the cache, is ``notifications.unread.unread_count``."""
    return exact_unread_count(user)


def next_membership_expiry(user, now):
    """When the first of ``user``'s memberships active at ``now`` ends (None: none ends): the
    access rule reads the clock there, so a cached count is valid until then at most."""
    from django.apps import apps

    Membership = apps.get_model("communities", "Membership")  # the core's floor: no import up
    return (
        Membership.objects.filter(user_id=user.pk, expires_at__gt=now)
        .order_by("expires_at")
        .values_list("expires_at", flat=True)
        .first()
    )


def email_preference(user) -> str:
    pref = (
        NotificationPreference.objects.filter(user_id=user.pk)
        .values_list("email", flat=True)
        .first()
    )
    return pref or Email.IMMEDIATE



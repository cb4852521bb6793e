"""Notifications: writing, reading, marking read, and e-mailing them (SPEC §2.4).

* ``notify`` / ``notify_item`` write them. Recipients of an item notification
  are checked against the access rule when it is written; notifications about
  confidential and strictly confidential items carry no title, body or excerpt
  — only the level, the community and a link. After the rows are committed an
  e-mail task is enqueued for each recipient who wants e-mail at once.
* Reading them is ``notifications.selectors.visible_notifications`` (only).
* ``send_notification_email`` and ``send_daily_digest`` (run by the Celery
  tasks in ``notifications.tasks``) recompute visibility and the person's e-mail
  choice when they run, not when they were queued, and are safe to run twice.

Items are known only by type and id (``unisocial.items``): the audience of an item
is asked of the item (``item.audience()``, the access rule read backwards), so this
app imports no app above the core.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from unisocial import items
from unisocial.classification import Level

from . import unread
from .messages import reader_language, render_all
from .models import Notification, NotificationPreference
from .selectors import email_preference, visible_notifications

Email = NotificationPreference.Email


def _target_of(item) -> tuple[str, int]:
    return items.type_of(item), item.pk


# --- writing ------------------------------------------------------------------------------


def notify(
    recipients, *, kind, event, actor=None, data=None, community=None, url="",
    classification="unclassified", target=None,
):
    """Write one notification per recipient; e-mail those who want it at once, after commit.

    No sentence is stored (SPEC §7): ``event`` names the sentence (``notifications.messages``),
    written when the notification is shown or sent, in the reader's language, from ``actor``,
    ``community``, the item (``target``: ``(target_type, target_id)``, or ``None``) and ``data``
    (small JSON extras: ids, ISO dates, levels — never text in someone's language).
    """
    target_type, target_id = target or ("", None)
    rows = [
        Notification(
            recipient_id=getattr(r, "pk", r),
            kind=kind,
            community=community,
            classification=classification,
            event=event,
            actor_id=getattr(actor, "pk", actor),
            data=data or {},
            url=url,
            target_type=target_type,
            target_id=target_id,
        )
        for r in recipients
    ]
    return notify_rows(rows)


def notify_rows(rows: list[Notification]) -> list[Notification]:
    """Write prepared notifications in one insert (a job notifying many people about many
    things) and e-mail, after commit, those who want it at once."""
    if not rows:
        return rows
    with unread.attributed({n.recipient_id for n in rows}):
        Notification.objects.bulk_create(rows, batch_size=1000)
    _enqueue_immediate_emails(rows)
    return rows


def _enqueue_immediate_emails(rows):
    from .tasks import send_notification_email_task  # the task module imports this one

    # No preference row means the default, immediate.
    not_immediate = set(
        NotificationPreference.objects.filter(user_id__in={n.recipient_id for n in rows})
        .exclude(email=Email.IMMEDIATE)
        .values_list("user_id", flat=True)
    )
    for n in rows:
        if n.recipient_id not in not_immediate and n.pk is not None:
            # robust: a mail or broker failure must not break the request that caused it.
            transaction.on_commit(
                lambda pk=n.pk: send_notification_email_task.delay(pk), robust=True
            )


def notify_item(recipients, *, item, kind, actor):
    """Notify about ``item`` (post, comment or wiki page) those recipients who can see it now."""
    # A comment speaks of its post: the post's title, community, level and audience.
    parent_field = items.item_type(items.type_of(item)).parent
    parent = getattr(item, parent_field) if parent_field else item
    ids = [getattr(r, "pk", r) for r in recipients]
    allowed = list(parent.audience().filter(pk__in=ids).values_list("pk", flat=True))
    if not allowed:
        return []
    community = parent.community
    level = parent.classification
    url = item.get_absolute_url()
    # The sentence ("%(actor)s mentioned you: …") is written when read (notifications.messages).
    return notify(
        allowed,
        kind=kind,
        event=kind,
        actor=actor,
        community=community,
        url=url,
        classification=level,
        target=_target_of(item),
    )


# --- marking read, choosing e-mail --------------------------------------------------------


def notification_mark_read(*, actor, notification) -> Notification:
    """Mark one of the actor's notifications read (loaded via ``visible_notifications``)."""
    if notification.recipient_id != actor.pk:  # defence in depth: loading already scoped it
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        with unread.attributed([notification.recipient_id]):
            Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
                read_at=notification.read_at
            )
    return notification


def notification_mark_all_read(*, actor) -> int:
    with unread.attributed([actor.pk]):
        return Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )


def notification_preference_set(*, actor, email) -> NotificationPreference:
    if email not in Email.values:
        raise ValidationError({"email": _("Choose immediate, daily or off.")})
    pref, _created = NotificationPreference.objects.update_or_create(
        user=actor, defaults={"email": email}
    )
    return pref


# --- e-mail -------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _current_if_visible(notification) -> Notification | None:
    """The notification as ``visible_notifications`` reads it (the item's level and title now)
    if the recipient may still see it, else ``None``."""
    return visible_notifications(notification.recipient).filter(pk=notification.pk).first()


def _email_context(notification) -> dict:
    from django.urls import reverse

    link = (
        reverse("notification_open", kwargs={"pk": notification.pk})
        if notification.url
        else reverse("notifications")
    )
    return {
        "notification": notification,
        "level_label": Level(notification.current_classification).label,
        "kind_label": notification.get_kind_display(),
        "community": notification.community,
        "message": notification.display_message,
        "created_at": notification.created_at,
        "link": _absolute(link),
        "preferences_link": _absolute(reverse("notifications")),
    }


def send_notification_email(notification_id) -> bool:
    """E-mail one notification now, if it is still due. Returns whether an e-mail went out.

    Nothing is sent when the notification is gone, already e-mailed or read, when
    the recipient no longer wants e-mail at once, has no address, or can no
    longer see the item.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "community")
            .filter(pk=notification_id, emailed_at__isnull=True, read_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        recipient = notification.recipient
        if (
            not (recipient.is_active and recipient.email)
            or email_preference(recipient) != Email.IMMEDIATE
        ):
            return False
        current = _current_if_visible(notification)
        if current is None:
            return False
        # In the reader's language, whatever language the task runs in (SPEC §7).
        with translation.override(reader_language(recipient)):
            render_all([current])
            context = _email_context(current)
            subject = " ".join(render_to_string("email/notification_subject.txt", context).split())
            body = render_to_string("email/notification_body.txt", context)
        send_mail(subject, body, None, [recipient.email])
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return True


def send_daily_digest(*, now=None) -> dict:
    """Per daily-digest person, one e-mail listing the unread notifications since the last."""
    now = now or timezone.now()
    sent = 0
    prefs = NotificationPreference.objects.filter(email=Email.DAILY).select_related("user")
    for pref in prefs.iterator():
        if _send_digest(pref, now):
            sent += 1
    return {"sent": sent}


def _send_digest(pref, now) -> bool:
    with transaction.atomic():
        pref = (
            NotificationPreference.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=pref.pk)
        )
        user = pref.user
        if pref.email != Email.DAILY or not (user.is_active and user.email):
            return False
        items = visible_notifications(user).filter(
            read_at__isnull=True, emailed_at__isnull=True, created_at__lte=now
        )
        if pref.last_digest_at is not None:
            items = items.filter(created_at__gt=pref.last_digest_at)
        items = list(items)
        pref.last_digest_at = now
        pref.save(update_fields=["last_digest_at"])
        if not items:
            return False
        with translation.override(reader_language(user)):
            context = {
                "user": user,
                "entries": [_email_context(n) for n in render_all(items)],
                "count": len(items),
                "preferences_link": _absolute("/notifications/"),
            }
            subject = " ".join(render_to_string("email/digest_subject.txt", context).split())
            body = render_to_string("email/digest_body.txt", context)
        send_mail(subject, body, None, [user.email])
        Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)
    return True

"""Celery tasks for notifications (SPEC §2.4). Thin: the logic is in ``posts.notifications``.

Both recompute visibility and the recipient's e-mail choice when they run, not
when they were queued, and are safe to run twice (``acks_late``).
"""

from celery import shared_task

from . import notifications


@shared_task(acks_late=True)
def send_notification_email_task(notification_id: int) -> bool:
    """E-mail one notification to a person who wants e-mail at once (queued by ``notify``)."""
    return notifications.send_notification_email(notification_id)


@shared_task(acks_late=True)
def send_daily_digest_task() -> dict:
    """The daily digest; scheduled in ``settings.PERIODIC_TASKS``."""
    return notifications.send_daily_digest()
